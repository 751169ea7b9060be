"""Where a period starts and ends: local midnight in Brussels, also on the days the
clocks change."""

from __future__ import annotations

import datetime as dt

import pytest

from rapportering.anonymity import Figure
from rapportering.selectors import figures
from rapportering.selectors.filters import ReportFilter
from tests.factories import LocationFactory, MunicipalityFactory, UserFactory
from tests.rapportering.factories import distribute, household, local
from toegang.models import Program
from voorraad.models import Category, Product

pytestmark = pytest.mark.django_db


@pytest.fixture
def hand_out(settings):
    """Hand out one pack to a new household at a local moment (the rule off: single
    households are what this test counts)."""
    settings.REPORT_MIN_HOUSEHOLDS = 1
    user = UserFactory(username="periode")
    point = LocationFactory(name="Periodepunt")
    gent = MunicipalityFactory(name="Gent")
    program = Program.objects.create(name="Pamperbank", kind=Program.Kind.DIAPERS)
    product = Product.objects.create(
        name="Luiers maat 2", category=Category.objects.create(name="Luiers"), pack_size=10
    )

    def give(at: dt.datetime, *, corrected: bool = False) -> None:
        distribute(
            household(gent),
            point=point,
            user=user,
            at=at,
            lines=[(product, program, 1)],
            corrected=corrected,
        )

    return give


def reached(start: dt.date, end: dt.date) -> Figure:
    value = figures.build(filters=ReportFilter(start, end), key_figures_only=True).figure(
        "households_reached"
    )
    assert isinstance(value.value, Figure)
    return value.value


def test_a_month_runs_from_local_midnight_to_local_midnight(hand_out):
    hand_out(local(2026, 2, 28, 23, 59))  # 22:59 UTC: February
    hand_out(local(2026, 3, 1, 0, 0))  # 23:00 UTC on 28 February: already March
    hand_out(local(2026, 3, 31, 23, 30))  # 21:30 UTC (summer time): still March
    hand_out(local(2026, 4, 1, 0, 10))  # 22:10 UTC on 31 March: April
    assert reached(dt.date(2026, 3, 1), dt.date(2026, 3, 31)) == Figure(2)
    assert reached(dt.date(2026, 2, 1), dt.date(2026, 2, 28)) == Figure(1)
    assert reached(dt.date(2026, 4, 1), dt.date(2026, 4, 30)) == Figure(1)


def test_the_day_the_clocks_go_back_has_twenty_five_hours_and_all_of_them_count(hand_out):
    hand_out(local(2026, 10, 24, 23, 30))  # the evening before: not that day
    hand_out(local(2026, 10, 25, 0, 5))  # 22:05 UTC on the 24th
    hand_out(local(2026, 10, 25, 23, 55))  # 22:55 UTC (winter time)
    hand_out(local(2026, 10, 26, 0, 0))  # the next day
    day = dt.date(2026, 10, 25)
    assert reached(day, day) == Figure(2)


def test_a_corrected_distribution_reaches_nobody(hand_out):
    hand_out(local(2026, 5, 4, 10), corrected=True)
    hand_out(local(2026, 5, 5, 10))
    report = figures.build(filters=ReportFilter(dt.date(2026, 5, 1), dt.date(2026, 5, 31)))
    assert report.figure("households_reached").value == Figure(1)
    assert report.figure("units_distributed").value == Figure(10)
