"""Reads about attendance and hours: which sign-up a volunteer can check in for now, the
no-shows that count towards a pause, and the hours per volunteer per calendar year.

Hours count for attended and late sign-ups only: ``Signup.hours`` when set (the shift's
length, or what a coordinator corrected it to), else the shift's length. The year of a
shift is the year of its local start day."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from kern.models import Location
from vrijwilligers.models import Shift, Signup, Volunteer

#: A volunteer may check in this long before their shift starts.
CHECK_IN_EARLY = dt.timedelta(hours=1)
#: No-shows older than this no longer count towards a pause: one bad winter should not
#: follow someone for ever, and a year is what a coordinator can still remember.
NO_SHOW_WINDOW = dt.timedelta(days=365)

COUNTED = (Signup.Attendance.ATTENDED, Signup.Attendance.LATE)
TWO_PLACES = Decimal("0.01")


def shift_length(shift: Shift) -> Decimal:
    """The shift's length in hours, to two decimals."""
    seconds = Decimal((shift.ends_at - shift.starts_at).total_seconds())
    return (seconds / Decimal(3600)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def counted_hours(signup: Signup) -> Decimal:
    """The hours a sign-up counts for: 0 unless attended or late."""
    if signup.attendance not in COUNTED:
        return Decimal(0)
    return signup.hours if signup.hours is not None else shift_length(signup.shift)


def checkin_candidates(
    *, volunteer: Volunteer, now: dt.datetime, location: Location | None = None
) -> QuerySet[Signup]:
    """The volunteer's confirmed sign-ups for shifts going on now (or starting within
    ``CHECK_IN_EARLY``), at ``location`` when given; the earliest first."""
    signups = Signup.objects.filter(
        volunteer=volunteer,
        status=Signup.Status.CONFIRMED,
        shift__cancelled_at__isnull=True,
        shift__starts_at__lte=now + CHECK_IN_EARLY,
        shift__ends_at__gt=now,
    )
    if location is not None:
        signups = signups.filter(shift__location=location)
    return signups.select_related("shift__location").order_by("shift__starts_at", "id")


def no_show_count(*, volunteer: Volunteer, now: dt.datetime) -> int:
    """No-shows of the last ``NO_SHOW_WINDOW`` (by the shift's start)."""
    return Signup.objects.filter(
        volunteer=volunteer,
        status=Signup.Status.CONFIRMED,
        attendance=Signup.Attendance.NO_SHOW,
        shift__starts_at__gte=now - NO_SHOW_WINDOW,
    ).count()


def no_show_threshold() -> int:
    return int(settings.VOLUNTEER_NO_SHOW_PAUSE_AFTER)


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """The first moment of the year and of the next one, in local time."""
    zone = timezone.get_current_timezone()
    return (
        dt.datetime(year, 1, 1, tzinfo=zone),
        dt.datetime(year + 1, 1, 1, tzinfo=zone),
    )


def worked_signups(*, year: int, volunteer: Volunteer | None = None) -> QuerySet[Signup]:
    """Attended and late sign-ups of shifts that started in ``year``."""
    start, end = year_bounds(year)
    signups = Signup.objects.filter(
        status=Signup.Status.CONFIRMED,
        attendance__in=COUNTED,
        shift__starts_at__gte=start,
        shift__starts_at__lt=end,
    )
    if volunteer is not None:
        signups = signups.filter(volunteer=volunteer)
    return signups.select_related("shift__location__organisation", "volunteer__user").order_by(
        "shift__starts_at", "id"
    )


@dataclass
class MonthHours:
    month: int  # 1-12
    shifts: int = 0
    hours: Decimal = Decimal(0)


@dataclass
class VolunteerYear:
    """One volunteer's year: shifts worked and hours, in total and per month."""

    volunteer: Volunteer
    year: int
    months: list[MonthHours] = field(default_factory=list)
    locations: list[Location] = field(default_factory=list)

    @property
    def shifts(self) -> int:
        return sum(month.shifts for month in self.months)

    @property
    def hours(self) -> Decimal:
        return sum((month.hours for month in self.months), Decimal(0))


def _years(signups: QuerySet[Signup], year: int) -> dict[int, VolunteerYear]:
    result: dict[int, VolunteerYear] = {}
    locations: dict[int, dict[int, Location]] = defaultdict(dict)
    for signup in signups:
        entry = result.get(signup.volunteer_id)
        if entry is None:
            entry = VolunteerYear(
                volunteer=signup.volunteer,
                year=year,
                months=[MonthHours(month=m) for m in range(1, 13)],
            )
            result[signup.volunteer_id] = entry
        month = entry.months[timezone.localtime(signup.shift.starts_at).month - 1]
        month.shifts += 1
        month.hours += counted_hours(signup)
        locations[signup.volunteer_id].setdefault(signup.shift.location_id, signup.shift.location)
    for volunteer_id, entry in result.items():
        entry.locations = list(locations[volunteer_id].values())
    return result


def hours_of_year(*, volunteer: Volunteer, year: int) -> VolunteerYear:
    """The volunteer's shifts and hours in ``year`` (twelve months, empty ones too)."""
    found = _years(worked_signups(year=year, volunteer=volunteer), year)
    return found.get(volunteer.pk) or VolunteerYear(
        volunteer=volunteer, year=year, months=[MonthHours(month=m) for m in range(1, 13)]
    )


def hours_report(*, year: int) -> list[VolunteerYear]:
    """Every volunteer who worked in ``year``, by name: the rows of the hours export."""
    rows = list(_years(worked_signups(year=year), year).values())
    return sorted(rows, key=lambda row: (row.volunteer.full_name.lower(), row.volunteer.pk))


def attendance_of_shift(*, shift: Shift) -> list[Signup]:
    """The confirmed sign-ups of a shift, by place, for the coordinator's attendance list."""
    return list(
        shift.signups.filter(status=Signup.Status.CONFIRMED)
        .select_related("volunteer__user")
        .order_by("place")
    )


def shifts_to_review(*, now: dt.datetime, days: int = 14) -> QuerySet[Shift]:
    """Shifts of the last ``days`` days and of today, newest first: where a coordinator
    records or corrects attendance."""
    return (
        Shift.objects.filter(
            cancelled_at__isnull=True,
            starts_at__gte=now - dt.timedelta(days=days),
            starts_at__lte=now + dt.timedelta(days=1),
        )
        .select_related("location")
        .order_by("-starts_at")
    )


def paused_volunteers() -> QuerySet[Volunteer]:
    return (
        Volunteer.objects.filter(signup_paused_at__isnull=False)
        .select_related("user")
        .order_by("signup_paused_at")
    )


def own_upcoming_signups(*, volunteer: Volunteer, now: dt.datetime) -> list[Signup]:
    """The volunteer's confirmed sign-ups from today on (for the "I am here" screen)."""
    start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return list(
        Signup.objects.filter(
            volunteer=volunteer,
            status=Signup.Status.CONFIRMED,
            shift__cancelled_at__isnull=True,
            shift__ends_at__gt=start_of_day,
        )
        .select_related("shift__location")
        .order_by("shift__starts_at")[:10]
    )
