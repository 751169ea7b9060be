"""The stock services: ledger and balances, donations, purchases, transfers, corrections,
reversals, counts, barcodes, permissions and the ``reconcile_stock`` command.

"Writes nothing" is checked by comparing ``database_state()`` before and after: row
counts of every stock table, every balance and every document status.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection
from django.db.models import Sum
from django.utils import timezone, translation

from kern import barcodes
from kern.errors import Conflict, DomainError, NotAllowed, NotFound
from tests.factories import LocationFactory
from tests.voorraad.factories import (
    DonorFactory,
    ItemFactory,
    ItemTypeFactory,
    ProductFactory,
    SupplierFactory,
)
from voorraad import services
from voorraad.models import (
    Category,
    CollectionDrive,
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
from voorraad.services import MAX_UNITS_PER_LINE, CostLine, InsufficientStock, Line

pytestmark = pytest.mark.django_db

Kind = StockMovement.Kind


# --- Helpers ----------------------------------------------------------------------------


def ean(body: str) -> str:
    """A valid EAN-13 for twelve digits."""
    return body + barcodes.gs1_check_digit(body)


def ledger_sum(product: Product, location) -> int:
    return (
        StockMovement.objects.filter(product=product, location=location).aggregate(
            total=Sum("quantity")
        )["total"]
        or 0
    )


def balance(product: Product, location) -> int:
    return services.level_of(product=product, location=location)


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


def book(actor, location, *lines: tuple[Product, int], key: str | None = None) -> Donation:
    """Receive a donation of ``(product, units)`` lines."""
    return services.receive_donation(
        actor=actor,
        donor=DonorFactory(),
        location=location,
        lines=[Line(product, units) for product, units in lines],
        idempotency_key=key,
    )


def take(actor, product, location, units: int, **kwargs) -> StockMovement:
    """Take units out of stock (a correction downwards)."""
    return services.adjust_stock(
        actor=actor,
        product=product,
        location=location,
        quantity=-units,
        reason="uitgedeeld",
        **kwargs,
    )


@pytest.fixture
def diapers(db):
    return ProductFactory(name="Luiers maat 4", pack_size=44)


@pytest.fixture
def wipes(db):
    return ProductFactory(name="Billendoekjes", pack_size=1)


@pytest.fixture
def formula(db):
    return ProductFactory(name="Flesvoeding 1", pack_size=6)


@pytest.fixture
def donor(db):
    return DonorFactory(name="Basisschool De Regenboog", kind=Donor.Kind.SCHOOL)


@pytest.fixture
def supplier(db):
    return SupplierFactory(name="Groothandel Baby")


# --- Describing quantities --------------------------------------------------------------


@pytest.mark.parametrize(
    ("pack_size", "units", "expected"),
    [
        (1, 0, "0 units"),
        (1, 1, "1 unit"),
        (1, 12, "12 units"),
        (1, 44, "44 units"),
        (44, 5, "5 units"),
        (44, 1, "1 unit"),
        (44, 44, "1 pack"),
        (44, 88, "2 packs"),
        (44, 45, "1 pack and 1 unit"),
        (44, 93, "2 packs and 5 units"),
        (44, 0, "0 packs"),
    ],
)
def test_describe_units_speaks_in_packs_and_loose_units(pack_size, units, expected):
    product = Product(name="Luiers", pack_size=pack_size)
    with translation.override("en"):
        assert services.describe_units(product, units) == expected


# --- Every posting: one ledger row per line, balance = ledger ---------------------------


def test_receive_donation_writes_one_ledger_row_per_line_and_moves_the_balance(
    coordinator, point, diapers, wipes, formula, donor
):
    donation = services.receive_donation(
        actor=coordinator,
        donor=donor,
        location=point,
        lines=[Line(diapers, 88), Line(wipes, 30), Line(formula, 12)],
    )

    assert donation.status == Donation.Status.POSTED
    assert donation.posted_at is not None
    rows = StockMovement.objects.filter(document_type="donation", document_id=donation.pk)
    assert sorted(rows.values_list("product__name", "quantity", "kind", "user")) == [
        ("Billendoekjes", 30, Kind.DONATION, coordinator.pk),
        ("Flesvoeding 1", 12, Kind.DONATION, coordinator.pk),
        ("Luiers maat 4", 88, Kind.DONATION, coordinator.pk),
    ]
    assert StockMovement.objects.count() == 3
    assert (balance(diapers, point), balance(wipes, point), balance(formula, point)) == (88, 30, 12)
    for product in (diapers, wipes, formula):
        assert balance(product, point) == ledger_sum(product, point)
    assert services.reconcile() == []


def test_receive_donation_merges_repeated_products_into_one_line_and_one_row(
    coordinator, point, diapers, wipes, donor
):
    donation = services.receive_donation(
        actor=coordinator,
        donor=donor,
        location=point,
        lines=[Line(diapers, 44), Line(wipes, 10), Line(diapers, 44), Line(diapers, 3)],
    )

    assert sorted(donation.lines.values_list("product__name", "quantity")) == [
        ("Billendoekjes", 10),
        ("Luiers maat 4", 91),
    ]
    assert StockMovement.objects.filter(product=diapers).count() == 1
    assert balance(diapers, point) == 91
    assert services.reconcile() == []


def test_record_purchase_writes_one_row_per_line_and_remembers_the_last_cost(
    coordinator, point, diapers, wipes, supplier
):
    purchase = services.record_purchase(
        actor=coordinator,
        supplier=supplier,
        location=point,
        lines=[
            CostLine(diapers, 440, Decimal("0.21")),
            CostLine(wipes, 50, Decimal("0.05")),
        ],
        reference="F-2024-117",
    )

    rows = StockMovement.objects.filter(document_type="purchase", document_id=purchase.pk)
    assert rows.count() == 2
    assert set(rows.values_list("kind", flat=True)) == {Kind.PURCHASE}
    assert purchase.lines.count() == 2
    assert balance(diapers, point) == 440
    diapers.refresh_from_db()
    assert diapers.last_cost_per_unit == Decimal("0.21")
    assert diapers.unit_value == Decimal("0.21")
    assert services.reconcile() == []


def test_every_kind_of_posting_keeps_each_balance_equal_to_its_ledger(
    coordinator, point, other_point, diapers, wipes, supplier
):
    book(coordinator, point, (diapers, 440), (wipes, 100))
    services.record_purchase(
        actor=coordinator,
        supplier=supplier,
        location=point,
        lines=[CostLine(wipes, 20, Decimal("0.05"))],
    )
    services.transfer_stock(
        actor=coordinator,
        from_location=point,
        to_location=other_point,
        lines=[Line(diapers, 88), Line(wipes, 30)],
    )
    take(coordinator, diapers, point, 44)
    services.adjust_stock(
        actor=coordinator, product=wipes, location=point, quantity=5, reason="vergeten te boeken"
    )
    write_off = services.adjust_stock(
        actor=coordinator,
        product=wipes,
        location=other_point,
        quantity=3,
        reason="beschadigd",
        write_off=True,
    )
    services.reverse_movement(actor=coordinator, movement=write_off, reason="toch niet stuk")
    count = services.start_count(actor=coordinator, location=point)
    services.record_count(actor=coordinator, count=count, product=wipes, counted=90)
    services.finalise_count(actor=coordinator, count=count)

    assert services.reconcile() == []
    assert balance(diapers, point) == 440 - 88 - 44
    assert balance(diapers, other_point) == 88
    assert balance(wipes, point) == 90
    assert balance(wipes, other_point) == 30
    for product in (diapers, wipes):
        for location in (point, other_point):
            assert balance(product, location) == ledger_sum(product, location)
    assert set(StockMovement.objects.values_list("kind", flat=True)) == {
        Kind.DONATION,
        Kind.PURCHASE,
        Kind.TRANSFER_OUT,
        Kind.TRANSFER_IN,
        Kind.ADJUSTMENT,
        Kind.WRITE_OFF,
        Kind.REVERSAL,
        Kind.COUNT,
    }


def test_the_ledger_refuses_to_change_or_delete_a_movement(coordinator, point, wipes):
    book(coordinator, point, (wipes, 10))
    movement = StockMovement.objects.get()
    movement.quantity = 1000
    with pytest.raises(TypeError):
        movement.save()
    with pytest.raises(TypeError):
        movement.delete()
    assert StockMovement.objects.get().quantity == 10


def test_reconcile_reports_a_balance_that_drifted_from_its_ledger(coordinator, point, wipes):
    book(coordinator, point, (wipes, 10))
    StockLevel.objects.filter(product=wipes, location=point).update(on_hand=13)

    assert services.reconcile() == [services.Difference(wipes.pk, point.pk, balance=13, ledger=10)]


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


# --- Taking more than there is ----------------------------------------------------------


def test_a_take_larger_than_stock_raises_insufficient_stock_in_packs_and_writes_nothing(
    coordinator, point, diapers
):
    book(coordinator, point, (diapers, 88))
    before = database_state()

    with translation.override("en"), pytest.raises(InsufficientStock) as excinfo:
        take(coordinator, diapers, point, 132)

    assert str(excinfo.value) == (
        "Luiers maat 4: only 2 packs left at Uitdeelpunt Centrum, 3 packs asked."
    )
    assert excinfo.value.code == "insufficient_stock"
    assert excinfo.value.status == 409
    assert database_state() == before
    assert balance(diapers, point) == 88


def test_insufficient_stock_names_loose_units_beside_packs(coordinator, point, diapers):
    book(coordinator, point, (diapers, 93))
    with translation.override("en"), pytest.raises(InsufficientStock) as excinfo:
        take(coordinator, diapers, point, 100)
    assert str(excinfo.value) == (
        "Luiers maat 4: only 2 packs and 5 units left at Uitdeelpunt Centrum, "
        "2 packs and 12 units asked."
    )


def test_taking_exactly_what_is_on_hand_leaves_zero(coordinator, point, diapers):
    book(coordinator, point, (diapers, 88))
    take(coordinator, diapers, point, 88)
    assert balance(diapers, point) == 0
    assert services.reconcile() == []


def test_a_take_from_a_location_that_never_had_the_product_is_insufficient_stock(
    coordinator, point, other_point, wipes
):
    book(coordinator, point, (wipes, 10))
    before = database_state()
    with translation.override("en"), pytest.raises(InsufficientStock) as excinfo:
        take(coordinator, wipes, other_point, 1)
    assert (
        str(excinfo.value) == "Billendoekjes: only 0 units left at Uitdeelpunt Melle, 1 unit asked."
    )
    assert database_state() == before


# --- Transfers --------------------------------------------------------------------------


def test_a_transfer_to_the_same_location_is_refused(coordinator, point, diapers):
    book(coordinator, point, (diapers, 88))
    before = database_state()
    with pytest.raises(DomainError) as excinfo:
        services.transfer_stock(
            actor=coordinator, from_location=point, to_location=point, lines=[Line(diapers, 44)]
        )
    assert excinfo.value.field == "to_location"
    assert database_state() == before


def test_a_transfer_moves_stock_out_of_one_location_and_into_the_other(
    coordinator, point, other_point, diapers, wipes
):
    book(coordinator, point, (diapers, 440), (wipes, 50))
    movements_before = StockMovement.objects.count()

    transfer = services.transfer_stock(
        actor=coordinator,
        from_location=point,
        to_location=other_point,
        lines=[Line(diapers, 88), Line(wipes, 20)],
    )

    assert transfer.status == Transfer.Status.DONE
    assert transfer.done_at is not None
    rows = StockMovement.objects.filter(document_type="transfer", document_id=transfer.pk)
    assert rows.count() == 4 == StockMovement.objects.count() - movements_before
    assert sorted(rows.values_list("product__name", "location__name", "quantity", "kind")) == [
        ("Billendoekjes", "Uitdeelpunt Centrum", -20, Kind.TRANSFER_OUT),
        ("Billendoekjes", "Uitdeelpunt Melle", 20, Kind.TRANSFER_IN),
        ("Luiers maat 4", "Uitdeelpunt Centrum", -88, Kind.TRANSFER_OUT),
        ("Luiers maat 4", "Uitdeelpunt Melle", 88, Kind.TRANSFER_IN),
    ]
    assert balance(diapers, point) == 352
    assert balance(diapers, other_point) == 88
    assert balance(wipes, point) == 30
    assert balance(wipes, other_point) == 20
    assert services.reconcile() == []


def test_executing_a_transfer_a_second_time_changes_nothing(
    coordinator, point, other_point, diapers
):
    book(coordinator, point, (diapers, 440))
    transfer = services.transfer_stock(
        actor=coordinator, from_location=point, to_location=other_point, lines=[Line(diapers, 88)]
    )
    before = database_state()

    again = services.execute_transfer(actor=coordinator, transfer=transfer)

    assert again.status == Transfer.Status.DONE
    assert database_state() == before


def test_a_planned_transfer_moves_nothing_until_it_is_executed(
    coordinator, point, other_point, diapers
):
    book(coordinator, point, (diapers, 440))
    transfer = services.plan_transfer(
        actor=coordinator, from_location=point, to_location=other_point, lines=[Line(diapers, 88)]
    )
    assert transfer.status == Transfer.Status.PLANNED
    assert balance(diapers, point) == 440
    assert not StockMovement.objects.filter(document_type="transfer").exists()

    services.execute_transfer(actor=coordinator, transfer=transfer)
    assert balance(diapers, other_point) == 88


def test_planning_a_transfer_of_more_than_on_hand_is_refused(
    coordinator, point, other_point, diapers, wipes
):
    book(coordinator, point, (diapers, 440), (wipes, 5))
    before = database_state()

    with translation.override("en"), pytest.raises(InsufficientStock) as excinfo:
        services.plan_transfer(
            actor=coordinator,
            from_location=point,
            to_location=other_point,
            lines=[Line(diapers, 88), Line(wipes, 6)],
        )

    assert str(excinfo.value) == (
        "Billendoekjes: only 5 units left at Uitdeelpunt Centrum, 6 units asked."
    )
    assert database_state() == before


def test_executing_a_transfer_when_stock_ran_out_since_planning_moves_nothing(
    coordinator, point, other_point, diapers, wipes
):
    book(coordinator, point, (diapers, 440), (wipes, 6))
    transfer = services.plan_transfer(
        actor=coordinator,
        from_location=point,
        to_location=other_point,
        lines=[Line(diapers, 88), Line(wipes, 6)],
    )
    take(coordinator, wipes, point, 1)  # handed out after the transfer was planned
    before = database_state()

    with pytest.raises(InsufficientStock):
        services.execute_transfer(actor=coordinator, transfer=transfer)

    assert database_state() == before
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.PLANNED


def test_cancelling_a_done_transfer_is_refused(coordinator, point, other_point, diapers):
    book(coordinator, point, (diapers, 440))
    transfer = services.transfer_stock(
        actor=coordinator, from_location=point, to_location=other_point, lines=[Line(diapers, 88)]
    )
    before = database_state()
    with pytest.raises(Conflict):
        services.cancel_transfer(actor=coordinator, transfer=transfer)
    assert database_state() == before


def test_a_cancelled_transfer_cannot_be_executed(coordinator, point, other_point, diapers):
    book(coordinator, point, (diapers, 440))
    transfer = services.plan_transfer(
        actor=coordinator, from_location=point, to_location=other_point, lines=[Line(diapers, 88)]
    )
    services.cancel_transfer(actor=coordinator, transfer=transfer)
    with pytest.raises(Conflict):
        services.execute_transfer(actor=coordinator, transfer=transfer)
    assert balance(diapers, point) == 440
    assert not StockMovement.objects.filter(document_type="transfer").exists()


def test_a_transfer_to_an_inactive_location_is_refused(coordinator, point, diapers):
    closed = LocationFactory(name="Oud depot", is_active=False)
    book(coordinator, point, (diapers, 440))
    before = database_state()
    with pytest.raises(DomainError) as excinfo:
        services.transfer_stock(
            actor=coordinator, from_location=point, to_location=closed, lines=[Line(diapers, 44)]
        )
    assert "Oud depot" in str(excinfo.value)
    assert database_state() == before


# --- Corrections and write-offs ---------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_adjust_stock_requires_a_reason(coordinator, point, diapers, reason):
    book(coordinator, point, (diapers, 88))
    before = database_state()
    with pytest.raises(DomainError) as excinfo:
        services.adjust_stock(
            actor=coordinator, product=diapers, location=point, quantity=-4, reason=reason
        )
    assert excinfo.value.field == "reason"
    assert "Luiers maat 4" in str(excinfo.value)
    assert database_state() == before


def test_adjust_stock_corrects_up_and_down_with_the_reason_on_the_row(coordinator, point, wipes):
    book(coordinator, point, (wipes, 10))
    up = services.adjust_stock(
        actor=coordinator, product=wipes, location=point, quantity=4, reason="  doos gevonden "
    )
    down = services.adjust_stock(
        actor=coordinator, product=wipes, location=point, quantity=-6, reason="telfout"
    )
    assert (up.quantity, up.kind, up.reason) == (4, Kind.ADJUSTMENT, "doos gevonden")
    assert (down.quantity, down.kind) == (-6, Kind.ADJUSTMENT)
    assert balance(wipes, point) == 8
    assert services.reconcile() == []


@pytest.mark.parametrize("quantity", [5, -5])
def test_a_write_off_always_decreases_stock(coordinator, point, wipes, quantity):
    book(coordinator, point, (wipes, 10))
    movement = services.adjust_stock(
        actor=coordinator,
        product=wipes,
        location=point,
        quantity=quantity,
        reason="vervallen",
        write_off=True,
    )
    assert movement.quantity == -5
    assert movement.kind == Kind.WRITE_OFF
    assert balance(wipes, point) == 5


def test_a_write_off_of_more_than_on_hand_is_insufficient_stock(coordinator, point, wipes):
    book(coordinator, point, (wipes, 10))
    before = database_state()
    with pytest.raises(InsufficientStock):
        services.adjust_stock(
            actor=coordinator,
            product=wipes,
            location=point,
            quantity=11,
            reason="beschadigd",
            write_off=True,
        )
    assert database_state() == before


# --- Reversals --------------------------------------------------------------------------


def test_reversing_a_movement_restores_the_balance(coordinator, point, wipes):
    book(coordinator, point, (wipes, 10))
    wrong = take(coordinator, wipes, point, 4)
    assert balance(wipes, point) == 6

    reversal = services.reverse_movement(
        actor=coordinator, movement=wrong, reason="verkeerd product gescand"
    )

    assert balance(wipes, point) == 10
    assert (reversal.quantity, reversal.kind, reversal.reverses_id) == (4, Kind.REVERSAL, wrong.pk)
    assert reversal.reason == "verkeerd product gescand"
    assert services.reconcile() == []


def test_reversing_a_donation_row_keeps_the_document_reference(coordinator, point, wipes):
    donation = book(coordinator, point, (wipes, 10))
    row = StockMovement.objects.get(document_type="donation")
    reversal = services.reverse_movement(actor=coordinator, movement=row, reason="dubbel")
    assert (reversal.document_type, reversal.document_id) == ("donation", donation.pk)
    assert balance(wipes, point) == 0


def test_a_movement_cannot_be_reversed_twice(coordinator, point, wipes):
    book(coordinator, point, (wipes, 10))
    wrong = take(coordinator, wipes, point, 4)
    services.reverse_movement(actor=coordinator, movement=wrong, reason="fout")
    before = database_state()

    with pytest.raises(Conflict):
        services.reverse_movement(actor=coordinator, movement=wrong, reason="nog eens")

    assert database_state() == before
    assert balance(wipes, point) == 10


def test_a_reversal_cannot_be_reversed(coordinator, point, wipes):
    book(coordinator, point, (wipes, 10))
    wrong = take(coordinator, wipes, point, 4)
    reversal = services.reverse_movement(actor=coordinator, movement=wrong, reason="fout")
    before = database_state()

    with pytest.raises(DomainError) as excinfo:
        services.reverse_movement(actor=coordinator, movement=reversal, reason="toch wel")

    assert excinfo.value.code == "reversal_of_reversal"
    assert database_state() == before


def test_an_intake_whose_stock_was_taken_already_cannot_be_reversed(coordinator, point, diapers):
    book(coordinator, point, (diapers, 88))
    intake = StockMovement.objects.get()
    take(coordinator, diapers, point, 50)
    before = database_state()

    with pytest.raises(InsufficientStock):
        services.reverse_movement(actor=coordinator, movement=intake, reason="dubbel geboekt")

    assert database_state() == before
    assert balance(diapers, point) == 38


def test_a_reversal_needs_a_reason(coordinator, point, wipes):
    book(coordinator, point, (wipes, 10))
    with pytest.raises(DomainError) as excinfo:
        services.reverse_movement(
            actor=coordinator, movement=StockMovement.objects.get(), reason=" "
        )
    assert excinfo.value.field == "reason"
    assert StockMovement.objects.count() == 1


# --- Counts -----------------------------------------------------------------------------


def test_a_second_count_at_the_same_location_is_refused_while_one_is_open(
    coordinator, point, other_point
):
    first = services.start_count(actor=coordinator, location=point)
    with pytest.raises(Conflict):
        services.start_count(actor=coordinator, location=point)
    services.start_count(actor=coordinator, location=other_point)  # another place is fine
    services.finalise_count(actor=coordinator, count=first)
    services.start_count(actor=coordinator, location=point)  # after closing, a new one
    assert StockCount.objects.filter(location=point).count() == 2


def test_counting_a_product_not_kept_at_the_location_raises_not_found(
    coordinator, point, other_point, wipes
):
    book(coordinator, other_point, (wipes, 10))
    count = services.start_count(actor=coordinator, location=point)
    with translation.override("en"), pytest.raises(NotFound) as excinfo:
        services.record_count(actor=coordinator, count=count, product=wipes, counted=3)
    assert str(excinfo.value) == (
        "Billendoekjes is not kept at Uitdeelpunt Centrum: there is nothing to count."
    )
    assert not StockCountLine.objects.exists()


def test_finalising_a_count_posts_counted_minus_expected_per_product(
    coordinator, point, diapers, wipes, formula
):
    book(coordinator, point, (diapers, 440), (wipes, 50), (formula, 12))
    count = services.start_count(actor=coordinator, location=point)
    services.record_count(actor=coordinator, count=count, product=diapers, counted=450)
    services.record_count(actor=coordinator, count=count, product=wipes, counted=50)
    services.record_count(actor=coordinator, count=count, product=formula, counted=0)

    corrections = services.finalise_count(actor=coordinator, count=count)

    assert sorted((m.product.name, m.quantity) for m in corrections) == [
        ("Flesvoeding 1", -12),
        ("Luiers maat 4", 10),
    ]
    assert {(m.kind, m.document_type, m.document_id) for m in corrections} == {
        (Kind.COUNT, "count", count.pk)
    }
    assert (balance(diapers, point), balance(wipes, point), balance(formula, point)) == (450, 50, 0)
    count.refresh_from_db()
    assert count.status == StockCount.Status.FINALISED
    assert count.finalised_at is not None
    assert services.reconcile() == []


def test_a_movement_after_counting_but_before_finalising_is_kept(coordinator, point, wipes):
    book(coordinator, point, (wipes, 10))
    count = services.start_count(actor=coordinator, location=point)
    line = services.record_count(actor=coordinator, count=count, product=wipes, counted=8)
    assert (line.expected, line.variance) == (10, -2)

    take(coordinator, wipes, point, 3)  # handed out while the count was still open
    services.finalise_count(actor=coordinator, count=count)

    assert balance(wipes, point) == 5
    assert services.reconcile() == []


def test_recounting_a_product_replaces_its_line(coordinator, point, wipes):
    book(coordinator, point, (wipes, 10))
    count = services.start_count(actor=coordinator, location=point)
    services.record_count(actor=coordinator, count=count, product=wipes, counted=8)
    services.record_count(actor=coordinator, count=count, product=wipes, counted=11)
    assert count.lines.get().counted == 11
    services.finalise_count(actor=coordinator, count=count)
    assert balance(wipes, point) == 11


@pytest.mark.parametrize("counted", [-1, "acht", MAX_UNITS_PER_LINE + 1])
def test_a_senseless_count_is_refused(coordinator, point, wipes, counted):
    book(coordinator, point, (wipes, 10))
    count = services.start_count(actor=coordinator, location=point)
    with pytest.raises(DomainError) as excinfo:
        services.record_count(actor=coordinator, count=count, product=wipes, counted=counted)
    assert "Billendoekjes" in str(excinfo.value)
    assert not StockCountLine.objects.exists()


def test_counting_zero_is_allowed(coordinator, point, wipes):
    book(coordinator, point, (wipes, 10))
    count = services.start_count(actor=coordinator, location=point)
    services.record_count(actor=coordinator, count=count, product=wipes, counted=0)
    services.finalise_count(actor=coordinator, count=count)
    assert balance(wipes, point) == 0


def test_recording_a_count_after_finalising_is_refused(coordinator, point, wipes):
    book(coordinator, point, (wipes, 10))
    count = services.start_count(actor=coordinator, location=point)
    services.record_count(actor=coordinator, count=count, product=wipes, counted=8)
    services.finalise_count(actor=coordinator, count=count)
    before = database_state()

    with pytest.raises(Conflict):
        services.record_count(actor=coordinator, count=count, product=wipes, counted=2)
    with pytest.raises(Conflict):
        services.finalise_count(actor=coordinator, count=count)

    assert database_state() == before


def test_a_cancelled_count_posts_nothing(coordinator, point, wipes):
    book(coordinator, point, (wipes, 10))
    count = services.start_count(actor=coordinator, location=point)
    services.record_count(actor=coordinator, count=count, product=wipes, counted=2)
    services.cancel_count(actor=coordinator, count=count)
    assert balance(wipes, point) == 10
    assert not StockMovement.objects.filter(kind=Kind.COUNT).exists()
    with pytest.raises(Conflict):
        services.finalise_count(actor=coordinator, count=count)


# --- History ----------------------------------------------------------------------------


def test_stock_as_of_returns_the_balance_at_a_past_moment(
    coordinator, point, other_point, wipes, diapers
):
    before_anything = timezone.now()
    book(coordinator, point, (wipes, 10), (diapers, 88))
    book(coordinator, other_point, (wipes, 7))
    after_intake = timezone.now()
    take(coordinator, wipes, point, 4)
    take(coordinator, diapers, point, 88)

    assert services.stock_as_of(location=point, at=before_anything) == {}
    assert services.stock_as_of(location=point, at=after_intake) == {wipes.pk: 10, diapers.pk: 88}
    # a product that went back to zero is left out
    assert services.stock_as_of(location=point, at=timezone.now()) == {wipes.pk: 6}
    assert services.stock_as_of(location=other_point, at=timezone.now()) == {wipes.pk: 7}


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


# --- Barcodes ---------------------------------------------------------------------------


def test_map_gtin_ties_an_ean_to_a_product_with_its_pack_size_by_default(coordinator, diapers):
    mapping = services.map_gtin(actor=coordinator, gtin=ean("541234500001"), product=diapers)
    assert (mapping.product, mapping.units) == (diapers, 44)
    again = services.map_gtin(actor=coordinator, gtin=ean("541234500001"), product=diapers)
    assert again.pk == mapping.pk
    assert ProductBarcode.objects.count() == 1


def test_map_gtin_of_an_ean_that_belongs_to_another_product_is_refused(coordinator, diapers, wipes):
    code = ean("541234500001")
    services.map_gtin(actor=coordinator, gtin=code, product=diapers)
    with pytest.raises(Conflict) as excinfo:
        services.map_gtin(actor=coordinator, gtin=code, product=wipes)
    assert "Luiers maat 4" in str(excinfo.value)
    assert ProductBarcode.objects.get().product == diapers


def _wrong_check_digit(code: str) -> str:
    return code[:-1] + str((int(code[-1]) + 1) % 10)


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(_wrong_check_digit(ean("541234500001")), id="wrong-check-digit"),
        pytest.param("12345", id="too-short"),
        pytest.param("5412345ABC001", id="letters"),
    ],
)
def test_map_gtin_of_an_invalid_ean_raises_barcode_error(coordinator, diapers, bad):
    with pytest.raises(barcodes.BarcodeError):
        services.map_gtin(actor=coordinator, gtin=bad, product=diapers)
    assert not ProductBarcode.objects.exists()


def test_product_for_code_of_a_product_label_is_one_pack(diapers):
    scanned = services.product_for_code(diapers.code)
    assert (scanned.product, scanned.units) == (diapers, 44)


def test_product_for_code_of_a_mapped_ean_is_its_mapped_units(coordinator, diapers):
    code = ean("541234500001")
    services.map_gtin(actor=coordinator, gtin=code, product=diapers, units=22)
    scanned = services.product_for_code(code)
    assert (scanned.product, scanned.units) == (diapers, 22)


def test_product_for_code_of_an_unknown_valid_ean_is_not_found_as_unknown_gtin(db):
    with pytest.raises(NotFound) as excinfo:
        services.product_for_code(ean("871234500009"))
    assert excinfo.value.code == "unknown_gtin"


def test_product_for_code_of_an_item_code_is_a_domain_error(coordinator, point):
    item = ItemFactory(location=point)
    with pytest.raises(DomainError) as excinfo:
        services.product_for_code(item.code)
    assert not isinstance(excinfo.value, NotFound)


def test_product_for_code_of_an_inactive_product_is_not_found(db):
    product = ProductFactory(is_active=False)
    with pytest.raises(NotFound):
        services.product_for_code(product.code)


def test_scanning_into_a_donation_adds_repeat_scans_to_one_line(coordinator, point, diapers, donor):
    code = ean("541234500001")
    services.map_gtin(actor=coordinator, gtin=code, product=diapers, units=22)
    draft = services.start_donation(actor=coordinator, donor=donor, location=point)

    services.scan_into_donation(actor=coordinator, donation=draft, code=diapers.code)
    services.scan_into_donation(actor=coordinator, donation=draft, code=code, packs=2)

    assert draft.lines.get().quantity == 44 + 44
    assert not StockMovement.objects.exists()  # a draft books nothing
    services.post_donation(actor=coordinator, donation=draft)
    assert balance(diapers, point) == 88
    with pytest.raises(Conflict):
        services.post_donation(actor=coordinator, donation=draft)
    with pytest.raises(Conflict):
        services.scan_into_donation(actor=coordinator, donation=draft, code=diapers.code)
    assert balance(diapers, point) == 88


def test_setting_a_donation_line_to_zero_removes_it(coordinator, point, wipes, donor):
    draft = services.start_donation(actor=coordinator, donor=donor, location=point)
    services.set_donation_line(actor=coordinator, donation=draft, product=wipes, units=12)
    assert draft.lines.get().quantity == 12
    assert (
        services.set_donation_line(actor=coordinator, donation=draft, product=wipes, units=0)
        is None
    )
    assert not draft.lines.exists()
    with pytest.raises(DomainError):
        services.post_donation(actor=coordinator, donation=draft)
    assert not StockMovement.objects.exists()


def test_a_donation_cannot_be_received_in_the_future_or_outside_its_drive(
    coordinator, point, donor
):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(DomainError):
        services.start_donation(
            actor=coordinator, donor=donor, location=point, received_on=tomorrow
        )
    drive = CollectionDrive.objects.create(
        name="Luierinzameling", starts_on=dt.date(2024, 3, 1), ends_on=dt.date(2024, 3, 31)
    )
    with pytest.raises(DomainError) as excinfo:
        services.start_donation(
            actor=coordinator,
            donor=donor,
            location=point,
            drive=drive,
            received_on=dt.date(2024, 4, 2),
        )
    assert excinfo.value.field == "drive"
    assert not Donation.objects.exists()


# --- All or nothing ---------------------------------------------------------------------


def test_a_database_error_halfway_through_a_donation_leaves_no_line_behind(
    coordinator, point, diapers, wipes, formula, donor
):
    book(coordinator, point, (diapers, 88), (wipes, 10))
    before = database_state()
    real_post = services._post
    calls = 0

    def post_then_fail(**kwargs):
        nonlocal calls
        calls += 1
        if calls == 2:
            raise DatabaseError("disk I/O error")
        return real_post(**kwargs)

    with mock.patch.object(services, "_post", post_then_fail), pytest.raises(DatabaseError):
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


# --- Permissions ------------------------------------------------------------------------


@pytest.fixture
def stock_world(coordinator, point, other_point, diapers, wipes, donor, supplier):
    """One of everything a write service can act on, made by a coordinator."""
    book(coordinator, point, (diapers, 440), (wipes, 50), key="schenking-1")
    draft = services.start_donation(actor=coordinator, donor=donor, location=point)
    services.set_donation_line(actor=coordinator, donation=draft, product=wipes, units=5)
    planned = services.plan_transfer(
        actor=coordinator, from_location=point, to_location=other_point, lines=[Line(wipes, 5)]
    )
    count = services.start_count(actor=coordinator, location=point)
    services.record_count(actor=coordinator, count=count, product=wipes, counted=49)
    movement = take(coordinator, wipes, point, 1)
    item_type = ItemTypeFactory()
    item = services.save_item(
        actor=coordinator, item=ItemFactory.build(item_type=item_type, location=point)
    )
    return SimpleNamespace(
        point=point,
        other_point=other_point,
        product=diapers,
        wipes=wipes,
        category=diapers.category,
        donor=donor,
        supplier=supplier,
        draft=draft,
        planned=planned,
        count=count,
        movement=movement,
        item=item,
        item_type=item_type,
    )


WRITE_SERVICES = {
    "create_category": lambda a, w: services.create_category(actor=a, name="Speelgoed"),
    "save_product": lambda a, w: services.save_product(
        actor=a, product=Product(name="Luiers maat 5", category=w.category)
    ),
    "save_product_change": lambda a, w: services.save_product(
        actor=a, product=w.product, gtins=[(ean("541234500001"), 44)]
    ),
    "map_gtin": lambda a, w: services.map_gtin(
        actor=a, gtin=ean("541234500001"), product=w.product
    ),
    "save_donor": lambda a, w: services.save_donor(
        actor=a, donor=Donor(name="Bibliotheek Gent", kind=Donor.Kind.LIBRARY)
    ),
    "start_donation": lambda a, w: services.start_donation(
        actor=a, donor=w.donor, location=w.point
    ),
    "scan_into_donation": lambda a, w: services.scan_into_donation(
        actor=a, donation=w.draft, code=w.product.code
    ),
    "set_donation_line": lambda a, w: services.set_donation_line(
        actor=a, donation=w.draft, product=w.product, units=44
    ),
    "post_donation": lambda a, w: services.post_donation(actor=a, donation=w.draft),
    "receive_donation": lambda a, w: services.receive_donation(
        actor=a, donor=w.donor, location=w.point, lines=[Line(w.product, 44)]
    ),
    "receive_donation_replay": lambda a, w: services.receive_donation(
        actor=a,
        donor=w.donor,
        location=w.point,
        lines=[Line(w.product, 44)],
        idempotency_key="schenking-1",
    ),
    "record_purchase": lambda a, w: services.record_purchase(
        actor=a,
        supplier=w.supplier,
        location=w.point,
        lines=[CostLine(w.product, 44, Decimal("0.2"))],
    ),
    "plan_transfer": lambda a, w: services.plan_transfer(
        actor=a, from_location=w.point, to_location=w.other_point, lines=[Line(w.product, 44)]
    ),
    "execute_transfer": lambda a, w: services.execute_transfer(actor=a, transfer=w.planned),
    "cancel_transfer": lambda a, w: services.cancel_transfer(actor=a, transfer=w.planned),
    "transfer_stock": lambda a, w: services.transfer_stock(
        actor=a, from_location=w.point, to_location=w.other_point, lines=[Line(w.product, 44)]
    ),
    "adjust_stock": lambda a, w: services.adjust_stock(
        actor=a, product=w.product, location=w.point, quantity=-1, reason="uitgedeeld"
    ),
    "write_off": lambda a, w: services.adjust_stock(
        actor=a, product=w.product, location=w.point, quantity=1, reason="x", write_off=True
    ),
    "reverse_movement": lambda a, w: services.reverse_movement(
        actor=a, movement=w.movement, reason="fout"
    ),
    "start_count": lambda a, w: services.start_count(actor=a, location=w.other_point),
    "record_count": lambda a, w: services.record_count(
        actor=a, count=w.count, product=w.product, counted=400
    ),
    "finalise_count": lambda a, w: services.finalise_count(actor=a, count=w.count),
    "cancel_count": lambda a, w: services.cancel_count(actor=a, count=w.count),
    "save_item": lambda a, w: services.save_item(
        actor=a, item=ItemFactory.build(item_type=w.item_type, location=w.point)
    ),
    "change_item_status": lambda a, w: services.change_item_status(
        actor=a, item=w.item, status=Item.Status.IN_REPAIR
    ),
}


@pytest.mark.parametrize("service", sorted(WRITE_SERVICES))
def test_a_volunteer_may_not_use_any_stock_write_service(stock_world, volunteer, service):
    assert not volunteer.has_perm("kern.manage_stock")
    before = database_state()
    with pytest.raises(NotAllowed):
        WRITE_SERVICES[service](volunteer, stock_world)
    assert database_state() == before


@pytest.mark.parametrize("service", sorted(WRITE_SERVICES))
def test_a_coordinator_may_use_every_stock_write_service(stock_world, coordinator, service):
    """The counterpart of the volunteer test: each call above is valid in itself."""
    WRITE_SERVICES[service](coordinator, stock_world)
    assert services.reconcile() == []


# --- manage.py reconcile_stock ----------------------------------------------------------


def test_reconcile_stock_command_passes_on_a_clean_ledger(coordinator, point, diapers, wipes):
    book(coordinator, point, (diapers, 88), (wipes, 10))
    take(coordinator, wipes, point, 3)
    out = StringIO()
    with translation.override("en"):
        call_command("reconcile_stock", stdout=out, stderr=StringIO())
    assert "Every stock balance matches the sum of its ledger rows." in out.getvalue()


def test_reconcile_stock_command_fails_and_names_a_tampered_balance(
    coordinator, point, diapers, wipes
):
    book(coordinator, point, (diapers, 88), (wipes, 10))
    level = StockLevel.objects.get(product=diapers, location=point)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {StockLevel._meta.db_table} SET on_hand = on_hand + 7 WHERE id = %s",
            [level.pk],
        )
    out = StringIO()

    with pytest.raises(CommandError) as excinfo:
        call_command("reconcile_stock", stdout=out, stderr=StringIO())

    assert excinfo.value.returncode != 0
    output = out.getvalue()
    assert "Luiers maat 4" in output
    assert "Uitdeelpunt Centrum" in output
    assert "95" in output and "88" in output
    assert "Billendoekjes" not in output


# --- Catalogue and input checks found in review -----------------------------------------


def test_create_category_refuses_a_name_that_differs_only_in_case(coordinator):
    services.create_category(actor=coordinator, name="Luiers")
    with pytest.raises(Conflict):
        services.create_category(actor=coordinator, name="luiers")
    with pytest.raises(DomainError):
        services.create_category(actor=coordinator, name="x" * 101)


def test_save_product_with_a_taken_name_is_a_domain_error_not_a_crash(coordinator):
    first = ProductFactory(name="Billendoekjes")
    with pytest.raises(Conflict) as caught:
        services.save_product(
            actor=coordinator, product=Product(name="billendoekjes", category=first.category)
        )
    assert caught.value.field == "name"


def test_save_product_reports_a_bad_ean_on_the_ean_field(coordinator):
    product = ProductFactory.build(category=ProductFactory().category)
    with pytest.raises(DomainError) as caught:
        services.save_product(actor=coordinator, product=product, gtins=[("5410013101238", 1)])
    assert caught.value.field == "gtins"


def test_map_gtin_again_with_other_units_corrects_the_units(coordinator):
    product = ProductFactory(pack_size=44)
    gtin = "541001310123" + barcodes.gs1_check_digit("541001310123")
    services.map_gtin(actor=coordinator, gtin=gtin, product=product, units=44)
    assert services.map_gtin(actor=coordinator, gtin=gtin, product=product, units=40).units == 40


def test_an_inactive_product_is_not_found_by_its_ean(coordinator):
    product = ProductFactory(pack_size=10)
    gtin = "541001310124" + barcodes.gs1_check_digit("541001310124")
    services.map_gtin(actor=coordinator, gtin=gtin, product=product)
    product.is_active = False
    product.save()
    with pytest.raises(NotFound):
        services.product_for_code(gtin)


def test_scanning_an_absurd_number_of_packs_into_a_new_line_is_refused(coordinator, point):
    product = ProductFactory(pack_size=44)
    donation = services.start_donation(actor=coordinator, donor=DonorFactory(), location=point)
    with pytest.raises(DomainError):
        services.scan_into_donation(
            actor=coordinator, donation=donation, code=product.code, packs=100_000
        )
    assert not donation.lines.exists()


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


def test_save_donor_with_a_bad_email_is_a_domain_error_on_that_field(coordinator):
    with pytest.raises(DomainError) as caught:
        services.save_donor(
            actor=coordinator,
            donor=Donor(name="School", kind=Donor.Kind.SCHOOL, email="geen-adres"),
        )
    assert caught.value.field == "email"
