"""The diaper forecast on a hand-made fixture: sizes from birth months, uptake per child,
need per month, and the advice = need − stock − drive; the '< 5' rule; permissions."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kern.models import Location
from rapportering.selectors.forecast import forecast, horizon
from tests.factories import LocationFactory
from tests.toegang.factories import HouseholdFactory
from tests.uitlening.factories import ProgramCategoryFactory
from tests.voorraad.factories import CategoryFactory, DonorFactory, ProductFactory
from toegang.models import Child, Program
from toegang.selectors.children import diaper_size
from uitlening.models import Distribution, DistributionLine
from voorraad.models import CollectionDrive, Donation, DonationLine, StockLevel

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 1)


def months_before(day: dt.date, n: int) -> tuple[int, int]:
    total = day.year * 12 + day.month - 1 - n
    return total // 12, total % 12 + 1


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_child_born_five_months_ago_wears_size_three():
    year, month = months_before(TODAY, 5)
    assert diaper_size(birth_year=year, birth_month=month, on=TODAY) == 3
    assert diaper_size(birth_year=year, birth_month=month, on=TODAY, override=5) == 5
    newborn = months_before(TODAY, 0)
    assert diaper_size(birth_year=newborn[0], birth_month=newborn[1], on=TODAY) == 1
    toddler = months_before(TODAY, 20)
    assert diaper_size(birth_year=toddler[0], birth_month=toddler[1], on=TODAY) == 5


def test_this_month_counts_for_the_days_left():
    first, share = horizon(dt.date(2026, 4, 21))[0]
    assert first == dt.date(2026, 4, 1)
    assert share == Decimal(10) / 30  # 21 … 30 April
    assert [m for m, _s in horizon(TODAY)] == [
        dt.date(2026, 3, 1), dt.date(2026, 4, 1), dt.date(2026, 5, 1),
    ]  # fmt: skip


@pytest.fixture
def setup(point, volunteer):
    """A point, size-3 diapers (52 a pack), one family with a child born five months
    before TODAY that took 12 packs in the last three months: 4 packs a child a month."""
    program = Program.objects.create(
        name="Pamperbank", kind="pamperbank", quota_child_max_age_months=36
    )
    category = CategoryFactory(name="Luiers")
    ProgramCategoryFactory(program=program, category=category)
    size3 = ProductFactory(name="Luiers maat 3", pack_size=52, category=category)
    ProductFactory(name="Billendoekjes", pack_size=64, category=category)
    household = HouseholdFactory(children=[months_before(TODAY, 5)])
    for days in (20, 50, 80):
        distribution = Distribution.objects.create(
            household=household,
            location=point,
            user=volunteer,
            created_at=timezone.make_aware(
                dt.datetime.combine(TODAY - dt.timedelta(days=days), dt.time(10))
            ),
        )
        DistributionLine.objects.create(
            distribution=distribution, product=size3, program=program, packs=4, units=208
        )
    return size3


def add_families(n, *, point, product, volunteer, packs=12):
    """``n`` more families with one size-3 child each that took ``packs`` in February."""
    program = Program.objects.get(name="Pamperbank")
    for _ in range(n):
        household = HouseholdFactory(children=[months_before(TODAY, 5)])
        distribution = Distribution.objects.create(
            household=household,
            location=point,
            user=volunteer,
            created_at=timezone.make_aware(dt.datetime(2026, 2, 20, 10)),
        )
        DistributionLine.objects.create(
            distribution=distribution,
            product=product,
            program=program,
            packs=packs,
            units=packs * product.pack_size,
        )


def test_advice_is_need_minus_stock_minus_drive(setup, point, coordinator, volunteer):
    size3 = setup
    add_families(4, point=point, product=size3, volunteer=volunteer)
    warehouse = LocationFactory(name="Magazijn", kind=Location.Kind.WAREHOUSE)
    StockLevel.objects.create(product=size3, location=point, on_hand=2 * 52)
    StockLevel.objects.create(product=size3, location=warehouse, on_hand=3 * 52 + 10)
    drive = CollectionDrive.objects.create(
        name="Luierinzameling",
        starts_on=TODAY - dt.timedelta(days=10),
        ends_on=TODAY + dt.timedelta(days=20),
        target_units=312,
    )
    donation = Donation.objects.create(
        donor=DonorFactory(),
        location=warehouse,
        drive=drive,
        status=Donation.Status.POSTED,
        created_by=coordinator,
    )
    DonationLine.objects.create(donation=donation, product=size3, quantity=52)
    result = forecast(today=TODAY)
    [point_forecast] = result.points
    assert point_forecast.rate == 4  # (12 + 4 × 12 packs) / 5 children / 3 months
    [row] = point_forecast.rows
    assert row.size == 3
    assert row.children.value == 5
    [advice] = result.advice
    # need 3 months × 5 children × 4 packs = 60; 2 at the point, 3 in the warehouse,
    # the drive's 312 − 52 = 260 units left = 5 packs: buy 60 − 2 − 3 − 5 = 50.
    assert (advice.stock_points, advice.stock_warehouse, advice.drives, advice.advice.value) == (
        2,
        3,
        5,
        50,
    )
    assert result.drives_counted == ["Luierinzameling"]


def test_five_families_show_their_children_and_need(setup, point, volunteer):
    size3 = setup
    program = Program.objects.get(name="Pamperbank")
    for _ in range(4):
        household = HouseholdFactory(children=[months_before(TODAY, 5)])
        distribution = Distribution.objects.create(
            household=household,
            location=point,
            user=volunteer,
            created_at=timezone.make_aware(dt.datetime(2026, 2, 20, 10)),
        )
        DistributionLine.objects.create(
            distribution=distribution, product=size3, program=program, packs=12, units=624
        )
    result = forecast(today=TODAY)
    [row] = result.points[0].rows
    assert row.children.value == 5
    assert [n.value for n in row.need] == [20, 20, 20]  # 5 children × 4 packs
    assert result.advice[0].need.value == 60
    assert result.advice[0].advice.value == 60


def test_advice_of_a_masked_need_is_masked_on_screen_and_in_the_export(
    setup, point, coordinator, monkeypatch
):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    # One family: need 12 packs, nothing in stock. Advice 12 would be the family's need.
    result = forecast(today=TODAY)
    [advice] = result.advice
    assert advice.need.masked
    assert advice.advice.masked
    client = login(coordinator)
    page = client.get(reverse("rapportering:forecast")).content.decode()
    assert "<strong>12</strong>" not in page
    response = client.get(reverse("rapportering:forecast_export", args=["csv"]))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert rows[1][2] == "< 5"
    assert rows[1][6] == "< 5"


def test_one_masked_point_of_a_size_masks_a_second_point(setup, point, volunteer):
    # The setup point has 1 family (size 3); a second point has 5. The advice shows the
    # need of all 6, so the second point's need would give away the first one's.
    size3 = setup
    other = LocationFactory(name="Noord", kind=Location.Kind.DISTRIBUTION_POINT)
    add_families(5, point=other, product=size3, volunteer=volunteer)
    result = forecast(today=TODAY)
    assert result.advice[0].need.value == 72  # 6 children × 4 packs × 3 months
    by_name = {p.name: p for p in result.points}
    [small] = by_name[point.name].rows
    [large] = by_name["Noord"].rows
    assert small.total.masked
    assert large.total.masked
    assert large.children.masked
    assert [n.value for n in large.need] == [None] * 3
    assert by_name["Noord"].households.value == 5


def test_rate_of_a_point_with_fewer_than_five_families_is_masked(setup, point):
    result = forecast(today=TODAY)
    [point_forecast] = result.points
    assert point_forecast.rate is None
    assert point_forecast.rate_shown == "< 5"


def test_children_past_the_age_limit_and_size_override(setup, point):
    household = Distribution.objects.get(created_at__date=TODAY - dt.timedelta(days=20)).household
    year, month = months_before(TODAY, 35)  # 35 months: counts in March only
    Child.objects.create(household=household, birth_year=year, birth_month=month)
    year, month = months_before(TODAY, 5)
    Child.objects.create(household=household, birth_year=year, birth_month=month, diaper_size=4)
    result = forecast(today=TODAY)
    sizes = {row.size: row for row in result.points[0].rows}
    assert set(sizes) == {3, 4, 6}
    assert [a.size for a in result.advice] == [3, 4, 6]
    # 12 packs for three children of diaper age now: 4/3 a child a month, but one family.
    assert result.points[0].rate is None
    assert [n.value for n in sizes[6].need] == [None] * 3  # one family: hidden
    assert result.advice[1].product == ""  # no product says "maat 4": still advised


def test_forecast_page_explains_and_exports_the_advice(setup, point, coordinator):
    client = login(coordinator)
    page = client.get(reverse("rapportering:forecast")).content.decode()
    assert 'id="method"' in page
    assert "Luiers maat 3" in page
    response = client.get(reverse("rapportering:forecast_export", args=["csv"]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert rows[1][:2] == ["3", "Luiers maat 3"]
    xlsx = client.get(reverse("rapportering:forecast_export", args=["xlsx"]))
    assert xlsx.status_code == 200


def test_forecast_is_for_report_readers_only(volunteer, social_worker):
    for user in (volunteer, social_worker):
        client = login(user)
        assert client.get(reverse("rapportering:forecast")).status_code == 403
        export = reverse("rapportering:forecast_export", args=["csv"])
        assert client.get(export).status_code == 403
