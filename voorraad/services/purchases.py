"""Purchases: goods bought from a supplier, booked when recorded, with their cost."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kern.errors import DomainError
from kern.models import Location, User
from voorraad.models import Product, Purchase, PurchaseLine, Supplier
from voorraad.services._checks import (
    check_location,
    check_quantity,
    check_received_on,
    first_with_key,
    require_stock_role,
)
from voorraad.services.ledger import Kind, Posting, _book

MAX_UNIT_COST = 10_000


@dataclass(frozen=True)
class CostLine:
    product: Product
    quantity: int  # units
    unit_cost: Decimal


@transaction.atomic
def supplier_named(*, actor: User, name: str) -> Supplier:
    """The supplier with this name (any case), created when it does not exist yet."""
    require_stock_role(actor)
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_("Give the supplier a name."), field="name")
    max_length = Supplier._meta.get_field("name").max_length or 0
    if len(name) > max_length:
        raise DomainError(
            _("A supplier name has at most %(max)d characters.") % {"max": max_length},
            field="name",
        )
    existing = Supplier.objects.filter(name__iexact=name).first()
    if existing is not None:
        return existing
    return Supplier.objects.create(name=name)


def _unit_cost(line: CostLine) -> Decimal:
    try:
        cost = Decimal(str(line.unit_cost))
    except InvalidOperation:
        cost = Decimal(-1)
    if not cost.is_finite() or cost < 0 or cost > MAX_UNIT_COST:
        raise DomainError(
            _("%(product)s: “%(cost)s” is not a valid cost per unit.")
            % {"product": line.product.name, "cost": line.unit_cost},
            field="unit_cost",
        )
    return cost


@transaction.atomic
def record_purchase(
    *,
    actor: User,
    supplier: Supplier,
    location: Location,
    lines: Sequence[CostLine],
    received_on: dt.date | None = None,
    reference: str = "",
    idempotency_key: str | None = None,
    at: dt.datetime | None = None,
) -> Purchase:
    require_stock_role(actor)
    if idempotency_key:
        existing = Purchase.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    check_location(location)
    if not lines:
        raise DomainError(_("There is nothing to book: add at least one line."))
    received_on = check_received_on(received_on or timezone.localdate(), document="purchase")
    try:
        with transaction.atomic():  # the same key at the same time: see first_with_key
            purchase = Purchase.objects.create(
                supplier=supplier,
                location=location,
                received_on=received_on,
                reference=reference,
                created_by=actor,
                idempotency_key=idempotency_key or None,
            )
    except IntegrityError:
        existing = first_with_key(Purchase, idempotency_key)
        if existing is None:
            raise
        return existing
    postings = []
    for line in sorted(lines, key=lambda line: line.product.pk):
        quantity = check_quantity(line.product, line.quantity)
        cost = _unit_cost(line)
        PurchaseLine.objects.create(
            purchase=purchase, product=line.product, quantity=quantity, unit_cost=cost
        )
        Product.objects.filter(pk=line.product.pk).update(last_cost_per_unit=cost)
        postings.append(Posting(location, line.product, quantity, Kind.PURCHASE))
    _book(purchase, postings, user=actor, at=at)
    return purchase
