"""Attendance: a volunteer checks in (their card scanned at the counter, or "I am here"
on their own screen), on time or late; a confirmed sign-up without a check-in becomes a
no-show once its shift has ended (``mark_no_shows``, or a coordinator); after
``VOLUNTEER_NO_SHOW_PAUSE_AFTER`` no-shows in a year the volunteer's own sign-up pauses
until a coordinator lifts it with a reason. Coordinators correct attendance and hours.

Every write locks the volunteer row first, then the sign-up (the order the sign-up
services use), so a check-in and a coordinator's correction cannot interleave."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kern import audit, permissions
from kern.errors import DomainError, NotAllowed, NotFound
from kern.models import Location, User
from vrijwilligers.models import Shift, Signup, Volunteer
from vrijwilligers.selectors import hours as hours_selectors
from vrijwilligers.selectors.signups import shift_label as shift_label
from vrijwilligers.services.people import own_volunteer

MAX_HOURS = Decimal("24")
MAX_REASON = 200


def shift_times(shift: Shift) -> str:
    """“9:00–12:00”."""
    start, end = timezone.localtime(shift.starts_at), timezone.localtime(shift.ends_at)
    return f"{start:%-H:%M}–{end:%-H:%M}"


@dataclass(frozen=True)
class CheckInOutcome:
    signup: Signup
    already: bool  # checked in before: nothing changed

    @property
    def late(self) -> bool:
        return self.signup.attendance == Signup.Attendance.LATE

    @property
    def message(self) -> str:
        volunteer, shift = self.signup.volunteer, self.signup.shift
        names = {
            "name": volunteer.first_name,
            "role": shift.role,
            "times": shift_times(shift),
            "time": f"{timezone.localtime(self.signup.checked_in_at):%-H:%M}"
            if self.signup.checked_in_at
            else "",
        }
        if self.already:
            return _(
                "%(name)s, you were already checked in for %(role)s %(times)s at %(time)s."
            ) % (names)
        if self.late:
            return _("Welcome %(name)s, checked in for %(role)s %(times)s (late).") % names
        return _("Welcome %(name)s, checked in for %(role)s %(times)s.") % names


def _locked_volunteer(volunteer_id: int) -> Volunteer:
    volunteer = (
        Volunteer.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk=volunteer_id)
        .first()
    )
    if volunteer is None:
        raise NotFound(_("This volunteer is not known in Deelpunt."))
    return volunteer


def _locked_signup(signup_id: int) -> Signup:
    signup = (
        Signup.objects.select_for_update(of=("self",))
        .select_related("shift__location")
        .filter(pk=signup_id)
        .first()
    )
    if signup is None:
        raise NotFound(_("This sign-up is not known in Deelpunt."))
    return signup


def _record_check_in(signup: Signup, *, actor: User | None, now: dt.datetime) -> None:
    late_after = signup.shift.starts_at + dt.timedelta(
        minutes=int(settings.VOLUNTEER_LATE_AFTER_MINUTES)
    )
    signup.attendance = Signup.Attendance.LATE if now > late_after else Signup.Attendance.ATTENDED
    signup.checked_in_at = now
    signup.attendance_recorded_by = actor
    if signup.hours is None:
        signup.hours = hours_selectors.shift_length(signup.shift)
    signup.save(update_fields=["attendance", "checked_in_at", "attendance_recorded_by", "hours"])


@transaction.atomic
def check_in(
    *,
    volunteer_id: int,
    actor: User | None,
    now: dt.datetime | None = None,
    location: Location | None = None,
    signup_id: int | None = None,
    source: str = "",
) -> CheckInOutcome:
    """Check the volunteer in for their shift going on now (at ``location`` when given;
    ``signup_id``: that sign-up). A second check-in changes nothing; a no-show recorded
    too early (the volunteer came after all) becomes late."""
    now = now or timezone.now()
    volunteer = _locked_volunteer(volunteer_id)
    if not volunteer.is_active:
        raise DomainError(
            _("%(name)s is no longer an active volunteer: checking in is not possible.")
            % {"name": volunteer.first_name},
            code="volunteer_inactive",
        )
    candidates = hours_selectors.checkin_candidates(volunteer=volunteer, now=now, location=location)
    if signup_id is not None:
        candidates = candidates.filter(pk=signup_id)
    # Still checked in for a running shift and scanning for the next: the next one.
    found = candidates.filter(checked_in_at__isnull=True).first() or candidates.first()
    signup = _locked_signup(found.pk) if found is not None else None
    # Re-checked under the lock: a cancel (of the sign-up or the shift) may have
    # committed since the sign-up was chosen.
    if signup is None or signup.status != Signup.Status.CONFIRMED or signup.shift.cancelled_at:
        if location is not None:
            message = _("%(name)s has no shift at %(location)s now: nothing to check in for.") % {
                "name": volunteer.first_name,
                "location": location.name,
            }
        else:
            message = _("%(name)s has no shift now: nothing to check in for.") % {
                "name": volunteer.first_name
            }
        raise DomainError(message, code="no_shift_now")
    signup.volunteer = volunteer
    if signup.checked_in_at is not None:
        return CheckInOutcome(signup=signup, already=True)
    _record_check_in(signup, actor=actor, now=now)
    audit.record(
        actor=actor,
        action="check_in",
        obj=signup,
        source=source,
        details={"attendance": signup.attendance, "volunteer": volunteer.pk},
    )
    return CheckInOutcome(signup=signup, already=False)


def check_in_by_card(
    *, actor: User, volunteer_id: int, location: Location | None, source: str = ""
) -> CheckInOutcome:
    """The counter: the card names the volunteer; the tablet's user records it."""
    permissions.require(actor, "kern.use_counter", "kern.manage_shifts")
    return check_in(volunteer_id=volunteer_id, actor=actor, location=location, source=source)


