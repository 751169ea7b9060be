"""The swap shop's points ledger: earning puts goods into stock, spending takes them out,
both in one locked step with the balance; never below zero (service, database CHECK);
refused over the balance or the cap with the household, the balance and what was asked;
a grant once per period; expiry first in, first out, idempotent; retries answered once;
the ledger append-only; the ledger sum always the balance."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone

from kern.errors import Conflict, DomainError, NotAllowed
from kern.models import AuditEntry
from tests.toegang.factories import HouseholdFactory
from tests.uitlening.conftest import months_ago
from tests.voorraad.factories import CategoryFactory, ProductFactory
from tests.voorraad.helpers import balance as stock_balance
from tests.voorraad.helpers import ledger_sum
from toegang.models import Program
from uitlening import services
from uitlening.models import PointsBalance, PointsEntry, PointsRate, PointsScheme
from uitlening.selectors.points import (
    balance_of,
    grant_due,
    period_start,
    points_expired,
    points_expiring,
    points_summary,
)
from voorraad.models import StockMovement

pytestmark = pytest.mark.django_db

Kind = PointsEntry.Kind


@pytest.fixture
def ruilwinkel(db):
    program = Program.objects.create(name="Ruilwinkel", kind="ruilwinkel", open_to_all=True)
    PointsScheme.objects.create(
        program=program,
        grant_per_adult=10,
        grant_per_child=15,
        grant_period_days=90,
        spend_cap=None,
        expiry_days=180,
    )
    return program


@pytest.fixture
def clothes(db, ruilwinkel):
    category = CategoryFactory(name="Kleding")
    PointsRate.objects.create(category=category, earn_points=10, spend_points=12)
    return ProductFactory(name="Kledingpakket 1–2 jaar", pack_size=1, category=category)


@pytest.fixture
def shopper(db, ruilwinkel):
    return HouseholdFactory(adults=2, children=[months_ago(20), months_ago(60)])


def earn(volunteer, point, household, product, quantity, **kwargs):
    return services.earn_points(
        actor=volunteer,
        location=point,
        household=household,
        product=product,
        quantity=quantity,
        **kwargs,
    )


def spend(volunteer, point, household, product, quantity, **kwargs):
    return services.spend_points(
        actor=volunteer,
        location=point,
        household=household,
        product=product,
        quantity=quantity,
        **kwargs,
    )


def ledger_total(household) -> int:
    return PointsEntry.objects.filter(household=household).aggregate(t=Sum("delta"))["t"] or 0


def assert_invariants(household) -> None:
    assert ledger_total(household) == balance_of(household) >= 0
    last = PointsEntry.objects.filter(household=household).order_by("-id").first()
    assert last is None or last.balance_after == balance_of(household)


# --- Earn and spend -------------------------------------------------------------------


def test_bringing_goods_earns_points_and_puts_them_into_stock_here(
    volunteer, point, shopper, clothes
):
    entry = earn(volunteer, point, shopper, clothes, 3)
    assert (entry.kind, entry.delta, entry.balance_after) == (Kind.EARN, 30, 30)
    assert entry.expires_on == timezone.localdate() + dt.timedelta(days=180)
    assert entry.category == clothes.category and entry.location == point
    assert stock_balance(clothes, point) == 3 == ledger_sum(clothes, point)
    movement = StockMovement.objects.get(document_type="swap", document_id=entry.pk)
    assert movement.quantity == 3 and movement.kind == StockMovement.Kind.DONATION
    assert_invariants(shopper)


def test_taking_goods_spends_points_and_takes_them_out_of_stock(volunteer, point, shopper, clothes):
    earn(volunteer, point, shopper, clothes, 5)
    entry = spend(volunteer, point, shopper, clothes, 2)
    assert (entry.kind, entry.delta, entry.balance_after) == (Kind.SPEND, -24, 26)
    assert stock_balance(clothes, point) == 3 == ledger_sum(clothes, point)
    assert_invariants(shopper)


def test_spending_more_than_the_balance_is_refused_naming_household_balance_and_ask(
    volunteer, point, shopper, clothes
):
    earn(volunteer, point, shopper, clothes, 2)  # 20 points
    with pytest.raises(Conflict) as refused:
        spend(volunteer, point, shopper, clothes, 2)  # 24 points
    message = refused.value.message
    assert refused.value.code == "points_insufficient"
    assert shopper.code in message and "20 punten" in message and "24 punten" in message
    assert "Kledingpakket" in message
    assert balance_of(shopper) == 20 and stock_balance(clothes, point) == 2
    assert PointsEntry.objects.filter(kind=Kind.SPEND).count() == 0


def test_spending_over_the_cap_of_the_period_is_refused(volunteer, point, shopper, clothes):
    PointsScheme.objects.update(spend_cap=30, cap_period_days=28)
    earn(volunteer, point, shopper, clothes, 10)  # 100 points
    spend(volunteer, point, shopper, clothes, 2)  # 24 of 30
    with pytest.raises(Conflict) as refused:
        spend(volunteer, point, shopper, clothes, 1)  # 36 > 30
    assert refused.value.code == "points_cap"
    assert shopper.code in refused.value.message and "30 punten" in refused.value.message
    assert balance_of(shopper) == 76
    assert_invariants(shopper)


def test_goods_not_in_stock_here_leave_points_and_ledger_untouched(
    volunteer, point, other_point, shopper, clothes, coordinator
):
    earn(coordinator, other_point, shopper, clothes, 5)  # the goods are in Melle
    with pytest.raises(Conflict) as refused:
        spend(volunteer, point, shopper, clothes, 1)
    assert refused.value.code == "insufficient_stock"
    assert balance_of(shopper) == 50
    assert PointsEntry.objects.filter(kind=Kind.SPEND).count() == 0
    assert_invariants(shopper)


def test_a_product_without_points_is_refused(volunteer, point, shopper, ruilwinkel):
    toy = ProductFactory(name="Puzzel", pack_size=1)
    with pytest.raises(DomainError) as refused:
        earn(volunteer, point, shopper, toy, 1)
    assert refused.value.code == "no_points_rate" and toy.category.name in refused.value.message


@pytest.mark.parametrize("quantity", [0, -1, 1000, True])
def test_a_number_of_pieces_out_of_range_is_refused(volunteer, point, shopper, clothes, quantity):
    with pytest.raises(DomainError):
        earn(volunteer, point, shopper, clothes, quantity)
    assert not PointsEntry.objects.exists()


def test_a_volunteer_earns_and_spends_only_at_their_own_point(
    volunteer, other_point, shopper, clothes
):
    with pytest.raises(DomainError):
        earn(volunteer, other_point, shopper, clothes, 1)
    assert not PointsEntry.objects.exists()


def test_every_points_operation_is_audit_logged(volunteer, point, shopper, clothes):
    earn(volunteer, point, shopper, clothes, 2)
    spend(volunteer, point, shopper, clothes, 1)
    actions = list(
        AuditEntry.objects.filter(object_id=str(shopper.pk)).values_list("action", flat=True)
    )
    assert {"earn_points", "spend_points"} <= set(actions)


# --- Idempotency ----------------------------------------------------------------------


def test_a_retried_spend_with_the_same_key_answers_the_first_and_spends_once(
    volunteer, point, shopper, clothes
):
    earn(volunteer, point, shopper, clothes, 5)
    first = spend(volunteer, point, shopper, clothes, 1, idempotency_key="ruil-1")
    again = spend(volunteer, point, shopper, clothes, 1, idempotency_key="ruil-1")
    assert again.pk == first.pk and balance_of(shopper) == 38
    assert stock_balance(clothes, point) == 4
    with pytest.raises(Conflict) as reused:
        spend(volunteer, point, shopper, clothes, 2, idempotency_key="ruil-1")
    assert reused.value.code == "idempotency_key_reused"


def test_a_retried_earn_with_the_same_key_earns_once(volunteer, point, shopper, clothes):
    earn(volunteer, point, shopper, clothes, 2, idempotency_key="breng-1")
    earn(volunteer, point, shopper, clothes, 2, idempotency_key="breng-1")
    assert balance_of(shopper) == 20 and stock_balance(clothes, point) == 2


# --- Grant ----------------------------------------------------------------------------


def test_the_grant_is_per_adult_and_per_child_once_per_period(volunteer, point, shopper, clothes):
    first = services.grant_points(actor=volunteer, location=point, household=shopper)
    assert (first.kind, first.delta) == (Kind.GRANT, 2 * 10 + 2 * 15)
    assert first.grant_period_start == period_start(timezone.localdate(), 90)
    again = services.grant_points(actor=volunteer, location=point, household=shopper)
    assert again.pk == first.pk and balance_of(shopper) == 50
    due = grant_due(shopper, on=timezone.localdate(), scheme=PointsScheme.objects.get())
    assert due.granted


def test_the_database_refuses_a_second_grant_in_one_period(volunteer, point, shopper, clothes):
    first = services.grant_points(actor=volunteer, location=point, household=shopper)
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsEntry.objects.create(
            household=shopper,
            delta=5,
            balance_after=55,
            kind=Kind.GRANT,
            grant_period_start=first.grant_period_start,
        )


def test_a_shop_without_a_grant_grants_nothing(volunteer, point, shopper, clothes):
    PointsScheme.objects.update(grant_per_adult=0, grant_per_child=0)
    with pytest.raises(DomainError) as refused:
        services.grant_points(actor=volunteer, location=point, household=shopper)
    assert refused.value.code == "no_grant"


# --- Expiry ---------------------------------------------------------------------------


def test_expired_points_are_written_off_once_first_in_first_out(volunteer, point, shopper, clothes):
    PointsScheme.objects.update(expiry_days=10)
    earn(volunteer, point, shopper, clothes, 3)  # 30 points, expire in 10 days
    PointsScheme.objects.update(expiry_days=100)
    earn(volunteer, point, shopper, clothes, 2)  # 20 points, expire in 100 days
    spend(volunteer, point, shopper, clothes, 1)  # 12 points: from the first lot
    later = timezone.now() + dt.timedelta(days=11)
    assert points_expired(shopper, on=timezone.localdate(later)) == 18
    assert services.expire_points(now=later) == 1
    assert services.expire_points(now=later) == 0  # cron-safe: nothing due any more
    expired = PointsEntry.objects.get(kind=Kind.EXPIRE)
    assert expired.delta == -18 and balance_of(shopper) == 20
    assert_invariants(shopper)


def test_points_expiring_soon_are_shown_with_their_first_day(volunteer, point, shopper, clothes):
    PointsScheme.objects.update(expiry_days=10)
    earn(volunteer, point, shopper, clothes, 2)
    soon = points_expiring(shopper, on=timezone.localdate())
    assert soon.points == 20
    assert soon.first_on == timezone.localdate() + dt.timedelta(days=10)
    summary = points_summary(household=shopper, location=point, on=timezone.localdate())
    assert summary.usable == 20 and summary.expiring.points == 20


def test_expired_points_cannot_be_spent(volunteer, point, shopper, clothes):
    PointsScheme.objects.update(expiry_days=1)
    earn(volunteer, point, shopper, clothes, 3)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    # The spend runs "tomorrow": the expired lot is written off before the check.
    from unittest import mock

    with (
        mock.patch("django.utils.timezone.localdate", return_value=tomorrow),
        pytest.raises(Conflict) as refused,
    ):
        spend(volunteer, point, shopper, clothes, 1)
    assert refused.value.code == "points_insufficient"
    # The write-off was rolled back with the refused spend; the cron run does it.
    assert services.expire_points(now=timezone.now() + dt.timedelta(days=1)) == 1
    assert balance_of(shopper) == 0
    assert_invariants(shopper)


def test_the_expire_points_command_is_cron_safe(volunteer, point, shopper, clothes):
    PointsScheme.objects.update(expiry_days=1)
    earn(volunteer, point, shopper, clothes, 1)
    out = StringIO()
    when = (timezone.now() + dt.timedelta(days=2)).isoformat()
    call_command("expire_points", "--now", when, stdout=out)
    call_command("expire_points", "--now", when, stdout=out)
    assert PointsEntry.objects.filter(kind=Kind.EXPIRE).count() == 1
    assert balance_of(shopper) == 0


# --- Corrections, guards --------------------------------------------------------------


def test_only_a_coordinator_corrects_points_with_a_reason_never_below_zero(
    volunteer, coordinator, shopper, clothes
):
    with pytest.raises(NotAllowed):
        services.correct_points(actor=volunteer, household=shopper, delta=5, reason="typo")
    with pytest.raises(DomainError):
        services.correct_points(actor=coordinator, household=shopper, delta=5, reason="")
    with pytest.raises(Conflict):
        services.correct_points(actor=coordinator, household=shopper, delta=-1, reason="fout")
    entry = services.correct_points(actor=coordinator, household=shopper, delta=7, reason="fout")
    assert entry.kind == Kind.CORRECTION and balance_of(shopper) == 7


def test_the_points_ledger_is_append_only(volunteer, point, shopper, clothes):
    entry = earn(volunteer, point, shopper, clothes, 1)
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        PointsEntry.objects.filter(pk=entry.pk).update(delta=99)
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(Exception), transaction.atomic(), connection.cursor() as cursor:  # noqa: B017
        cursor.execute("UPDATE uitlening_pointsentry SET delta = 99 WHERE id = %s", [entry.pk])
    assert PointsEntry.objects.get(pk=entry.pk).delta == 10


def test_the_database_refuses_a_negative_balance(shopper):
    row = PointsBalance.objects.create(household=shopper, balance=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsBalance.objects.filter(pk=row.pk).update(balance=-1)


def test_a_coordinator_sets_the_points_of_a_category(coordinator, volunteer):
    category = CategoryFactory(name="Speelgoed")
    with pytest.raises(NotAllowed):
        services.save_points_rate(actor=volunteer, category=category, earn_points=1, spend_points=2)
    rate = services.save_points_rate(
        actor=coordinator, category=category, earn_points=3, spend_points=4
    )
    again = services.save_points_rate(
        actor=coordinator, category=category, earn_points=5, spend_points=6
    )
    assert again.pk == rate.pk and (again.earn_points, again.spend_points) == (5, 6)


def test_only_a_coordinator_sets_the_swap_shop_rules(coordinator, volunteer, ruilwinkel):
    rules = {
        "grant_per_adult": 1,
        "grant_per_child": 2,
        "grant_period_days": 30,
        "spend_cap": 40,
        "cap_period_days": 7,
        "expiry_days": None,
    }
    with pytest.raises(NotAllowed):
        services.save_points_scheme(actor=volunteer, program=ruilwinkel, **rules)
    with pytest.raises(DomainError) as refused:
        services.save_points_scheme(
            actor=coordinator, program=ruilwinkel, **{**rules, "cap_period_days": 0}
        )
    assert refused.value.field == "cap_period_days"
    scheme = services.save_points_scheme(actor=coordinator, program=ruilwinkel, **rules)
    assert (scheme.spend_cap, scheme.expiry_days) == (40, None)
    other = Program.objects.create(name="Babytheek", kind="babytheek")
    with pytest.raises(DomainError):
        services.save_points_scheme(actor=coordinator, program=other, **rules)


def test_swap_shop_goods_are_refused_in_the_basket_they_are_taken_with_points(
    ruilwinkel, clothes, shopper, point, volunteer
):
    from uitlening.models import ProgramCategory
    from uitlening.selectors import ProductLine, plan_distribution

    ProgramCategory.objects.create(program=ruilwinkel, category=clothes.category)
    earn(volunteer, point, shopper, clothes, 1)  # one on the shelf
    plan = plan_distribution(
        household=shopper, location=point, lines=[ProductLine(product=clothes, packs=1)]
    )
    [refusal] = plan.refusals
    assert refusal.code == "swap_shop_goods"
    assert "Kledingpakket 1–2 jaar" in refusal.message and not refusal.overridable
