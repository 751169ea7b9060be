"""API of the swap shop (ruilwinkel): a household's points (``points_balance``) and the
two idempotent writes ``earn_points`` (goods brought, into stock at the point) and
``spend_points`` (goods taken, out of stock). The same services as the counter's panel:
the balance is checked and changed there, under the household's lock."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from kern import permissions
from kern.api_contract import WRITE_ERRORS, Id, IdempotencyKey, caller, contract, run_write, text
from kern.errors import NotFound
from kern.models import Location, User
from toegang import services as access
from toegang.models import Household
from uitlening import services
from uitlening.api.schemas import location_by_id
from uitlening.models import PointsEntry
from uitlening.selectors.points import MAX_PIECES, points_summary
from voorraad.models import Product

points_router = Router(tags=["ruilwinkel"])

HOUSEHOLD_CODE = text(20, required=True, description="Household card (G…).")


class PointsQuery(Schema):
    location_id: Id
    household_code: str = HOUSEHOLD_CODE


class PointsIn(Schema):
    location_id: Id
    household_code: str = HOUSEHOLD_CODE
    product_id: Id
    quantity: int = Field(..., ge=1, le=MAX_PIECES, description="Pieces brought or taken.")


class PointsBalanceOut(Schema):
    household_code: str
    balance: int = Field(..., description="Points on the ledger.")
    usable: int = Field(..., description="Points that can be spent today (expired ones not).")
    expiring_soon: int
    expiring_on: dt.date | None
    spend_cap: int | None
    spend_cap_left: int | None


class PointsEntryOut(Schema):
    id: int
    household_code: str
    kind: str
    delta: int
    balance_after: int
    product_id: int | None
    quantity: int | None
    expires_on: dt.date | None
    created_at: dt.datetime


def _counter(request: HttpRequest, location_id: int) -> tuple[User, Location]:
    user = caller(request)
    permissions.require(user, "kern.use_counter")
    location = location_by_id(location_id)
    permissions.require_location(user, location)
    return user, location


def _household(user: User, code: str, source: str) -> Household:
    return access.household_by_code(actor=user, code=code, source=source)


def _product(product_id: int) -> Product:
    product = Product.objects.select_related("category").filter(pk=product_id).first()
    if product is None:
        raise NotFound(_("Product %(id)s does not exist.") % {"id": product_id})
    return product


def entry_out(entry: PointsEntry, household: Household) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "household_code": household.code,
        "kind": entry.kind,
        "delta": entry.delta,
        "balance_after": entry.balance_after,
        "product_id": entry.product_id,
        "quantity": entry.quantity,
        "expires_on": entry.expires_on,
        "created_at": entry.created_at,
    }


@points_router.get(
    "/points",
    operation_id="points_balance",
    **contract({200: PointsBalanceOut}, 400, 403, 404, 422),
)
def points_balance(request: HttpRequest, query: Query[PointsQuery]) -> dict[str, Any]:
    """A household's swap shop points at a point you work at: the balance, what can be
    spent today, what expires within 30 days, and what is left of the spending cap."""
    user, location = _counter(request, query.location_id)
    household = _household(user, query.household_code, "api:points_balance")
    summary = points_summary(household=household, location=location, on=timezone.localdate())
    return {
        "household_code": household.code,
        "balance": summary.balance,
        "usable": summary.usable,
        "expiring_soon": summary.expiring.points,
        "expiring_on": summary.expiring.first_on,
        "spend_cap": summary.cap,
        "spend_cap_left": summary.cap_left,
    }


def _write(
    request: HttpRequest,
    response: HttpResponse,
    payload: PointsIn,
    idempotency_key: str | None,
    *,
    operation: str,
) -> Status[Any]:
    source = f"api:{operation}"
    service = services.spend_points if operation == "spend_points" else services.earn_points

    def perform() -> tuple[int, dict[str, Any]]:
        user, location = _counter(request, payload.location_id)
        household = _household(user, payload.household_code, source)
        entry = service(
            actor=user,
            location=location,
            household=household,
            product=_product(payload.product_id),
            quantity=payload.quantity,
            idempotency_key=idempotency_key,
            source=source,
        )
        return 201, entry_out(entry, household)

    return run_write(
        request,
        response,
        key=idempotency_key,
        operation=operation,
        payload=payload,
        perform=perform,
    )


@points_router.post(
    "/points/earn",
    operation_id="earn_points",
    **contract({201: PointsEntryOut}, *WRITE_ERRORS, idempotent=True),
)
def earn_points(
    request: HttpRequest,
    response: HttpResponse,
    payload: PointsIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """A household brings goods to the swap shop: they go into stock at the point and it
    earns the points of their category per piece."""
    return _write(request, response, payload, idempotency_key, operation="earn_points")


@points_router.post(
    "/points/spend",
    operation_id="spend_points",
    **contract({201: PointsEntryOut}, *WRITE_ERRORS, idempotent=True),
)
def spend_points(
    request: HttpRequest,
    response: HttpResponse,
    payload: PointsIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """A household takes goods for points: refused (409) with its balance and what was
    asked when it has too few points or the shop's cap for the period would be passed,
    or when the goods are not in stock at the point."""
    return _write(request, response, payload, idempotency_key, operation="spend_points")