def check_in_self(*, user: User, signup_id: int, source: str = "") -> CheckInOutcome:
    """ "I am here" on the volunteer's own screen, for one of their own sign-ups."""
    volunteer = own_volunteer(user)
    if not Signup.objects.filter(pk=signup_id, volunteer=volunteer).exists():
        raise NotFound(_("This sign-up is not yours."))
    return check_in(volunteer_id=volunteer.pk, actor=user, signup_id=signup_id, source=source)


def _pause_if_due(volunteer: Volunteer, *, now: dt.datetime) -> bool:
    """Pause self sign-up when the no-shows reach the threshold (volunteer row locked)."""
    if volunteer.signup_paused_at is not None:
        return False
    count = hours_selectors.no_show_count(volunteer=volunteer, now=now)
    if count < hours_selectors.no_show_threshold():
        return False
    volunteer.signup_paused_at = now
    volunteer.signup_paused_reason = _(
        "%(count)d times not come without cancelling in the last 12 months."
    ) % {"count": count}
    volunteer.save(update_fields=["signup_paused_at", "signup_paused_reason"])
    audit.record(
        actor=None,
        action="pause_signup",
        obj=volunteer,
        details={"no_shows": count},
    )
    return True


ATTENDANCE_VALUES = {choice.value for choice in Signup.Attendance}


