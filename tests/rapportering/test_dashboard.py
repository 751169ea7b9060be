"""The coordinator's dashboard: figures on a small hand-made fixture, the '< 5' rule,
who sees it, and the home page of everyone else."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rapportering.selectors.dashboard import dashboard
from tests.toegang.factories import HouseholdFactory, ReferralFactory
from tests.uitlening.factories import LoanFactory
from tests.voorraad.factories import CategoryFactory, ProductFactory
from tests.vrijwilligers.factories import ShiftFactory, SignupFactory
from toegang.models import Program
from uitlening.models import Distribution
from voorraad.models import MinimumLevel, StockLevel, StockMovement

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2026, 3, 18, 10, 0))


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def move(product, location, quantity, *, days_ago: int, kind=StockMovement.Kind.DISTRIBUTION):
    StockMovement.objects.create(
        product=product,
        location=location,
        quantity=quantity,
        kind=kind,
        at=NOW - dt.timedelta(days=days_ago),
    )


@pytest.fixture
def diapers(point):
    product = ProductFactory(name="Luiers maat 3", pack_size=52, category=CategoryFactory())
    MinimumLevel.objects.create(product=product, location=point, minimum_units=520)
    StockLevel.objects.create(product=product, location=point, on_hand=280)
    return product


def test_product_below_minimum_shows_its_days_of_cover_from_eight_weeks_of_outflow(point, diapers):
    # 560 units out in the last eight weeks (56 days): 10 a day; 280 on hand: 28 days.
    move(diapers, point, -300, days_ago=3)
    move(diapers, point, -260, days_ago=50)
    move(diapers, point, -999, days_ago=60)  # before the eight weeks: not counted
    move(diapers, point, 100, days_ago=2, kind=StockMovement.Kind.DONATION)  # inflow
    board = dashboard(now=NOW)
    [low] = board.low_stock
    assert (low.product, low.location, low.on_hand, low.minimum, low.days) == (
        "Luiers maat 3",
        point.name,
        280,
        520,
        28,
    )
    [cover] = board.cover
    assert (cover.on_hand, cover.outflow, cover.days) == (280, 560, 28)


def test_a_minimum_without_any_stock_is_below_it_with_no_cover(point):
    product = ProductFactory(name="Zuigelingenvoeding", category=CategoryFactory())
    MinimumLevel.objects.create(product=product, location=point, minimum_units=10)
    [low] = dashboard(now=NOW).low_stock
    assert (low.on_hand, low.minimum, low.days) == (0, 10, None)


def test_transfers_count_at_the_location_but_not_for_the_network(point, other_point, diapers):
    move(diapers, point, -560, days_ago=5, kind=StockMovement.Kind.TRANSFER_OUT)
    board = dashboard(now=NOW)
    assert board.low_stock[0].days == 28
    assert board.cover == []  # nothing left the network
    assert board.products_without_outflow == 1


def test_households_served_this_month_below_five_shows_as_less_than_five(
    point, coordinator, volunteer
):
    from tests.rapportering.factories import distribute

    today = timezone.localdate()
    goods = [(ProductFactory(pack_size=1), Program.objects.create(name="Pamperbank"), 1)]

    def visit(at=None):
        # As the counter leaves a visit: a distribution always has lines.
        distribute(
            HouseholdFactory(), point=point, user=volunteer, at=at or timezone.now(), lines=goods
        )

    for _ in range(4):
        visit()
    board = dashboard()
    assert str(board.households_month) == "< 5"
    page = login(coordinator).get("/").content.decode()
    assert 'data-figure="households">&lt; 5<' in page
    visit()
    last_month = timezone.make_aware(dt.datetime.combine(today.replace(day=1), dt.time(0))) - (
        dt.timedelta(days=1)
    )
    visit(last_month)
    assert dashboard().households_month.value == 5


def test_referrals_expiring_within_fourteen_days_are_counted(social_worker):
    today = timezone.localdate()
    program = Program.objects.create(name="Pamperbank", kind="pamperbank")
    for days in (0, 14, 15):
        ReferralFactory(
            household=HouseholdFactory(),
            programs=[program],
            valid_from=today - dt.timedelta(days=30),
            valid_until=today + dt.timedelta(days=days),
        )
    assert dashboard().referrals_expiring == 2


def test_coordinator_home_is_the_dashboard_with_links_to_the_lists(coordinator, point, diapers):
    page = login(coordinator).get("/").content.decode()
    assert 'data-card="low-stock"' in page
    assert "Luiers maat 3" in page
    assert reverse("voorraad:stock_overview") + "?low=1" in page
    assert reverse("voorraad:donation_list") in page
    assert reverse("uitlening:reservation_list") in page
    assert reverse("vrijwilligers:planning_week") in page
    assert 'data-tile="voorraad:stock_overview"' in page
    assert login(coordinator).get(reverse("rapportering:dashboard")).status_code == 200


def test_volunteer_and_social_worker_get_tiles_at_home_and_403_on_the_dashboard(
    volunteer, social_worker
):
    for user in (volunteer, social_worker):
        client = login(user)
        home = client.get("/").content.decode()
        assert 'data-card="low-stock"' not in home
        assert 'class="tile"' in home
        assert client.get(reverse("rapportering:dashboard")).status_code == 403


def test_dashboard_names_no_household(coordinator, point, volunteer):
    household = HouseholdFactory()
    Distribution.objects.create(household=household, location=point, user=volunteer)
    page = login(coordinator).get("/").content.decode()
    assert household.code not in page


def test_overdue_loans_are_counted_per_point_and_link_to_the_point_list(coordinator, point):
    today = timezone.localdate()
    for days in (1, 30):
        LoanFactory(location=point, due_on=today - dt.timedelta(days=days))
    LoanFactory(location=point, due_on=today)  # due today: not overdue yet
    LoanFactory(
        location=point, due_on=today - dt.timedelta(days=3), returned_at=timezone.now()
    )  # back already
    [row] = dashboard().overdue
    assert (row.location, row.loans) == (point.name, 2)
    page = login(coordinator).get("/").content.decode()
    assert reverse("uitlening:overdue_list", args=[point.pk]) in page


def test_shifts_today_show_staffing_and_under_staffed_in_words(coordinator, point):
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time(23, 0)))
    short = ShiftFactory(
        location=point, starts_at=start, ends_at=start + dt.timedelta(minutes=30),
        min_volunteers=2, max_volunteers=3,
    )  # fmt: skip
    SignupFactory(shift=short)
    board = dashboard()
    [row] = board.shifts_today
    assert (row.confirmed, row.understaffed, row.missing) == (1, True, 1)
    assert row in board.understaffed_week
    page = login(coordinator).get("/").content.decode()
    assert "1 van 2–3" in page
    assert "onderbezet: nog 1 nodig" in page


def test_report_screens_have_no_inline_styles_the_csp_would_block(coordinator):
    client = login(coordinator)
    for url in ("/", "/rapporten/signalen/", "/rapporten/prognose/"):
        assert " style=" not in client.get(url).content.decode(), url


def test_households_this_month_on_the_dashboard_equal_the_monthly_reports_households_reached():
    from decimal import Decimal

    from rapportering.selectors import figures
    from tests.rapportering.factories import MARCH, household, local, march_world
    from uitlening.models import Membership

    world = march_world()
    # A household that only paid a membership in March: reached, as the report counts.
    only_member = household(world.municipalities["Gent"])
    Membership.objects.create(
        household=only_member,
        program=world.programs["Babytheek"],
        location=world.points["Centrum"],
        valid_from=dt.date(2026, 3, 3),
        valid_until=dt.date(2027, 3, 2),
        fee_kind=Membership.FeeKind.NORMAL,
        amount=Decimal("10.00"),
        payment=Membership.Payment.CASH,
        paid_at=local(2026, 3, 3),
        recorded_by=world.user,
    )
    report = figures.build(filters=MARCH, key_figures_only=True)
    board = dashboard(now=local(2026, 3, 18))
    # 12 households of the March world and the member.
    assert report.figure("households_reached").value.value == 13
    assert board.households_month == report.figure("households_reached").value
