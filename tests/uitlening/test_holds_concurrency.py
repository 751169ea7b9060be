"""Real threads against the configured database (SQLite file in WAL mode with BEGIN
IMMEDIATE, or PostgreSQL with DATABASE_URL): two returns releasing a hold at once give
one hold per waiting family and per returned item; one item returned at two counters at
once is held once; two expiry runs at once pass a hold on once. Invariants are checked
afterwards: every held reservation has its item reserved for its household, and every
reserved item has exactly one held reservation."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.apps import apps
from django.utils import timezone

from kern.errors import Conflict
from kern.roles import Role, sync_role_groups
from tests.factories import UserFactory
from tests.toegang.factories import HouseholdFactory, ReferralFactory
from tests.uitlening.conftest import months_ago
from tests.voorraad.factories import ItemFactory
from tests.voorraad.test_stock_concurrency import errors_of, run_together
from uitlening.models import Loan, Reservation
from uitlening.services import checkout_loan, expire_holds, reserve_item, return_loan
from voorraad.models import Item

pytestmark = pytest.mark.django_db(transaction=True)
Status = Reservation.Status


@pytest.fixture(autouse=True)
def roles(transactional_db):
    sync_role_groups(apps)


def volunteers(point, n: int):
    users = [
        UserFactory(username=f"balie-{i}", role=Role.VOLUNTEER, locations=[point]) for i in range(n)
    ]
    for user in users:
        assert user.has_perm("kern.use_counter")  # fills the permission cache before sharing
    return users


def families(n: int, program):
    out = []
    for _ in range(n):
        household = HouseholdFactory(children=[months_ago(60)])
        ReferralFactory(household=household, programs=[program])
        out.append(household)
    return out


def lend(user, point, household, item) -> Loan:
    return checkout_loan(
        actor=user,
        location=point,
        household=household,
        item=item,
        accessories=[],
        condition="goed",
        deposit_payment="cash",
    )


def assert_holds_consistent():
    held = list(Reservation.objects.filter(status=Status.HELD).select_related("household"))
    per_item = Counter(r.held_item_id for r in held)
    assert all(n == 1 for n in per_item.values()), per_item
    per_household = Counter((r.household_id, r.item_type_id, r.size) for r in held)
    assert all(n == 1 for n in per_household.values()), per_household
    for reservation in held:
        item = Item.objects.get(pk=reservation.held_item_id)
        assert (item.status, item.held_for) == (Item.Status.RESERVED, reservation.household.code)
    reserved = Item.objects.filter(status=Item.Status.RESERVED).count()
    assert reserved == len(held)


def test_two_returns_at_once_hold_one_item_for_the_one_waiting_family(point, fietsbib, bike_type):
    first, second = volunteers(point, 2)
    for round_number in range(3):
        borrower_a, borrower_b, waiting_family = families(3, fietsbib)
        size = f'{16 + round_number}"'
        bikes = [
            ItemFactory(
                item_type=bike_type, name=f"Fiets {round_number}-{i}", size=size, location=point
            )
            for i in range(2)
        ]
        loans = [lend(first, point, borrower_a, bikes[0]), lend(first, point, borrower_b, bikes[1])]
        reservation = reserve_item(
            actor=first, household=waiting_family, item_type=bike_type, size=size, location=point
        )
        assert reservation.status == Status.WAITING

        outcomes = run_together(
            lambda user, loan: return_loan(actor=user, location=point, loan=loan, condition="goed"),
            [(first, loans[0]), (second, loans[1])],
        )

        assert errors_of(outcomes) == []
        statuses = sorted(
            Item.objects.filter(pk__in=[b.pk for b in bikes]).values_list("status", flat=True)
        )
        assert statuses == sorted([Item.Status.AVAILABLE, Item.Status.RESERVED])
        reservation.refresh_from_db()
        assert reservation.status == Status.HELD
        assert Reservation.objects.filter(household=waiting_family, status=Status.HELD).count() == 1
        assert_holds_consistent()


def test_one_item_returned_at_two_counters_at_once_is_held_once(point, fietsbib, bike_type):
    first, second = volunteers(point, 2)
    for round_number in range(3):
        borrower, waiting_a, waiting_b = families(3, fietsbib)
        size = f'{20 + round_number}"'
        bike = ItemFactory(
            item_type=bike_type, name=f"Fiets {round_number}", size=size, location=point
        )
        loan = lend(first, point, borrower, bike)
        for household in (waiting_a, waiting_b):
            reserve_item(
                actor=first, household=household, item_type=bike_type, size=size, location=point
            )

        outcomes = run_together(
            lambda user, loan: return_loan(actor=user, location=point, loan=loan, condition="goed"),
            [(first, loan), (second, loan)],
        )

        errors = errors_of(outcomes)
        assert len(errors) <= 1 and all(isinstance(e, Conflict) for e in errors), errors
        held = Reservation.objects.filter(held_item=bike, status=Status.HELD)
        assert held.count() == 1
        assert held.get().household == waiting_a  # the first in the queue
        assert Reservation.objects.filter(household=waiting_b, status=Status.WAITING).exists()
        assert_holds_consistent()


def test_two_expiry_runs_at_once_pass_each_hold_on_once(point, fietsbib, bike_type):
    [user] = volunteers(point, 1)
    holders = families(3, fietsbib)
    nexts = families(3, fietsbib)
    for index, (holder, following) in enumerate(zip(holders, nexts, strict=True)):
        size = f'{12 + index}"'
        ItemFactory(item_type=bike_type, name=f"Fiets {index}", size=size, location=point)
        for household in (holder, following):
            reserve_item(
                actor=user, household=household, item_type=bike_type, size=size, location=point
            )
    Reservation.objects.filter(household__in=holders).update(
        held_until=timezone.now() - dt.timedelta(minutes=5)
    )

    outcomes = run_together(lambda: expire_holds(), [(), ()])

    assert errors_of(outcomes) == []
    assert sum(value for _kind, value in outcomes) == 3
    assert Reservation.objects.filter(household__in=holders, status=Status.EXPIRED).count() == 3
    assert Reservation.objects.filter(household__in=nexts, status=Status.HELD).count() == 3
    assert_holds_consistent()
