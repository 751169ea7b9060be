"""Real threads against the configured database (SQLite file in WAL mode with BEGIN
IMMEDIATE, or PostgreSQL with DATABASE_URL): two counters at once never lend one item
twice, never hand out stock that is not there, never pass one family's quota twice, and
a confirm retried while the first is still running records once."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db.models import Sum

from kern.errors import Conflict, DomainError
from kern.roles import Role, sync_role_groups
from tests.factories import UserFactory
from tests.toegang.factories import HouseholdFactory, ReferralFactory
from tests.uitlening.conftest import months_ago
from tests.voorraad.helpers import balance, ledger_sum
from tests.voorraad.test_stock_concurrency import errors_of, run_together
from uitlening.models import Distribution, DistributionLine, Loan, Visit
from uitlening.services import LoanLine, ProductLine, checkout_loan, confirm_visit
from voorraad import services as stock
from voorraad.models import Item

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def roles(transactional_db):
    # A transactional test empties every table afterwards, the role groups included.
    sync_role_groups(apps)


def counter_volunteers(point, n: int):
    users = [
        UserFactory(username=f"balie-{i}", role=Role.VOLUNTEER, locations=[point]) for i in range(n)
    ]
    for user in users:
        assert user.has_perm("kern.use_counter")  # fills the permission cache before sharing
    return users


def families(n: int, programs):
    households = []
    for _ in range(n):
        household = HouseholdFactory(children=[months_ago(8)])
        ReferralFactory(household=household, programs=list(programs))
        households.append(household)
    return households


def test_one_item_scanned_out_at_two_counters_at_once_gives_exactly_one_loan(
    point, babytheek, stroller_type
):
    from tests.voorraad.factories import ItemFactory

    first, second = counter_volunteers(point, 2)
    for round_number in range(4):
        household_a, household_b = families(2, [babytheek])
        item = ItemFactory(
            item_type=stroller_type, name=f"Kinderwagen {round_number}", location=point
        )

        def lend(user, household, item=item):
            return checkout_loan(
                actor=user,
                location=point,
                household=household,
                item=item,
                accessories=[],
                condition="goed",
                deposit_payment="cash",
            )

        outcomes = run_together(lend, [(first, household_a), (second, household_b)])

        kinds = sorted(kind for kind, _value in outcomes)
        assert kinds == ["error", "ok"], outcomes
        [error] = errors_of(outcomes)
        assert isinstance(error, Conflict), error
        assert Loan.objects.filter(item=item, returned_at__isnull=True).count() == 1
        assert Item.objects.get(pk=item.pk).status == Item.Status.ON_LOAN


def test_counters_handing_out_the_last_packs_never_go_below_zero(point, pamperbank, stock_keeper):
    from tests.voorraad.factories import CategoryFactory, ProductFactory
    from tests.voorraad.helpers import book

    diapers = ProductFactory(
        name="Luiers maat 5", pack_size=40, category=CategoryFactory(name="Luiers")
    )
    book(stock_keeper, point, (diapers, 3 * 40))
    users = counter_volunteers(point, 6)
    households = families(6, [pamperbank])

    def hand_out(user, household):
        return confirm_visit(
            actor=user, location=point, household=household, lines=[ProductLine(diapers, 1)]
        )

    outcomes = run_together(hand_out, list(zip(users, households, strict=True)))

    succeeded = [value for kind, value in outcomes if kind == "ok"]
    failed = errors_of(outcomes)
    assert len(succeeded) == 3, failed
    assert all(isinstance(exc, Conflict) and exc.code == "insufficient_stock" for exc in failed), (
        failed
    )
    assert balance(diapers, point) == 0 == ledger_sum(diapers, point)
    assert Distribution.objects.count() == 3
    assert stock.reconcile() == []


def test_a_confirm_retried_at_once_with_one_key_records_once(point, pamperbank, diapers):
    [user] = counter_volunteers(point, 1)
    [household] = families(1, [pamperbank])
    for attempt in range(3):
        key = f"mandje-{attempt}"
        outcomes = run_together(
            lambda k: confirm_visit(
                actor=user,
                location=point,
                household=household,
                lines=[ProductLine(diapers, 1)],
                idempotency_key=k,
            ),
            [(key,)] * 4,
        )
        assert errors_of(outcomes) == []
        assert len({value.visit.pk for _kind, value in outcomes}) == 1
        assert sum(1 for _kind, value in outcomes if not value.replayed) == 1
    assert Visit.objects.count() == 3
    assert Distribution.objects.count() == 3
    assert balance(diapers, point) == 17 * 44
    assert stock.reconcile() == []


def test_two_counters_serving_one_household_cannot_pass_its_quota(point, pamperbank, diapers):
    users = counter_volunteers(point, 4)
    [household] = families(1, [pamperbank])  # one baby: 4 packs a period

    def hand_out(user):
        return confirm_visit(
            actor=user, location=point, household=household, lines=[ProductLine(diapers, 2)]
        )

    outcomes = run_together(hand_out, [(user,) for user in users])

    failed = errors_of(outcomes)
    assert len(failed) == 2, failed
    assert all(isinstance(exc, DomainError) and exc.code == "over_quota" for exc in failed)
    taken = DistributionLine.objects.aggregate(total=Sum("packs"))["total"]
    assert taken == 4
    assert balance(diapers, point) == 16 * 44 == ledger_sum(diapers, point)


def test_two_loans_for_one_household_at_once_keep_the_program_maximum(
    point, babytheek, stroller_type
):
    from tests.voorraad.factories import ItemFactory

    users = counter_volunteers(point, 3)
    [household] = families(1, [babytheek])  # at most 2 loans in the babytheek
    items = [
        ItemFactory(item_type=stroller_type, name=f"Wagen {n}", location=point) for n in range(3)
    ]

    def lend(user, item):
        return confirm_visit(
            actor=user,
            location=point,
            household=household,
            lines=[LoanLine(item=item, condition="goed", deposit_payment="cash")],
        )

    outcomes = run_together(lend, list(zip(users, items, strict=True)))

    failed = errors_of(outcomes)
    assert len(failed) == 1, failed
    assert failed[0].code == "max_loans"
    assert Loan.objects.filter(household=household, returned_at__isnull=True).count() == 2


def test_a_return_and_loans_crossing_at_two_counters_never_deadlock(
    point, babytheek, stroller_type
):
    """Counter A: household 1 brings item "nine" back and borrows "four"; counter B:
    household 2 borrows "four" and "nine", at once. Every visit locks the basket's items
    in one ordered query before any loan row, so they queue instead of deadlocking: A
    always gets "four" (B cannot have "nine" while household 1 has it)."""
    from tests.voorraad.factories import ItemFactory
    from uitlening.services import ReturnLine

    first, second = counter_volunteers(point, 2)
    for round_number in range(5):
        household_1, household_2 = families(2, [babytheek])
        four = ItemFactory(item_type=stroller_type, name=f"Vier {round_number}", location=point)
        nine = ItemFactory(item_type=stroller_type, name=f"Negen {round_number}", location=point)
        assert four.pk < nine.pk
        checkout_loan(
            actor=first, location=point, household=household_1, item=nine,
            accessories=[], condition="goed", deposit_payment="cash",
        )  # fmt: skip

        def counter_a(four=four, nine=nine, household=household_1):
            return confirm_visit(
                actor=first,
                location=point,
                household=household,
                lines=[
                    ReturnLine(item=nine, condition="goed"),
                    LoanLine(item=four, condition="goed", deposit_payment="cash"),
                ],
            )

        def counter_b(four=four, nine=nine, household=household_2):
            return confirm_visit(
                actor=second,
                location=point,
                household=household,
                lines=[
                    LoanLine(item=four, condition="goed", deposit_payment="cash"),
                    LoanLine(item=nine, condition="goed", deposit_payment="cash"),
                ],
            )

        outcomes = run_together(lambda work: work(), [(counter_a,), (counter_b,)])

        assert [kind for kind, _value in outcomes] == ["ok", "error"], outcomes
        [error] = errors_of(outcomes)
        assert isinstance(error, Conflict) and error.code == "item_unavailable", error
        assert Loan.objects.get(item=four, returned_at__isnull=True).household == household_1
        assert not Loan.objects.filter(item=nine, returned_at__isnull=True).exists()


def test_one_key_sent_for_two_households_at_once_records_one_and_refuses_the_other(
    point, pamperbank, diapers
):
    [user] = counter_volunteers(point, 1)
    households = families(2, [pamperbank])

    def hand_out(household):
        return confirm_visit(
            actor=user,
            location=point,
            household=household,
            lines=[ProductLine(diapers, 1)],
            idempotency_key="een-sleutel",
        )

    outcomes = run_together(hand_out, [(household,) for household in households])

    failed = errors_of(outcomes)
    assert len(failed) == 1, outcomes
    assert isinstance(failed[0], Conflict) and failed[0].code == "idempotency_key_reused"
    assert Visit.objects.count() == 1 == Distribution.objects.count()
