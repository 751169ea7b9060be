"""Read-side queries of stock: one query per page, whatever the size of the ledger."""

from __future__ import annotations

import datetime as dt

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

from voorraad.models import MinimumLevel, StockLevel, StockMovement

OUTFLOW_WEEKS = 8
OUTFLOW_KINDS = [
    StockMovement.Kind.DISTRIBUTION,
    StockMovement.Kind.TRANSFER_OUT,
    StockMovement.Kind.WRITE_OFF,
]


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
    if search:
        queryset = queryset.filter(Q(product__name__icontains=search))
    if low_only:
        queryset = queryset.filter(minimum__isnull=False, on_hand__lt=F("minimum"))
    return queryset.order_by("location__name", "product__name")


def days_of_cover(on_hand: int, outflow: int, *, weeks: int = OUTFLOW_WEEKS) -> int | None:
    """How many days the stock lasts at the pace of the last ``weeks`` (None: no outflow)."""
    if outflow <= 0:
        return None
    return int(on_hand / (outflow / (weeks * 7)))
