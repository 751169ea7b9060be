"""“A referral counts on day d” has one definition in three forms (a Q for the ORM, a
method for a referral in memory, a SQL fragment for the eligibility read): they must give
the same answers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from tests.toegang.factories import ReferralFactory
from toegang.models import REFERRAL_COUNTS_ON_SQL, Referral


@pytest.fixture
def referrals(db):
    today = timezone.localdate()
    day = dt.timedelta(days=1)
    return {
        "active": ReferralFactory(valid_from=today - 10 * day, valid_until=today + 10 * day),
        "starts_today": ReferralFactory(valid_from=today, valid_until=today + day),
        "ends_today": ReferralFactory(valid_from=today - day, valid_until=today),
        "ended": ReferralFactory(valid_from=today - 10 * day, valid_until=today - day),
        "future": ReferralFactory(valid_from=today + day, valid_until=today + 10 * day),
        "revoked": ReferralFactory(
            valid_from=today - day, valid_until=today + day, revoked_at=timezone.now()
        ),
    }


def by_sql(day: dt.date) -> set[int]:
    table = Referral._meta.db_table
    value = connection.ops.adapt_datefield_value(day)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.id FROM {table} r WHERE {REFERRAL_COUNTS_ON_SQL.format(r='r')}",
            [value, value],
        )
        return {pk for (pk,) in cursor.fetchall()}


@pytest.mark.parametrize("offset", [-11, -1, 0, 1, 10, 11])
def test_queryset_model_and_sql_agree_on_which_referrals_count(referrals, offset):
    day = timezone.localdate() + dt.timedelta(days=offset)
    by_queryset = set(Referral.objects.counting_on(day).values_list("pk", flat=True))
    by_method = {r.pk for r in Referral.objects.all() if r.counts_on(day)}
    assert by_queryset == by_method == by_sql(day)


def test_today_counts_the_active_and_the_edges_but_not_ended_future_or_revoked(referrals):
    today = timezone.localdate()
    counting = set(Referral.objects.counting_on(today).values_list("pk", flat=True))
    names = {name for name, referral in referrals.items() if referral.pk in counting}
    assert names == {"active", "starts_today", "ends_today"}
