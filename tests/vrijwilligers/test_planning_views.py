"""The planning reads (grid contents, under-staffed, a bounded number of queries), the
screens (thinly: permission, what they show, forms reaching the services) and the
``generate_shifts`` command."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from tests.vrijwilligers.factories_planning import (
    PlanningShiftFactory,
    PlanningVolunteerFactory,
    TemplateFactory,
    confirm,
    local,
    waitlist,
)
from vrijwilligers.models import ClosingDay, Shift, ShiftMessage, ShiftTemplate
from vrijwilligers.selectors import planning as reads

pytestmark = pytest.mark.django_db

SATURDAY = dt.date(2030, 3, 9)


# --- Reads --------------------------------------------------------------------------------


def test_week_grid_puts_shifts_in_their_day_with_counts_and_full_names(point, other_point):
    staffed = PlanningShiftFactory(location=point, starts_at=local(SATURDAY, 9), min_volunteers=1)
    short = PlanningShiftFactory(location=point, starts_at=local(SATURDAY, 13), min_volunteers=2)
    PlanningShiftFactory(location=other_point, starts_at=local(SATURDAY, 9))
    confirm(staffed, PlanningVolunteerFactory(user__first_name="Sara", user__last_name="Peeters"))
    confirm(short, PlanningVolunteerFactory(user__first_name="Tom", user__last_name="Claes"))
    waitlist(staffed)
    ClosingDay.objects.create(location=None, day=dt.date(2030, 3, 4), reason="Feestdag")

    grid = reads.week_grid(location=point, day=dt.date(2030, 3, 6))

    assert grid.monday == dt.date(2030, 3, 4)
    assert [d.day.weekday() for d in grid.days] == list(range(7))
    saturday = grid.days[5]
    assert [row.shift for row in saturday.rows] == [staffed, short]
    assert saturday.rows[0].names == ["Sara Peeters"]
    assert (saturday.rows[0].confirmed, saturday.rows[0].waitlisted) == (1, 1)
    assert [row.shift for row in grid.understaffed] == [short]
    assert grid.understaffed[0].missing == 1
    assert grid.days[0].closed == "Feestdag"


def test_a_cancelled_shift_is_not_under_staffed(point):
    PlanningShiftFactory(location=point, cancelled_at=local(SATURDAY, 1), cancel_reason="Storm")

    assert reads.understaffed_shifts(start=SATURDAY, end=SATURDAY) == []


def test_who_is_where_groups_a_days_shifts_by_location(point, other_point):
    here = PlanningShiftFactory(location=point, starts_at=local(SATURDAY, 9))
    PlanningShiftFactory(location=other_point, starts_at=local(SATURDAY + dt.timedelta(1), 9))
    confirm(here, PlanningVolunteerFactory(user__first_name="Sara", user__last_name="Peeters"))

    places = reads.who_is_where(day=SATURDAY)

    assert [p.location for p in places] == [point]
    assert places[0].rows[0].names == ["Sara Peeters"]


def test_the_week_grid_takes_a_few_queries_whatever_the_sign_ups(
    point, django_assert_max_num_queries
):
    for day in range(4, 11):
        for hour in (9, 13):
            shift = PlanningShiftFactory(
                location=point,
                starts_at=local(dt.date(2030, 3, day), hour),
                max_volunteers=6,
            )
            for _ in range(4):
                confirm(shift)
            waitlist(shift)

    with django_assert_max_num_queries(3):
        grid = reads.week_grid(location=point, day=SATURDAY)
        names = [name for day in grid.days for row in day.rows for name in row.names]

    assert len(names) == 7 * 2 * 4


# --- Screens ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "planning_week",
        "planning_list",
        "planning_who",
        "planning_generate",
        "planning_shift_create",
        "template_list",
        "template_create",
        "closingday_list",
    ],
)
def test_a_volunteer_gets_403_on_planning_screens(login, volunteer, name):
    assert login(volunteer).get(reverse(f"vrijwilligers:{name}")).status_code == 403


def test_a_volunteer_cannot_post_to_a_shift(login, volunteer, point):
    shift = PlanningShiftFactory(location=point)
    response = login(volunteer).post(
        reverse("vrijwilligers:planning_shift", args=[shift.pk]),
        {"form": "cancel", "reason": "Storm"},
    )
    assert response.status_code == 403
    shift.refresh_from_db()
    assert shift.cancelled_at is None


def test_the_week_grid_shows_shifts_and_marks_the_under_staffed(login, coordinator, point):
    shift = PlanningShiftFactory(location=point, starts_at=local(SATURDAY, 9), min_volunteers=2)
    confirm(shift, PlanningVolunteerFactory(user__first_name="Sara", user__last_name="Peeters"))

    response = login(coordinator).get(
        reverse("vrijwilligers:planning_week"), {"locatie": point.pk, "week": "2030-03-09"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Sara Peeters" in html
    assert f'data-shift="{shift.pk}" data-understaffed' in html
    assert "Onderbezet: nog 1 nodig" in html


def test_creating_a_template_through_the_form(login, coordinator, point):
    response = login(coordinator).post(
        reverse("vrijwilligers:template_create"),
        {
            "location": point.pk,
            "role": "Balie",
            "recurrence": "monthly",
            "weekday": "5",
            "week_of_month": "-1",
            "start_time": "09:00",
            "end_time": "12:00",
            "min_volunteers": "2",
            "max_volunteers": "3",
            "starts_on": "2030-01-01",
        },
    )

    assert response.status_code == 303
    template = ShiftTemplate.objects.get()
    assert (template.week_of_month, template.weekday) == (-1, 5)


def test_a_refused_template_shows_the_dutch_message_beside_the_field(login, coordinator, point):
    response = login(coordinator).post(
        reverse("vrijwilligers:template_create"),
        {
            "location": point.pk,
            "role": "Balie",
            "recurrence": "monthly",
            "weekday": "5",
            "week_of_month": "",
            "start_time": "09:00",
            "end_time": "12:00",
            "min_volunteers": "2",
            "max_volunteers": "3",
            "starts_on": "2030-01-01",
        },
    )

    assert response.status_code == 200
    assert "Een maandelijkse dienst heeft een week nodig" in response.content.decode()
    assert not ShiftTemplate.objects.exists()


def test_generating_from_the_screen_redirects_to_the_grid(login, coordinator, point):
    TemplateFactory(location=point, starts_on=dt.date(2000, 1, 1))
    client = login(coordinator)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    data = {"location": point.pk, "start": tomorrow, "end": tomorrow + dt.timedelta(days=27)}

    response = client.post(reverse("vrijwilligers:planning_generate"), data)

    assert response.status_code == 303
    assert Shift.objects.count() == 4
    client.post(reverse("vrijwilligers:planning_generate"), data)
    assert Shift.objects.count() == 4


def test_messaging_and_cancelling_a_shift_from_its_page(login, coordinator, point):
    shift = PlanningShiftFactory(location=point)
    confirm(shift)
    client = login(coordinator)
    url = reverse("vrijwilligers:planning_shift", args=[shift.pk])

    client.post(url, {"form": "message", "subject": "Sleutel", "body": "Bij Ria."})
    client.post(url, {"form": "cancel", "reason": "Storm"})

    assert ShiftMessage.objects.filter(shift=shift).count() == 1
    shift.refresh_from_db()
    assert shift.cancel_reason == "Storm"


def test_adding_and_removing_a_closing_day(login, coordinator):
    client = login(coordinator)
    client.post(
        reverse("vrijwilligers:closingday_list"),
        {"day": "2030-04-22", "location": "", "reason": "Paasmaandag"},
    )
    closing_day = ClosingDay.objects.get()
    assert closing_day.location is None

    client.post(reverse("vrijwilligers:closingday_delete", args=[closing_day.pk]))

    assert not ClosingDay.objects.exists()


# --- The command --------------------------------------------------------------------------


def test_generate_shifts_command_is_idempotent(point, settings):
    settings.VOLUNTEER_SHIFT_WEEKS_AHEAD = 3
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    # Tomorrow's weekday: today … today + 3 weeks holds exactly three of them.
    TemplateFactory(location=point, starts_on=dt.date(2000, 1, 1), weekday=tomorrow.weekday())
    first, second = StringIO(), StringIO()

    call_command("generate_shifts", stdout=first)
    made = Shift.objects.count()
    call_command("generate_shifts", stdout=second)

    assert made == 3
    assert Shift.objects.count() == 3
    assert "3 diensten gemaakt" in first.getvalue()
    assert second.getvalue().startswith("Geen nieuwe diensten")


def test_generate_shifts_command_takes_a_period_and_a_location(point, other_point):
    TemplateFactory(location=point, starts_on=dt.date(2000, 1, 1))
    TemplateFactory(location=other_point, starts_on=dt.date(2000, 1, 1))
    start = timezone.localdate() + dt.timedelta(days=1)

    call_command(
        "generate_shifts",
        "--from",
        start.isoformat(),
        "--weeks",
        "2",
        "--location",
        str(point.pk),
        stdout=StringIO(),
    )

    assert set(Shift.objects.values_list("location", flat=True)) == {point.pk}
    assert Shift.objects.count() == 2


def test_generate_shifts_for_two_weeks_from_the_templates_weekday_makes_two_not_three(point):
    # 14 days counting the first: the same weekday does not come round a third time.
    template = TemplateFactory(location=point, starts_on=dt.date(2000, 1, 1))
    start = timezone.localdate() + dt.timedelta(days=1)
    start += dt.timedelta(days=(template.weekday - start.weekday()) % 7)
    call_command("generate_shifts", "--from", start.isoformat(), "--weeks", "2", stdout=StringIO())
    assert sorted(shift.day for shift in Shift.objects.all()) == [
        start,
        start + dt.timedelta(days=7),
    ]


def test_generate_shifts_command_refuses_a_backwards_period(point):
    with pytest.raises(CommandError, match="De periode eindigt"):
        call_command("generate_shifts", "--from", "2031-02-01", "--until", "2031-01-01")


def test_absurd_dates_in_the_address_or_a_form_are_not_a_server_error(login, coordinator, point):
    client = login(coordinator)

    grid = client.get(reverse("vrijwilligers:planning_week"), {"week": "0001-01-01"})
    closing = client.post(
        reverse("vrijwilligers:closingday_list"), {"day": "9999-12-31", "reason": "Test"}
    )

    assert grid.status_code == 200
    assert closing.status_code == 200
    assert not ClosingDay.objects.exists()
