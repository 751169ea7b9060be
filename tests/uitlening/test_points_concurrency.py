"""Real threads against the configured database (SQLite file with BEGIN IMMEDIATE, or
PostgreSQL with DATABASE_URL): counters taking the last points of one family at once
never spend more than it has, a spend retried at once with one key spends once, and two
expiry runs at once write each expiry once. Invariants after: the ledger sum is the
balance, never below zero, and the stock ledger agrees."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.db.models import Sum
from django.utils import timezone

from kern.errors import Conflict
from kern.roles import Role, sync_role_groups
from tests.factories import UserFactory
from tests.toegang.factories import HouseholdFactory
from tests.voorraad.factories import CategoryFactory, ProductFactory
from tests.voorraad.helpers import balance as stock_balance
from tests.voorraad.helpers import ledger_sum
from tests.voorraad.test_stock_concurrency import errors_of, run_together
from toegang.models import Program
from uitlening import services
from uitlening.models import PointsEntry, PointsRate, PointsScheme
from uitlening.selectors.points import balance_of
from voorraad import services as stock

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def roles(transactional_db):
    sync_role_groups(apps)


@pytest.fixture
def shop(transactional_db):
    program = Program.objects.create(name="Ruilwinkel", kind="ruilwinkel", open_to_all=True)
    PointsScheme.objects.create(program=program, expiry_days=5)
    category = CategoryFactory(name="Kleding")
    PointsRate.objects.create(category=category, earn_points=10, spend_points=10)
    return ProductFactory(name="Kledingpakket", pack_size=1, category=category)


def volunteers(point, n):
    users = [
        UserFactory(username=f"ruil-{i}", role=Role.VOLUNTEER, locations=[point]) for i in range(n)
    ]
    for user in users:
        assert user.has_perm("kern.use_counter")
    return users


def assert_invariants(household, product, point):
    total = PointsEntry.objects.filter(household=household).aggregate(t=Sum("delta"))["t"] or 0
    assert total == balance_of(household) >= 0
    assert stock_balance(product, point) == ledger_sum(product, point) >= 0
    assert stock.reconcile() == []


def test_counters_taking_the_last_points_of_a_family_at_once_spend_them_once(point, shop):
    users = volunteers(point, 4)
    for round_number in range(3):
        household = HouseholdFactory()
        # 20 points and plenty of stock: only the points can run out.
        services.earn_points(
            actor=users[0], location=point, household=household, product=shop, quantity=2
        )
        services.earn_points(
            actor=users[1], location=point, household=HouseholdFactory(), product=shop, quantity=8
        )

        def take(user, household=household):
            return services.spend_points(
                actor=user, location=point, household=household, product=shop, quantity=1
            )

        outcomes = run_together(take, [(user,) for user in users])
        succeeded = [value for kind, value in outcomes if kind == "ok"]
        failed = errors_of(outcomes)
        assert len(succeeded) == 2, (round_number, outcomes)
        assert all(isinstance(e, Conflict) and e.code == "points_insufficient" for e in failed)
        assert balance_of(household) == 0
        assert_invariants(household, shop, point)


def test_a_spend_retried_at_once_with_one_key_spends_once(point, shop):
    [user] = volunteers(point, 1)
    household = HouseholdFactory()
    services.earn_points(actor=user, location=point, household=household, product=shop, quantity=5)
    outcomes = run_together(
        lambda: services.spend_points(
            actor=user,
            location=point,
            household=household,
            product=shop,
            quantity=1,
            idempotency_key="ruil-samen",
        ),
        [(), (), ()],
    )
    assert [kind for kind, _ in outcomes] == ["ok", "ok", "ok"], outcomes
    assert len({value.pk for _, value in outcomes}) == 1
    assert balance_of(household) == 40
    assert_invariants(household, shop, point)


def test_two_expiry_runs_at_once_write_each_expiry_once(point, shop):
    [user] = volunteers(point, 1)
    households = [HouseholdFactory() for _ in range(3)]
    for household in households:
        services.earn_points(
            actor=user, location=point, household=household, product=shop, quantity=1
        )
    later = timezone.now() + dt.timedelta(days=6)
    outcomes = run_together(lambda: services.expire_points(now=later), [(), ()])
    assert sorted(value for _, value in outcomes) == [0, 3] or sum(v for _, v in outcomes) == 3
    assert PointsEntry.objects.filter(kind=PointsEntry.Kind.EXPIRE).count() == 3
    for household in households:
        assert balance_of(household) == 0
        assert_invariants(household, shop, point)
