"""``households_with_access``: the bulk form of ``entitlement`` (seasonal actions read
every household at once) gives the same answer for UiTPAS checks; referrals and
exceptions are held to it in tests/uitlening/test_seasonal.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.toegang.factories import EvidenceFactory, HouseholdFactory
from toegang.models import Evidence, Program
from toegang.selectors import entitlement, households_with_access

pytestmark = pytest.mark.django_db


@pytest.fixture
def program(db):
    return Program.objects.create(name="Sinterklaas", kind="seizoensactie")


def test_uitpas_checks_give_the_same_answer_in_bulk_as_one_by_one(program, gent_point):
    today = timezone.localdate()
    active, inactive, elsewhere, expired, newest_inactive = (HouseholdFactory() for _ in range(5))
    EvidenceFactory(household=active, card_system_postcodes=["9000"])
    EvidenceFactory(household=inactive, social_tariff="INACTIVE", card_system_postcodes=["9000"])
    EvidenceFactory(household=elsewhere, card_system_postcodes=["2000"])
    EvidenceFactory(
        household=expired,
        card_system_postcodes=["9000"],
        valid_until=today - dt.timedelta(days=1),
    )
    EvidenceFactory(
        household=newest_inactive,
        card_system_postcodes=["9000"],
        checked_at=timezone.now() - dt.timedelta(hours=2),
    )
    EvidenceFactory(
        household=newest_inactive,
        card=None,
        social_tariff="INACTIVE",
        card_system_postcodes=["9000"],
    )
    found = households_with_access(program=program, on=today, locations=[gent_point])
    assert found == {active.pk}
    # A check that ended before the day does not count ahead of time; at the counter a
    # fresh check still saying ACTIVE gets a day's grace (``entitlement``), which a day
    # to come cannot have.
    assert expired.pk not in found
    for household in (active, inactive, elsewhere, newest_inactive):
        one = entitlement(household=household, program=program, location=gent_point, on=today)
        assert (household.pk in found) == one.allowed, household


def test_a_program_open_to_all_lets_every_household_in(program, gent_point):
    program.open_to_all = True
    program.save()
    assert (
        households_with_access(program=program, on=timezone.localdate(), locations=[gent_point])
        is None
    )


def test_one_household_is_read_alone(program, gent_point):
    first, second = HouseholdFactory(), HouseholdFactory()
    EvidenceFactory(household=first, card_system_postcodes=["9000"])
    EvidenceFactory(household=second, card_system_postcodes=["9000"])
    assert households_with_access(
        program=program, on=timezone.localdate(), locations=[gent_point], household_id=second.pk
    ) == {second.pk}
    assert Evidence.objects.count() == 2
