"""Helpers the stock tests share: booking stock, reading the ledger, and a snapshot of
everything a stock service could write ("writes nothing" compares two snapshots)."""

from __future__ import annotations

from django.db.models import Sum

from kern.models import Location, User
from tests.voorraad.factories import DonorFactory
from voorraad import selectors, services
from voorraad.models import (
    Category,
    Donation,
    DonationLine,
    Donor,
    Item,
    ItemEvent,
    MinimumLevel,
    Product,
    ProductBarcode,
    Purchase,
    PurchaseLine,
    StockCount,
    StockCountLine,
    StockLevel,
    StockMovement,
    Transfer,
    TransferLine,
)
from voorraad.services import Line


def ledger_sum(product: Product, location: Location) -> int:
    """The sum of a product's ledger rows at a location."""
    return (
        StockMovement.objects.filter(product=product, location=location).aggregate(
            total=Sum("quantity")
        )["total"]
        or 0
    )


def balance(product: Product, location: Location) -> int:
    return selectors.level_of(product=product, location=location)


def book(
    actor: User, location: Location, *lines: tuple[Product, int], key: str | None = None
) -> Donation:
    """Receive a donation of ``(product, units)`` lines from a new donor."""
    return services.receive_donation(
        actor=actor,
        donor=DonorFactory(),
        location=location,
        lines=[Line(product, units) for product, units in lines],
        idempotency_key=key,
    )


def take(actor: User, product: Product, location: Location, units: int, **kwargs) -> StockMovement:
    """Take units out of stock (a correction downwards)."""
    return services.adjust_stock(
        actor=actor,
        product=product,
        location=location,
        quantity=-units,
        reason="uitgedeeld",
        **kwargs,
    )


def database_state() -> dict:
    """Everything a stock service could write, to compare before and after."""
    counted = (
        Category,
        Product,
        ProductBarcode,
        MinimumLevel,
        Donor,
        Donation,
        DonationLine,
        Purchase,
        PurchaseLine,
        Transfer,
        TransferLine,
        StockCount,
        StockCountLine,
        StockMovement,
        StockLevel,
        Item,
        ItemEvent,
    )
    state: dict = {model._meta.label: model.objects.count() for model in counted}
    state["balances"] = sorted(
        StockLevel.objects.values_list("product_id", "location_id", "on_hand")
    )
    for model in (Donation, Transfer, StockCount, Item):
        state[f"{model._meta.label} status"] = sorted(model.objects.values_list("pk", "status"))
    return state
