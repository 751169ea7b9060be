"""toegang.selectors.eligibility: what a household may use, from referrals, UiTPAS
checks and exceptions, and the programs a right opens."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from toegang import selectors, services
from toegang.models import Evidence

TODAY = timezone.localdate


# --- Eligibility ------------------------------------------------------------------------


def test_without_evidence_there_is_no_access(family, pamperbank, gent_point):
    result = selectors.entitlement(household=family, program=pamperbank, location=gent_point)
    assert not result.allowed and result.quota_remaining is None


def test_a_valid_referral_gives_access_with_a_quota_for_children_under_three(
    family, social_worker, pamperbank, gent_point
):
    referral = services.issue_referral(actor=social_worker, household=family, programs=[pamperbank])
    result = selectors.entitlement(household=family, program=pamperbank, location=gent_point)
    assert result.allowed and result.social
    assert result.until == referral.valid_until
    assert (result.quota_packs, result.quota_remaining) == (8, 8)  # one child under 36 months
    assert referral.valid_until.strftime("%d/%m/%Y") in result.explanation


def test_a_revoked_or_expired_referral_gives_no_access(
    family, social_worker, pamperbank, gent_point
):
    referral = services.issue_referral(actor=social_worker, household=family, programs=[pamperbank])
    services.revoke_referral(actor=social_worker, referral=referral)
    assert not selectors.entitlement(
        household=family, program=pamperbank, location=gent_point
    ).allowed
    later = services.issue_referral(actor=social_worker, household=family, programs=[pamperbank])
    after_end = later.valid_until + dt.timedelta(days=1)
    assert not selectors.entitlement(
        household=family, program=pamperbank, location=gent_point, on=after_end
    ).allowed


def test_a_right_in_one_program_opens_the_programs_it_grants(
    family, social_worker, pamperbank, babytheek, gent_point
):
    pamperbank.grants.add(babytheek)
    services.issue_referral(actor=social_worker, household=family, programs=[pamperbank])
    result = selectors.entitlement(household=family, program=babytheek, location=gent_point)
    assert result.allowed and result.membership_fee == Decimal("5")


def test_an_open_program_admits_everyone_at_the_normal_fee(family, speelotheek, gent_point):
    result = selectors.entitlement(household=family, program=speelotheek, location=gent_point)
    assert result.allowed and not result.social and result.membership_fee == Decimal("15")


def make_check(
    family, volunteer, *, status="ACTIVE", postcodes=("9000", "9050"), system="1", hours_ago=0
):
    card = services.link_uitpas_card(actor=volunteer, household=family, number="0900000067513")
    return Evidence.objects.create(
        household=family,
        kind=Evidence.Kind.UITPAS,
        card=card,
        social_tariff=status,
        card_system_id=system,
        card_system_name="UiTPAS Regio Gent",
        card_system_postcodes=list(postcodes),
        valid_until=TODAY() + dt.timedelta(days=200),
        checked_by=volunteer,
        checked_at=timezone.now() - dt.timedelta(hours=hours_ago),
    )


def test_an_active_social_tariff_in_the_region_of_the_point_gives_access(
    family, volunteer, pamperbank, gent_point
):
    make_check(family, volunteer)
    result = selectors.entitlement(household=family, program=pamperbank, location=gent_point)
    assert (
        result.allowed and "UiTPAS" not in result.explanation and "Gent" not in result.explanation
    )


def test_social_tariff_of_another_region_does_not_count(family, volunteer, pamperbank, gent_point):
    make_check(family, volunteer, postcodes=("9300",), system="7")
    assert not selectors.entitlement(
        household=family, program=pamperbank, location=gent_point
    ).allowed


def test_a_coordinator_can_choose_which_card_systems_count(
    family, volunteer, pamperbank, gent_point
):
    make_check(family, volunteer, postcodes=("9300",), system="7")
    pamperbank.uitpas_card_systems = ["7"]
    pamperbank.save()
    assert selectors.entitlement(household=family, program=pamperbank, location=gent_point).allowed


def test_an_expired_social_tariff_gives_no_access(family, volunteer, pamperbank, gent_point):
    make_check(family, volunteer, status="EXPIRED")
    assert not selectors.entitlement(
        household=family, program=pamperbank, location=gent_point
    ).allowed


def test_an_old_uitpas_check_asks_for_a_new_scan(family, volunteer, pamperbank, gent_point):
    make_check(family, volunteer, hours_ago=48)
    result = selectors.entitlement(household=family, program=pamperbank, location=gent_point)
    assert not result.allowed and result.needs_uitpas_check


# --- The quota period ----------------------------------------------------------------------


def _quota_left_days_after_taking_it_all(family, social_worker, pamperbank, gent_point, days):
    """The whole quota (8 packs, period 28 days) taken ``days`` days before today."""
    services.issue_referral(actor=social_worker, household=family, programs=[pamperbank])
    taken_on = TODAY() - dt.timedelta(days=days)

    def took_all_then(*, household, program, since):
        return 8 if since <= taken_on else 0

    selectors.register_packs_taken(took_all_then)
    try:
        return selectors.entitlement(
            household=family, program=pamperbank, location=gent_point
        ).quota_remaining
    finally:
        selectors.unregister_packs_taken(took_all_then)


def test_a_quota_taken_27_days_ago_is_still_used_up(family, social_worker, pamperbank, gent_point):
    assert pamperbank.quota_period_days == 28
    left = _quota_left_days_after_taking_it_all(family, social_worker, pamperbank, gent_point, 27)
    assert left == 0


def test_a_quota_taken_28_days_ago_is_whole_again(family, social_worker, pamperbank, gent_point):
    left = _quota_left_days_after_taking_it_all(family, social_worker, pamperbank, gent_point, 28)
    assert left == 8
