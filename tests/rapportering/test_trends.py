"""The figures per month behind the charts, against a small fixture computed by hand:
month boundaries in Europe/Brussels, the "< 5" rule per month and per stacked part, and
stock at the end of each month from the ledger."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from kern.roles import Role
from rapportering.anonymity import Figure
from rapportering.selectors import trends
from rapportering.selectors.filters import ReportFilter, year
from tests.factories import LocationFactory, MunicipalityFactory, UserFactory
from tests.toegang.factories import HouseholdFactory, ProgramFactory
from tests.voorraad.factories import ProductFactory
from uitlening.models import Distribution, DistributionLine
from voorraad.models import StockLevel, StockMovement

BRUSSELS = ZoneInfo("Europe/Brussels")
pytestmark = pytest.mark.django_db


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BRUSSELS)


def hand_out(household, when, point, user, *lines, corrected=False):
    distribution = Distribution.objects.create(
        household=household,
        location=point,
        user=user,
        created_at=when,
        corrected_at=when + dt.timedelta(hours=1) if corrected else None,
    )
    for product, program, units in lines:
        DistributionLine.objects.create(
            distribution=distribution, product=product, program=program, packs=1, units=units
        )
    return distribution


def move(product, location, quantity, when):
    StockMovement.objects.create(
        product=product, location=location, quantity=quantity, kind="correctie", at=when
    )


@pytest.fixture
def year_2025(db):
    """2025 in two municipalities, by hand:

    households reached: January 7 (Gent), February 6 (5 Gent + 1 Melle), March 5;
    units by program: January Pamperbank 70 (7 households); February Pamperbank 54 (6)
    and Ruilwinkel 6 (2 households: hidden, and so Pamperbank too); March Pamperbank 50
    and Ruilwinkel 10 (5 households each); a corrected distribution in March counts not.
    Stock of diapers (warehouse + point) at the end of the month: January 150,
    February 150, March to May 250, June to December 150."""
    gent = MunicipalityFactory(name="Gent")
    melle = MunicipalityFactory(name="Melle")
    point = LocationFactory(name="Punt Gent", municipality=gent)
    warehouse = LocationFactory(name="Magazijn", municipality=gent, kind="magazijn")
    user = UserFactory(username="balie", role=Role.COORDINATOR)
    pamperbank = ProgramFactory(name="Pamperbank")
    ruilwinkel = ProgramFactory(name="Ruilwinkel", kind="ruilwinkel")
    diapers = ProductFactory(name="Luiers maat 4")
    food = ProductFactory(name="Babyvoeding")
    gent_homes = [HouseholdFactory(municipality=gent) for _ in range(7)]
    melle_home = HouseholdFactory(municipality=melle, postcode="9090")

    for home in gent_homes[:6]:
        hand_out(home, local(2025, 1, 10, 12), point, user, (diapers, pamperbank, 10))
    # 23:30 in Brussels on 31 January is still January (22:30 UTC).
    hand_out(gent_homes[6], local(2025, 1, 31, 23, 30), point, user, (diapers, pamperbank, 10))
    # 00:30 in Brussels on 1 February is February, though still 31 January in UTC.
    for index, home in enumerate(gent_homes[:5]):
        lines = [(diapers, pamperbank, 10)]
        if index < 2:
            lines.append((food, ruilwinkel, 3))
        hand_out(home, local(2025, 2, 1, 0, 30), point, user, *lines)
    hand_out(melle_home, local(2025, 2, 15, 10), point, user, (diapers, pamperbank, 4))
    for home in gent_homes[:5]:
        hand_out(
            home,
            local(2025, 3, 5, 10),
            point,
            user,
            (diapers, pamperbank, 10),
            (food, ruilwinkel, 2),
        )
    hand_out(
        gent_homes[6], local(2025, 3, 6, 10), point, user, (diapers, pamperbank, 99), corrected=True
    )

    move(diapers, warehouse, 200, local(2024, 12, 20, 10))
    move(diapers, warehouse, -30, local(2025, 1, 15, 10))
    move(diapers, warehouse, -20, local(2025, 1, 31, 23, 30))
    move(diapers, point, 100, local(2025, 3, 10, 10))
    move(diapers, warehouse, -100, local(2025, 6, 1, 0, 10))  # June in Brussels
    move(diapers, point, 10, local(2026, 2, 1, 10))  # after the year: still subtracted
    move(food, point, 5, local(2025, 1, 20, 10))
    StockLevel.objects.create(product=diapers, location=warehouse, on_hand=50)
    StockLevel.objects.create(product=diapers, location=point, on_hand=110)
    StockLevel.objects.create(product=food, location=point, on_hand=5)
    return SimpleNamespace(
        gent=gent,
        melle=melle,
        point=point,
        warehouse=warehouse,
        pamperbank=pamperbank,
        ruilwinkel=ruilwinkel,
        diapers=diapers,
        food=food,
        filters=year(2025),
    )


def values(series):
    return [None if v is None else v.value for v in series.values]


def test_households_per_month_count_each_household_once_in_its_local_month(year_2025):
    trend = trends.households_per_month(filters=year_2025.filters)

    assert len(trend.months) == 12
    assert values(trend.series[0])[:4] == [7, 6, 5, 0]


def test_households_per_month_hide_a_month_of_fewer_than_five(year_2025):
    filters = ReportFilter(
        start=dt.date(2025, 1, 1), end=dt.date(2025, 3, 31), municipalities=(year_2025.melle.pk,)
    )

    trend = trends.households_per_month(filters=filters)

    assert trend.series[0].values == [Figure(0), Figure(None), Figure(0)]
    assert trend.has_masked


def test_units_by_program_hide_a_small_part_and_the_next_smallest(year_2025):
    trend = trends.units_per_month(filters=year_2025.filters, group="program")

    by_label = {s.label: values(s)[:3] for s in trend.series}
    assert by_label == {"Pamperbank": [70, None, 50], "Ruilwinkel": [0, None, 10]}
    assert [None if t is None else t.value for t in trend.month_totals()[:3]] == [70, None, 60]
    assert trend.kind == "stacked"


def test_units_by_municipality_use_the_households_municipality(year_2025):
    trend = trends.units_per_month(filters=year_2025.filters, group="municipality")

    by_label = {s.label: values(s)[:3] for s in trend.series}
    assert by_label == {"Gent": [70, None, 60], "Melle": [0, None, 0]}


def test_units_leave_corrected_distributions_out(year_2025):
    march = ReportFilter(start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 31))

    trend = trends.units_per_month(filters=march, group="program")

    assert sum(s.total for s in trend.series) == 60


def test_units_by_program_follow_the_program_filter(year_2025):
    filters = ReportFilter(
        start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 31), programs=(year_2025.ruilwinkel.pk,)
    )

    trend = trends.units_per_month(filters=filters, group="program")

    assert [(s.label, values(s)) for s in trend.series] == [("Ruilwinkel", [10])]


def test_stock_at_month_end_is_todays_balance_minus_later_movements(year_2025):
    trend = trends.stock_per_month(filters=year_2025.filters)

    assert [s.label for s in trend.series] == ["Luiers maat 4", "Babyvoeding"]
    assert values(trend.series[0]) == [150, 150, 250, 250, 250] + [150] * 7
    assert values(trend.series[1]) == [5] * 12


def test_stock_of_one_location_counts_only_its_movements(year_2025):
    filters = ReportFilter(
        start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31), locations=(year_2025.point.pk,)
    )

    trend = trends.stock_per_month(filters=filters)

    diapers = next(s for s in trend.series if s.label == "Luiers maat 4")
    assert values(diapers) == [0, 0] + [100] * 10


def test_months_not_begun_have_no_value(year_2025):
    today = timezone.localdate()
    filters = ReportFilter(
        start=today.replace(day=1), end=today.replace(day=1) + dt.timedelta(days=70)
    )

    households = trends.households_per_month(filters=filters)
    stock = trends.stock_per_month(filters=filters)

    assert households.series[0].values[0] == Figure(0)
    assert households.series[0].values[-1] is None
    assert all(s.values[-1] is None for s in stock.series)


def test_municipalities_reached_are_those_of_the_households(year_2025):
    assert [m.name for m in trends.municipalities_reached(filters=year_2025.filters)] == [
        "Gent",
        "Melle",
    ]


def test_a_year_of_trends_takes_a_fixed_number_of_queries(year_2025, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        trends.report_trends(filters=year_2025.filters, group="municipality")


@pytest.mark.parametrize(
    "filters",
    [
        year(2025),
        ReportFilter(start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31), programs=(1,)),
    ],
    ids=["all", "one program"],
)
def test_households_from_the_municipality_rows_equal_the_direct_count(year_2025, filters):
    if filters.programs:
        filters = ReportFilter(
            start=filters.start, end=filters.end, programs=(year_2025.ruilwinkel.pk,)
        )

    direct = trends.households_per_month(filters=filters)
    shared, _units = trends.units_and_households(filters=filters)

    assert direct.series[0].values == shared.series[0].values
