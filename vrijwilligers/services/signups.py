"""Signing up for shifts: a volunteer signs up (a full shift puts them on the ordered
waitlist) and cancels until the deadline; a cancelled place goes to the first on the
waitlist who can still be scheduled, in the same transaction, and they are told by a
``promoted`` reminder; a coordinator assigns and removes, with a reason that is logged.

Lock order, the same in every operation here and in ``swaps``: the volunteer rows (by
id), then the shift row, then its sign-ups; every rule is re-checked under those locks,
so sixteen volunteers asking for the last place at once give one sign-up and fifteen
waitlist places in the order their transactions ran. The database refuses a second
sign-up of one volunteer and two sign-ups in one place (see ``models.shifts``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kern import audit, permissions
from kern.errors import Conflict, DomainError, NotAllowed, NotFound
from kern.models import User
from vrijwilligers.models import Shift, ShiftReminder, Signup, SwapRequest, Volunteer
from vrijwilligers.selectors.signups import (
    ACTIVE,
    deadline_refusal,
    refusal_to_schedule,
    shift_label,
)
from vrijwilligers.services.people import own_volunteer

WORK = "kern.work_shifts"
MANAGE = "kern.manage_shifts"
MAX_REASON = 200
# A cancel locks the volunteers on the waitlist before the shift; one who joined the
# waitlist in between makes it start again with them included (rare: a few at most).
LOCK_ATTEMPTS = 5


def reason_text(reason: str, *, required: bool) -> str:
    reason = " ".join((reason or "").replace("\x00", "").split())
    if len(reason) > MAX_REASON:
        raise DomainError(
            _("Keep the reason under %(max)d characters.") % {"max": MAX_REASON}, field="reason"
        )
    if required and not reason:
        raise DomainError(_("Say why (it is kept in the log)."), field="reason")
    return reason


# --- Locks ----------------------------------------------------------------------------------


@dataclass
class Locked:
    """What an operation holds: the volunteers, the shift and its active sign-ups."""

    volunteers: dict[int, Volunteer]
    shift: Shift
    signups: list[Signup]

    def of(self, volunteer: Volunteer) -> Signup | None:
        return next((s for s in self.signups if s.volunteer_id == volunteer.pk), None)

    @property
    def confirmed(self) -> list[Signup]:
        return [s for s in self.signups if s.status == Signup.Status.CONFIRMED]

    @property
    def waitlisted(self) -> list[Signup]:
        rows = [s for s in self.signups if s.status == Signup.Status.WAITLISTED]
        return sorted(rows, key=lambda s: (s.waitlist_position or 0, s.pk))

    def free_place(self) -> int | None:
        """The lowest free place 1 … max, or None when the shift is full."""
        if len(self.confirmed) >= self.shift.max_volunteers:
            return None
        used = {s.place for s in self.confirmed}
        return next((n for n in range(1, self.shift.max_volunteers + 1) if n not in used), None)

    def next_waitlist_position(self) -> int:
        last = max((s.waitlist_position or 0 for s in self.waitlisted), default=0)
        return max(last, self.shift.max_volunteers) + 1


def lock(*, volunteer_ids: Iterable[int], shift_id: int) -> Locked:
    """Take the locks in the one order: volunteers by id, the shift, its sign-ups."""
    volunteers = {
        v.pk: v
        for v in Volunteer.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk__in=sorted(set(volunteer_ids)))
        .order_by("pk")
    }
    shift = (
        Shift.objects.select_for_update(of=("self",))
        .select_related("location", "required_skill")
        .filter(pk=shift_id)
        .first()
    )
    if shift is None:  # removed meanwhile (a template change deletes empty future shifts)
        raise NotFound(_("This shift no longer exists: it was removed from the planning."))
    signups = list(
        Signup.objects.select_for_update(of=("self",))
        .filter(shift=shift, status__in=ACTIVE)
        .order_by("pk")
    )
    return Locked(volunteers, shift, signups)


def refuse_unless_schedulable(
    volunteer: Volunteer, shift: Shift, *, now: dt.datetime, by_coordinator: bool
) -> None:
    refusal = refusal_to_schedule(
        volunteer=volunteer, shift=shift, now=now, by_coordinator=by_coordinator
    )
    if refusal is None:
        return
    if refusal.code == "not_your_location" and not by_coordinator:
        # A volunteer acting at a location that is not theirs is refused access (403, and
        # the attempt is logged), not told about a scheduling rule.
        raise NotAllowed(refusal.message, code=refusal.code)
    raise DomainError(refusal.message, code=refusal.code)


def _audit(actor: User | None, action: str, signup: Signup, source: str, **details: object) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=signup,
        source=source,
        details={"shift": signup.shift_id, "volunteer": signup.volunteer_id, **details},
    )


# --- Signing up -----------------------------------------------------------------------------


def sign_up(
    *, actor: User, shift: Shift, now: dt.datetime | None = None, source: str = ""
) -> Signup:
    """Sign ``actor`` (a volunteer) up for ``shift``: a confirmed place when one is
    free, else the end of the waitlist (the status says which). Signing up again for a
    shift one is in or waits for returns that sign-up: a retry changes nothing.
    Refused with the reason of ``refusal_to_schedule`` (self-service rules)."""
    permissions.require(actor, WORK)
    profile = own_volunteer(actor)
    now = now or timezone.now()
    with transaction.atomic():
        held = lock(volunteer_ids=[profile.pk], shift_id=shift.pk)
        volunteer = held.volunteers[profile.pk]
        existing = held.of(volunteer)
        if existing is not None:
            return existing
        refuse_unless_schedulable(volunteer, held.shift, now=now, by_coordinator=False)
        place = held.free_place()
        if place is not None:
            signup = Signup.objects.create(
                shift=held.shift,
                volunteer=volunteer,
                status=Signup.Status.CONFIRMED,
                place=place,
                created_by=actor,
                created_at=now,
                confirmed_at=now,
            )
        else:
            signup = Signup.objects.create(
                shift=held.shift,
                volunteer=volunteer,
                status=Signup.Status.WAITLISTED,
                waitlist_position=held.next_waitlist_position(),
                created_by=actor,
                created_at=now,
            )
        _audit(actor, "sign_up", signup, source, status=signup.status)
    return signup


def assign_to_shift(
    *,
    actor: User,
    volunteer: Volunteer,
    shift: Shift,
    reason: str,
    now: dt.datetime | None = None,
    source: str = "",
) -> Signup:
    """A coordinator puts ``volunteer`` in a free place of ``shift`` (from the waitlist
    too), past the deadline or a pause, with a reason that is logged. Never past the
    note, the skill, an overlap or the hour limits; never over the maximum: a full shift
    is refused. Assigning someone already in the shift returns their sign-up."""
    permissions.require(actor, MANAGE)
    reason = reason_text(reason, required=True)
    now = now or timezone.now()
    with transaction.atomic():
        held = lock(volunteer_ids=[volunteer.pk], shift_id=shift.pk)
        volunteer = held.volunteers[volunteer.pk]
        existing = held.of(volunteer)
        if existing is not None and existing.status == Signup.Status.CONFIRMED:
            return existing
        refuse_unless_schedulable(volunteer, held.shift, now=now, by_coordinator=True)
        place = held.free_place()
        if place is None:
            raise Conflict(
                _(
                    "%(shift)s is full (%(max)d volunteers): remove someone first or "
                    "raise the maximum."
                )
                % {"shift": shift_label(held.shift), "max": held.shift.max_volunteers},
                code="shift_full",
            )
        if existing is not None:
            signup = existing
            signup.status, signup.place, signup.waitlist_position = "confirmed", place, None
            signup.confirmed_at, signup.reason = now, reason
            signup.save(
                update_fields=["status", "place", "waitlist_position", "confirmed_at", "reason"]
            )
        else:
            signup = Signup.objects.create(
                shift=held.shift,
                volunteer=volunteer,
                status=Signup.Status.CONFIRMED,
                place=place,
                created_by=actor,
                created_at=now,
                confirmed_at=now,
                reason=reason,
            )
        _audit(actor, "assign_to_shift", signup, source, reason=reason, place=place)
    return signup


# --- Cancelling and promotion --------------------------------------------------------------


class _LockMore(Exception):
    def __init__(self, ids: set[int]) -> None:
        super().__init__("more volunteers to lock")
        self.ids = ids


def cancel_signup(
    *,
    actor: User,
    signup: Signup,
    reason: str = "",
    now: dt.datetime | None = None,
    source: str = "",
) -> Signup:
    """Cancel a sign-up: a volunteer their own (until the deadline when confirmed; a
        waitlist place at any time), a coordinator anyone's with a reason (logged). The place
        goes to the first on the waitlist who can still be scheduled, who is told (before the
    deadline only: see ``promote``). Cancelling
        what is cancelled already changes nothing."""
    permissions.require(actor, WORK, MANAGE)
    coordinator = actor.has_perm(MANAGE)
    own = Volunteer.objects.filter(pk=signup.volunteer_id, user=actor).exists()
    if not own and not coordinator:
        raise NotAllowed(_("You can only cancel your own sign-ups."), code="not_your_signup")
    reason = reason_text(reason, required=not own)
    now = now or timezone.now()
    extra: set[int] = set()
    for _attempt in range(LOCK_ATTEMPTS):
        try:
            with transaction.atomic():
                return _cancel(
                    actor, signup, reason, now, source, extra, self_service=own and not coordinator
                )
        except _LockMore as more:
            extra |= more.ids
    raise Conflict(_("Many people are signing up right now: try again."), code="busy")


def remove_from_shift(
    *,
    actor: User,
    signup: Signup,
    reason: str,
    now: dt.datetime | None = None,
    source: str = "",
) -> Signup:
    """A coordinator takes a volunteer out of a shift (or off its waitlist) with a
    reason that is logged; the first on the waitlist moves up."""
    permissions.require(actor, MANAGE)
    reason_text(reason, required=True)
    return cancel_signup(actor=actor, signup=signup, reason=reason, now=now, source=source)


def _cancel(
    actor: User,
    signup: Signup,
    reason: str,
    now: dt.datetime,
    source: str,
    extra: set[int],
    *,
    self_service: bool,
) -> Signup:
    waiting = set(
        Signup.objects.filter(
            shift_id=signup.shift_id, status=Signup.Status.WAITLISTED
        ).values_list("volunteer_id", flat=True)
    )
    held = lock(volunteer_ids={signup.volunteer_id} | waiting | extra, shift_id=signup.shift_id)
    current = next((s for s in held.signups if s.pk == signup.pk), None)
    if current is None:
        return Signup.objects.get(pk=signup.pk)
    refuse_if_attendance_recorded(current, held.shift)
    if self_service and current.status == Signup.Status.CONFIRMED:
        late = deadline_refusal(shift=held.shift, now=now)
        if late is not None:
            raise DomainError(late.message, code=late.code)
    freed = current.place
    current.status = Signup.Status.CANCELLED
    current.place = current.waitlist_position = None
    current.cancelled_at, current.cancelled_by, current.reason = now, actor, reason
    current.save(
        update_fields=[
            "status",
            "place",
            "waitlist_position",
            "cancelled_at",
            "cancelled_by",
            "reason",
        ]
    )
    SwapRequest.objects.filter(signup=current, status=SwapRequest.Status.OPEN).update(
        status=SwapRequest.Status.WITHDRAWN, closed_at=now
    )
    action = "cancel_signup" if self_service or not reason else "remove_from_shift"
    _audit(actor, action, current, source, reason=reason)
    held.signups = [s for s in held.signups if s.pk != current.pk]
    if freed is not None and held.shift.cancelled_at is None and held.shift.ends_at > now:
        promote(held, place=freed, now=now, source=source)
    return current


def refuse_if_attendance_recorded(signup: Signup, shift: Shift) -> None:
    """A sign-up with attendance (present, late, no-show) counts for hours, allowances
    and the no-show pause: it is corrected on the attendance screen, never cancelled."""
    if not signup.attendance:
        return
    volunteer = signup.volunteer
    values = {"name": volunteer.first_name, "shift": shift_label(shift)}
    if signup.attendance == Signup.Attendance.NO_SHOW:
        message = _(
            "%(name)s is recorded as not having come for %(shift)s: correct the attendance "
            "instead of removing the sign-up."
        )
    else:
        message = _(
            "%(name)s is already checked in for %(shift)s: correct the attendance instead "
            "of removing the sign-up."
        )
    raise DomainError(message % values, code="attendance_recorded")


def promote(held: Locked, *, place: int, now: dt.datetime, source: str = "") -> Signup | None:
    """Move the first on the waitlist who can still be scheduled into ``place`` (under
    the caller's locks) and queue the ``promoted`` mail. Someone who cannot (an
    overlapping shift meanwhile, a pause, an expired skill) keeps waiting.

    Past the sign-up deadline nobody is promoted: they could no longer cancel a place
    they did not choose at that moment, so an unread mail would become a no-show. The
    place stays open for the coordinator (told by the under-staffed reminder when the
    shift drops below its minimum), who can assign from the waitlist; the waiters keep
    their order."""
    if deadline_refusal(shift=held.shift, now=now) is not None:
        return None
    for candidate in held.waitlisted:
        volunteer = held.volunteers.get(candidate.volunteer_id)
        if volunteer is None:
            raise _LockMore({s.volunteer_id for s in held.waitlisted})
        if volunteer.signup_paused_at is not None:
            continue
        refusal = refusal_to_schedule(
            volunteer=volunteer, shift=held.shift, now=now, by_coordinator=True
        )
        if refusal is not None:
            continue
        candidate.status, candidate.place, candidate.waitlist_position = "confirmed", place, None
        candidate.confirmed_at = candidate.promoted_at = now
        candidate.save(
            update_fields=["status", "place", "waitlist_position", "confirmed_at", "promoted_at"]
        )
        ShiftReminder.objects.get_or_create(
            key=f"promoted:{candidate.pk}",
            defaults={
                "kind": "promoted",
                "recipient": volunteer.user,
                "shift": held.shift,
                "next_attempt_at": now,
            },
        )
        _audit(None, "promote_signup", candidate, source or "waitlist", place=place)
        return candidate
    return None