@transaction.atomic
def record_attendance(
    *,
    actor: User,
    signup_id: int,
    attendance: str,
    hours: Decimal | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
    source: str = "",
) -> Signup:
    """A coordinator records or corrects attendance (attended, late, no-show) and,
    optionally, the hours counted. A no-show may pause the volunteer's self sign-up."""
    permissions.require(actor, "kern.manage_shifts")
    now = now or timezone.now()
    if attendance not in ATTENDANCE_VALUES:
        raise DomainError(_("Choose present, late or did not come."), field="attendance")
    if hours is not None and not (Decimal(0) <= hours <= MAX_HOURS):
        raise DomainError(_("Hours must be between 0 and 24."), field="hours")
    found = Signup.objects.filter(pk=signup_id).values_list("volunteer_id", flat=True).first()
    if found is None:
        raise NotFound(_("This sign-up is not known in Deelpunt."))
    volunteer = _locked_volunteer(found)
    signup = _locked_signup(signup_id)
    signup.volunteer = volunteer
    if signup.status != Signup.Status.CONFIRMED:
        raise DomainError(
            _("%(name)s is not signed up for %(shift)s: there is no attendance to record.")
            % {"name": volunteer.first_name, "shift": shift_label(signup.shift)}
        )
    if signup.shift.starts_at > now:
        raise DomainError(
            _("%(shift)s has not started yet: record attendance once it has.")
            % {"shift": shift_label(signup.shift)}
        )
    before = {"attendance": signup.attendance, "hours": str(signup.hours or "")}
    signup.attendance = attendance
    signup.attendance_recorded_by = actor
    if attendance == Signup.Attendance.NO_SHOW:
        signup.hours = None
    elif hours is not None:
        signup.hours = hours
    elif signup.hours is None:
        signup.hours = hours_selectors.shift_length(signup.shift)
    signup.save(update_fields=["attendance", "attendance_recorded_by", "hours"])
    audit.record(
        actor=actor,
        action="record_attendance",
        obj=signup,
        source=source,
        details={
            "before": before,
            "attendance": attendance,
            "hours": str(signup.hours or ""),
            "reason": reason,
        },
    )
    if attendance == Signup.Attendance.NO_SHOW:
        _pause_if_due(volunteer, now=now)
    return signup


def mark_no_shows(*, now: dt.datetime | None = None) -> int:
    """Confirmed sign-ups of ended shifts without a check-in become no-shows (a
    coordinator can correct them); pauses whoever reaches the threshold. Safe to run
    again and from a cron job: each sign-up is re-checked under its lock. Returns how
    many were marked."""
    now = now or timezone.now()
    pending = list(
        Signup.objects.filter(
            status=Signup.Status.CONFIRMED,
            attendance="",
            shift__cancelled_at__isnull=True,
            shift__ends_at__lte=now,
        )
        .order_by("volunteer_id", "id")
        .values_list("volunteer_id", "id")
    )
    marked = 0
    by_volunteer: dict[int, list[int]] = {}
    for volunteer_id, signup_id in pending:
        by_volunteer.setdefault(volunteer_id, []).append(signup_id)
    for volunteer_id, signup_ids in by_volunteer.items():
        with transaction.atomic():
            volunteer = _locked_volunteer(volunteer_id)
            changed = Signup.objects.filter(
                pk__in=signup_ids, status=Signup.Status.CONFIRMED, attendance=""
            ).update(attendance=Signup.Attendance.NO_SHOW, hours=None)
            if changed:
                marked += changed
                audit.record(
                    actor=None,
                    action="mark_no_show",
                    obj=volunteer,
                    details={"signups": signup_ids, "marked": changed},
                )
                _pause_if_due(volunteer, now=now)
    return marked


@transaction.atomic
def lift_signup_pause(
    *, actor: User, volunteer_id: int, reason: str, source: str = ""
) -> Volunteer:
    """A coordinator lets the volunteer sign up themselves again; the reason is kept in
    the audit log."""
    permissions.require(actor, "kern.manage_shifts")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give a reason to lift the pause."), field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError(
            _("Keep the reason under %(max)d characters.") % {"max": MAX_REASON}, field="reason"
        )
    volunteer = _locked_volunteer(volunteer_id)
    if volunteer.signup_paused_at is None:
        return volunteer
    audit.record(
        actor=actor,
        action="lift_signup_pause",
        obj=volunteer,
        source=source,
        details={
            "reason": reason,
            "paused_at": volunteer.signup_paused_at.isoformat(),
            "paused_reason": volunteer.signup_paused_reason,
        },
    )
    volunteer.signup_paused_at = None
    volunteer.signup_paused_reason = ""
    volunteer.save(update_fields=["signup_paused_at", "signup_paused_reason"])
    return volunteer


def refuse_unless_own_or_coordinator(*, user: User, volunteer: Volunteer) -> None:
    """Volunteers see their own hours; coordinators everyone's."""
    if user.has_perm("kern.manage_shifts"):
        return
    if volunteer.user_id != user.pk:
        raise NotAllowed(_("You can only see your own hours."))
