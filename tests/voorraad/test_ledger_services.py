"""The ledger: every posting is one row per line and keeps each balance equal to its
ledger; takes larger than the stock, corrections, write-offs, reversals, the history
and the ``reconcile_stock`` command.

"Writes nothing" is checked by comparing ``database_state()`` before and after."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone, translation

from kern.errors import Conflict, DomainError
from tests.voorraad.helpers import balance, book, database_state, ledger_sum, take
from voorraad import services
from voorraad.models import (
    Donation,
    Product,
    StockLevel,
    StockMovement,
)
from voorraad.services import CostLine, InsufficientStock, Line

pytestmark = pytest.mark.django_db

Kind = StockMovement.Kind


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


# --- Posting another app's document (post_lines) --------------------------------------


def distribute(location, *lines, document_id=501, user=None, **kwargs):
    return services.post_lines(
        document_type=StockMovement.DocumentType.DISTRIBUTION,
        document_id=document_id,
        location=location,
        lines=[Line(product, units) for product, units in lines],
        kind=Kind.DISTRIBUTION,
        user=user,
        **kwargs,
    )


def test_post_lines_takes_a_distribution_out_with_one_row_per_product(
    coordinator, volunteer, point, diapers, wipes
):
    book(coordinator, point, (diapers, 88), (wipes, 10))
    movements = distribute(point, (wipes, 3), (diapers, 44), (wipes, 2), user=volunteer)
    assert {(m.product, m.quantity) for m in movements} == {(diapers, -44), (wipes, -5)}
    assert {(m.kind, m.document_type, m.document_id, m.user) for m in movements} == {
        (Kind.DISTRIBUTION, "distribution", 501, volunteer)
    }
    assert (balance(diapers, point), balance(wipes, point)) == (44, 5)
    assert services.reconcile() == []


def test_post_lines_checks_no_role_the_calling_service_decides(coordinator, point, wipes):
    book(coordinator, point, (wipes, 10))
    distribute(point, (wipes, 4), user=None)
    assert balance(wipes, point) == 6


def test_post_lines_of_a_booked_document_returns_its_rows_and_posts_nothing(
    coordinator, point, wipes
):
    book(coordinator, point, (wipes, 10))
    first = distribute(point, (wipes, 4))
    before = database_state()
    again = distribute(point, (wipes, 4))
    assert [m.pk for m in again] == [m.pk for m in first]
    assert database_state() == before


def test_post_lines_takes_nothing_when_one_line_is_short(coordinator, point, diapers, wipes):
    book(coordinator, point, (diapers, 88), (wipes, 2))
    before = database_state()
    with pytest.raises(InsufficientStock):
        distribute(point, (diapers, 44), (wipes, 3))
    assert database_state() == before


@pytest.mark.parametrize("units", [0, -4, 100_001, "vier"])
def test_post_lines_refuses_a_senseless_quantity(coordinator, point, wipes, units):
    book(coordinator, point, (wipes, 10))
    before = database_state()
    with pytest.raises(DomainError) as caught:
        distribute(point, (wipes, units))
    assert caught.value.field == "quantity"
    assert database_state() == before


def test_post_lines_refuses_an_inactive_location(coordinator, point, wipes):
    book(coordinator, point, (wipes, 10))
    point.is_active = False
    point.save()
    with pytest.raises(DomainError):
        distribute(point, (wipes, 1))
    assert balance(wipes, point) == 10


def test_post_lines_refuses_an_empty_document(coordinator, point):
    with pytest.raises(DomainError):
        distribute(point)


@pytest.mark.parametrize("kind", [Kind.ADJUSTMENT, Kind.WRITE_OFF, Kind.COUNT, Kind.REVERSAL])
def test_post_lines_books_only_document_kinds(coordinator, point, wipes, kind):
    book(coordinator, point, (wipes, 10))
    with pytest.raises(DomainError) as caught:
        services.post_lines(
            document_type="distribution",
            document_id=1,
            location=point,
            lines=[Line(wipes, 1)],
            kind=kind,
            user=None,
        )
    assert caught.value.field == "kind"
    assert balance(wipes, point) == 10


def test_post_lines_refuses_an_unknown_document_type(coordinator, point, wipes):
    with translation.override("nl-be"), pytest.raises(DomainError) as caught:
        services.post_lines(
            document_type="loan",
            document_id=1,
            location=point,
            lines=[Line(wipes, 1)],
            kind=Kind.DISTRIBUTION,
            user=None,
        )
    assert "“loan” is geen soort document" in caught.value.message


def test_an_incoming_kind_adds_to_the_balance(point, wipes):
    services.post_lines(
        document_type="donation",
        document_id=7,
        location=point,
        lines=[Line(wipes, 12)],
        kind=Kind.DONATION,
        user=None,
    )
    assert balance(wipes, point) == 12


def test_every_document_records_its_document_type_as_a_choice(
    coordinator, point, other_point, wipes, supplier
):
    book(coordinator, point, (wipes, 10))
    services.record_purchase(
        actor=coordinator,
        supplier=supplier,
        location=point,
        lines=[CostLine(wipes, 5, Decimal("0.1"))],
    )
    services.transfer_stock(
        actor=coordinator, from_location=point, to_location=other_point, lines=[Line(wipes, 2)]
    )
    count = services.start_count(actor=coordinator, location=point)
    services.record_count(actor=coordinator, count=count, product=wipes, counted=12)
    services.finalise_count(actor=coordinator, count=count)
    types = set(StockMovement.objects.values_list("document_type", flat=True))
    assert types == {"donation", "purchase", "transfer", "count"}
    assert types <= set(StockMovement.DocumentType.values)
    with translation.override("nl-be"):
        labels = {m.get_document_type_display() for m in StockMovement.objects.all()}
    assert labels == {"schenking", "aankoop", "overboeking", "voorraadtelling"}
