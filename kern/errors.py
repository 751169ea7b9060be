"""Domain errors: raised by services, shown to people as they are (already translated)."""

from __future__ import annotations


class DomainError(Exception):
    """Something the person asked for cannot be done; the message says what and why.

    ``status`` is the HTTP status the API answers with; ``code`` a stable machine name.
    """

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = str(message)
        if code:
            self.code = code
        self.field = field

    def __str__(self) -> str:
        return self.message


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class NotAllowed(DomainError):
    """The person is logged in but their role or their locations do not allow this."""

    status = 403
    code = "forbidden"
