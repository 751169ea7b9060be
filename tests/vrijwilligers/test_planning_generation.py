"""Shift templates and generating shifts from them: each recurrence, the period, closing
days and holidays, idempotency, DST and bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kern.errors import DomainError, NotAllowed
from kern.models import AuditEntry
from tests.factories import LocationFactory
from tests.vrijwilligers.factories_planning import TemplateFactory, local
from vrijwilligers import services
from vrijwilligers.models import ClosingDay, Shift, ShiftTemplate

pytestmark = pytest.mark.django_db

# Tuesday 1 January 2030, before the first shift of every test.
NOW = local(dt.date(2030, 1, 1), 7)
MONTHLY = ShiftTemplate.Recurrence.MONTHLY
BIWEEKLY = ShiftTemplate.Recurrence.BIWEEKLY


def local_days(template: ShiftTemplate) -> list[dt.date]:
    return [
        timezone.localtime(starts_at).date()
        for starts_at in Shift.objects.filter(template=template)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
    ]


def generate(actor, start: dt.date, end: dt.date, **kwargs):
    return services.generate_shifts(actor=actor, start=start, end=end, now=NOW, **kwargs)


def template_fields(**overrides):
    fields = {
        "role": "Balie",
        "recurrence": ShiftTemplate.Recurrence.WEEKLY,
        "weekday": 5,
        "starts_on": dt.date(2030, 1, 1),
        "start_time": dt.time(9),
        "end_time": dt.time(12),
        "min_volunteers": 2,
        "max_volunteers": 4,
    }
    fields.update(overrides)
    return fields


def test_weekly_template_makes_one_shift_each_week_at_local_time(coordinator, point):
    template = services.create_template(actor=coordinator, location=point, **template_fields())

    result = generate(coordinator, dt.date(2030, 1, 1), dt.date(2030, 1, 31))

    assert result.created == 4
    assert local_days(template) == [dt.date(2030, 1, d) for d in (5, 12, 19, 26)]
    shift = Shift.objects.filter(template=template).first()
    assert timezone.localtime(shift.starts_at).time() == dt.time(9)
    assert timezone.localtime(shift.ends_at).time() == dt.time(12)
    assert (shift.role, shift.min_volunteers, shift.max_volunteers) == ("Balie", 2, 4)
    assert shift.location == point


def test_every_two_weeks_counts_from_the_first_weekday_on_or_after_starts_on(coordinator, point):
    # Starts on a Wednesday: the first Saturday after it (5 January) is an "on" week.
    template = services.create_template(
        actor=coordinator,
        location=point,
        **template_fields(recurrence=BIWEEKLY, starts_on=dt.date(2030, 1, 2)),
    )

    generate(coordinator, dt.date(2030, 1, 1), dt.date(2030, 2, 28))

    assert local_days(template) == [
        dt.date(2030, 1, 5),
        dt.date(2030, 1, 19),
        dt.date(2030, 2, 2),
        dt.date(2030, 2, 16),
    ]


def test_every_two_weeks_started_later_shifts_the_rhythm(coordinator, point):
    template = services.create_template(
        actor=coordinator,
        location=point,
        **template_fields(recurrence=BIWEEKLY, starts_on=dt.date(2030, 1, 12)),
    )

    generate(coordinator, dt.date(2030, 1, 1), dt.date(2030, 2, 28))

    assert local_days(template) == [
        dt.date(2030, 1, 12),
        dt.date(2030, 1, 26),
        dt.date(2030, 2, 9),
        dt.date(2030, 2, 23),
    ]


def test_monthly_on_the_second_tuesday(coordinator, point):
    template = services.create_template(
        actor=coordinator,
        location=point,
        **template_fields(recurrence=MONTHLY, weekday=1, week_of_month=2),
    )

    generate(coordinator, dt.date(2030, 1, 1), dt.date(2030, 4, 30))

    assert local_days(template) == [
        dt.date(2030, 1, 8),
        dt.date(2030, 2, 12),
        dt.date(2030, 3, 12),
        dt.date(2030, 4, 9),
    ]


def test_monthly_on_the_last_friday_of_the_month(coordinator, point):
    template = services.create_template(
        actor=coordinator,
        location=point,
        **template_fields(recurrence=MONTHLY, weekday=4, week_of_month=-1),
    )

    generate(coordinator, dt.date(2030, 1, 1), dt.date(2030, 5, 31))

    # May 2030 has five Fridays: the last is the 31st, not the fourth (24th).
    assert local_days(template) == [
        dt.date(2030, 1, 25),
        dt.date(2030, 2, 22),
        dt.date(2030, 3, 29),
        dt.date(2030, 4, 26),
        dt.date(2030, 5, 31),
    ]


def test_monthly_on_the_fourth_weekday_is_not_the_last_in_a_five_week_month(coordinator, point):
    template = services.create_template(
        actor=coordinator,
        location=point,
        **template_fields(recurrence=MONTHLY, weekday=4, week_of_month=4),
    )

    generate(coordinator, dt.date(2030, 5, 1), dt.date(2030, 5, 31))

    assert local_days(template) == [dt.date(2030, 5, 24)]


def test_template_period_bounds_the_shifts(coordinator, point):
    template = services.create_template(
        actor=coordinator,
        location=point,
        **template_fields(starts_on=dt.date(2030, 1, 10), ends_on=dt.date(2030, 1, 26)),
    )

    generate(coordinator, dt.date(2030, 1, 1), dt.date(2030, 2, 28))

    assert local_days(template) == [
        dt.date(2030, 1, 12),
        dt.date(2030, 1, 19),
        dt.date(2030, 1, 26),
    ]


def test_closing_days_of_the_location_and_holidays_are_skipped(coordinator, point, other_point):
    here = services.create_template(actor=coordinator, location=point, **template_fields())
    there = services.create_template(actor=coordinator, location=other_point, **template_fields())
    ClosingDay.objects.create(location=point, day=dt.date(2030, 1, 12), reason="Verhuis")
    ClosingDay.objects.create(location=None, day=dt.date(2030, 1, 19), reason="Feestdag")

    result = generate(coordinator, dt.date(2030, 1, 1), dt.date(2030, 1, 31))

    assert local_days(here) == [dt.date(2030, 1, 5), dt.date(2030, 1, 26)]
    assert local_days(there) == [dt.date(2030, 1, 5), dt.date(2030, 1, 12), dt.date(2030, 1, 26)]
    assert result.skipped_closed == 3


def test_a_second_run_creates_nothing_and_says_so(coordinator, point):
    services.create_template(actor=coordinator, location=point, **template_fields())
    first = generate(coordinator, dt.date(2030, 1, 1), dt.date(2030, 1, 31))

    second = generate(coordinator, dt.date(2030, 1, 1), dt.date(2030, 1, 31))

    assert first.created == 4
    assert (second.created, second.existing) == (0, 4)
    assert Shift.objects.count() == 4
    assert second.message.startswith("Geen nieuwe diensten van 01/01/2030 tot 31/01/2030")


def test_generation_only_makes_shifts_after_now(coordinator, point):
    template = services.create_template(
        actor=coordinator, location=point, **template_fields(weekday=1)
    )
    # NOW is Tuesday 1 January 7:00; the 9:00 shift that day is still to come.
    services.generate_shifts(
        actor=coordinator,
        start=dt.date(2030, 1, 1),
        end=dt.date(2030, 1, 8),
        now=local(dt.date(2030, 1, 1), 10),
    )

    assert local_days(template) == [dt.date(2030, 1, 8)]


def test_default_period_is_the_configured_number_of_weeks(coordinator, point, settings):
    settings.VOLUNTEER_SHIFT_WEEKS_AHEAD = 2
    services.create_template(actor=coordinator, location=point, **template_fields())

    result = services.generate_shifts(actor=coordinator, now=NOW)

    assert (result.start, result.end) == (dt.date(2030, 1, 1), dt.date(2030, 1, 15))
    assert result.created == 2


def test_generation_for_one_location_leaves_the_others(coordinator, point, other_point):
    services.create_template(actor=coordinator, location=point, **template_fields())
    services.create_template(actor=coordinator, location=other_point, **template_fields())

    generate(coordinator, dt.date(2030, 1, 1), dt.date(2030, 1, 31), location=point)

    assert set(Shift.objects.values_list("location", flat=True)) == {point.pk}


def test_inactive_templates_make_no_shifts(coordinator, point):
    TemplateFactory(location=point, is_active=False)

    assert generate(coordinator, dt.date(2030, 1, 1), dt.date(2030, 1, 31)).created == 0


def test_a_nine_oclock_shift_stays_nine_oclock_across_the_dst_change(coordinator, point):
    # Summer time starts on Sunday 31 March 2030 in Brussels.
    template = services.create_template(actor=coordinator, location=point, **template_fields())

    generate(coordinator, dt.date(2030, 3, 20), dt.date(2030, 4, 10))

    shifts = list(Shift.objects.filter(template=template).order_by("starts_at"))
    assert [timezone.localtime(s.starts_at).strftime("%d/%m %H:%M") for s in shifts] == [
        "23/03 09:00",
        "30/03 09:00",
        "06/04 09:00",
    ]
    utc_hours = [s.starts_at.astimezone(dt.UTC).hour for s in shifts]
    assert utc_hours == [8, 8, 7]
    assert all(s.hours == 3 for s in shifts)


def test_autumn_dst_change_keeps_local_times_too(coordinator, point):
    template = services.create_template(
        actor=coordinator,
        location=point,
        **template_fields(weekday=6, starts_on=dt.date(2030, 10, 1)),
    )

    generate(coordinator, dt.date(2030, 10, 20), dt.date(2030, 11, 3))

    local_times = [
        timezone.localtime(s).time()
        for s in Shift.objects.filter(template=template).values_list("starts_at", flat=True)
    ]
    assert local_times == [dt.time(9)] * 3


def test_generation_is_audit_logged(coordinator, point):
    services.create_template(actor=coordinator, location=point, **template_fields())

    generate(coordinator, dt.date(2030, 1, 1), dt.date(2030, 1, 31))

    entry = AuditEntry.objects.get(action="generate")
    assert entry.actor == coordinator
    assert entry.details["created"] == 4


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"min_volunteers": 5, "max_volunteers": 3}, "min_volunteers", "Minstens (5) is meer"),
        ({"start_time": dt.time(12), "end_time": dt.time(9)}, "end_time", "De dienst eindigt"),
        (
            {"starts_on": dt.date(2030, 2, 1), "ends_on": dt.date(2030, 1, 1)},
            "ends_on",
            "Het sjabloon eindigt (01/01/2030) vóór het begint (01/02/2030)",
        ),
        ({"recurrence": MONTHLY, "week_of_month": None}, "week_of_month", "Een maandelijkse"),
        ({"recurrence": MONTHLY, "week_of_month": 5}, "week_of_month", "Een maandelijkse"),
        ({"max_volunteers": 0, "min_volunteers": 0}, "max_volunteers", "Maximum moet"),
        ({"role": "  "}, "role", "Zeg wat de vrijwilligers doen"),
        ({"weekday": 7}, "weekday", "Kies een weekdag"),
    ],
)
def test_bad_template_input_is_refused_in_dutch_and_nothing_is_saved(
    coordinator, point, overrides, field, message
):
    with pytest.raises(DomainError) as refused:
        services.create_template(actor=coordinator, location=point, **template_fields(**overrides))

    assert message in refused.value.message
    assert refused.value.field == field
    assert not ShiftTemplate.objects.exists()


def test_a_period_ending_before_it_starts_is_refused(coordinator, point):
    services.create_template(actor=coordinator, location=point, **template_fields())

    with pytest.raises(DomainError, match="De periode eindigt"):
        generate(coordinator, dt.date(2030, 2, 1), dt.date(2030, 1, 15))

    assert not Shift.objects.exists()


def test_more_than_a_year_at_once_is_refused(coordinator, point):
    services.create_template(actor=coordinator, location=point, **template_fields())

    with pytest.raises(DomainError, match="hoogstens een jaar"):
        generate(coordinator, dt.date(2030, 1, 1), dt.date(2031, 6, 1))

    assert not Shift.objects.exists()


def test_a_volunteer_may_not_make_templates_or_generate(volunteer, point):
    with pytest.raises(NotAllowed):
        services.create_template(actor=volunteer, location=point, **template_fields())
    with pytest.raises(NotAllowed):
        generate(volunteer, dt.date(2030, 1, 1), dt.date(2030, 1, 31))
    assert not ShiftTemplate.objects.exists()


def test_a_template_at_an_inactive_location_is_refused(coordinator):
    closed = LocationFactory(is_active=False, name="Oud depot")

    with pytest.raises(DomainError, match="Oud depot is niet actief"):
        services.create_template(actor=coordinator, location=closed, **template_fields())
