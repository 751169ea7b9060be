"""The demo (``make run``) is loaded on whatever day someone starts it: on New Year's
night in Brussels (still the old year in UTC), in a year after the last one the code
knows figures for, in the night the clocks go forward. It loads, and the ledger, the
loans, the points and the shifts hold afterwards. Dates the demo once broke on: a year
without an allowance ceiling (2027: paying past shifts failed), a Saturday morning (the
volunteer meant to wait on the first full shift lacked the skill it asks)."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from vrijwilligers.demo import CEILINGS, demo_ceilings
from vrijwilligers.models import AllowanceCeiling

pytestmark = pytest.mark.django_db

INSTANTS = [
    # 00:20 on 1 January in Brussels, 23:20 on 31 December in UTC
    dt.datetime(2026, 12, 31, 23, 20, tzinfo=dt.UTC),
    # 08:10 on a Saturday: the first full shift at Centrum needs a skill Mieke lacks
    dt.datetime(2026, 12, 5, 7, 10, tzinfo=dt.UTC),
    # 02:30 in Brussels the night summer time starts, two years on
    dt.datetime(2028, 3, 26, 0, 30, tzinfo=dt.UTC),
]


@pytest.mark.parametrize("instant", INSTANTS, ids=lambda i: i.strftime("%Y-%m-%dT%H:%MZ"))
def test_the_demo_loads_and_every_invariant_holds_on_an_awkward_day(instant):
    with time_machine.travel(instant, tick=True):
        call_command("load_demo", "--allow-without-debug", stdout=StringIO())
        call_command("reconcile_stock", stdout=StringIO())  # raises on a difference
        call_command("check_invariants", stdout=StringIO())  # raises on a violation
        year = timezone.localdate().year
    assert AllowanceCeiling.objects.filter(year=year).exists()


def test_the_demo_carries_the_last_known_ceiling_into_later_years():
    last_year, per_day, per_year = CEILINGS[-1]
    ceilings = demo_ceilings(dt.date(last_year + 2, 1, 1))
    assert [c[0] for c in ceilings] == [*(c[0] for c in CEILINGS), last_year + 1, last_year + 2]
    assert ceilings[-1] == (last_year + 2, per_day, per_year)
    assert demo_ceilings(dt.date(last_year, 6, 1)) == CEILINGS
