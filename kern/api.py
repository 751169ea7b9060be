"""API operations of the shared app: whoami, scan, personal API tokens."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from kern import permissions, scanning, services
from kern.models import ApiToken, Location

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


@router.get("/whoami", response=WhoAmIOut, operation_id="whoami")
def whoami(request):
    """Who the caller is: roles, organisation, and the distribution points they work at."""
    user = request.auth
    return {
        "id": user.pk,
        "username": user.get_username(),
        "first_name": user.first_name,
        "roles": [role.value for role in user.roles],
        "organisation": user.organisation.name if user.organisation_id else None,
        "locations": [
            {"id": loc.pk, "code": loc.code, "name": loc.name, "kind": loc.kind}
            for loc in user.counter_locations()
        ],
        "permissions": sorted(
            p.split(".", 1)[1] for p in user.get_all_permissions() if p.startswith("kern.")
        ),
    }


class ScanIn(Schema):
    code: str
    location_id: int | None = None


class ScanOut(Schema):
    kind: str
    code: str
    label: str
    object_id: int | None = None
    details: dict = {}


@router.post("/scan", response=ScanOut, operation_id="scan")
def scan(request, payload: ScanIn):
    """Resolve any scanned or typed code: internal codes (location, product, item,
    household, referral), EAN/GTIN, or an UiTPAS number. Reading only; safe to repeat."""
    user = request.auth
    permissions.require(user, "kern.use_counter", "kern.manage_stock", "kern.manage_referrals")
    if payload.location_id is not None:
        location = get_object_or_404(Location, pk=payload.location_id)
        permissions.require_location(user, location)
    return scanning.resolve(user=user, raw=payload.code)


class TokenIn(Schema):
    name: str
    valid_days: int | None = 365


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    token: str


@router.get("/tokens", response=list[TokenOut], operation_id="list_api_tokens")
def list_tokens(request):
    """The caller's own API tokens (never their secrets)."""
    return ApiToken.objects.filter(user=request.auth)


@router.post("/tokens", response={201: TokenCreatedOut}, operation_id="create_api_token")
def create_token(request, payload: TokenIn):
    """Make a personal token for the caller. The secret is in this answer only."""
    issued = services.create_api_token(
        actor=request.auth,
        owner=request.auth,
        name=payload.name,
        valid_days=payload.valid_days,
        source="api:create_api_token",
    )
    return Status(201, {**TokenOut.from_orm(issued.token).dict(), "token": issued.plaintext})


@router.delete("/tokens/{token_id}", response=TokenOut, operation_id="revoke_api_token")
def revoke_token(request, token_id: int):
    return services.revoke_api_token(
        actor=request.auth, token_id=token_id, source="api:revoke_api_token"
    )
