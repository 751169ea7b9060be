"""Fixtures of the access tests: more programs and a family of four (Gent, its point and the
pamperbank are in tests/conftest.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from toegang import services
from toegang.models import Program

TODAY = timezone.localdate


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
