"""Repair tickets: assess → repair → ready (available again) or retired; one open ticket
per item; only a coordinator moves them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from kern.errors import Conflict, DomainError, NotAllowed
from uitlening.models import RepairTicket
from uitlening.services import mark_repaired, open_repair_ticket, retire_from_repair, start_repair
from voorraad.models import Item

pytestmark = pytest.mark.django_db


def status(item):
    item.refresh_from_db()
    return item.status


def test_a_ticket_goes_assess_repair_ready_and_the_item_is_available_again(coordinator, stroller):
    ticket = open_repair_ticket(actor=coordinator, item=stroller, problem="Rem hapert")
    assert (ticket.status, status(stroller)) == ("beoordelen", Item.Status.IN_REPAIR)

    start_repair(actor=coordinator, ticket=ticket, notes="Nieuwe remkabel besteld")
    ticket = mark_repaired(actor=coordinator, ticket=ticket, notes="Remkabel vervangen")

    assert ticket.status == "klaar"
    assert ticket.closed_by == coordinator and ticket.closed_at is not None
    assert "Remkabel vervangen" in ticket.notes
    assert status(stroller) == Item.Status.AVAILABLE


def test_a_ticket_found_fine_when_assessed_is_ready_at_once(coordinator, stroller):
    ticket = open_repair_ticket(actor=coordinator, item=stroller, problem="Piept")
    mark_repaired(actor=coordinator, ticket=ticket)
    assert status(stroller) == Item.Status.AVAILABLE


def test_retiring_from_repair_needs_a_reason_and_retires_the_item(coordinator, stroller):
    ticket = open_repair_ticket(actor=coordinator, item=stroller, problem="Frame gebarsten")
    with pytest.raises(DomainError):
        retire_from_repair(actor=coordinator, ticket=ticket, reason=" ")
    ticket = retire_from_repair(actor=coordinator, ticket=ticket, reason="Niet te herstellen")
    assert ticket.status == "afgevoerd"
    assert status(stroller) == Item.Status.RETIRED


def test_a_closed_ticket_does_not_move_again(coordinator, stroller):
    ticket = open_repair_ticket(actor=coordinator, item=stroller, problem="Piept")
    mark_repaired(actor=coordinator, ticket=ticket)
    with pytest.raises(Conflict):
        start_repair(actor=coordinator, ticket=ticket)
    with pytest.raises(Conflict):
        retire_from_repair(actor=coordinator, ticket=ticket, reason="toch kapot")


def test_an_item_has_one_open_ticket(coordinator, stroller):
    open_repair_ticket(actor=coordinator, item=stroller, problem="Piept")
    with pytest.raises(Conflict):
        open_repair_ticket(actor=coordinator, item=stroller, problem="Nog iets")
    with pytest.raises(IntegrityError), transaction.atomic():
        RepairTicket.objects.create(item=stroller, problem="rechtstreeks")


def test_a_ticket_needs_a_problem(coordinator, stroller):
    with pytest.raises(DomainError):
        open_repair_ticket(actor=coordinator, item=stroller, problem="")
    assert status(stroller) == Item.Status.AVAILABLE


def test_a_car_seat_past_its_end_of_life_is_not_made_available_by_a_repair(coordinator, car_seat):
    ticket = open_repair_ticket(actor=coordinator, item=car_seat, problem="Gesp stuk")
    Item.objects.filter(pk=car_seat.pk).update(
        end_of_life_on=timezone.localdate() - dt.timedelta(days=1)
    )
    with pytest.raises(DomainError, match="Maxi-Cosi"):
        mark_repaired(actor=coordinator, ticket=ticket)
    assert status(car_seat) == Item.Status.IN_REPAIR


def test_a_volunteer_does_not_handle_repair_tickets(volunteer, coordinator, stroller):
    with pytest.raises(NotAllowed):
        open_repair_ticket(actor=volunteer, item=stroller, problem="Piept")
    ticket = open_repair_ticket(actor=coordinator, item=stroller, problem="Piept")
    with pytest.raises(NotAllowed):
        mark_repaired(actor=volunteer, ticket=ticket)


def test_a_ticket_of_an_item_made_available_by_hand_is_closed_as_ready(coordinator, stroller):
    from voorraad import services as stock

    ticket = open_repair_ticket(actor=coordinator, item=stroller, problem="Piept")
    stock.change_item_status(actor=coordinator, item=stroller, status=Item.Status.AVAILABLE)

    ticket = mark_repaired(actor=coordinator, ticket=ticket, notes="Al hersteld")

    assert ticket.status == "klaar" and ticket.closed_at is not None
    assert status(stroller) == Item.Status.AVAILABLE


def test_a_ticket_of_an_item_made_available_by_hand_may_still_retire_it(coordinator, stroller):
    from voorraad import services as stock

    ticket = open_repair_ticket(actor=coordinator, item=stroller, problem="Piept")
    stock.change_item_status(actor=coordinator, item=stroller, status=Item.Status.AVAILABLE)

    ticket = retire_from_repair(actor=coordinator, ticket=ticket, reason="Frame gebarsten")

    assert ticket.status == "afgevoerd"
    assert status(stroller) == Item.Status.RETIRED


def test_a_ticket_of_an_item_retired_by_hand_is_closed_as_retired(coordinator, stroller):
    from voorraad import services as stock

    ticket = open_repair_ticket(actor=coordinator, item=stroller, problem="Piept")
    stock.change_item_status(actor=coordinator, item=stroller, status=Item.Status.RETIRED)
    with pytest.raises(Conflict):
        mark_repaired(actor=coordinator, ticket=ticket)
    ticket = retire_from_repair(actor=coordinator, ticket=ticket, reason="Afgevoerd")
    assert ticket.status == "afgevoerd"
