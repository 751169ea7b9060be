"""Waitlists through the API: ``reserve_item`` and ``cancel_reservation`` (both take an
``Idempotency-Key``), the counter tablet's read of a household's reservations and holds
(``list_reservations``), a coordinator's queue of an item type (``reservation_queue``)
and the public catalogue's counts as JSON (``public_catalogue``, no login).

Every rule lives in ``uitlening.services.holds``; answers name only the household the
caller asked about (a queue names household codes, for coordinators only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.params import P, PathEx

from kern import permissions
from kern.api_contract import (
    MAX_ID,
    WRITE_ERRORS,
    Id,
    IdempotencyKey,
    OptionalId,
    caller,
    contract,
    run_write,
    text,
)
from kern.errors import NotFound
from toegang import services as access
from uitlening import services
from uitlening.api.schemas import HOUSEHOLD_CODE, MAX_REASON, location_by_id
from uitlening.models import Reservation
from uitlening.selectors import holds as selectors
from uitlening.services.holds import MANAGE_QUEUE
from voorraad.models import ItemType

router = Router(tags=["uitlening"])

IdPath = PathEx[int, P(ge=1, le=MAX_ID)]


class ReserveIn(Schema):
    household_code: str = HOUSEHOLD_CODE
    item_type_id: Id
    size: str = text(30, default="", description='E.g. `20"`; empty: any size.')
    location_id: Id = Field(..., description="The distribution point where the family collects.")


class CancelIn(Schema):
    reason: str = text(MAX_REASON, default="", description="Why (kept and audited).")


class ReservationOut(Schema):
    id: int
    household_code: str
    item_type_id: int
    item_type: str
    size: str = Field(..., description="Empty: any size.")
    program: str
    location_id: int
    location: str
    status: str = Field(
        ..., description="`wachtend`, `vastgehouden`, `opgehaald`, `geannuleerd` or `verlopen`."
    )
    place: int | None = Field(
        None, description="Place in the queue while waiting (1: next); null otherwise."
    )
    held_item_id: int | None
    held_item_code: str | None
    held_item: str | None
    held_until: dt.datetime | None
    created_at: dt.datetime


def reservation_out(reservation: Reservation, place: int | None = None) -> dict[str, Any]:
    held = reservation.held_item if reservation.status == Reservation.Status.HELD else None
    return {
        "id": reservation.pk,
        "household_code": reservation.household.code,
        "item_type_id": reservation.item_type_id,
        "item_type": reservation.item_type.name,
        "size": reservation.size,
        "program": reservation.program.name,
        "location_id": reservation.location_id,
        "location": reservation.location.name,
        "status": reservation.status,
        "place": place if reservation.status == Reservation.Status.WAITING else None,
        "held_item_id": held.pk if held else None,
        "held_item_code": held.code if held else None,
        "held_item": held.name if held else None,
        "held_until": reservation.held_until if held else None,
        "created_at": reservation.created_at,
    }


def _item_type(pk: int) -> ItemType:
    item_type = ItemType.objects.filter(pk=pk).first()
    if item_type is None:
        raise NotFound(_("Item type %(id)s does not exist.") % {"id": pk})
    return item_type


def _place(reservation: Reservation) -> int | None:
    for entry in selectors.household_reservations(household=reservation.household):
        if entry.reservation.pk == reservation.pk:
            return entry.rank or None
    return None


@router.post(
    "/reservations",
    operation_id="reserve_item",
    **contract({201: ReservationOut}, *WRITE_ERRORS, idempotent=True),
)
def reserve_item(
    request: HttpRequest,
    response: HttpResponse,
    payload: ReserveIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Put a household on the waitlist of an item type (and size) at a point you work
    at. A matching item on the shelf there is held for it at once (`vastgehouden`).
    Refused: the household has an item of this type on loan, no access to the program
    that lends it, or its loans and reservations reach the program's maximum. Reserving
    what the household already waits for answers that reservation."""
    source = "api:reserve_item"

    def perform() -> tuple[int, dict[str, Any]]:
        user = caller(request)
        permissions.require(user, "kern.use_counter")
        location = location_by_id(payload.location_id)
        item_type = _item_type(payload.item_type_id)
        household = access.household_by_code(actor=user, code=payload.household_code, source=source)
        reservation = services.reserve_item(
            actor=user,
            household=household,
            item_type=item_type,
            size=payload.size,
            location=location,
            source=source,
        )
        return 201, reservation_out(reservation, _place(reservation))

    return run_write(
        request,
        response,
        key=idempotency_key,
        operation="reserve_item",
        payload=payload,
        perform=perform,
    )


def _reservation(pk: int) -> Reservation:
    reservation = (
        Reservation.objects.select_related(
            "household", "item_type", "program", "location", "held_item"
        )
        .filter(pk=pk)
        .first()
    )
    if reservation is None:
        raise NotFound(_("Reservation %(id)s does not exist.") % {"id": pk})
    return reservation


