"""API operations of the stock app: receive_donation, transfer_stock, adjust_stock,
stock_levels. Writes accept an ``Idempotency-Key`` header."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import StrictBool, model_validator

from kern import barcodes, permissions
from kern.api_contract import (
    MAX_LIST,
    MAX_OFFSET,
    NOT_NULL,
    WRITE_ERRORS,
    Day,
    DictOut,
    Id,
    IdempotencyKey,
    OptionalId,
    contract,
    run_write,
    text,
)
from kern.errors import NotFound
from kern.models import Location
from kern.prepared import PreparedGet
from voorraad import selectors, services
from voorraad.models import CollectionDrive, Donor, Product

router = Router(tags=["voorraad"])

MAX_QUANTITY = services.MAX_UNITS_PER_LINE


class LineIn(Schema):
    product_id: OptionalId = Field(None, description="Product id; or give `code`.")
    code: str | None = text(
        100, required=True, default=None, description="Product code (P…) or a mapped EAN."
    )
    quantity: int = Field(..., ge=1, le=MAX_QUANTITY, description="How many, in `unit`.")
    unit: Literal["pack", "unit"] = Field("pack", description="`pack` (default) or `unit`.")

    model_config = {
        "json_schema_extra": {
            "anyOf": [
                {"required": ["product_id"], "properties": {"product_id": NOT_NULL}},
                {"required": ["code"], "properties": {"code": NOT_NULL}},
            ]
        }
    }

    @model_validator(mode="after")
    def names_a_product(self) -> LineIn:
        if self.product_id is None and self.code is None:
            raise ValueError("give product_id or code")
        return self


Lines = Field(..., min_length=1, max_length=MAX_LIST)


class DonationIn(Schema):
    donor_id: OptionalId = Field(None, description="Leave empty for an anonymous donation.")
    location_id: Id
    drive_id: OptionalId = None
    received_on: Day | None = Field(None, description="Default: today.")
    note: str = text(2000, default="")
    lines: list[LineIn] = Lines


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
    from_location_id: Id
    to_location_id: Id
    note: str = text(2000, default="")
    lines: list[LineIn] = Lines


class TransferOut(Schema):
    id: int
    code: str
    from_location: str
    to_location: str
    status: str
    lines: list[LineOut]


class AdjustmentIn(Schema):
    product_id: Id
    location_id: Id
    quantity: int = Field(
        ...,
        ge=-MAX_QUANTITY,
        le=MAX_QUANTITY,
        description="Signed, in `unit`, not zero: negative lowers the stock.",
        json_schema_extra={"not": {"const": 0}},
    )
    unit: Literal["pack", "unit"] = "unit"
    reason: str = text(200, required=True)
    # Strict: a JSON 0 or "yes" is not a yes/no answer (the schema says boolean).
    write_off: StrictBool = False

    @model_validator(mode="after")
    def changes_something(self) -> AdjustmentIn:
        if self.quantity == 0:
            raise ValueError("a quantity of zero changes nothing")
        return self


class MovementOut(Schema):
    id: int
    product_id: int
    location_id: int
    quantity: int
    kind: str
    reason: str
    at: dt.datetime


class LevelOut(DictOut):
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


_LOCATION = PreparedGet(Location)
_PRODUCT = PreparedGet(Product)


def _location(pk: int) -> Location:
    location = _LOCATION.get(pk)
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
        else:  # LineIn makes sure there is a code
            scanned = services.product_for_code(str(line.code))
            product = scanned.product
            per = scanned.units if line.unit == "pack" else 1
        result.append(services.Line(product, line.quantity * per))
    return result


def _lines_out(lines) -> list[dict[str, Any]]:
    return [
        {
            "product_id": line.product_id,
            "product": line.product.name,
            "quantity": line.quantity,
            "description": services.describe_units(line.product, line.quantity),
        }
        for line in lines
    ]


@router.post(
    "/donations",
    operation_id="receive_donation",
    **contract({201: DonationOut}, *WRITE_ERRORS, idempotent=True),
)
def receive_donation(
    request, response: HttpResponse, payload: DonationIn, idempotency_key: IdempotencyKey = None
):
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

    return run_write(
        request,
        response,
        key=idempotency_key,
        operation="receive_donation",
        payload=payload,
        perform=perform,
    )


@router.post(
    "/transfers",
    operation_id="transfer_stock",
    **contract({201: TransferOut}, *WRITE_ERRORS, idempotent=True),
)
def transfer_stock(
    request, response: HttpResponse, payload: TransferIn, idempotency_key: IdempotencyKey = None
):
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

    return run_write(
        request,
        response,
        key=idempotency_key,
        operation="transfer_stock",
        payload=payload,
        perform=perform,
    )


@router.post(
    "/adjustments",
    operation_id="adjust_stock",
    **contract({201: MovementOut}, *WRITE_ERRORS, idempotent=True),
)
def adjust_stock(
    request, response: HttpResponse, payload: AdjustmentIn, idempotency_key: IdempotencyKey = None
):
    """Correct a balance (signed quantity) or write stock off, with a reason."""
    permissions.require(request.auth, "kern.manage_stock")

    def perform():
        product = _PRODUCT.get(payload.product_id)
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
        return 201, MovementOut.from_orm(movement).model_dump(mode="json")

    return run_write(
        request,
        response,
        key=idempotency_key,
        operation="adjust_stock",
        payload=payload,
        perform=perform,
    )


class LevelFilter(Schema):
    location_id: OptionalId = None
    product_id: OptionalId = None
    category_id: OptionalId = None
    low_only: bool = False
    limit: int = Field(200, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


@router.get("/levels", operation_id="stock_levels", **contract({200: list[LevelOut]}, 403, 422))
def stock_levels(request, filters: Query[LevelFilter]):
    """Current stock per product and location, with minimum and days of cover."""
    permissions.require(request.auth, "kern.manage_stock")
    rows = selectors.stock_level_rows(
        location_id=filters.location_id,
        product_id=filters.product_id,
        category_id=filters.category_id,
        low_only=filters.low_only,
        limit=filters.limit,
        offset=filters.offset,
    )
    return [_level_out(row) for row in rows]


def _level_out(level: selectors.LevelRow) -> dict[str, Any]:
    return {
        "product_id": level.product_id,
        "product": level.product_name,
        "product_code": barcodes.encode(barcodes.CodeType.PRODUCT, level.product_id),
        "location_id": level.location_id,
        "location": level.location_name,
        "on_hand": level.on_hand,
        "description": services.describe_pack_units(level.pack_size, level.on_hand),
        "minimum": level.minimum,
        "below_minimum": level.minimum is not None and level.on_hand < level.minimum,
        "days_of_cover": selectors.days_of_cover(level.on_hand, level.outflow),
    }
