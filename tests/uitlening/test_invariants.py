"""The counter's invariant checks (uitlening.invariants): each finds a violation planted
past the database's own guards, names the record, and is quiet on a sound database."""

from __future__ import annotations

import pytest
from django.utils import timezone

from kern import invariants
from kern.models import Organisation
from tests.factories import LocationFactory, UserFactory
from tests.kern.invariant_helpers import (
    drop_index,
    drop_unique_column,
    ignore_check_constraints,
    restore_check_constraints,
)
from tests.toegang.factories import HouseholdFactory
from tests.uitlening.factories import LoanFactory
from tests.voorraad.factories import ItemFactory
from uitlening import invariants as checks
from uitlening.models import Loan, PartnerHandover, PartnerRequest, PointsBalance, PointsEntry
from voorraad.models import Item

pytestmark = pytest.mark.django_db


def test_every_counter_check_is_registered_and_quiet_on_a_sound_database():
    LoanFactory()
    household = HouseholdFactory()
    PointsEntry.objects.create(household=household, delta=10, balance_after=10, kind="verdiend")
    PointsBalance.objects.create(household=household, balance=10)
    names = {invariant.name for invariant in invariants.registered()}
    assert {
        "uitlening.one_open_loan_per_item",
        "uitlening.lent_items_marked_on_loan",
        "uitlening.points_ledger_matches_balances",
        "uitlening.points_not_negative",
        "uitlening.one_handover_per_partner_request",
    } <= names
    assert invariants.violations() == {}


def test_two_open_loans_of_one_item_are_found():
    drop_index("uitlening_one_open_loan_per_item")
    loan = LoanFactory()
    LoanFactory(item=loan.item)
    problems = checks.one_open_loan_per_item()
    assert len(problems) == 1 and loan.item.code in problems[0] and "2" in problems[0]
    Loan.objects.filter(pk=loan.pk).update(returned_at=timezone.now())
    assert checks.one_open_loan_per_item() == []


def test_an_open_loan_of_an_item_not_on_loan_and_the_reverse_are_found():
    loan = LoanFactory()
    Item.objects.filter(pk=loan.item_id).update(status=Item.Status.AVAILABLE)
    stray = ItemFactory(status=Item.Status.ON_LOAN)
    problems = checks.lent_items_marked_on_loan()
    assert len(problems) == 2
    assert loan.item.code in problems[0] and str(loan.pk) in problems[0]
    assert stray.code in problems[1]
    Loan.objects.filter(pk=loan.pk).update(returned_at=timezone.now())
    Item.objects.filter(pk=stray.pk).update(status=Item.Status.AVAILABLE)
    assert checks.lent_items_marked_on_loan() == []


def test_a_points_balance_that_differs_from_its_ledger_is_found():
    household = HouseholdFactory()
    PointsEntry.objects.create(household=household, delta=10, balance_after=10, kind="verdiend")
    PointsBalance.objects.create(household=household, balance=10)
    orphan = HouseholdFactory()
    PointsEntry.objects.create(household=orphan, delta=4, balance_after=4, kind="toegekend")
    assert checks.points_ledger_matches_balances() == [
        _either(
            f"Gezin {orphan.code}: geen saldo ruilpunten, 4 in het grootboek.",
            f"Household {orphan.code}: no swap points balance, 4 in the ledger.",
        )
    ]
    PointsBalance.objects.filter(household=household).update(balance=7)
    problems = checks.points_ledger_matches_balances()
    assert len(problems) == 2 and household.code in problems[0] and "7" in problems[0]


def test_a_negative_points_balance_is_found():
    household = HouseholdFactory()
    ignore_check_constraints("uitlening_pointsbalance", "pointsbalance_not_negative")
    try:
        PointsBalance.objects.create(household=household, balance=-3)
    finally:
        restore_check_constraints()
    problems = checks.points_not_negative()
    assert len(problems) == 1 and household.code in problems[0] and "-3" in problems[0]


def _partner_request(status: str) -> PartnerRequest:
    point = LocationFactory()
    return PartnerRequest.objects.create(
        organisation=Organisation.objects.get_or_create(name="Welzijnsschakel Ledeberg")[0],
        requested_by=UserFactory(),
        pickup_location=point,
        pickup_date=timezone.localdate(),
        households_served=3,
        children_served=5,
        status=status,
    )


def _hand_over(request: PartnerRequest) -> PartnerHandover:
    return PartnerHandover.objects.create(
        request=request, location=request.pickup_location, user=request.requested_by
    )


def test_a_partner_request_handed_over_twice_is_found():
    drop_unique_column("uitlening_partnerhandover", "request_id")
    request = _partner_request(PartnerRequest.Status.HANDED_OVER)
    _hand_over(request)
    assert checks.one_handover_per_partner_request() == []
    _hand_over(request)
    problems = checks.one_handover_per_partner_request()
    assert len(problems) == 1 and f" {request.pk} " in problems[0] and "2" in problems[0]


def test_a_partner_request_whose_status_disagrees_with_its_hand_over_is_found():
    marked = _partner_request(PartnerRequest.Status.HANDED_OVER)
    unmarked = _partner_request(PartnerRequest.Status.APPROVED)
    _hand_over(unmarked)
    problems = checks.one_handover_per_partner_request()
    assert len(problems) == 2
    assert f" {marked.pk} " in problems[0] and f" {unmarked.pk} " in problems[1]


def _either(dutch: str, english: str) -> str:
    """The check speaks the active language (Dutch in the app, whatever the test runs in)."""
    from django.utils.translation import get_language

    return english if (get_language() or "").startswith("en") else dutch
