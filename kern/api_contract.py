"""What every API operation promises, in one place: the JSON error answer, bounded ids
and offsets, the declared error codes, and the ``Idempotency-Key`` of write operations.

The OpenAPI document is a contract the fuzz test (tests/api/test_fuzz.py) holds every
operation to: each answer must be declared, and a request the schema allows must not
crash the server, so every number, string and list in an input schema has bounds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Header, Schema, Status
from ninja.params import P
from pydantic import (
    BaseModel,
    ModelWrapValidatorHandler,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)

from kern import idempotency
from kern.models import User

# Database ids are 32-bit on PostgreSQL (serial); anything larger cannot exist.
MAX_ID = 2**31 - 1
MAX_OFFSET = 1_000_000
MAX_LIST = 100

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
OptionalId = Annotated[int | None, Field(None, ge=1, le=MAX_ID)]

# Nothing in Deelpunt happened before 2000: a date in year 1 is a typo. The schema says so
# with a pattern, as JSON Schema has no minimum for dates.
EARLIEST_DAY = dt.date(2000, 1, 1)
LATEST_DAY = dt.date(2999, 12, 31)
Day = Annotated[
    dt.date,
    Field(ge=EARLIEST_DAY, le=LATEST_DAY),
    WithJsonSchema(
        {"type": "string", "format": "date", "pattern": r"^2[0-9]{3}-[0-9]{2}-[0-9]{2}$"}
    ),
]

# For "give this field or that one": an ``anyOf`` of branches naming a field NOT_NULL.
NOT_NULL: dict[str, Any] = {"not": {"type": "null"}}

# PostgreSQL cannot store NUL in text, so no input string may hold one.
NO_NUL = r"^[^\x00]*$"
# ... and one that must say something has a character other than white space.
NOT_BLANK = r"^[^\x00]*[^\x00\s][^\x00]*$"


def text(max_length: int, *, required: bool = False, **field: Any) -> Any:
    """A bounded input string: ``required`` ones hold more than white space."""
    return Field(
        max_length=max_length,
        min_length=1 if required else None,
        pattern=NOT_BLANK if required else NO_NUL,
        **field,
    )


class DictOut(Schema):
    """An answer schema for operations that build plain dicts: ninja wraps every value
    it validates in a DjangoGetter (so a model instance's attributes, managers and files
    can be read), which cost more than the rest of a 50-row list. A dict is validated as
    it is; anything else goes through ninja as before."""

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(
        cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo
    ) -> Any:
        if type(values) is dict:
            return handler(values)
        # At runtime pydantic has unwrapped the decorator: this is the classmethod.
        return super()._run_root_validator(values, handler, info)  # type: ignore[operator]


class ErrorOut(Schema):
    """Every refusal: a Dutch message, a stable machine code, and where it applies."""

    detail: str = Field(..., description="What is wrong, in the caller's language.")
    code: str = Field(..., description="Stable machine name, e.g. `insufficient_stock`.")
    field: str | None = Field(None, description="The input field the message is about.")
    errors: list[dict[str, Any]] | None = Field(
        None, description="Schema validation (422): one entry per invalid field."
    )


ERROR_DESCRIPTIONS = {
    400: "Well-formed, but refused by a rule the schema cannot state (see `detail`).",
    401: "No valid API token or session.",
    403: "Your role or your locations do not allow this (or a session without CSRF token).",
    404: "A record the request names does not exist.",
    409: "Conflicts with the current state, e.g. not enough stock, or an "
    "`Idempotency-Key` reused for another request.",
    422: "The request does not match this schema (see `errors`).",
    502: "UiTPAS refused Deelpunt's credentials.",
    503: "UiTPAS is unavailable or limits the number of requests; try again later.",
    504: "UiTPAS did not answer in time; try again.",
}

REPLAY_HEADER = "Idempotent-Replay"
KEY_HEADER = "Idempotency-Key"


# What a write operation (token, id or body in, record changed) can answer besides success.
WRITE_ERRORS = (400, 403, 404, 409, 422)


def contract(ok: dict[int, Any], *errors: int, idempotent: bool = False) -> dict[str, Any]:
    """The ``response`` and ``openapi_extra`` of an operation: its success answers, 401
    (every operation needs a token or a session) and the error codes it can give, all as
    :class:`ErrorOut` with a description; for a write operation also the
    ``Idempotent-Replay`` header of its success answer."""
    codes = sorted({401, *errors})
    response: dict[int, Any] = {**ok, **dict.fromkeys(codes, ErrorOut)}
    described: dict[int, Any] = {code: {"description": ERROR_DESCRIPTIONS[code]} for code in codes}
    if idempotent:
        for status in ok:
            described[status] = {
                "headers": {
                    REPLAY_HEADER: {
                        "description": "`true` when this is the stored first answer to a "
                        "request with the same `Idempotency-Key`; nothing was done again.",
                        "schema": {"type": "string", "enum": ["true"]},
                    }
                }
            }
    return {"response": response, "openapi_extra": {"responses": described}}


IDEMPOTENCY_KEY_DOC = (
    "Send the same key again (a retry) to get the first answer back instead of doing the "
    "work twice; a key already used for another request is a 409."
)

if TYPE_CHECKING:
    IdempotencyKey = str | None
else:
    IdempotencyKey = Header[
        str | None,
        P(alias=KEY_HEADER, max_length=idempotency.MAX_KEY_LENGTH, description=IDEMPOTENCY_KEY_DOC),
    ]


def caller(request: HttpRequest) -> User:
    """The authenticated user (ninja puts what the authentication returned on ``auth``)."""
    user = getattr(request, "auth", None)
    assert isinstance(user, User), "an API operation without authentication"
    return user


def run_write(
    request: HttpRequest,
    response: HttpResponse,
    *,
    key: str | None,
    operation: str,
    payload: BaseModel | dict[str, Any] | None,
    perform: Callable[[], tuple[int, Any]],
    **identifiers: Any,
) -> Status[Any]:
    """Run a write operation at most once per ``Idempotency-Key``: a retry (also one sent
    while the first is still running) gets the first answer, marked with
    ``Idempotent-Replay: true``. ``identifiers`` are the path parameters, so the same key
    on another record is another request."""
    body = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
    status, answer, replayed = idempotency.run_once(
        user=caller(request),
        key=key,
        operation=operation,
        payload={"body": body, **identifiers},
        perform=perform,
    )
    if replayed:
        response[REPLAY_HEADER] = "true"
    return Status(status, answer)
