"""API operations of the stock app: receive_donation, transfer_stock, adjust_stock,
stock_levels. Writes accept an ``Idempotency-Key`` header."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from kern import idempotency, permissions
from kern.errors import DomainError, NotFound
from kern.models import Location
from voorraad import selectors, services
from voorraad.models import CollectionDrive, Donor, Product

router = Router(tags=["voorraad"])


class LineIn(Schema):
    product_id: int | None = Field(None, description="Product id; or give `code`.")
    code: str | None = Field(None, description="Product code (P…) or a mapped EAN.")
    quantity: int = Field(..., description="How many, in `unit`.")
    unit: str = Field("pack", pattern="^(pack|unit)$", description="`pack` (default) or `unit`.")


class DonationIn(Schema):
    donor_id: int | None = Field(None, description="Leave empty for an anonymous donation.")
    location_id: int
    drive_id: int | None = None
    received_on: dt.date | None = None
    note: str = ""
    lines: list[LineIn]


class LineOut(Schema):
    product_id: int
    product: str
    quantity: int
    description: str


class DonationOut(Schema):
    id: int
    code: str
    donor: str
    location: str
    status: str
    received_on: dt.date
    lines: list[LineOut]


class TransferIn(Schema):
    from_location_id: int
    to_location_id: int
    note: str = ""
    lines: list[LineIn]


class TransferOut(Schema):
    id: int
    code: str
    from_location: str
    to_location: str
    status: str
    lines: list[LineOut]


class AdjustmentIn(Schema):
    product_id: int
    location_id: int
    quantity: int = Field(..., description="Signed, in `unit`: negative lowers the stock.")
    unit: str = Field("unit", pattern="^(pack|unit)$")
    reason: str
    write_off: bool = False


class MovementOut(Schema):
    id: int
    product_id: int
    location_id: int
    quantity: int
    kind: str
    reason: str
    at: dt.datetime


class LevelOut(Schema):
    product_id: int
    product: str
    product_code: str
    location_id: int
    location: str
    on_hand: int
    description: str
    minimum: int | None
    below_minimum: bool
    days_of_cover: int | None


def _location(pk: int) -> Location:
    location = Location.objects.filter(pk=pk).first()
    if location is None:
        raise NotFound(_("Location %(id)s does not exist.") % {"id": pk})
    return location


def _lines(lines: list[LineIn]) -> list[services.Line]:
    ids = {line.product_id for line in lines if line.product_id}
    products = Product.objects.in_bulk(ids)
    result = []
    for line in lines:
        if line.product_id:
            product = products.get(line.product_id)
            if product is None or not product.is_active:
                raise NotFound(_("Product %(id)s does not exist.") % {"id": line.product_id})
            per = product.pack_size if line.unit == "pack" else 1
        elif line.code:
            scanned = services.product_for_code(line.code)
            product = scanned.product
            per = scanned.units if line.unit == "pack" else 1
        else:
            raise DomainError(_("Every line needs a product_id or a code."))
        if line.quantity <= 0:
            raise DomainError(
                _("%(product)s: the quantity must be more than zero, not %(quantity)d.")
                % {"product": product.name, "quantity": line.quantity}
            )
        result.append(services.Line(product, line.quantity * per))
    return result


def _lines_out(lines) -> list[dict]:
    return [
        {
            "product_id": line.product_id,
            "product": line.product.name,
            "quantity": line.quantity,
            "description": services.describe_units(line.product, line.quantity),
        }
        for line in lines
    ]


def _respond(request, response: HttpResponse, operation: str, payload: Schema, perform):
    status, body, replayed = idempotency.run_once(
        user=request.auth,
        key=request.headers.get("Idempotency-Key"),
        operation=operation,
        payload=payload.dict(),
        perform=perform,
    )
    if replayed:
        response["Idempotent-Replay"] = "true"
    return Status(status, body)


@router.post("/donations", response={201: DonationOut}, operation_id="receive_donation")
def receive_donation(request, response: HttpResponse, payload: DonationIn):
    """Take in and book a donation. Quantities per line in packs (default) or units."""
    permissions.require(request.auth, "kern.manage_stock")

    def perform():
        donor = (
            get_object_or_404(Donor, pk=payload.donor_id)
            if payload.donor_id
            else services.anonymous_donor()
        )
        drive = (
            get_object_or_404(CollectionDrive, pk=payload.drive_id) if payload.drive_id else None
        )
        donation = services.receive_donation(
            actor=request.auth,
            donor=donor,
            location=_location(payload.location_id),
            lines=_lines(payload.lines),
            drive=drive,
            received_on=payload.received_on,
            note=payload.note,
        )
        return 201, {
            "id": donation.pk,
            "code": donation.code,
            "donor": donor.name,
            "location": donation.location.name,
            "status": donation.status,
            "received_on": donation.received_on.isoformat(),
            "lines": _lines_out(donation.lines.select_related("product").order_by("product_id")),
        }

    return _respond(request, response, "receive_donation", payload, perform)


@router.post("/transfers", response={201: TransferOut}, operation_id="transfer_stock")
def transfer_stock(request, response: HttpResponse, payload: TransferIn):
    """Move stock between two locations at once (planned and done)."""
    permissions.require(request.auth, "kern.manage_stock")

    def perform():
        transfer = services.transfer_stock(
            actor=request.auth,
            from_location=_location(payload.from_location_id),
            to_location=_location(payload.to_location_id),
            lines=_lines(payload.lines),
            note=payload.note,
        )
        return 201, {
            "id": transfer.pk,
            "code": transfer.code,
            "from_location": transfer.from_location.name,
            "to_location": transfer.to_location.name,
            "status": transfer.status,
            "lines": _lines_out(transfer.lines.select_related("product").order_by("product_id")),
        }

    return _respond(request, response, "transfer_stock", payload, perform)


@router.post("/adjustments", response={201: MovementOut}, operation_id="adjust_stock")
def adjust_stock(request, response: HttpResponse, payload: AdjustmentIn):
    """Correct a balance (signed quantity) or write stock off, with a reason."""
    permissions.require(request.auth, "kern.manage_stock")

    def perform():
        product = Product.objects.filter(pk=payload.product_id).first()
        if product is None:
            raise NotFound(_("Product %(id)s does not exist.") % {"id": payload.product_id})
        per = product.pack_size if payload.unit == "pack" else 1
        movement = services.adjust_stock(
            actor=request.auth,
            product=product,
            location=_location(payload.location_id),
            quantity=payload.quantity * per,
            reason=payload.reason,
            write_off=payload.write_off,
        )
        return 201, MovementOut.from_orm(movement).dict()

    return _respond(request, response, "adjust_stock", payload, perform)


class LevelFilter(Schema):
    location_id: int | None = None
    product_id: int | None = None
    category_id: int | None = None
    low_only: bool = False
    limit: int = Field(200, ge=1, le=1000)
    offset: int = Field(0, ge=0)


@router.get("/levels", response=list[LevelOut], operation_id="stock_levels")
def stock_levels(request, filters: Query[LevelFilter]):
    """Current stock per product and location, with minimum and days of cover."""
    permissions.require(request.auth, "kern.manage_stock")
    queryset = selectors.stock_overview(
        location_id=filters.location_id, category_id=filters.category_id, low_only=filters.low_only
    )
    if filters.product_id:
        queryset = queryset.filter(Q(product_id=filters.product_id))
    rows = queryset[filters.offset : filters.offset + filters.limit]
    return [
        {
            "product_id": level.product_id,
            "product": level.product.name,
            "product_code": level.product.code,
            "location_id": level.location_id,
            "location": level.location.name,
            "on_hand": level.on_hand,
            "description": services.describe_units(level.product, level.on_hand),
            "minimum": level.minimum,
            "below_minimum": level.minimum is not None and level.on_hand < level.minimum,
            "days_of_cover": selectors.days_of_cover(level.on_hand, level.outflow),
        }
        for level in rows
    ]
