"""selectors.stock_level_rows (the API's stock list, compiled once) answers the rows of
stock_overview in its order, for every filter, page and moment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import LocationFactory
from voorraad import selectors, services


def overview_rows(*, now, product_id=None, **filters):
    queryset = selectors.stock_overview(now=now, **filters)
    if product_id:
        queryset = queryset.filter(product_id=product_id)
    return [
        (
            level.product_id,
            level.product.name,
            level.product.pack_size,
            level.location_id,
            level.location.name,
            level.on_hand,
            level.minimum,
            level.outflow,
        )
        for level in queryset
    ]


@pytest.mark.django_db
def test_rows_equal_the_overview_for_every_filter(coordinator, point, diapers, wipes, formula):
    store = LocationFactory(name="Magazijn")
    for product, location, units in (
        (diapers, point, 88),
        (wipes, point, 5),
        (formula, store, 60),
        (diapers, store, 440),
    ):
        services.adjust_stock(
            actor=coordinator, product=product, location=location, quantity=units, reason="telling"
        )
    services.adjust_stock(
        actor=coordinator, product=wipes, location=point, quantity=-2, reason="uitgifte"
    )
    services.save_product(actor=coordinator, product=diapers, minimums={point: 440})
    now = timezone.now()
    cases = [
        {},
        {"location_id": point.pk},
        {"location_id": store.pk},
        {"category_id": diapers.category_id},
        {"product_id": diapers.pk},
        {"low_only": True},
        {"location_id": point.pk, "product_id": wipes.pk},
    ]
    for filters in cases:
        for moment in (now, now + dt.timedelta(weeks=20)):  # outflow falls out of the window
            expected = overview_rows(now=moment, **filters)
            got = selectors.stock_level_rows(limit=1000, now=moment, **filters)
            assert [tuple(vars(row).values()) for row in got] == expected, filters
    every = overview_rows(now=now)
    assert len(every) == 4
    page = selectors.stock_level_rows(limit=2, offset=1, now=now)
    assert [tuple(vars(row).values()) for row in page] == every[1:3]
