"""API operations of the shared app: whoami, scan, personal API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.params import P, PathEx

from kern import permissions, scanning, services
from kern.api_contract import (
    MAX_ID,
    WRITE_ERRORS,
    IdempotencyKey,
    OptionalId,
    caller,
    contract,
    run_write,
)
from kern.models import ApiToken, Location
from kern.scopes import SCOPES

router = Router(tags=["kern"])


class LocationOut(Schema):
    id: int
    code: str
    name: str
    kind: str


class WhoAmIOut(Schema):
    id: int
    username: str
    first_name: str
    roles: list[str]
    organisation: str | None
    locations: list[LocationOut]
    permissions: list[str]


@router.get("/whoami", operation_id="whoami", **contract({200: WhoAmIOut}))
def whoami(request: HttpRequest) -> dict[str, Any]:
    """Who the caller is: roles, organisation, and the distribution points they work at."""
    user = caller(request)
    return {
        "id": user.pk,
        "username": user.get_username(),
        "first_name": user.first_name,
        "roles": [role.value for role in user.roles],
        "organisation": user.organisation.name if user.organisation else None,
        "locations": [
            {"id": loc.pk, "code": loc.code, "name": loc.name, "kind": loc.kind}
            for loc in user.counter_locations()
        ],
        "permissions": sorted(
            p.split(".", 1)[1] for p in user.get_all_permissions() if p.startswith("kern.")
        ),
    }


class ScanIn(Schema):
    code: str = Field(..., min_length=1, max_length=200, description="What was scanned or typed.")
    location_id: OptionalId = None


class ScanOut(Schema):
    kind: str
    code: str
    label: str
    object_id: int | None = None
    details: dict[str, Any] = {}


@router.post("/scan", operation_id="scan", **contract({200: ScanOut}, 400, 403, 404, 422))
def scan(request: HttpRequest, payload: ScanIn) -> Any:
    """Resolve any scanned or typed code: internal codes (location, product, item,
    household, referral), EAN/GTIN, or an UiTPAS number. Reading only; safe to repeat."""
    user = caller(request)
    permissions.require(user, "kern.use_counter", "kern.manage_stock", "kern.manage_referrals")
    if payload.location_id is not None:
        location = get_object_or_404(Location, pk=payload.location_id)
        permissions.require_location(user, location)
    return scanning.resolve(user=user, raw=payload.code)


# The names of kern.scopes.SCOPES, spelled out for the schema (a test keeps them equal).
TokenScope = Literal["counter", "stock", "referrals", "shifts", "reports", "admin"]


class TokenIn(Schema):
    # At least one character that is not a space: the service refuses a blank name.
    name: str = Field(..., min_length=1, max_length=100, pattern=r"\S")
    valid_days: int = Field(
        services.TOKEN_DEFAULT_DAYS,
        ge=1,
        le=services.TOKEN_MAX_DAYS,
        description="1 to 365 days; every token expires.",
    )
    scopes: list[TokenScope] | None = Field(
        None,
        min_length=1,
        max_length=len(SCOPES),
        description="What the token may be used for; each must be a scope you hold. "
        "Left out: every scope you hold now.",
    )


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    token: str | None = Field(
        ...,
        description="The secret, shown in this answer only: a replay of the same "
        "Idempotency-Key answers null (the secret is never stored).",
    )


@router.get("/tokens", operation_id="list_api_tokens", **contract({200: list[TokenOut]}, 403))
def list_tokens(request: HttpRequest) -> QuerySet[ApiToken]:
    """The caller's own API tokens (never their secrets); not in counter mode."""
    return services.api_tokens_of(actor=caller(request))


@router.post(
    "/tokens",
    operation_id="create_api_token",
    **contract({201: TokenCreatedOut}, *WRITE_ERRORS, idempotent=True),
)
def create_token(
    request: HttpRequest,
    response: HttpResponse,
    payload: TokenIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Make a personal token for the caller. The secret is in this answer only."""
    secret: list[str] = []

    def perform() -> tuple[int, dict[str, Any]]:
        issued = services.create_api_token(
            actor=caller(request),
            owner=caller(request),
            name=payload.name,
            valid_days=payload.valid_days,
            scopes=payload.scopes,
            source="api:create_api_token",
        )
        secret.append(issued.plaintext)
        # What is kept for a replay has no secret: it is stored nowhere in plain text.
        return 201, {**TokenOut.from_orm(issued.token).model_dump(mode="json"), "token": None}

    answer = run_write(
        request,
        response,
        key=idempotency_key,
        operation="create_api_token",
        payload=payload,
        perform=perform,
    )
    if secret:
        answer.value["token"] = secret[0]
    return answer


@router.delete(
    "/tokens/{token_id}",
    operation_id="revoke_api_token",
    **contract({200: TokenOut}, *WRITE_ERRORS, idempotent=True),
)
def revoke_token(
    request: HttpRequest,
    response: HttpResponse,
    token_id: PathEx[int, P(ge=1, le=MAX_ID)],
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Revoke one of your tokens (or, as an admin, anyone's); revoking twice is harmless."""

    def perform() -> tuple[int, dict[str, Any]]:
        token = services.revoke_api_token(
            actor=caller(request), token_id=token_id, source="api:revoke_api_token"
        )
        return 200, TokenOut.from_orm(token).model_dump(mode="json")

    return run_write(
        request,
        response,
        key=idempotency_key,
        operation="revoke_api_token",
        payload=None,
        perform=perform,
        token_id=token_id,
    )
