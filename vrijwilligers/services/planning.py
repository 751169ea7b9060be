"""Coordinator planning: shift templates, generating shifts from them, closing days,
one-off shifts, cancelling a shift and messaging its volunteers.

Rules kept here (one home each):

- **Recurrence.** Weekly; every two weeks, counted from the first matching weekday on or
  after ``starts_on`` (that week is "on"); monthly on the n-th weekday (1–4) or the last
  one (-1). Shifts are local Europe/Brussels times: a 9:00 template gives 9:00 on both
  sides of a DST change (the UTC instant moves, the wall clock does not).
- **Generation is idempotent.** A template has at most one shift per local day: a day that
  already has one (even cancelled, even at another time after the template changed) is
  left alone, and the database's ``shift_once_per_template_start`` is the backstop when
  two runs overlap. Closing days of the location and holidays (a ``ClosingDay`` without a
  location) are skipped. Only shifts that start after ``now`` are made.
- **Changing a template** never rewrites a shift someone signed up for: future shifts of
  the template with no sign-up at all (not even a cancelled one), and not cancelled
  themselves, are deleted and made again from the new template up to the same horizon;
  future shifts with sign-ups stay as they were and are counted in the result, so the
  screen can say so. Past shifts are history and never touched.
- **A closing day** added after shifts were generated cancels the shifts of that day (at
  that location, or everywhere for a holiday) with the closing day's reason, like
  ``cancel_shift``: their volunteers are told. Removing it does not bring them back.
- **Cancelling a shift** cancels its sign-ups (confirmed and waitlisted) and e-mails
  those volunteers after the commit.

One-off shifts, cancelling, closing days and messages are in ``planning_shifts``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

from kern import audit, permissions
from kern.errors import DomainError
from kern.models import Location, User
from vrijwilligers.models import (
    ClosingDay,
    Shift,
    ShiftTemplate,
    Signup,
    Skill,
)

PERMISSION = "kern.manage_shifts"
MAX_PERIOD_DAYS = 366
MAX_VOLUNTEERS = 100
MAX_ROLE = 100
MAX_REASON = 200
MAX_SUBJECT = 150
MAX_BODY = 5000

Recurrence = ShiftTemplate.Recurrence
ACTIVE = (Signup.Status.CONFIRMED, Signup.Status.WAITLISTED)


@dataclass(frozen=True)
class GenerationResult:
    """What one generation run did; ``existing`` days already had their shift."""

    created: int
    existing: int
    skipped_closed: int
    start: dt.date
    end: dt.date

    @property
    def message(self) -> str:
        if not self.created:
            return (
                _(
                    "No new shifts from %(start)s to %(end)s: the %(existing)d planned ones "
                    "already exist (%(closed)d skipped for closing days)."
                )
                % self._numbers()
            )
        return (
            _(
                "%(created)d shifts made from %(start)s to %(end)s; %(existing)d already "
                "existed, %(closed)d skipped for closing days."
            )
            % self._numbers()
        )

    def _numbers(self) -> dict[str, object]:
        return {
            "created": self.created,
            "existing": self.existing,
            "closed": self.skipped_closed,
            "start": f"{self.start:%d/%m/%Y}",
            "end": f"{self.end:%d/%m/%Y}",
        }


@dataclass(frozen=True)
class TemplateChange:
    template: ShiftTemplate
    #: Future shifts without sign-ups, made again from the changed template.
    replaced: int
    #: Future shifts with sign-ups, left as they were.
    kept: int


# --- Small helpers ------------------------------------------------------------------------


def _require(actor: User | None) -> None:
    """``actor`` None is the system itself (the cron command), never a request."""
    if actor is not None:
        permissions.require(actor, PERMISSION)


def _local(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time), timezone.get_default_timezone())


def _local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def _days(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


def shift_label(shift: Shift) -> str:
    """ "Balie · Uitdeelpunt Centrum · za 12/12 9:00", as every message names a shift."""
    start = timezone.localtime(shift.starts_at, timezone.get_default_timezone())
    return f"{shift.role} · {shift.location.name} · {dateformat.format(start, 'D d/m G:i')}"


def _clean_text(value: str, *, limit: int, field: str, missing: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(missing, field=field)
    if len(value) > limit:
        raise DomainError(_("Keep it to at most %(max)d characters.") % {"max": limit}, field=field)
    return value


def _check_staffing(min_volunteers: int, max_volunteers: int) -> None:
    if not 1 <= max_volunteers <= MAX_VOLUNTEERS:
        raise DomainError(
            _("At most must be between 1 and %(max)d volunteers.") % {"max": MAX_VOLUNTEERS},
            field="max_volunteers",
        )
    if min_volunteers < 0:
        raise DomainError(_("At least cannot be negative."), field="min_volunteers")
    if min_volunteers > max_volunteers:
        raise DomainError(
            _("At least (%(min)d) is more than at most (%(max)d) volunteers.")
            % {"min": min_volunteers, "max": max_volunteers},
            field="min_volunteers",
        )


def _check_times(start_time: dt.time, end_time: dt.time) -> None:
    if end_time <= start_time:
        raise DomainError(
            _("The shift ends (%(end)s) before it starts (%(start)s).")
            % {"end": f"{end_time:%H:%M}", "start": f"{start_time:%H:%M}"},
            field="end_time",
        )


# --- Recurrence ---------------------------------------------------------------------------


def occurs_on(template: ShiftTemplate, day: dt.date) -> bool:
    """Does ``template`` give a shift on ``day`` (closing days aside)?"""
    if day.weekday() != template.weekday or day < template.starts_on:
        return False
    if template.ends_on is not None and day > template.ends_on:
        return False
    if template.recurrence == Recurrence.BIWEEKLY:
        offset = (template.weekday - template.starts_on.weekday()) % 7
        first = template.starts_on + dt.timedelta(days=offset)
        return ((day - first).days // 7) % 2 == 0
    if template.recurrence == Recurrence.MONTHLY:
        if template.week_of_month == -1:
            return (day + dt.timedelta(days=7)).month != day.month
        return (day.day - 1) // 7 + 1 == template.week_of_month
    return True


def _check_template(
    *,
    location: Location,
    role: str,
    recurrence: str,
    weekday: int,
    week_of_month: int | None,
    starts_on: dt.date,
    ends_on: dt.date | None,
    start_time: dt.time,
    end_time: dt.time,
    min_volunteers: int,
    max_volunteers: int,
) -> tuple[str, int | None]:
    if not location.is_active:
        raise DomainError(
            _("%(location)s is not active.") % {"location": location.name}, field="location"
        )
    role = _clean_text(
        role, limit=MAX_ROLE, field="role", missing=_("Say what the volunteers do (the role).")
    )
    if recurrence not in Recurrence.values:
        raise DomainError(_("Choose how often the shift recurs."), field="recurrence")
    if not 0 <= weekday <= 6:
        raise DomainError(_("Choose a weekday."), field="weekday")
    if recurrence == Recurrence.MONTHLY:
        if week_of_month not in (1, 2, 3, 4, -1):
            raise DomainError(
                _("A monthly shift needs the week: first to fourth, or last."),
                field="week_of_month",
            )
    else:
        week_of_month = None
    if ends_on is not None and ends_on < starts_on:
        raise DomainError(
            _("The template ends (%(end)s) before it starts (%(start)s).")
            % {"end": f"{ends_on:%d/%m/%Y}", "start": f"{starts_on:%d/%m/%Y}"},
            field="ends_on",
        )
    _check_times(start_time, end_time)
    _check_staffing(min_volunteers, max_volunteers)
    return role, week_of_month


# --- Templates ----------------------------------------------------------------------------


@transaction.atomic
def create_template(
    *,
    actor: User,
    location: Location,
    role: str,
    recurrence: str,
    weekday: int,
    starts_on: dt.date,
    start_time: dt.time,
    end_time: dt.time,
    min_volunteers: int,
    max_volunteers: int,
    week_of_month: int | None = None,
    ends_on: dt.date | None = None,
    required_skill: Skill | None = None,
) -> ShiftTemplate:
    """A recurring shift; nothing is generated until ``generate_shifts`` runs."""
    _require(actor)
    role, week_of_month = _check_template(
        location=location,
        role=role,
        recurrence=recurrence,
        weekday=weekday,
        week_of_month=week_of_month,
        starts_on=starts_on,
        ends_on=ends_on,
        start_time=start_time,
        end_time=end_time,
        min_volunteers=min_volunteers,
        max_volunteers=max_volunteers,
    )
    template = ShiftTemplate.objects.create(
        location=location,
        role=role,
        required_skill=required_skill,
        recurrence=recurrence,
        weekday=weekday,
        week_of_month=week_of_month,
        starts_on=starts_on,
        ends_on=ends_on,
        start_time=start_time,
        end_time=end_time,
        min_volunteers=min_volunteers,
        max_volunteers=max_volunteers,
    )
    audit.record(actor=actor, action="create", obj=template, source="planning")
    return template


@transaction.atomic
def update_template(
    *,
    actor: User,
    template: ShiftTemplate,
    role: str,
    recurrence: str,
    weekday: int,
    starts_on: dt.date,
    start_time: dt.time,
    end_time: dt.time,
    min_volunteers: int,
    max_volunteers: int,
    week_of_month: int | None = None,
    ends_on: dt.date | None = None,
    required_skill: Skill | None = None,
    is_active: bool = True,
    now: dt.datetime | None = None,
) -> TemplateChange:
    """Change a template. Future shifts nobody signed up for follow the change; those with
    sign-ups stay as they are (see the module's docstring)."""
    _require(actor)
    now = now or timezone.now()
    template = ShiftTemplate.objects.select_for_update().get(pk=template.pk)
    role, week_of_month = _check_template(
        location=template.location,
        role=role,
        recurrence=recurrence,
        weekday=weekday,
        week_of_month=week_of_month,
        starts_on=starts_on,
        ends_on=ends_on,
        start_time=start_time,
        end_time=end_time,
        min_volunteers=min_volunteers,
        max_volunteers=max_volunteers,
    )
    template.role = role
    template.recurrence = recurrence
    template.weekday = weekday
    template.week_of_month = week_of_month
    template.starts_on = starts_on
    template.ends_on = ends_on
    template.start_time = start_time
    template.end_time = end_time
    template.min_volunteers = min_volunteers
    template.max_volunteers = max_volunteers
    template.required_skill = required_skill
    template.is_active = is_active
    template.save()

    # A cancelled shift stays (it holds its day, so it is not made again).
    future = Shift.objects.filter(template=template, starts_at__gt=now, cancelled_at__isnull=True)
    free = _lock_free_shifts(future.filter(signups__isnull=True))
    replaced = 0
    if free:
        # Under the shift locks no sign-up can arrive (every sign-up locks its shift
        # first); the condition in the statement itself keeps a row with one regardless.
        Shift.objects.filter(pk__in=[pk for pk, _start in free], signups__isnull=True).delete()
        if is_active:
            horizon = max(_local_day(starts_at) for _pk, starts_at in free)
            replaced = _generate(
                templates=[template], start=_local_day(now), end=horizon, now=now
            ).created
    kept = future.filter(signups__isnull=False).distinct().count()
    audit.record(
        actor=actor,
        action="update",
        obj=template,
        source="planning",
        details={"replaced_shifts": replaced, "removed_shifts": len(free), "kept_shifts": kept},
    )
    return TemplateChange(template=template, replaced=replaced, kept=kept)


def _lock_free_shifts(candidates: QuerySet[Shift]) -> list[tuple[int, dt.datetime]]:
    """Lock the shifts ``candidates`` lists (shifts without a sign-up) and return those that
    still have none, read under the lock. A sign-up locks volunteer, shift, sign-ups; a
    template change holds no volunteer, so locking the shifts (by pk) keeps that order. A
    sign-up that committed between the unlocked list and the lock is seen by the re-check
    and keeps its shift; one that comes later waits and then finds the shift gone."""
    pks = list(candidates.values_list("pk", flat=True))
    if not pks:
        return []
    list(Shift.objects.select_for_update(of=("self",)).filter(pk__in=pks).order_by("pk"))
    return list(
        Shift.objects.filter(pk__in=pks, signups__isnull=True)
        .order_by("pk")
        .values_list("pk", "starts_at")
    )


# --- Generating ---------------------------------------------------------------------------


def _generate(
    *, templates: Iterable[ShiftTemplate], start: dt.date, end: dt.date, now: dt.datetime
) -> GenerationResult:
    templates = list(templates)
    location_ids = {t.location_id for t in templates}
    closed: set[tuple[int | None, dt.date]] = set(
        ClosingDay.objects.filter(day__gte=start, day__lte=end)
        .filter(Q(location__isnull=True) | Q(location_id__in=location_ids))
        .values_list("location_id", "day")
    )
    window = (_local(start, dt.time.min), _local(end + dt.timedelta(days=1), dt.time.min))
    taken = {
        (template_id, _local_day(starts_at))
        for template_id, starts_at in Shift.objects.filter(
            template__in=templates, starts_at__gte=window[0], starts_at__lt=window[1]
        ).values_list("template_id", "starts_at")
    }
    new: list[Shift] = []
    existing = skipped = 0
    for template in templates:
        for day in _days(start, end):
            if not occurs_on(template, day):
                continue
            starts_at = _local(day, template.start_time)
            if starts_at <= now:
                continue
            if (template.pk, day) in taken:
                existing += 1
                continue
            if (None, day) in closed or (template.location_id, day) in closed:
                skipped += 1
                continue
            new.append(
                Shift(
                    template=template,
                    location_id=template.location_id,
                    role=template.role,
                    required_skill_id=template.required_skill_id,
                    starts_at=starts_at,
                    ends_at=_local(day, template.end_time),
                    min_volunteers=template.min_volunteers,
                    max_volunteers=template.max_volunteers,
                )
            )
    # The templates are locked, so a second run waits and then finds every day taken;
    # ignore_conflicts covers a run that does not lock (SQLite has no row locks).
    Shift.objects.bulk_create(new, ignore_conflicts=True)
    return GenerationResult(
        created=len(new), existing=existing, skipped_closed=skipped, start=start, end=end
    )


def _check_period(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise DomainError(
            _("The period ends (%(end)s) before it starts (%(start)s).")
            % {"end": f"{end:%d/%m/%Y}", "start": f"{start:%d/%m/%Y}"},
            field="end",
        )
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise DomainError(
            _("Generate at most a year of shifts at once."),
            field="end",
        )


@transaction.atomic
def generate_shifts(
    *,
    actor: User | None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    location: Location | None = None,
    now: dt.datetime | None = None,
) -> GenerationResult:
    """Make the shifts of the active templates from ``start`` (today) to ``end`` (the
    coming ``VOLUNTEER_SHIFT_WEEKS_AHEAD`` weeks), at one location or all. Running it again
    makes nothing new. ``actor`` None is the cron command."""
    _require(actor)
    now = now or timezone.now()
    today = _local_day(now)
    start = max(start or today, today)
    end = end or today + dt.timedelta(weeks=settings.VOLUNTEER_SHIFT_WEEKS_AHEAD)
    _check_period(start, end)
    templates = ShiftTemplate.objects.select_for_update().filter(is_active=True).order_by("pk")
    if location is not None:
        templates = templates.filter(location=location)
    result = _generate(templates=templates, start=start, end=end, now=now)
    audit.record(
        actor=actor,
        action="generate",
        object_type="vrijwilligers.shift",
        source="planning" if actor else "generate_shifts",
        details={
            "created": result.created,
            "existing": result.existing,
            "skipped_closed": result.skipped_closed,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "location": location.pk if location else None,
        },
    )
    return result
