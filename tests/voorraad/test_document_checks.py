"""What every stock document refuses, whatever its kind: quantities that make no sense,
a used idempotency key (the first document is returned and nothing is written), and a
database error halfway (nothing is left behind)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.db import DatabaseError
from django.utils import timezone

from kern.errors import DomainError
from tests.voorraad.factories import (
    ProductFactory,
    SupplierFactory,
)
from tests.voorraad.helpers import balance, book, database_state, take
from voorraad import services
from voorraad.models import (
    Donation,
    Purchase,
    StockMovement,
)
from voorraad.services import MAX_UNITS_PER_LINE, CostLine, Line, ledger

pytestmark = pytest.mark.django_db

Kind = StockMovement.Kind


# --- Quantities that make no sense ------------------------------------------------------

BAD_QUANTITIES = [
    pytest.param(0, id="zero"),
    pytest.param(-5, id="negative"),
    pytest.param(2.5, id="fraction"),
    pytest.param("vijf", id="text"),
    pytest.param("", id="empty"),
    pytest.param(None, id="none"),
    pytest.param(True, id="bool"),
    pytest.param(MAX_UNITS_PER_LINE + 1, id="absurd"),
    pytest.param(10**15, id="way-too-much"),
]


@pytest.mark.parametrize("quantity", BAD_QUANTITIES)
def test_receive_donation_rejects_a_senseless_quantity_naming_the_product_and_writes_nothing(
    coordinator, point, diapers, wipes, donor, quantity
):
    book(coordinator, point, (wipes, 10))
    before = database_state()

    with pytest.raises(DomainError) as excinfo:
        services.receive_donation(
            actor=coordinator,
            donor=donor,
            location=point,
            lines=[Line(wipes, 5), Line(diapers, quantity)],
        )

    assert "Luiers maat 4" in str(excinfo.value)
    assert excinfo.value.field == "quantity"
    assert database_state() == before


@pytest.mark.parametrize("quantity", BAD_QUANTITIES)
def test_record_purchase_rejects_a_senseless_quantity_naming_the_product_and_writes_nothing(
    coordinator, point, diapers, wipes, supplier, quantity
):
    before = database_state()

    with pytest.raises(DomainError) as excinfo:
        services.record_purchase(
            actor=coordinator,
            supplier=supplier,
            location=point,
            lines=[CostLine(wipes, 5, Decimal("0.1")), CostLine(diapers, quantity, Decimal("1"))],
        )

    assert "Luiers maat 4" in str(excinfo.value)
    assert database_state() == before


@pytest.mark.parametrize("quantity", BAD_QUANTITIES)
def test_transfer_stock_rejects_a_senseless_quantity_naming_the_product_and_writes_nothing(
    coordinator, point, other_point, diapers, quantity
):
    book(coordinator, point, (diapers, 440))
    before = database_state()

    with pytest.raises(DomainError) as excinfo:
        services.transfer_stock(
            actor=coordinator,
            from_location=point,
            to_location=other_point,
            lines=[Line(diapers, quantity)],
        )

    assert "Luiers maat 4" in str(excinfo.value)
    assert database_state() == before


@pytest.mark.parametrize(
    "quantity",
    [
        pytest.param(0, id="zero"),
        pytest.param(2.5, id="fraction"),
        pytest.param("vijf", id="text"),
        pytest.param(None, id="none"),
        pytest.param(True, id="bool"),
        pytest.param(MAX_UNITS_PER_LINE + 1, id="absurd"),
        pytest.param(-(MAX_UNITS_PER_LINE + 1), id="absurd-negative"),
    ],
)
def test_adjust_stock_rejects_a_senseless_quantity_naming_the_product_and_writes_nothing(
    coordinator, point, diapers, quantity
):
    book(coordinator, point, (diapers, 440))
    before = database_state()

    with pytest.raises(DomainError) as excinfo:
        services.adjust_stock(
            actor=coordinator, product=diapers, location=point, quantity=quantity, reason="telfout"
        )

    assert "Luiers maat 4" in str(excinfo.value)
    assert excinfo.value.field == "quantity"
    assert database_state() == before


def test_lines_that_add_up_to_an_absurd_quantity_are_rejected(coordinator, point, diapers, donor):
    half = MAX_UNITS_PER_LINE // 2 + 1
    before = database_state()
    with pytest.raises(DomainError) as excinfo:
        services.receive_donation(
            actor=coordinator,
            donor=donor,
            location=point,
            lines=[Line(diapers, half), Line(diapers, half)],
        )
    assert "Luiers maat 4" in str(excinfo.value)
    assert database_state() == before


def test_a_donation_without_lines_is_refused(coordinator, point, donor):
    with pytest.raises(DomainError):
        services.receive_donation(actor=coordinator, donor=donor, location=point, lines=[])
    assert not Donation.objects.exists()


def test_record_purchase_rejects_a_negative_or_absurd_cost(coordinator, point, wipes, supplier):
    for cost in (Decimal("-0.01"), Decimal("10000.01"), "gratis"):
        with pytest.raises(DomainError) as excinfo:
            services.record_purchase(
                actor=coordinator,
                supplier=supplier,
                location=point,
                lines=[CostLine(wipes, 5, cost)],
            )
        assert excinfo.value.field == "unit_cost"
    assert not Purchase.objects.exists()
    assert not StockMovement.objects.exists()


# --- Idempotency keys -------------------------------------------------------------------


def test_receive_donation_with_a_used_key_returns_the_first_donation_and_writes_nothing(
    coordinator, point, wipes, donor
):
    first = services.receive_donation(
        actor=coordinator,
        donor=donor,
        location=point,
        lines=[Line(wipes, 10)],
        idempotency_key="k1",
    )
    before = database_state()

    second = services.receive_donation(
        actor=coordinator,
        donor=donor,
        location=point,
        lines=[Line(wipes, 99)],
        idempotency_key="k1",
    )

    assert second.pk == first.pk
    assert database_state() == before
    assert balance(wipes, point) == 10


def test_transfer_stock_with_a_used_key_returns_the_first_transfer_and_writes_nothing(
    coordinator, point, other_point, wipes
):
    book(coordinator, point, (wipes, 50))
    kwargs = dict(
        actor=coordinator,
        from_location=point,
        to_location=other_point,
        lines=[Line(wipes, 10)],
        idempotency_key="t1",
    )
    first = services.transfer_stock(**kwargs)
    before = database_state()

    second = services.transfer_stock(**kwargs)

    assert second.pk == first.pk
    assert database_state() == before
    assert balance(wipes, other_point) == 10


def test_adjust_stock_with_a_used_key_returns_the_first_movement_and_writes_nothing(
    coordinator, point, wipes
):
    book(coordinator, point, (wipes, 50))
    first = take(coordinator, wipes, point, 5, idempotency_key="a1")
    before = database_state()

    second = take(coordinator, wipes, point, 5, idempotency_key="a1")

    assert second.pk == first.pk
    assert database_state() == before
    assert balance(wipes, point) == 45


def test_record_purchase_with_a_used_key_returns_the_first_purchase_and_writes_nothing(
    coordinator, point, wipes, supplier
):
    kwargs = dict(
        actor=coordinator,
        supplier=supplier,
        location=point,
        lines=[CostLine(wipes, 24, Decimal("0.10"))],
        idempotency_key="p1",
    )
    first = services.record_purchase(**kwargs)
    before = database_state()

    second = services.record_purchase(**kwargs)

    assert second.pk == first.pk
    assert database_state() == before
    assert balance(wipes, point) == 24


# --- All or nothing ---------------------------------------------------------------------


def test_a_database_error_halfway_through_a_donation_leaves_no_line_behind(
    coordinator, point, diapers, wipes, formula, donor
):
    book(coordinator, point, (diapers, 88), (wipes, 10))
    before = database_state()
    real_post = ledger.post_movement
    calls = 0

    def post_then_fail(**kwargs):
        nonlocal calls
        calls += 1
        if calls == 2:
            raise DatabaseError("disk I/O error")
        return real_post(**kwargs)

    with (
        mock.patch.object(ledger, "post_movement", post_then_fail),
        pytest.raises(DatabaseError),
    ):
        services.receive_donation(
            actor=coordinator,
            donor=donor,
            location=point,
            lines=[Line(diapers, 44), Line(wipes, 5), Line(formula, 6)],
        )

    assert calls == 2
    assert database_state() == before
    assert Donation.objects.count() == 1  # only the one booked above
    assert balance(diapers, point) == 88
    assert balance(wipes, point) == 10
    assert services.reconcile() == []


@pytest.mark.parametrize("cost", ["NaN", "Infinity", "-1", "abc"])
def test_record_purchase_refuses_a_cost_that_is_no_amount(coordinator, point, cost):
    product = ProductFactory()
    with pytest.raises(DomainError):
        services.record_purchase(
            actor=coordinator,
            supplier=SupplierFactory(),
            location=point,
            lines=[services.CostLine(product, 10, cost)],
        )
    assert services.level_of(product=product, location=point) == 0


def test_record_purchase_refuses_a_date_in_the_future(coordinator, point):
    with pytest.raises(DomainError):
        services.record_purchase(
            actor=coordinator,
            supplier=SupplierFactory(),
            location=point,
            lines=[services.CostLine(ProductFactory(), 10, Decimal("0.2"))],
            received_on=timezone.localdate() + dt.timedelta(days=1),
        )
