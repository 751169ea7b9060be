"""What a coordinator plans with: the week grid and the list of a location, the
under-staffed shifts, who is where on a day, the templates and the closing days.

Every read here is a fixed number of queries whatever the number of sign-ups: the shifts
come with their confirmed and waitlisted counts annotated, and only the confirmed
sign-ups of the shifts on screen are prefetched (with their volunteer and user)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from kern.models import Location
from vrijwilligers.models import ClosingDay, Shift, ShiftMessage, ShiftTemplate, Signup

CONFIRMED = Signup.Status.CONFIRMED
WAITLISTED = Signup.Status.WAITLISTED
MAX_LIST_DAYS = 92


@dataclass(frozen=True)
class ShiftRow:
    """One shift as the planning screens show it (coordinators: full names)."""

    shift: Shift
    confirmed: int
    waitlisted: int
    names: list[str]

    @property
    def understaffed(self) -> bool:
        return self.shift.cancelled_at is None and self.confirmed < self.shift.min_volunteers

    @property
    def missing(self) -> int:
        return max(self.shift.min_volunteers - self.confirmed, 0)

    @property
    def full(self) -> bool:
        return self.confirmed >= self.shift.max_volunteers

    @property
    def day(self) -> dt.date:
        return _local_day(self.shift.starts_at)


@dataclass(frozen=True)
class GridDay:
    day: dt.date
    rows: list[ShiftRow]
    closed: str = ""

    @property
    def understaffed(self) -> int:
        return sum(1 for row in self.rows if row.understaffed)


@dataclass(frozen=True)
class WeekGrid:
    location: Location
    monday: dt.date
    days: list[GridDay]
    understaffed: list[ShiftRow] = field(default_factory=list)

    @property
    def previous(self) -> dt.date:
        return self.monday - dt.timedelta(weeks=1)

    @property
    def next(self) -> dt.date:
        return self.monday + dt.timedelta(weeks=1)

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)


def _tz() -> dt.tzinfo:
    return timezone.get_default_timezone()


def _local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment, _tz()).date()


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), _tz())


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def planning_locations() -> QuerySet[Location]:
    """Where shifts are planned: every active location, distribution points first."""
    return Location.objects.filter(is_active=True).order_by("-kind", "name")


def shifts_between(
    *, start: dt.date, end: dt.date, location: Location | None = None
) -> QuerySet[Shift]:
    """Shifts starting on local days ``start`` … ``end``, with their counts annotated and
    the confirmed sign-ups (volunteer and user) prefetched: two queries in all."""
    shifts = _with_counts(
        Shift.objects.filter(
            starts_at__gte=_midnight(start), starts_at__lt=_midnight(end + dt.timedelta(days=1))
        )
    )
    if location is not None:
        shifts = shifts.filter(location=location)
    return shifts


def _with_counts(shifts: QuerySet[Shift]) -> QuerySet[Shift]:
    return (
        shifts.select_related("location", "required_skill")
        .annotate(
            n_confirmed=Count("signups", filter=Q(signups__status=CONFIRMED)),
            n_waitlisted=Count("signups", filter=Q(signups__status=WAITLISTED)),
        )
        .prefetch_related(
            Prefetch(
                "signups",
                queryset=Signup.objects.filter(status=CONFIRMED)
                .select_related("volunteer__user")
                .order_by("place"),
                to_attr="confirmed_signups",
            )
        )
        .order_by("starts_at", "role", "pk")
    )


def _row(shift: Shift) -> ShiftRow:
    return ShiftRow(
        shift=shift,
        confirmed=shift.n_confirmed,  # type: ignore[attr-defined]  # annotated above
        waitlisted=shift.n_waitlisted,  # type: ignore[attr-defined]
        names=[s.volunteer.full_name for s in shift.confirmed_signups],  # type: ignore[attr-defined]
    )


def shift_rows(*, start: dt.date, end: dt.date, location: Location | None = None) -> list[ShiftRow]:
    return [_row(shift) for shift in shifts_between(start=start, end=end, location=location)]


def closing_days_between(
    *, start: dt.date, end: dt.date, location: Location | None = None
) -> dict[dt.date, str]:
    """Day → reason for the location's closing days and the holidays in the period."""
    rows = ClosingDay.objects.filter(day__gte=start, day__lte=end)
    rows = rows.filter(Q(location__isnull=True) | Q(location=location)) if location else rows
    return {day: reason for day, reason in rows.order_by("day").values_list("day", "reason")}


def week_grid(*, location: Location, day: dt.date) -> WeekGrid:
    """The week (Monday to Sunday) holding ``day`` at ``location``: one column per day,
    its shifts in time order, closing days marked, under-staffed shifts listed. Three
    queries, whatever the number of sign-ups."""
    monday = monday_of(day)
    sunday = monday + dt.timedelta(days=6)
    rows = shift_rows(start=monday, end=sunday, location=location)
    closed = closing_days_between(start=monday, end=sunday, location=location)
    by_day: dict[dt.date, list[ShiftRow]] = {}
    for row in rows:
        by_day.setdefault(row.day, []).append(row)
    days = [
        GridDay(day=d, rows=by_day.get(d, []), closed=closed.get(d, ""))
        for d in (monday + dt.timedelta(days=i) for i in range(7))
    ]
    return WeekGrid(
        location=location,
        monday=monday,
        days=days,
        understaffed=[row for row in rows if row.understaffed],
    )


def understaffed_shifts(
    *, start: dt.date, end: dt.date, location: Location | None = None
) -> list[ShiftRow]:
    """Shifts not cancelled with fewer confirmed volunteers than their minimum."""
    return [row for row in shift_rows(start=start, end=end, location=location) if row.understaffed]


@dataclass(frozen=True)
class WhereRow:
    location: Location
    rows: list[ShiftRow]


def who_is_where(*, day: dt.date) -> list[WhereRow]:
    """Per location, the shifts of ``day`` and who is confirmed in each (full names)."""
    grouped: dict[int, WhereRow] = {}
    for row in shift_rows(start=day, end=day):
        if row.shift.cancelled_at is not None:
            continue
        place = grouped.setdefault(
            row.shift.location_id, WhereRow(location=row.shift.location, rows=[])
        )
        place.rows.append(row)
    return sorted(grouped.values(), key=lambda w: w.location.name)


def shift_for_planning(*, pk: int) -> ShiftRow:
    """One shift with its counts and confirmed volunteers; Shift.DoesNotExist if none."""
    return _row(_with_counts(Shift.objects.filter(pk=pk)).get())


def waitlist(*, shift: Shift) -> list[Signup]:
    return list(
        Signup.objects.filter(shift=shift, status=WAITLISTED)
        .select_related("volunteer__user")
        .order_by("waitlist_position")
    )


def messages_of(*, shift: Shift) -> QuerySet[ShiftMessage]:
    return ShiftMessage.objects.filter(shift=shift).select_related("sender").order_by("-sent_at")


def templates(*, location: Location | None = None) -> QuerySet[ShiftTemplate]:
    rows = ShiftTemplate.objects.select_related("location", "required_skill").order_by(
        "location__name", "-is_active", "weekday", "start_time"
    )
    return rows.filter(location=location) if location is not None else rows


def upcoming_closing_days(*, since: dt.date) -> QuerySet[ClosingDay]:
    return ClosingDay.objects.filter(day__gte=since).select_related("location").order_by("day")
