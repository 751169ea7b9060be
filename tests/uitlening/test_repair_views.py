"""Repair tickets for coordinators: the list with open tickets first, and a ticket moved
from assess to repair to ready (the item available again), or retired with a reason."""

from __future__ import annotations

import pytest
from django.urls import reverse

from uitlening.models import RepairTicket
from uitlening.services import open_repair_ticket
from voorraad.models import Item

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(coordinator, stroller):
    return open_repair_ticket(actor=coordinator, item=stroller, problem="wiel los")


def detail(ticket):
    return reverse("uitlening:repair_detail", kwargs={"pk": ticket.pk})


def test_list_shows_open_tickets_first_and_filters_by_status(
    login, coordinator, ticket, second_stroller
):
    closed = open_repair_ticket(actor=coordinator, item=second_stroller, problem="vuil")
    RepairTicket.objects.filter(pk=closed.pk).update(status=RepairTicket.Status.READY)
    client = login(coordinator)

    html = client.get(reverse("uitlening:repair_list")).content.decode()
    order = [int(chunk.split('"')[0]) for chunk in html.split('data-ticket="')[1:]]
    assert order == [ticket.pk, closed.pk]
    assert "Bugaboo Fox" in html and "wiel los" in html

    html = client.get(reverse("uitlening:repair_list"), {"status": "klaar"}).content.decode()
    assert [int(chunk.split('"')[0]) for chunk in html.split('data-ticket="')[1:]] == [closed.pk]


def test_assess_repair_ready_makes_the_item_available_again(login, coordinator, ticket):
    client = login(coordinator)

    response = client.post(
        detail(ticket), {"action": "herstellen", "herstellen-notes": "nieuw wiel besteld"}
    )
    assert response.status_code == 303
    ticket.refresh_from_db()
    assert ticket.status == RepairTicket.Status.REPAIR and "nieuw wiel besteld" in ticket.notes

    response = client.post(detail(ticket), {"action": "klaar", "klaar-notes": "wiel vervangen"})
    assert response.status_code == 303
    ticket.refresh_from_db()
    ticket.item.refresh_from_db()
    assert ticket.status == RepairTicket.Status.READY and ticket.closed_by == coordinator
    assert ticket.item.status == Item.Status.AVAILABLE
    html = client.get(detail(ticket)).content.decode()
    assert 'id="mark-ready"' not in html and 'id="retire"' not in html


def test_retire_needs_a_reason_and_then_retires_the_item(login, coordinator, ticket):
    client = login(coordinator)

    response = client.post(detail(ticket), {"action": "afvoeren", "afvoeren-reason": ""})
    assert response.status_code == 200
    assert "has-error" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == RepairTicket.Status.ASSESS

    response = client.post(
        detail(ticket), {"action": "afvoeren", "afvoeren-reason": "frame gebarsten"}
    )
    assert response.status_code == 303
    ticket.refresh_from_db()
    ticket.item.refresh_from_db()
    assert ticket.status == RepairTicket.Status.RETIRED
    assert ticket.item.status == Item.Status.RETIRED


def test_a_ticket_being_repaired_cannot_be_started_again(login, coordinator, ticket):
    client = login(coordinator)
    client.post(detail(ticket), {"action": "herstellen"})

    html = client.get(detail(ticket)).content.decode()
    assert 'id="start-repair"' not in html and 'id="mark-ready"' in html
    response = client.post(detail(ticket), {"action": "herstellen"}, follow=True)
    assert "kan niet" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == RepairTicket.Status.REPAIR


def test_volunteers_do_not_manage_repairs(login, volunteer, ticket):
    assert login(volunteer).get(reverse("uitlening:repair_list")).status_code == 403
    assert login(volunteer).post(detail(ticket), {"action": "klaar"}).status_code == 403
