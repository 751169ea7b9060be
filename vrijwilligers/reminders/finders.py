"""What reminders are due at a moment, and whether a recorded one still applies.

**Before a shift** (kind ``shift_soon``, key ``shift_soon:<sign-up id>:<hours>``): one
e-mail per threshold of ``VOLUNTEER_REMINDER_HOURS`` (48 and 24 by default) to each
volunteer with a confirmed sign-up. At any moment only the *nearest* threshold that has
passed is due, so a run that was down for a day never sends a stale 48-hour reminder next
to the 24-hour one. A threshold that had already passed when the volunteer was confirmed
is skipped, because a later one still comes — except the last threshold (24 h), which is
always sent until the shift starts: a volunteer who signs up 10 hours before gets the
24-hour reminder and only that one; one who signs up 30 hours before gets only the 24-hour
reminder too.

**Under-staffed** (kind ``understaffed``, key
``understaffed:<shift id>:<coordinator user id>:<date>``): once a day, for each shift in the
next ``VOLUNTEER_UNDERSTAFFED_DAYS`` days (default 3) with fewer confirmed volunteers than
its minimum, to the coordinators (``kern.manage_shifts``) who work at that location, or to
every coordinator when none does.

Rows of other kinds (``promoted``, made by the sign-up services) are sent as they are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from kern.models import User
from vrijwilligers.models import Shift, ShiftReminder, Signup

SHIFT_SOON = "shift_soon"
UNDERSTAFFED = "understaffed"


@dataclass(frozen=True)
class Due:
    kind: str
    key: str
    recipient_id: int
    shift_id: int


def thresholds() -> tuple[int, ...]:
    """The reminder hours, largest first."""
    hours = getattr(settings, "VOLUNTEER_REMINDER_HOURS", (48, 24)) or ()
    return tuple(sorted({int(h) for h in hours if int(h) > 0}, reverse=True))


def understaffed_days() -> int:
    return int(settings.VOLUNTEER_UNDERSTAFFED_DAYS)


def due_threshold(
    *, starts_at: dt.datetime, confirmed_at: dt.datetime, now: dt.datetime
) -> int | None:
    """The threshold (hours) whose reminder is due for a sign-up now, or None."""
    hours = thresholds()
    if not hours or now >= starts_at:
        return None
    passed = [h for h in hours if starts_at - dt.timedelta(hours=h) <= now]
    if not passed:
        return None
    nearest = min(passed)
    if nearest != min(hours) and confirmed_at > starts_at - dt.timedelta(hours=nearest):
        return None
    return nearest


def shift_soon(now: dt.datetime) -> list[Due]:
    hours = thresholds()
    if not hours:
        return []
    signups = (
        Signup.objects.filter(
            status=Signup.Status.CONFIRMED,
            volunteer__is_active=True,
            shift__cancelled_at__isnull=True,
            shift__starts_at__gt=now,
            shift__starts_at__lte=now + dt.timedelta(hours=max(hours)),
        )
        .annotate(confirmed=Coalesce("confirmed_at", "created_at"))
        .values_list("pk", "shift_id", "shift__starts_at", "confirmed", "volunteer__user_id")
    )
    due = []
    for pk, shift_id, starts_at, confirmed, user_id in signups:
        nearest = due_threshold(starts_at=starts_at, confirmed_at=confirmed, now=now)
        if nearest is not None:
            due.append(Due(SHIFT_SOON, f"{SHIFT_SOON}:{pk}:{nearest}", user_id, shift_id))
    return due


def coordinators() -> QuerySet[User]:
    perm = Permission.objects.get(content_type__app_label="kern", codename="manage_shifts")
    return (
        User.objects.filter(is_active=True)
        .filter(Q(groups__permissions=perm) | Q(user_permissions=perm) | Q(is_superuser=True))
        .distinct()
    )


def understaffed_shifts(now: dt.datetime) -> QuerySet[Shift]:
    return (
        Shift.objects.filter(
            cancelled_at__isnull=True,
            starts_at__gt=now,
            starts_at__lte=now + dt.timedelta(days=understaffed_days()),
        )
        .annotate(confirmed=Count("signups", filter=Q(signups__status=Signup.Status.CONFIRMED)))
        .filter(confirmed__lt=F("min_volunteers"))
    )


def understaffed(now: dt.datetime) -> list[Due]:
    shifts = list(understaffed_shifts(now).values_list("pk", "location_id"))
    if not shifts:
        return []
    people = list(coordinators().prefetch_related("locations"))
    at: dict[int, list[int]] = {}
    for person in people:
        for location in person.locations.all():
            at.setdefault(location.pk, []).append(person.pk)
    everyone = [person.pk for person in people]
    today = timezone.localdate(now).isoformat()
    due = []
    for shift_id, location_id in shifts:
        for user_id in at.get(location_id) or everyone:
            key = f"{UNDERSTAFFED}:{shift_id}:{user_id}:{today}"
            due.append(Due(UNDERSTAFFED, key, user_id, shift_id))
    return due


FINDERS = (shift_soon, understaffed)


def find(now: dt.datetime) -> Iterable[Due]:
    found: dict[str, Due] = {}
    for finder in FINDERS:
        for due in finder(now):
            found.setdefault(due.key, due)
    return found.values()


def _signup_id(key: str) -> int | None:
    parts = key.split(":")
    return int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else None


def why_not(reminder: ShiftReminder, now: dt.datetime) -> str:
    """Why ``reminder`` no longer applies ("" when it still does): the shift was cancelled
    or has started, the sign-up was cancelled, the shift is staffed now."""
    shift = reminder.shift
    if shift.cancelled_at is not None:
        return "Shift cancelled"
    if shift.starts_at <= now:
        return "Shift started"
    if reminder.kind == UNDERSTAFFED:
        if understaffed_shifts(now).filter(pk=shift.pk).exists():
            return ""
        return "Shift staffed now"
    signup_id = _signup_id(reminder.key)
    if reminder.kind in {SHIFT_SOON, "promoted"} and signup_id is not None:
        still = Signup.objects.filter(
            pk=signup_id,
            shift=shift,
            status=Signup.Status.CONFIRMED,
            volunteer__user_id=reminder.recipient_id,
        ).exists()
        return "" if still else "Sign-up cancelled"
    return ""
