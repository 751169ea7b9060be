"""The swap shop's points: expiry replays the household's ledger first in, first out
(points spent are never expired, points never live forever), the same computation for
the write-off, the spend path and the panel; nothing is earned, spent or granted without
an active swap shop; a coordinator corrects a household's points on the points page."""

from __future__ import annotations

import datetime as dt
import html
import uuid
from unittest import mock

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from kern.errors import Conflict, DomainError
from kern.models import AuditEntry
from tests.toegang.factories import HouseholdFactory
from tests.uitlening import test_points as points_tests
from tests.voorraad.helpers import book
from uitlening import services
from uitlening.models import PointsEntry, PointsScheme
from uitlening.selectors.points import (
    balance_of,
    points_expired,
    points_expiring,
    points_section,
    points_summary,
)

pytestmark = pytest.mark.django_db

# The swap shop of test_points.py: its fixtures and helpers.
ruilwinkel = points_tests.ruilwinkel
clothes = points_tests.clothes
shopper = points_tests.shopper
earn = points_tests.earn
spend = points_tests.spend
assert_invariants = points_tests.assert_invariants

Kind = PointsEntry.Kind


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


@pytest.fixture
def spent_old_points_then_earned(volunteer, coordinator, point, shopper, clothes):
    """48 points that never expire (a correction), all spent; then 20 earned that expire
    in 10 days: those 20 are the only open lot."""
    services.correct_points(
        actor=coordinator, household=shopper, delta=48, reason="overgezet van papieren kaart"
    )
    book(coordinator, point, (clothes, 10))
    spend(volunteer, point, shopper, clothes, 4)  # 48 points
    PointsScheme.objects.update(expiry_days=10)
    earn(volunteer, point, shopper, clothes, 2)  # 20 points, expire in 10 days
    return shopper


# --- Expiry: a replay of the ledger -----------------------------------------------------


def test_points_earned_after_spending_non_expiring_points_still_expire(
    spent_old_points_then_earned,
):
    household = spent_old_points_then_earned
    assert balance_of(household) == 20
    assert points_expired(household, on=days(10)) == 20
    assert points_expired(household, on=days(9)) == 0


def test_the_expiry_run_writes_off_points_earned_after_older_points_were_spent(
    spent_old_points_then_earned,
):
    household = spent_old_points_then_earned
    later = timezone.now() + dt.timedelta(days=11)
    assert services.expire_points(now=later) == 1
    assert services.expire_points(now=later) == 0
    assert PointsEntry.objects.get(kind=Kind.EXPIRE).delta == -20
    assert balance_of(household) == 0
    assert_invariants(household)


def test_the_panel_warns_about_points_earned_after_older_points_were_spent(
    spent_old_points_then_earned, point
):
    household = spent_old_points_then_earned
    soon = points_expiring(household, on=timezone.localdate())
    assert (soon.points, soon.first_on) == (20, days(10))
    summary = points_summary(household=household, location=point, on=timezone.localdate())
    assert summary.expiring.points == 20 and summary.expiring.first_on == days(10)
    assert summary.usable == 20
    later = points_summary(household=household, location=point, on=days(10))
    assert later.expired == 20 and later.usable == 0


def test_points_spent_never_expire_and_the_earliest_expiring_lot_is_spent_first(
    volunteer, point, shopper, clothes
):
    PointsScheme.objects.update(expiry_days=100)
    earn(volunteer, point, shopper, clothes, 3)  # 30 points, day 100
    PointsScheme.objects.update(expiry_days=10)
    earn(volunteer, point, shopper, clothes, 2)  # 20 points, day 10: spent first
    spend(volunteer, point, shopper, clothes, 2)  # 24 points: 20 of day 10, 4 of day 100
    assert points_expired(shopper, on=days(10)) == 0
    assert points_expired(shopper, on=days(100)) == 26
    services.expire_points(now=timezone.now() + dt.timedelta(days=100))
    assert balance_of(shopper) == 0
    assert_invariants(shopper)


