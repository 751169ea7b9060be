"""Fixtures of the counter tests: a point with stock, programs linked to categories, a
family with a baby and a referral, items of the babytheek and the fietsbib."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kern.roles import Role
from tests.factories import UserFactory
from tests.toegang.factories import HouseholdFactory, ReferralFactory
from tests.uitlening.factories import DepositRuleFactory, ProgramCategoryFactory
from tests.voorraad.factories import CategoryFactory, ItemFactory, ItemTypeFactory, ProductFactory
from tests.voorraad.helpers import book
from toegang.models import Program
from voorraad.models import ItemType


def months_ago(n: int) -> tuple[int, int]:
    today = timezone.localdate()
    total = today.year * 12 + (today.month - 1) - n
    return total // 12, total % 12 + 1


@pytest.fixture
def stock_keeper(db):
    return UserFactory(username="magazijn", role=Role.COORDINATOR)


@pytest.fixture
def pamperbank(db):
    program = Program.objects.create(
        name="Pamperbank", kind="pamperbank", quota_packs_per_child=4, quota_period_days=28
    )
    ProgramCategoryFactory(program=program, category=CategoryFactory(name="Luiers"))
    return program


@pytest.fixture
def babytheek(db):
    program = Program.objects.create(
        name="Babytheek", kind="babytheek", loan_days=30, max_concurrent_loans=2
    )
    ProgramCategoryFactory(program=program, category=CategoryFactory(name="Babymateriaal"))
    return program


@pytest.fixture
def fietsbib(db):
    program = Program.objects.create(name="Fietsbib", kind="fietsbib")  # no loan_days: 21
    ProgramCategoryFactory(program=program, category=CategoryFactory(name="Fietsen"))
    return program


@pytest.fixture
def family(db, pamperbank, babytheek, fietsbib):
    """One baby of 10 months (4 packs a period) and a referral for the three programs
    (social: the social deposit applies)."""
    household = HouseholdFactory(children=[months_ago(10)])
    ReferralFactory(household=household, programs=[pamperbank, babytheek, fietsbib])
    return household


@pytest.fixture
def other_family(db, pamperbank, babytheek, fietsbib):
    household = HouseholdFactory(children=[months_ago(5)])
    ReferralFactory(household=household, programs=[pamperbank, babytheek, fietsbib])
    return household


@pytest.fixture
def diapers(db, pamperbank, point, stock_keeper):
    product = ProductFactory(
        name="Luiers maat 4", pack_size=44, category=CategoryFactory(name="Luiers")
    )
    book(stock_keeper, point, (product, 20 * 44))
    return product


@pytest.fixture
def wipes(db, pamperbank, point, stock_keeper):
    product = ProductFactory(
        name="Billendoekjes", pack_size=1, category=CategoryFactory(name="Luiers")
    )
    book(stock_keeper, point, (product, 10))
    return product


@pytest.fixture
def stroller_type(db, babytheek):
    item_type = ItemTypeFactory(name="Kinderwagen", category=CategoryFactory(name="Babymateriaal"))
    DepositRuleFactory(item_type=item_type, amount=Decimal("20"), social_amount=Decimal("5"))
    return item_type


@pytest.fixture
def stroller(db, stroller_type, point):
    return ItemFactory(
        item_type=stroller_type,
        name="Bugaboo Fox",
        accessories=["regenhoes", "voetenzak"],
        location=point,
    )


@pytest.fixture
def second_stroller(db, stroller_type, point):
    return ItemFactory(item_type=stroller_type, name="Joolz Hub", location=point)


@pytest.fixture
def car_seat(db, babytheek, point):
    item_type = ItemTypeFactory(
        name="Autostoel",
        category=CategoryFactory(name="Babymateriaal"),
        safety=ItemType.Safety.CAR_SEAT,
    )
    today = timezone.localdate()
    return ItemFactory(
        item_type=item_type,
        name="Maxi-Cosi Pebble",
        location=point,
        approval="R129",
        manufactured_on=today - dt.timedelta(days=700),
        end_of_life_on=today + dt.timedelta(days=1000),
    )


@pytest.fixture
def bike_type(db, fietsbib):
    item_type = ItemTypeFactory(name="Kinderfiets", category=CategoryFactory(name="Fietsen"))
    DepositRuleFactory(item_type=item_type, amount=Decimal("30"), social_amount=Decimal("10"))
    return item_type


@pytest.fixture
def small_bike(db, bike_type, point):
    return ItemFactory(item_type=bike_type, name='Btwin 16"', size='16"', location=point)


@pytest.fixture
def big_bike(db, point, fietsbib):
    item_type = ItemTypeFactory(name="Jeugdfiets", category=CategoryFactory(name="Fietsen"))
    DepositRuleFactory(item_type=item_type, amount=Decimal("40"), social_amount=Decimal("15"))
    return ItemFactory(item_type=item_type, name='Btwin 20"', size='20"', location=point)
