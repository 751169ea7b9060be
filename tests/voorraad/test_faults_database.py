"""The database failing in the middle of a donation with many lines: nothing is booked
(ledger, balances, donation, its lines and the idempotency record as before), the person
gets a Dutch "nothing was saved" (a page, an htmx fragment or the API's 503) instead of a
server error, what they typed is kept (the draft's lines, the retry form's values), and
trying again books it once. Faults come from ``tests.faults.fail_on``."""

from __future__ import annotations

import html
import re

import pytest
from django.db import OperationalError
from django.urls import reverse

from kern.models import IdempotencyRecord
from tests.api_client import bearer, post
from tests.faults import fail_on
from tests.voorraad.factories import ProductFactory
from tests.voorraad.helpers import database_state
from voorraad import services
from voorraad.models import Donation, DonationLine, StockMovement
from voorraad.services import Line

pytestmark = pytest.mark.django_db

LINES = 12
NOTHING_SAVED = "niets bewaard"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def products(db):
    return [ProductFactory(name=f"Product {n}", pack_size=1) for n in range(LINES)]


def state() -> dict:
    return {**database_state(), "idempotency": IdempotencyRecord.objects.count()}


def test_a_donation_of_many_lines_failing_at_the_third_ledger_row_books_nothing(
    coordinator, point, products, donor
):
    before = state()
    with fail_on("voorraad_stockmovement", nth=3) as fault, pytest.raises(OperationalError):
        services.receive_donation(
            actor=coordinator,
            donor=donor,
            location=point,
            lines=[Line(p, 5) for p in products],
            idempotency_key="gift-1",
        )
    assert fault.raised == 1
    assert state() == before


@pytest.mark.parametrize(
    ("statement", "table", "nth"),
    [
        ("INSERT", "voorraad_stockmovement", 3),
        ("INSERT", "voorraad_stocklevel", LINES),
        ("UPDATE", "kern_idempotencyrecord", 1),  # the very last write: the answer kept
    ],
)
def test_a_donation_through_the_api_failing_anywhere_is_a_503_and_the_retry_books_once(
    client, coordinator, point, products, statement, table, nth
):
    body = {
        "location_id": point.pk,
        "lines": [{"product_id": p.pk, "quantity": 5} for p in products],
    }
    headers = {**bearer(coordinator), "HTTP_IDEMPOTENCY_KEY": f"gift-{table}"}
    before = state()
    with fail_on(table, nth=nth, statement=statement) as fault:
        failed = post(client, "/api/v1/voorraad/donations", body, headers)
    assert fault.raised == 1
    assert failed.status_code == 503, failed.content
    assert failed.json()["code"] == "database_error"
    assert NOTHING_SAVED in failed.json()["detail"]
    assert state() == before

    again = post(client, "/api/v1/voorraad/donations", body, headers)
    replay = post(client, "/api/v1/voorraad/donations", body, headers)
    assert again.status_code == replay.status_code == 201, again.content
    assert replay.json() == again.json()
    assert Donation.objects.count() == 1
    assert StockMovement.objects.count() == before["voorraad.StockMovement"] + LINES


def draft_with_lines(actor, point, products, donor) -> Donation:
    donation = services.start_donation(
        actor=actor, donor=donor, location=point, drive=None, received_on=None, note=""
    )
    for product in products:
        services.set_donation_line(actor=actor, donation=donation, product=product, units=3)
    return donation


def test_booking_a_draft_donation_failing_keeps_the_draft_and_offers_to_try_again(
    login, coordinator, point, products, donor
):
    donation = draft_with_lines(coordinator, point, products, donor)
    client = login(coordinator)
    url = reverse("voorraad:donation_post", args=[donation.pk])
    before = state()
    with fail_on("voorraad_stockmovement", nth=3):
        failed = client.post(url)
    page = failed.content.decode()
    assert failed.status_code == 503
    assert NOTHING_SAVED in page and "Opnieuw proberen" in page
    assert f'action="{url}"' in page  # the button books the same draft again
    assert state() == before
    donation.refresh_from_db()
    assert donation.status == Donation.Status.DRAFT
    assert DonationLine.objects.filter(donation=donation).count() == LINES

    again = client.post(url)
    assert again.status_code == 302
    donation.refresh_from_db()
    assert donation.status == Donation.Status.POSTED


def test_a_typed_quantity_failing_to_save_comes_back_in_the_retry_form(
    login, coordinator, point, products, donor
):
    donation = draft_with_lines(coordinator, point, products, donor)
    client = login(coordinator)
    url = reverse("voorraad:donation_line", args=[donation.pk, products[4].pk])
    with fail_on("voorraad_donationline", statement="UPDATE"):
        failed = client.post(url, {"units": "250", "opmerking": "<b>doos</b>"})
    page = failed.content.decode()
    assert failed.status_code == 503 and NOTHING_SAVED in page
    kept = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))
    assert kept["units"] == "250"
    assert html.unescape(kept["opmerking"]) == "<b>doos</b>"
    assert "<b>doos</b>" not in page  # kept, and escaped
    assert "csrfmiddlewaretoken" in page  # a fresh token of its own
    assert DonationLine.objects.get(donation=donation, product=products[4]).quantity == 3

    with fail_on("voorraad_donationline", statement="UPDATE"):
        fragment = client.post(url, {"units": "250"}, **HTMX)
    assert fragment.status_code == 503 and NOTHING_SAVED in fragment.content.decode()
    assert "<html" not in fragment.content.decode()


def test_a_password_is_never_put_back_in_a_retry_form(login, coordinator, point, products, donor):
    donation = draft_with_lines(coordinator, point, products, donor)
    client = login(coordinator)
    url = reverse("voorraad:donation_line", args=[donation.pk, products[0].pk])
    with fail_on("voorraad_donationline", statement="UPDATE"):
        failed = client.post(url, {"units": "2", "password": "geheim-123"})
    assert failed.status_code == 503
    assert "geheim-123" not in failed.content.decode()
