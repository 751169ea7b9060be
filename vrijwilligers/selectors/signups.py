"""Reads about sign-ups, and the one home of the scheduling rules: ``refusal_to_schedule``
says why a volunteer cannot be put in a shift (or None). Sign-up, swap take-over,
coordinator assign and promotion from the waitlist all ask it, inside their locks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kern.models import Location, User
from vrijwilligers.models import Shift, Signup, SwapRequest, Volunteer
from vrijwilligers.selectors.people import has_acknowledged_current_note, has_valid_skill

ACTIVE = (Signup.Status.CONFIRMED, Signup.Status.WAITLISTED)


@dataclass(frozen=True)
class Refusal:
    """Why a volunteer cannot be scheduled: a stable ``code`` and a Dutch message."""

    code: str
    message: str


def shift_label(shift: Shift) -> str:
    """How people name a shift: "Balie · Uitdeelpunt Centrum · za 12/12 9:00"."""
    start = timezone.localtime(shift.starts_at)
    day = formats.date_format(start, "D d/m")
    return f"{shift.role} · {shift.location.name} · {day} {start:%H:%M}"


def deadline(shift: Shift) -> dt.datetime:
    """Until when a volunteer signs up or cancels themselves."""
    return shift.starts_at - dt.timedelta(hours=settings.VOLUNTEER_SIGNUP_DEADLINE_HOURS)


def deadline_refusal(*, shift: Shift, now: dt.datetime) -> Refusal | None:
    """Refused when a volunteer signs up or cancels themselves past the deadline."""
    if now < deadline(shift):
        return None
    return Refusal(
        "past_deadline",
        _(
            "%(shift)s starts within %(hours)d hours: signing up or cancelling is "
            "no longer possible — call the coordinator."
        )
        % {"shift": shift_label(shift), "hours": settings.VOLUNTEER_SIGNUP_DEADLINE_HOURS},
    )


def works_at(volunteer: Volunteer, location: Location) -> bool:
    user = volunteer.user
    if user.has_perm("kern.act_at_all_locations"):
        return True
    return user.locations.filter(pk=location.pk).exists()


def _hours(shift: Shift) -> Decimal:
    return Decimal(int((shift.ends_at - shift.starts_at).total_seconds())) / 3600


def _confirmed_elsewhere(volunteer: Volunteer, shift: Shift) -> QuerySet[Signup]:
    return (
        Signup.objects.filter(volunteer=volunteer, status=Signup.Status.CONFIRMED)
        .exclude(shift=shift)
        .filter(shift__cancelled_at__isnull=True)
        .select_related("shift", "shift__location")
    )


def _booked_hours(volunteer: Volunteer, shift: Shift, start: dt.date, end: dt.date) -> Decimal:
    """Hours of the volunteer's confirmed shifts starting on local days start … end."""
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    rows = _confirmed_elsewhere(volunteer, shift).filter(
        shift__starts_at__gte=since, shift__starts_at__lt=until
    )
    return sum((_hours(row.shift) for row in rows), Decimal(0))


def refusal_to_schedule(
    *, volunteer: Volunteer, shift: Shift, now: dt.datetime, by_coordinator: bool
) -> Refusal | None:
    """Why ``volunteer`` cannot be put in ``shift`` now, or None when they can.

    Always: an inactive volunteer, a cancelled or finished shift, a location that is not
    theirs, the current organisation note not acknowledged, the required skill missing or
    expired on the shift's day, a confirmed shift that overlaps, the hours-per-day or
    hours-per-week limit. For self-service also: past the deadline, self sign-up paused
    (a coordinator, with a reason, skips those two)."""
    name = volunteer.first_name
    label = shift_label(shift)
    if not volunteer.is_active or not volunteer.user.is_active:
        return Refusal("inactive", _("%(name)s is no longer an active volunteer.") % {"name": name})
    # Before anything about the shift itself: a location that is not theirs is a matter of
    # access (refused and logged), whatever the hour or the shift's state.
    if not works_at(volunteer, shift.location):
        return Refusal(
            "not_your_location",
            _("%(name)s does not work at %(location)s.")
            % {"name": name, "location": shift.location.name},
        )
    if shift.cancelled_at is not None:
        return Refusal("shift_cancelled", _("%(shift)s is cancelled.") % {"shift": label})
    if shift.ends_at <= now:
        return Refusal("shift_over", _("%(shift)s is already over.") % {"shift": label})
    if not by_coordinator:
        if volunteer.signup_paused_at is not None:
            return Refusal(
                "signup_paused",
                _(
                    "%(name)s, signing up yourself is paused (%(reason)s): "
                    "ask the coordinator to lift it."
                )
                % {"name": name, "reason": volunteer.signup_paused_reason or _("no-shows")},
            )
        late = deadline_refusal(shift=shift, now=now)
        if late is not None:
            return late
    if not has_acknowledged_current_note(volunteer=volunteer):
        return Refusal(
            "note_not_acknowledged",
            _(
                "%(name)s has not yet acknowledged the current organisation note: "
                "read and acknowledge it first (Belgian volunteer law)."
            )
            % {"name": name},
        )
    skill = shift.required_skill
    if skill is not None and not has_valid_skill(volunteer=volunteer, skill=skill, on=shift.day):
        has_it = volunteer.skills.filter(skill=skill).exists()
        if has_it:
            return Refusal(
                "skill_expired",
                _("%(shift)s needs %(skill)s, and %(name)s's qualification has expired by then.")
                % {"shift": label, "skill": skill.name, "name": name},
            )
        return Refusal(
            "missing_skill",
            _("%(shift)s needs %(skill)s, which %(name)s does not have.")
            % {"shift": label, "skill": skill.name, "name": name},
        )
    overlap = (
        _confirmed_elsewhere(volunteer, shift)
        .filter(shift__starts_at__lt=shift.ends_at, shift__ends_at__gt=shift.starts_at)
        .first()
    )
    if overlap is not None:
        return Refusal(
            "overlapping_shift",
            _("%(name)s already works %(other)s at that time.")
            % {"name": name, "other": shift_label(overlap.shift)},
        )
    return _hours_refusal(volunteer, shift)


