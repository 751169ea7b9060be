"""Hours per volunteer per year: attended and late count, no-shows do not, the year
boundary in local time, corrections; the CSV and XLSX export; a volunteer sees only
their own hours."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
import tablib
from django.urls import reverse

from tests.vrijwilligers.factories_attendance import local, make_shift, make_signup, make_volunteer
from vrijwilligers.selectors import hours_of_year, hours_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def sara(point):
    return make_volunteer(
        username="sara", first_name="Sara", last_name="Peeters", locations=[point]
    )


def worked(volunteer, point, start, *, hours=3, attendance="attended", counted=None):
    shift = make_shift(location=point, starts_at=start, hours=hours)
    return make_signup(shift=shift, volunteer=volunteer, attendance=attendance, hours=counted)


def test_hours_count_attended_and_late_not_no_shows(sara, point):
    worked(sara, point, local(2025, 3, 1), counted=Decimal("3"))
    worked(sara, point, local(2025, 3, 8), attendance="late", counted=Decimal("2.5"))
    worked(sara, point, local(2025, 3, 15), attendance="no_show")
    make_signup(shift=make_shift(location=point, starts_at=local(2025, 3, 22)), volunteer=sara)
    year = hours_of_year(volunteer=sara, year=2025)
    assert (year.shifts, year.hours) == (2, Decimal("5.5"))
    assert year.months[2].shifts == 2 and year.months[2].hours == Decimal("5.5")


def test_hours_default_to_the_shift_length(sara, point):
    worked(sara, point, local(2025, 5, 1), hours=4.5, counted=None)
    assert hours_of_year(volunteer=sara, year=2025).hours == Decimal("4.5")


def test_the_year_boundary_is_local_midnight(sara, point):
    # 31 December 23:30 local is 22:30 UTC: still 2025; 1 January 00:30 is 2026.
    worked(sara, point, local(2025, 12, 31, 23, 30), hours=1, counted=Decimal("1"))
    worked(sara, point, local(2026, 1, 1, 0, 30), hours=2, counted=Decimal("2"))
    in_2025 = hours_of_year(volunteer=sara, year=2025)
    in_2026 = hours_of_year(volunteer=sara, year=2026)
    assert (in_2025.shifts, in_2025.hours, in_2025.months[11].shifts) == (1, Decimal(1), 1)
    assert (in_2026.shifts, in_2026.hours, in_2026.months[0].shifts) == (1, Decimal(2), 1)


def test_the_report_has_one_row_per_volunteer_by_name(sara, point):
    anna = make_volunteer(username="anna", first_name="Anna", last_name="Aerts")
    worked(sara, point, local(2025, 2, 1))
    worked(anna, point, local(2025, 2, 2))
    worked(anna, point, local(2025, 4, 2))
    rows = hours_report(year=2025)
    assert [(r.volunteer.full_name, r.shifts) for r in rows] == [
        ("Anna Aerts", 2),
        ("Sara Peeters", 1),
    ]


def test_the_csv_export_has_decimal_commas_and_months(client, coordinator, sara, point):
    worked(sara, point, local(2025, 1, 4), counted=Decimal("2.5"))
    worked(sara, point, local(2025, 2, 4), counted=Decimal("3"))
    client.force_login(coordinator)
    response = client.get(reverse("vrijwilligers:hours_csv", args=[2025]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    lines = response.content.decode("utf-8-sig").strip().split("\r\n")
    header = lines[0].split(";")
    assert header[:5] == ["Vrijwilliger", "Vrijwilligerscode", "Diensten", "Uren", "januari"]
    assert lines[1].split(";")[:6] == ["Sara Peeters", sara.code, "2", "5,5", "2,5", "3"]


def test_the_xlsx_export_holds_numbers(client, coordinator, sara, point):
    worked(sara, point, local(2025, 1, 4), counted=Decimal("2.5"))
    client.force_login(coordinator)
    response = client.get(reverse("vrijwilligers:hours_xlsx", args=[2025]))
    assert response.status_code == 200
    data = tablib.Dataset().load(io.BytesIO(response.content), format="xlsx")
    assert data.headers[:4] == ["Vrijwilliger", "Vrijwilligerscode", "Diensten", "Uren"]
    assert data[0][0] == "Sara Peeters" and data[0][3] == 2.5


def test_a_volunteer_sees_their_own_hours_and_not_another_s(client, sara, point):
    tom = make_volunteer(username="tom", first_name="Tom", locations=[point])
    worked(tom, point, local(2025, 1, 4))
    client.force_login(sara.user)
    own = client.get(reverse("vrijwilligers:hours_detail", args=[sara.pk, 2025]))
    assert own.status_code == 200 and own["Cache-Control"].startswith("max-age=0")
    assert client.get(reverse("vrijwilligers:hours_detail", args=[tom.pk, 2025])).status_code == 404
    attest = reverse("vrijwilligers:hours_attestation", args=[tom.pk, 2025])
    assert client.get(attest).status_code == 404
    assert client.get(reverse("vrijwilligers:hours_csv", args=[2025])).status_code == 403
    assert client.get(reverse("vrijwilligers:volunteer_card", args=[tom.pk])).status_code == 404
    # the list sends a volunteer to their own year
    response = client.get(reverse("vrijwilligers:hours_list") + "?jaar=2025")
    assert response.status_code == 302
    assert response.url == reverse("vrijwilligers:hours_detail", args=[sara.pk, 2025])


def test_a_coordinator_sees_the_list_and_anyone_s_hours(client, coordinator, sara, point):
    worked(sara, point, local(2025, 1, 4))
    client.force_login(coordinator)
    response = client.get(reverse("vrijwilligers:hours_list") + "?jaar=2025")
    assert response.status_code == 200 and "Sara Peeters" in response.content.decode()
    detail = client.get(reverse("vrijwilligers:hours_detail", args=[sara.pk, 2025]))
    assert detail.status_code == 200


def test_the_coordinator_records_attendance_on_the_shift_screen(client, coordinator, sara, point):
    signup = make_signup(
        shift=make_shift(location=point, starts_at=local(2025, 1, 4)), volunteer=sara
    )
    client.force_login(coordinator)
    url = reverse("vrijwilligers:attendance_shift", args=[signup.shift.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"signup": signup.pk, "attendance": "late", "hours": "2", "reason": "trein"}
    )
    assert response.status_code == 302
    signup.refresh_from_db()
    assert (signup.attendance, signup.hours) == ("late", Decimal("2.00"))
    assert client.get(reverse("vrijwilligers:attendance_overview")).status_code == 200


def test_a_volunteer_cannot_open_the_coordinator_attendance_screens(client, sara):
    client.force_login(sara.user)
    assert client.get(reverse("vrijwilligers:attendance_overview")).status_code == 403
    assert client.get(reverse("vrijwilligers:attendance_mine")).status_code == 200
