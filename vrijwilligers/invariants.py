"""Shift invariants for ``manage.py check_invariants`` (kern.invariants).

The services keep a shift within its maximum under concurrency (they lock, then
re-check); the unique constraints keep one place per sign-up. Both are checked here as
well, because a restore, a stress run or a hand-edited table must be caught."""

from __future__ import annotations

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kern import invariants
from vrijwilligers.models import Shift, Signup, Volunteer


def _shift(shift: Shift) -> str:
    start = timezone.localtime(shift.starts_at)
    return _("shift %(id)d (%(role)s, %(location)s, %(start)s)") % {
        "id": shift.pk,
        "role": shift.role,
        "location": shift.location.name,
        "start": f"{start:%d/%m/%Y %H:%M}",
    }


def shifts_not_over_maximum() -> list[str]:
    confirmed = Signup.Status.CONFIRMED
    shifts = (
        Shift.objects.annotate(confirmed=Count("signups", filter=Q(signups__status=confirmed)))
        .filter(confirmed__gt=F("max_volunteers"))
        .select_related("location")
        .order_by("id")
    )
    return [
        _("%(shift)s has %(confirmed)d confirmed volunteers, at most %(max)d allowed.")
        % {"shift": _shift(shift), "confirmed": shift.confirmed, "max": shift.max_volunteers}
        for shift in shifts
    ]


def confirmed_places_within_maximum() -> list[str]:
    """A confirmed volunteer holds one numbered place 1 … max, not shared with another."""
    confirmed = Signup.objects.filter(status=Signup.Status.CONFIRMED)
    outside = (
        confirmed.filter(
            Q(place__isnull=True) | Q(place__lt=1) | Q(place__gt=F("shift__max_volunteers"))
        )
        .select_related("shift__location", "volunteer")
        .order_by("id")
    )
    problems = [
        _("%(shift)s: volunteer %(volunteer)s holds place %(place)s, outside 1 to %(max)d.")
        % {
            "shift": _shift(signup.shift),
            "volunteer": signup.volunteer.code,
            "place": signup.place,
            "max": signup.shift.max_volunteers,
        }
        for signup in outside
    ]
    shared = (
        confirmed.values("shift_id", "place")
        .annotate(count=Count("id"))
        .filter(count__gt=1)
        .order_by("shift_id", "place")
    )
    shifts = Shift.objects.select_related("location").in_bulk({row["shift_id"] for row in shared})
    problems += [
        _("%(shift)s: place %(place)d is held by %(count)d volunteers.")
        % {"shift": _shift(shifts[row["shift_id"]]), "place": row["place"], "count": row["count"]}
        for row in shared
    ]
    return problems


def volunteer_once_per_shift() -> list[str]:
    rows = (
        Signup.objects.filter(status__in=[Signup.Status.CONFIRMED, Signup.Status.WAITLISTED])
        .values("shift_id", "volunteer_id")
        .annotate(count=Count("id"))
        .filter(count__gt=1)
        .order_by("shift_id", "volunteer_id")
    )
    shifts = Shift.objects.select_related("location").in_bulk({row["shift_id"] for row in rows})
    volunteers = Volunteer.objects.in_bulk({row["volunteer_id"] for row in rows})
    return [
        _("%(shift)s: volunteer %(volunteer)s is signed up %(count)d times.")
        % {
            "shift": _shift(shifts[row["shift_id"]]),
            "volunteer": volunteers[row["volunteer_id"]].code,
            "count": row["count"],
        }
        for row in rows
    ]


def register() -> None:
    invariants.register(
        name="vrijwilligers.shifts_not_over_maximum",
        description=gettext_lazy("No shift has more confirmed volunteers than its maximum."),
        check=shifts_not_over_maximum,
    )
    invariants.register(
        name="vrijwilligers.confirmed_places_within_maximum",
        description=gettext_lazy(
            "Every confirmed volunteer holds their own place, numbered 1 to the shift's maximum."
        ),
        check=confirmed_places_within_maximum,
    )
    invariants.register(
        name="vrijwilligers.volunteer_once_per_shift",
        description=gettext_lazy("No volunteer is signed up twice for one shift."),
        check=volunteer_once_per_shift,
    )