def _hours_refusal(volunteer: Volunteer, shift: Shift) -> Refusal | None:
    hours = _hours(shift)
    day = shift.day
    if volunteer.max_hours_per_day is not None:
        booked = _booked_hours(volunteer, shift, day, day)
        if booked + hours > volunteer.max_hours_per_day:
            return Refusal(
                "max_hours_day",
                _(
                    "%(name)s works at most %(max)s hours a day; with this shift it "
                    "would be %(total)s."
                )
                % {
                    "name": volunteer.first_name,
                    "max": _number(volunteer.max_hours_per_day),
                    "total": _number(booked + hours),
                },
            )
    if volunteer.max_hours_per_week is not None:
        monday = day - dt.timedelta(days=day.weekday())
        booked = _booked_hours(volunteer, shift, monday, monday + dt.timedelta(days=6))
        if booked + hours > volunteer.max_hours_per_week:
            return Refusal(
                "max_hours_week",
                _(
                    "%(name)s works at most %(max)s hours a week; with this shift it "
                    "would be %(total)s."
                )
                % {
                    "name": volunteer.first_name,
                    "max": _number(volunteer.max_hours_per_week),
                    "total": _number(booked + hours),
                },
            )
    return None


def _number(value: Decimal) -> str:
    return formats.number_format(value.normalize(), use_l10n=True)


def signup_message(signup: Signup, rank: int | None) -> str:
    """What a sign-up means for the volunteer, said in full."""
    label = shift_label(signup.shift)
    if signup.status == Signup.Status.CONFIRMED:
        return _("You are signed up for %(shift)s.") % {"shift": label}
    if signup.status == Signup.Status.WAITLISTED:
        hours = settings.VOLUNTEER_SIGNUP_DEADLINE_HOURS
        return ngettext(
            "%(shift)s is full: you are on the waitlist, number %(rank)d. You move up "
            "automatically when someone cancels up to %(hours)d hour before the start, and "
            "we will let you know; after that, a coordinator fills the place.",
            "%(shift)s is full: you are on the waitlist, number %(rank)d. You move up "
            "automatically when someone cancels up to %(hours)d hours before the start, and "
            "we will let you know; after that, a coordinator fills the place.",
            hours,
        ) % {"shift": label, "rank": rank or 0, "hours": hours}
    return _("Your sign-up for %(shift)s is cancelled.") % {"shift": label}


# --- Reads for the screens and the API ----------------------------------------------------


def waitlist_rank(signup: Signup) -> int | None:
    """1 for the first on the waitlist; None when not waitlisted."""
    if signup.status != Signup.Status.WAITLISTED or signup.waitlist_position is None:
        return None
    ahead = Signup.objects.filter(
        shift_id=signup.shift_id,
        status=Signup.Status.WAITLISTED,
        waitlist_position__lt=signup.waitlist_position,
    ).count()
    return ahead + 1


def with_counts(shifts: QuerySet[Shift]) -> QuerySet[Shift]:
    """Annotate ``confirmed`` and ``waiting`` counts."""
    return shifts.annotate(
        confirmed=Count("signups", filter=Q(signups__status=Signup.Status.CONFIRMED)),
        waiting=Count("signups", filter=Q(signups__status=Signup.Status.WAITLISTED)),
    )