def test_a_correction_down_cannot_take_points_that_already_expired(
    volunteer, coordinator, point, shopper, clothes
):
    PointsScheme.objects.update(expiry_days=1)
    earn(volunteer, point, shopper, clothes, 3)  # 30 points, expire tomorrow
    with (
        mock.patch("django.utils.timezone.localdate", return_value=days(1)),
        pytest.raises(Conflict) as refused,
    ):
        services.correct_points(actor=coordinator, household=shopper, delta=-10, reason="fout")
    assert refused.value.code == "points_insufficient"
    assert balance_of(shopper) == 30
    assert_invariants(shopper)


# --- No active swap shop ----------------------------------------------------------------


@pytest.fixture
def closed_shop(ruilwinkel):
    ruilwinkel.is_active = False
    ruilwinkel.save()
    return ruilwinkel


def test_no_points_are_earned_without_an_active_swap_shop(volunteer, point, clothes, closed_shop):
    stranger = HouseholdFactory()  # no access to anything
    with pytest.raises(DomainError) as refused:
        earn(volunteer, point, stranger, clothes, 5)
    assert refused.value.code == "no_swap_shop"
    assert "ruilwinkel is niet actief" in refused.value.message
    assert not PointsEntry.objects.exists() and balance_of(stranger) == 0


def test_no_points_are_spent_or_granted_without_an_active_swap_shop(
    volunteer, coordinator, point, shopper, clothes, closed_shop
):
    services.correct_points(actor=coordinator, household=shopper, delta=50, reason="kaart")
    book(coordinator, point, (clothes, 5))
    with pytest.raises(DomainError) as refused:
        spend(volunteer, point, shopper, clothes, 1)
    assert refused.value.code == "no_swap_shop"
    with pytest.raises(DomainError) as refused:
        services.grant_points(actor=volunteer, location=point, household=shopper)
    assert refused.value.code == "no_swap_shop"
    assert balance_of(shopper) == 50
    assert PointsEntry.objects.count() == 1


def test_the_panel_says_the_swap_shop_is_closed_and_shows_no_forms(
    coordinator, point, shopper, closed_shop
):
    services.correct_points(actor=coordinator, household=shopper, delta=50, reason="kaart")
    section = points_section(shopper, point, timezone.localdate())
    assert section is not None
    body = render_to_string(section.template, {"section": section.context})
    assert "data-points-closed" in body and "ruilwinkel is niet actief" in body
    assert "data-points-form" not in body and 'data-points-balance="50"' in body


# --- A coordinator's correction on the points page --------------------------------------


def correction(household, delta, reason="telfout aan de balie", key=None):
    return {
        "correction-household": household.code,
        "correction-delta": str(delta),
        "correction-reason": reason,
        "correction-idempotency_key": key or uuid.uuid4().hex,
    }


def test_a_coordinator_corrects_points_on_the_points_page_once_per_submit(
    login, coordinator, shopper
):
    client = login(coordinator)
    page = html.unescape(client.get("/balie/ruilpunten/").content.decode())
    assert "data-points-correction" in page
    data = correction(shopper, 15)
    first = client.post("/balie/ruilpunten/", data)
    assert first.status_code == 302
    again = client.post("/balie/ruilpunten/", data)  # a double submit
    assert again.status_code == 302
    [entry] = PointsEntry.objects.filter(household=shopper)
    assert (entry.kind, entry.delta, entry.reason) == (Kind.CORRECTION, 15, "telfout aan de balie")
    assert balance_of(shopper) == 15
    audit = AuditEntry.objects.get(action="correct_points")
    assert audit.details["delta"] == 15 and audit.details["reason"] == "telfout aan de balie"


def test_a_correction_below_zero_or_without_a_reason_is_refused_on_the_page(
    login, coordinator, shopper
):
    client = login(coordinator)
    refused = client.post("/balie/ruilpunten/", correction(shopper, -5))
    body = html.unescape(refused.content.decode())
    assert refused.status_code == 200
    assert shopper.code in body and "0 punten" in body
    no_reason = client.post("/balie/ruilpunten/", correction(shopper, 5, reason=""))
    assert no_reason.status_code == 200
    unknown = client.post(
        "/balie/ruilpunten/", {**correction(shopper, 5), "correction-household": "G12"}
    )
    assert unknown.status_code == 200
    assert not PointsEntry.objects.exists()


def test_a_volunteer_cannot_correct_points(login, volunteer, shopper):
    response = login(volunteer).post("/balie/ruilpunten/", correction(shopper, 15))
    assert response.status_code == 403
    assert not PointsEntry.objects.exists()
