"""Read-side queries of stock: balances, the ledger at a past moment, the reconciliation
of balances with the ledger, and the overview (one query per page, whatever the size of
the ledger)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    BigIntegerField,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from kern.models import Location
from kern.prepared import PreparedQuery
from voorraad.models import MinimumLevel, Product, StockLevel, StockMovement

OUTFLOW_WEEKS = 8
OUTFLOW_KINDS = [
    StockMovement.Kind.DISTRIBUTION,
    StockMovement.Kind.TRANSFER_OUT,
    StockMovement.Kind.WRITE_OFF,
]


def level_of(*, product: Product, location: Location) -> int:
    return (
        StockLevel.objects.filter(product=product, location=location)
        .values_list("on_hand", flat=True)
        .first()
        or 0
    )


def stock_as_of(*, location: Location, at: dt.datetime) -> dict[int, int]:
    """Units per product id at ``location`` at moment ``at``, from the ledger: today's
    balance minus what moved since (balances equal the ledger sum, see reconcile), so a
    recent date reads only the recent rows."""
    balances = dict(
        StockLevel.objects.filter(location=location).values_list("product_id", "on_hand")
    )
    later = (
        StockMovement.objects.filter(location=location, at__gt=at)
        .values("product_id")
        .annotate(total=Sum("quantity"))
        .values_list("product_id", "total")
    )
    for product_id, total in later:
        balances[product_id] = balances.get(product_id, 0) - total
    return {product_id: units for product_id, units in balances.items() if units}


@dataclass(frozen=True)
class Difference:
    product_id: int
    location_id: int
    balance: int
    ledger: int


def reconcile() -> list[Difference]:
    """Compare every running balance with the sum of its ledger rows."""
    sums: dict[tuple[int, int], int] = {
        (row["product_id"], row["location_id"]): row["total"]
        for row in StockMovement.objects.values("product_id", "location_id").annotate(
            total=Sum("quantity")
        )
    }
    differences = []
    for level in StockLevel.objects.values("product_id", "location_id", "on_hand").iterator():
        key = (level["product_id"], level["location_id"])
        ledger = sums.pop(key, 0)
        if ledger != level["on_hand"]:
            differences.append(Difference(*key, balance=level["on_hand"], ledger=ledger))
    for (product_id, location_id), total in sums.items():  # ledger rows without a balance
        differences.append(Difference(product_id, location_id, balance=0, ledger=total))
    return differences


def stock_overview(
    *,
    location_id: int | None = None,
    category_id: int | None = None,
    search: str = "",
    low_only: bool = False,
    now: dt.datetime | None = None,
) -> QuerySet[StockLevel]:
    """Stock levels with product, location, minimum, value and the outflow of the last
    eight weeks (for days of cover), as one SQL query."""
    since = (now or timezone.now()) - dt.timedelta(weeks=OUTFLOW_WEEKS)
    return _overview(
        location_id=location_id,
        category_id=category_id,
        search=search,
        low_only=low_only,
        since=since,
    )


def _overview(
    *,
    location_id: int | None,
    category_id: int | None,
    search: str,
    low_only: bool,
    since: dt.datetime,
    product_id: int | None = None,
) -> QuerySet[StockLevel]:
    minimum = MinimumLevel.objects.filter(
        product_id=OuterRef("product_id"), location_id=OuterRef("location_id")
    ).values("minimum_units")[:1]
    outflow = (
        StockMovement.objects.filter(
            product_id=OuterRef("product_id"),
            location_id=OuterRef("location_id"),
            at__gte=since,
            kind__in=OUTFLOW_KINDS,
            quantity__lt=0,
        )
        .order_by()
        .values("product_id")
        .annotate(total=Sum("quantity"))
        .values("total")[:1]
    )
    queryset = (
        StockLevel.objects.select_related("product", "product__category", "location")
        .annotate(
            minimum=Subquery(minimum, output_field=IntegerField()),
            outflow=Coalesce(Subquery(outflow, output_field=BigIntegerField()), Value(0)) * -1,
            value=ExpressionWrapper(
                F("on_hand")
                * Coalesce(F("product__last_cost_per_unit"), F("product__value_per_unit")),
                output_field=DecimalField(max_digits=14, decimal_places=2),
            ),
        )
        .filter(product__is_active=True)
    )
    if location_id:
        queryset = queryset.filter(location_id=location_id)
    if category_id:
        queryset = queryset.filter(product__category_id=category_id)
    if product_id:
        queryset = queryset.filter(product_id=product_id)
    if search:
        queryset = queryset.filter(Q(product__name__icontains=search))
    if low_only:
        queryset = queryset.filter(minimum__isnull=False, on_hand__lt=F("minimum"))
    return queryset.order_by("location__name", "product__name")


@dataclass(frozen=True)
class LevelRow:
    """One row of ``stock_level_rows``: what a stock list shows, without model objects."""

    product_id: int
    product_name: str
    pack_size: int
    location_id: int
    location_name: str
    on_hand: int
    minimum: int | None
    outflow: int


_LEVEL_FIELDS = (
    "product_id",
    "product__name",
    "product__pack_size",
    "location_id",
    "location__name",
    "on_hand",
    "minimum",
    "outflow",
)
_LEVEL_ROWS = PreparedQuery(
    lambda **filters: _overview(search="", **filters).values_list(*_LEVEL_FIELDS)
)


def stock_level_rows(
    *,
    location_id: int | None = None,
    product_id: int | None = None,
    category_id: int | None = None,
    low_only: bool = False,
    limit: int,
    offset: int = 0,
    now: dt.datetime | None = None,
) -> list[LevelRow]:
    """The rows of ``stock_overview`` (and the same order), a page at a time, as plain
    rows from a query compiled once: the API's stock list (see ``kern.prepared``)."""
    since = (now or timezone.now()) - dt.timedelta(weeks=OUTFLOW_WEEKS)
    rows = _LEVEL_ROWS.rows(
        location_id=location_id or None,
        category_id=category_id or None,
        product_id=product_id or None,
        low_only=low_only,
        since=since,
        limit=limit,
        offset=offset,
    )
    return [LevelRow(*row) for row in rows]


def days_of_cover(on_hand: int, outflow: int, *, weeks: int = OUTFLOW_WEEKS) -> int | None:
    """How many days the stock lasts at the pace of the last ``weeks`` (None: no outflow)."""
    if outflow <= 0:
        return None
    return int(on_hand / (outflow / (weeks * 7)))