def upcoming_shifts(
    *,
    locations: QuerySet[Location] | None,
    now: dt.datetime,
    until: dt.datetime | None = None,
) -> QuerySet[Shift]:
    """Shifts not cancelled that have not ended, at ``locations`` (None: everywhere),
    with counts, in order."""
    shifts = Shift.objects.filter(cancelled_at__isnull=True, ends_at__gt=now)
    if locations is not None:
        shifts = shifts.filter(location__in=locations)
    if until is not None:
        shifts = shifts.filter(starts_at__lt=until)
    return with_counts(shifts.select_related("location", "required_skill")).order_by(
        "starts_at", "location__name", "role", "pk"
    )


def locations_of(user: User) -> QuerySet[Location] | None:
    """Where ``user`` works shifts: None means every location (a coordinator)."""
    if user.has_perm("kern.act_at_all_locations") or user.has_perm("kern.manage_shifts"):
        return None
    return user.locations.all()


def my_active_signups(*, volunteer: Volunteer, shifts: Iterable[Shift]) -> dict[int, Signup]:
    """The volunteer's confirmed and waitlisted sign-ups in ``shifts``, by shift id (only
    those: a volunteer of many years has thousands of sign-ups)."""
    return {
        s.shift_id: s
        for s in Signup.objects.filter(
            volunteer=volunteer, status__in=ACTIVE, shift_id__in=[shift.pk for shift in shifts]
        ).select_related("shift")
    }


@dataclass(frozen=True)
class MySignup:
    signup: Signup
    rank: int | None
    open_swap: SwapRequest | None


def my_shifts(*, volunteer: Volunteer, now: dt.datetime) -> list[MySignup]:
    """The volunteer's coming shifts: confirmed ones and waitlist places with their rank."""
    signups = (
        Signup.objects.filter(volunteer=volunteer, status__in=ACTIVE, shift__ends_at__gt=now)
        .filter(shift__cancelled_at__isnull=True)
        .select_related("shift", "shift__location")
        .order_by("shift__starts_at", "pk")
    )
    swaps = {
        s.signup_id: s
        for s in SwapRequest.objects.filter(
            signup__in=signups, status=SwapRequest.Status.OPEN
        ).select_related("signup")
    }
    return [MySignup(s, waitlist_rank(s), swaps.get(s.pk)) for s in signups]


def swap_offers_for(*, volunteer: Volunteer, now: dt.datetime) -> list[SwapRequest]:
    """Open swap requests of others, at the volunteer's locations, not yet started, for
    shifts the volunteer is not confirmed in."""
    locations = locations_of(volunteer.user)
    # The open requests first (few, by the partial unique index): left to itself the
    # planner walks every coming shift at the locations and its sign-ups instead.
    open_ids = list(
        SwapRequest.objects.filter(status=SwapRequest.Status.OPEN).values_list("pk", flat=True)
    )
    offers = SwapRequest.objects.filter(
        pk__in=open_ids,
        status=SwapRequest.Status.OPEN,
        signup__status=Signup.Status.CONFIRMED,
        signup__shift__starts_at__gt=now,
        signup__shift__cancelled_at__isnull=True,
    ).exclude(signup__volunteer=volunteer)
    if locations is not None:
        offers = offers.filter(signup__shift__location__in=locations)
    mine = Signup.objects.filter(volunteer=volunteer, status=Signup.Status.CONFIRMED)
    offers = offers.exclude(signup__shift__in=mine.values("shift"))
    return list(
        offers.select_related(
            "signup__shift", "signup__shift__location", "signup__volunteer__user"
        ).order_by("signup__shift__starts_at", "pk")
    )


@dataclass(frozen=True)
class Roster:
    confirmed: list[Signup]
    waitlisted: list[Signup]


def assign_candidates(*, shift: Shift, limit: int = 500) -> list[Volunteer]:
    """Whom a coordinator can assign to ``shift``: the active volunteers of its location
    who are not confirmed in it, by name. Someone who cancelled before is offered again;
    someone on its waitlist too, with ``waiting`` set (assigning confirms them)."""
    in_shift = Signup.objects.filter(shift=shift, volunteer=OuterRef("pk"))
    rows = (
        Volunteer.objects.filter(
            is_active=True, user__is_active=True, user__locations=shift.location_id
        )
        .exclude(Exists(in_shift.filter(status=Signup.Status.CONFIRMED)))
        .annotate(waiting=Exists(in_shift.filter(status=Signup.Status.WAITLISTED)))
        .select_related("user")
        .distinct()
        .order_by("user__first_name", "user__last_name", "pk")
    )
    return list(rows[:limit])


def roster(*, shift: Shift) -> Roster:
    """Who is in the shift (by place) and who waits (in order)."""
    rows = list(
        Signup.objects.filter(shift=shift, status__in=ACTIVE)
        .select_related("volunteer__user")
        .order_by("place", "waitlist_position")
    )
    return Roster(
        confirmed=[s for s in rows if s.status == Signup.Status.CONFIRMED],
        waitlisted=[s for s in rows if s.status == Signup.Status.WAITLISTED],
    )
