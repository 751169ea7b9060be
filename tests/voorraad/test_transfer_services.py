"""Transfers: planned, executed (out of one location, into the other) or cancelled."""

from __future__ import annotations

import pytest
from django.utils import translation

from kern.errors import Conflict, DomainError
from tests.factories import LocationFactory
from tests.voorraad.helpers import balance, book, database_state, take
from voorraad import services
from voorraad.models import (
    StockMovement,
    Transfer,
)
from voorraad.services import InsufficientStock, Line

pytestmark = pytest.mark.django_db

Kind = StockMovement.Kind


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
