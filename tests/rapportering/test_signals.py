"""Signals for policy on a small hand-made fixture: who stayed away, waitlists, stock-outs,
referrals per organisation; the '< 5' rule on screen and in the download; who may see it."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kern.models import Municipality
from kern.roles import Role
from rapportering.selectors import signals
from rapportering.selectors.filters import ReportFilter
from tests.factories import OrganisationFactory, UserFactory
from tests.toegang.factories import HouseholdFactory, ReferralFactory
from tests.voorraad.factories import CategoryFactory, ItemTypeFactory, ProductFactory
from toegang.models import Program
from uitlening.models import Distribution, Reservation
from voorraad.models import MinimumLevel, StockLevel, StockMovement

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 18)
MARCH = ReportFilter(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))


def at(day: dt.date, hour: int = 11) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def gent(db):
    return Municipality.objects.create(name="Gent", postcodes=["9000"])


@pytest.fixture
def melle(db):
    return Municipality.objects.create(name="Melle", postcodes=["9090"])


def visits(household, point, user, *days_before_today: int) -> None:
    for days in days_before_today:
        Distribution.objects.create(
            household=household,
            location=point,
            user=user,
            created_at=at(TODAY - dt.timedelta(days=days)),
        )


def test_regular_household_away_nine_weeks_counts_seven_weeks_does_not(point, volunteer, gent):
    nine = HouseholdFactory(municipality=gent)
    visits(nine, point, volunteer, 120, 90, 63)  # last visit 9 weeks ago
    seven = HouseholdFactory(municipality=gent)
    visits(seven, point, volunteer, 100, 80, 49)  # last visit 7 weeks ago
    irregular = HouseholdFactory(municipality=gent)
    visits(irregular, point, volunteer, 90, 63)  # only two visits
    long_before = HouseholdFactory(municipality=gent)
    visits(long_before, point, volunteer, 300, 290, 280)  # ran out before March
    assert signals.absent_households(filters=MARCH, today=TODAY) == {gent.pk: 1}


def test_visits_more_than_six_months_before_the_last_do_not_make_it_regular(point, volunteer, gent):
    household = HouseholdFactory(municipality=gent)
    visits(household, point, volunteer, 63 + 200, 63 + 190, 63)
    assert signals.absent_households(filters=MARCH, today=TODAY) == {}


def test_absent_per_municipality_hides_a_small_group_and_the_row_that_gives_it_away(
    point, volunteer, gent, melle, coordinator
):
    for _ in range(6):
        visits(HouseholdFactory(municipality=gent), point, volunteer, 100, 80, 60)
    visits(HouseholdFactory(municipality=melle), point, volunteer, 100, 80, 60)
    table = signals.absent_table(filters=MARCH, today=TODAY)
    # Melle (1) is hidden, and Gent with it: the total (7) would give Melle away.
    assert [[str(c) for c in row] for row in table.rows] == [
        ["Gent", "< 5"],
        ["Melle", "< 5"],
        ["Totaal", "7"],
    ]


def test_signal_page_and_csv_show_less_than_five(point, volunteer, gent, coordinator):
    today = timezone.localdate()
    for _ in range(2):
        household = HouseholdFactory(municipality=gent)
        for days in (80, 70, 60):
            Distribution.objects.create(
                household=household,
                location=point,
                user=volunteer,
                created_at=at(today - dt.timedelta(days=days)),
            )
    client = login(coordinator)
    period = {"van": (today - dt.timedelta(days=30)).isoformat(), "tot": today.isoformat()}
    page = client.get(reverse("rapportering:signals"), period).content.decode()
    assert 'data-signal="absent"' in page
    assert '<th scope="row">Gent</th><td class="num">&lt; 5</td>' in page
    assert "at least 3 days" in page or "minstens 3 dagen" in page
    response = client.get(reverse("rapportering:signal_export", args=["absent", "csv"]), period)
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert rows[1] == ["Gent", "< 5"]
    xlsx = client.get(reverse("rapportering:signal_export", args=["absent", "xlsx"]), period)
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    assert [cell.value for cell in sheet[2]] == ["Gent", "< 5"]


def test_waitlist_median_and_longest_wait(point, coordinator):
    program = Program.objects.create(name="Fietsbib", kind="fietsbib")
    item_type = ItemTypeFactory(name="Kinderfiets")
    for position, days in enumerate((2, 4, 6, 8, 10), start=1):
        Reservation.objects.create(
            household=HouseholdFactory(),
            item_type=item_type,
            program=program,
            location=point,
            position=position,
            created_by=coordinator,
            created_at=at(TODAY - dt.timedelta(days=days)),
        )
    table = signals.waitlist_table(filters=MARCH, today=TODAY)
    [row] = table.rows
    # Five families: the longest wait would be one family's figure, so it is not shown.
    assert [str(c) if c is not None else None for c in row] == [
        "Fietsbib", "5", "6", None, "0", None, None,
    ]  # fmt: skip


def test_longest_wait_is_shown_for_ten_families_or_more(point, coordinator):
    program = Program.objects.create(name="Fietsbib", kind="fietsbib")
    item_type = ItemTypeFactory(name="Kinderfiets")
    for position, days in enumerate(range(2, 21, 2), start=1):  # 2, 4 … 20 days
        Reservation.objects.create(
            household=HouseholdFactory(),
            item_type=item_type,
            program=program,
            location=point,
            position=position,
            created_by=coordinator,
            created_at=at(TODAY - dt.timedelta(days=days)),
        )
    table = signals.waitlist_table(filters=MARCH, today=TODAY)
    [row] = table.rows
    assert [str(c) for c in row[1:4]] == ["10", "11", "20"]
    assert "10" in table.note  # the page says when the longest wait is shown


def test_waitlist_of_fewer_than_five_families_hides_the_waits(point, coordinator):
    program = Program.objects.create(name="Babytheek", kind="babytheek")
    Reservation.objects.create(
        household=HouseholdFactory(),
        item_type=ItemTypeFactory(),
        program=program,
        location=point,
        position=1,
        created_by=coordinator,
        created_at=at(TODAY - dt.timedelta(days=30)),
    )
    [row] = signals.waitlist_table(filters=MARCH, today=TODAY).rows
    assert [str(c) for c in row[:4]] == ["Babytheek", "< 5", "< 5", "< 5"]


def test_stockout_times_and_days_at_zero_from_the_ledger(point):
    product = ProductFactory(name="Luiers maat 4", category=CategoryFactory())
    MinimumLevel.objects.create(product=product, location=point, minimum_units=10)

    def move(quantity, day, kind=StockMovement.Kind.DISTRIBUTION):
        StockMovement.objects.create(
            product=product, location=point, quantity=quantity, kind=kind, at=at(day)
        )

    move(10, dt.date(2026, 2, 20), StockMovement.Kind.DONATION)  # 10 at the start of March
    move(-10, dt.date(2026, 3, 5))  # zero from the 5th ...
    move(5, dt.date(2026, 3, 8), StockMovement.Kind.DONATION)  # ... to the 8th: 3 days
    move(-5, dt.date(2026, 3, 10))  # zero again from the 10th to the end (now: the 15th)
    StockLevel.objects.create(product=product, location=point, on_hand=0)
    [row] = signals.stockouts(filters=MARCH, now=at(dt.date(2026, 3, 15)))
    assert row[:3] == (product.pk, point.pk, 2)
    assert row[3] == pytest.approx(3 + 5)
    table = signals.stockout_table(filters=MARCH, now=at(dt.date(2026, 3, 15)))
    assert table.rows == [["Luiers maat 4", point.name, 2, 8]]


def test_referrals_per_organisation_issued_and_used(social_worker):
    caw = OrganisationFactory(name="CAW")
    school = OrganisationFactory(name="School")
    program = Program.objects.create(name="Pamperbank", kind="pamperbank")
    worker = UserFactory(role=Role.SOCIAL_WORKER, organisation=caw)
    teacher = UserFactory(role=Role.SOCIAL_WORKER, organisation=school)
    march = at(dt.date(2026, 3, 3))
    for i in range(6):
        ReferralFactory(
            issued_by=worker,
            programs=[program],
            created_at=march,
            first_used_at=march if i < 2 else None,
        )
    for _ in range(5):
        ReferralFactory(issued_by=teacher, programs=[program], created_at=march)
    ReferralFactory(issued_by=teacher, programs=[program], created_at=at(dt.date(2026, 2, 1)))
    table = signals.referral_table(filters=MARCH)
    # Two families used a referral: a figure about 2 households, also in the total.
    assert [[str(c) for c in row] for row in table.rows] == [
        ["CAW", "6", "< 5"],
        ["School", "5", "0"],
        ["Totaal", "11", "< 5"],
    ]
    page = login(UserFactory(role=Role.COORDINATOR)).get(
        reverse("rapportering:signals"), {"van": "2026-03-01", "tot": "2026-03-31"}
    )
    html = page.content.decode()
    assert worker.username not in html and teacher.username not in html


def test_used_referrals_of_few_households_are_masked_with_a_second_organisation(social_worker):
    caw = OrganisationFactory(name="CAW")
    school = OrganisationFactory(name="School")
    program = Program.objects.create(name="Pamperbank", kind="pamperbank")
    worker = UserFactory(role=Role.SOCIAL_WORKER, organisation=caw)
    teacher = UserFactory(role=Role.SOCIAL_WORKER, organisation=school)
    march = at(dt.date(2026, 3, 3))
    for i in range(6):  # 6 issued, 2 used by 2 families
        ReferralFactory(
            issued_by=worker,
            programs=[program],
            created_at=march,
            first_used_at=march if i < 2 else None,
        )
    for i in range(8):  # 8 issued, 7 used
        ReferralFactory(
            issued_by=teacher,
            programs=[program],
            created_at=march,
            first_used_at=march if i < 7 else None,
        )
    table = signals.referral_table(filters=MARCH)
    # The total 9 is shown (9 families); CAW's 2 would be 9 − 7, so School's 7 is hidden too.
    assert [[str(c) for c in row] for row in table.rows] == [
        ["CAW", "6", "< 5"],
        ["School", "8", "< 5"],
        ["Totaal", "14", "9"],
    ]


def test_signals_are_for_report_readers_only(volunteer, social_worker):
    for user in (volunteer, social_worker):
        client = login(user)
        assert client.get(reverse("rapportering:signals")).status_code == 403
        export = reverse("rapportering:signal_export", args=["absent", "csv"])
        assert client.get(export).status_code == 403


def test_unknown_signal_or_format_is_not_found(coordinator):
    client = login(coordinator)
    assert client.get("/rapporten/signalen/geheim.csv").status_code == 404
    assert client.get("/rapporten/signalen/absent.pdf").status_code == 404
