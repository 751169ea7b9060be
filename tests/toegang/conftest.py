"""Fixtures of the access tests: Gent and its point, programs, a family of four."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import MunicipalityFactory
from toegang import services
from toegang.models import Program

TODAY = timezone.localdate


@pytest.fixture
def gent(db):
    return MunicipalityFactory(name="Gent", postcodes=["9000", "9040", "9050"])


@pytest.fixture
def gent_point(point, gent):
    point.municipality = gent
    point.postcode = "9000"
    point.save()
    return point


@pytest.fixture
def pamperbank(db):
    return Program.objects.create(
        name="Pamperbank",
        kind="pamperbank",
        quota_packs_per_child=8,
        referral_default_days=90,
        referral_max_days=180,
    )


@pytest.fixture
def babytheek(db):
    return Program.objects.create(
        name="Babytheek",
        kind="babytheek",
        membership_fee_normal=Decimal("25"),
        membership_fee_social=Decimal("5"),
    )


@pytest.fixture
def speelotheek(db):
    return Program.objects.create(
        name="Speelotheek",
        kind="speelotheek",
        open_to_all=True,
        membership_fee_normal=Decimal("15"),
        membership_fee_social=Decimal("3"),
    )


def months_ago(n: int) -> tuple[int, int]:
    today = TODAY()
    total = today.year * 12 + (today.month - 1) - n
    return total // 12, total % 12 + 1


@pytest.fixture
def family(social_worker, gent):
    year, month = months_ago(10)
    old_year, old_month = months_ago(60)
    return services.register_household(
        actor=social_worker,
        postcode="9040",
        children=[services.ChildIn(year, month), services.ChildIn(old_year, old_month)],
        adults=2,
    )
