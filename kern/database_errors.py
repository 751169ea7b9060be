"""One answer for the database failing while a request is handled.

Every service writes in one transaction, so a ``DatabaseError`` (a lost connection, a
full disk, a deadlock victim, a serialisation failure) leaves nothing half-written: the
transaction is rolled back before the exception reaches this middleware. What is left is
to tell the person so, in Dutch, instead of a bare server error, and to keep what they
typed:

- a page with a form (a POST) gets a page saying nothing was saved, with one button that
  sends exactly what was typed again (the fields travel as hidden inputs; a form's own
  idempotency key goes with them, so a retry after an unclear failure records once);
- the counter and other htmx requests get a short fragment with status 503: the counter
  keeps its basket in the browser and retries a confirm itself;
- the API answers ``{"detail", "code": "database_error"}`` with status 503.

Status 503 (not 500): the failure is temporary and nothing was done; clients may retry.
A ``ProgrammingError`` (bad SQL, a misused transaction) is a bug, not a passing failure:
it stays a server error.
Views need no code of their own for this: they keep catching ``DomainError`` only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import (
    InterfaceError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
)
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
STATUS = 503

#: Failures of the database itself (connection, lock, disk), not of the values written:
#: trying again later may work, so they are never blamed on what the person entered.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)

#: Mistakes in Deelpunt's own code (bad SQL, a misused transaction): trying again cannot
#: help, so these stay server errors that get noticed and fixed.
BUGS: tuple[type[Exception], ...] = (ProgrammingError, NotSupportedError)

#: Never put back on a page: secrets do not travel in a retry form.
_NOT_KEPT = ("csrfmiddlewaretoken", "password", "secret", "token")
#: Fields dropped by exact name: the two-step form's one-time or recovery code (a
#: substring match would also drop "postcode" and "barcode").
_NOT_KEPT_EXACT = ("code",)

#: A retry form carries at most this many values of at most this length (a posted form
#: is small; anything larger is not worth echoing back).
MAX_FIELDS = 500
MAX_VALUE_CHARS = 100_000


def message() -> str:
    return _(
        "Something went wrong while saving: nothing was saved. Try again; if it keeps "
        "happening, tell the admin."
    )


def kept_fields(request: HttpRequest) -> list[tuple[str, str]] | None:
    """What was posted, to send again: every value but secrets, files and the CSRF token
    (the retry form has a fresh one). ``None``: nothing to send again (not a POST, or not
    a form a person filled in)."""
    if request.method != "POST":
        return None
    fields: list[tuple[str, str]] = []
    for name, values in request.POST.lists():
        if name.lower() in _NOT_KEPT_EXACT or any(word in name.lower() for word in _NOT_KEPT):
            continue
        for value in values:
            if len(fields) >= MAX_FIELDS or len(value) > MAX_VALUE_CHARS:
                return None
            fields.append((name, value))
    return fields


def _page(request: HttpRequest) -> HttpResponse:
    fields = kept_fields(request)
    context = {
        "message": message(),
        "retry_fields": fields or [],
        "retry_url": request.get_full_path() if fields is not None else "",
        "had_files": bool(request.method == "POST" and request.FILES),
    }
    body: str
    try:
        body = render_to_string("kern/database_error.html", context, request=request)
    except Exception:  # the page itself needs the database (menu, user): say it plainly
        logger.exception("The database error page could not be rendered")
        body = f'<!DOCTYPE html><html lang="nl-BE"><body><p>{escape(message())}</p></body></html>'
    return HttpResponse(body, status=STATUS)


def _fragment() -> HttpResponse:
    return HttpResponse(
        render_to_string("kern/partials/database_error.html", {"message": message()}),
        status=STATUS,
    )


def response_for(request: HttpRequest) -> HttpResponse:
    """The answer to a request whose handling hit a ``DatabaseError``."""
    response: HttpResponse
    if request.path.startswith(API_PREFIX):
        response = JsonResponse({"detail": message(), "code": "database_error"}, status=STATUS)
    elif request.headers.get("HX-Request") == "true":
        response = _fragment()
    else:
        response = _page(request)
    response["Retry-After"] = "5"
    response["Cache-Control"] = "no-store"
    return response


class DatabaseErrorMiddleware:
    """Turns a ``DatabaseError`` raised by a view into ``response_for`` (logged in full)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # Only failures of the database itself get "try again": an integrity or data error
        # is a bug or a race the service did not expect, and must surface as a 500.
        if not isinstance(exception, TRANSIENT_ERRORS):
            return None
        # %r: the path is the client's, and a percent-encoded CR/LF in it would otherwise
        # start a forged line in the log.
        logger.error(
            "Database error while handling %s %r; nothing was saved",
            request.method,
            request.path,
            exc_info=exception,
        )
        return response_for(request)