@router.post(
    "/reservations/{reservation_id}/cancel",
    operation_id="cancel_reservation",
    **contract({200: ReservationOut}, *WRITE_ERRORS, idempotent=True),
)
def cancel_reservation(
    request: HttpRequest,
    response: HttpResponse,
    reservation_id: IdPath,
    payload: CancelIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Take a household off a waitlist (at the counter of the reservation's point, or
    as a coordinator). An item held for it goes to the next family in the queue.
    Cancelling a reservation that has ended changes nothing and answers it."""
    source = "api:cancel_reservation"

    def perform() -> tuple[int, dict[str, Any]]:
        user = caller(request)
        permissions.require(user, "kern.use_counter", MANAGE_QUEUE)
        reservation = services.cancel_reservation(
            actor=user,
            reservation=_reservation(reservation_id),
            reason=payload.reason,
            source=source,
        )
        return 200, reservation_out(_reservation(reservation.pk))

    return run_write(
        request,
        response,
        key=idempotency_key,
        operation="cancel_reservation",
        payload=payload,
        perform=perform,
        reservation_id=reservation_id,
    )


class HouseholdFilter(Schema):
    household_code: str = HOUSEHOLD_CODE


@router.get(
    "/reservations",
    operation_id="list_reservations",
    **contract({200: list[ReservationOut]}, 400, 403, 404, 422),
)
def list_reservations(
    request: HttpRequest, filters: Query[HouseholdFilter]
) -> list[dict[str, Any]]:
    """A household's waiting and held reservations: its place in each queue, or the item
    held for it (its code) and until when it can be collected."""
    user = caller(request)
    permissions.require(user, "kern.use_counter")
    household = access.household_by_code(
        actor=user, code=filters.household_code, source="api:list_reservations"
    )
    return [
        reservation_out(entry.reservation, entry.rank or None)
        for entry in selectors.household_reservations(household=household)
    ]


class QueueFilter(Schema):
    location_id: OptionalId = None


@router.get(
    "/item-types/{item_type_id}/queue",
    operation_id="reservation_queue",
    **contract({200: list[ReservationOut]}, 403, 404, 422),
)
def reservation_queue(
    request: HttpRequest, item_type_id: IdPath, filters: Query[QueueFilter]
) -> list[dict[str, Any]]:
    """For coordinators: the queue of an item type (at one point, or every point), the
    held reservations first, then the waiting ones in order."""
    user = caller(request)
    permissions.require(user, MANAGE_QUEUE)
    item_type = _item_type(item_type_id)
    location = location_by_id(filters.location_id) if filters.location_id else None
    return [
        reservation_out(entry.reservation, entry.rank or None)
        for entry in selectors.item_type_queue(item_type=item_type, location=location)
    ]


# --- The public catalogue ---------------------------------------------------------------


class CatalogueSizeOut(Schema):
    size: str = Field(..., description="Empty: the type has no sizes.")
    available: int = Field(..., description="On the shelf now.")
    out: int = Field(..., description="Lent out or kept for a family: comes back.")
    waiting: int = Field(..., description="Families waiting (any size counts with the first).")


class CatalogueTypeOut(Schema):
    item_type_id: int
    name: str
    description: str
    sizes: list[CatalogueSizeOut]


class OpeningOut(Schema):
    weekday: int = Field(..., description="0 Monday … 6 Sunday.")
    opens: str = Field(..., description="Local time, `HH:MM`.")
    closes: str = Field(..., description="Local time, `HH:MM`.")


class CataloguePointOut(Schema):
    location_id: int
    name: str
    address: str
    opening_hours: list[OpeningOut]
    types: list[CatalogueTypeOut]


class CatalogueFilter(Schema):
    location_id: OptionalId = None


@router.get(
    "/catalogue",
    operation_id="public_catalogue",
    auth=None,
    **contract({200: list[CataloguePointOut]}, 404, 422),
)
def public_catalogue(request: HttpRequest, filters: Query[CatalogueFilter]) -> list[dict[str, Any]]:
    """What families can borrow per distribution point (no login): per item type and
    size how many are available now, how many are out and coming back and how many
    families wait. Counts only, nothing about any household."""
    location = location_by_id(filters.location_id) if filters.location_id else None
    return [
        {
            "location_id": point.location.pk,
            "name": point.location.name,
            "address": point.location.address,
            "opening_hours": [
                {
                    "weekday": h.weekday,
                    "opens": f"{h.opens:%H:%M}",
                    "closes": f"{h.closes:%H:%M}",
                }
                for h in point.hours
            ],
            "types": [
                {
                    "item_type_id": entry.item_type.pk,
                    "name": entry.item_type.name,
                    "description": entry.item_type.description,
                    "sizes": [
                        {
                            "size": s.size,
                            "available": s.available,
                            "out": s.out,
                            "waiting": s.waiting,
                        }
                        for s in entry.sizes
                    ],
                }
                for entry in point.types
            ],
        }
        for point in selectors.public_catalogue(location=location)
    ]
