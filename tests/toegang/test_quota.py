"""toegang.selectors.quota: the quota a household used comes into entitlement through
providers that the apps handing out packs register."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from toegang import selectors, services


@pytest.fixture
def referred(family, social_worker, pamperbank):
    services.issue_referral(actor=social_worker, household=family, programs=[pamperbank])
    return family


def test_packs_taken_by_a_provider_lower_the_quota_left(referred, pamperbank, gent_point):
    seen = []

    def took_three(*, household, program, since):
        seen.append((household.pk, program.pk, since))
        return 3

    selectors.register_packs_taken(took_three)
    try:
        result = selectors.entitlement(household=referred, program=pamperbank, location=gent_point)
    finally:
        selectors.unregister_packs_taken(took_three)
    assert result.quota_packs == 8 and result.quota_remaining == 5  # one child under three
    # The period counts today: 28 days are today and the 27 before it.
    period = dt.timedelta(days=pamperbank.quota_period_days - 1)
    assert seen == [(referred.pk, pamperbank.pk, timezone.localdate() - period)]


def test_providers_add_up_and_the_quota_never_goes_below_zero(referred, pamperbank, gent_point):
    def took_five(*, household, program, since):
        return 5

    def took_four(*, household, program, since):
        return 4

    selectors.register_packs_taken(took_five)
    selectors.register_packs_taken(took_four)
    try:
        result = selectors.entitlement(household=referred, program=pamperbank, location=gent_point)
    finally:
        selectors.unregister_packs_taken(took_five)
        selectors.unregister_packs_taken(took_four)
    assert result.quota_remaining == 0


def test_without_packs_taken_the_whole_quota_is_left(referred, pamperbank, gent_point):
    result = selectors.entitlement(household=referred, program=pamperbank, location=gent_point)
    assert result.quota_remaining == result.quota_packs == 8
