"""Coordinator planning, day by day: one-off shifts, cancelling a shift (its sign-ups
cancelled and the volunteers e-mailed after the commit), closing days (which cancel the
shifts already planned that day) and messages to the volunteers of a shift. Templates
and generating shifts live in ``planning``; the rules are described there.

Cancelling locks in the order every sign-up operation uses: the volunteers, then the
shift, then its sign-ups."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kern import audit
from kern.errors import Conflict, DomainError
from kern.models import Location, User
from vrijwilligers.models import (
    ClosingDay,
    Shift,
    ShiftMessage,
    Signup,
    Skill,
    SwapRequest,
    Volunteer,
)
from vrijwilligers.services.planning import (
    ACTIVE,
    MAX_BODY,
    MAX_REASON,
    MAX_ROLE,
    MAX_SUBJECT,
    _check_staffing,
    _check_times,
    _clean_text,
    _local,
    _require,
    shift_label,
)

logger = logging.getLogger(__name__)

# --- One-off shifts -----------------------------------------------------------------------


def _closing_day(location: Location, day: dt.date) -> ClosingDay | None:
    return (
        ClosingDay.objects.filter(day=day)
        .filter(Q(location__isnull=True) | Q(location=location))
        .first()
    )


@transaction.atomic
def create_shift(
    *,
    actor: User,
    location: Location,
    role: str,
    day: dt.date,
    start_time: dt.time,
    end_time: dt.time,
    min_volunteers: int,
    max_volunteers: int,
    required_skill: Skill | None = None,
    now: dt.datetime | None = None,
) -> Shift:
    """A one-off shift, outside every template."""
    _require(actor)
    now = now or timezone.now()
    if not location.is_active:
        raise DomainError(
            _("%(location)s is not active.") % {"location": location.name}, field="location"
        )
    role = _clean_text(
        role, limit=MAX_ROLE, field="role", missing=_("Say what the volunteers do (the role).")
    )
    _check_times(start_time, end_time)
    _check_staffing(min_volunteers, max_volunteers)
    starts_at = _local(day, start_time)
    if starts_at <= now:
        raise DomainError(_("This moment has passed: plan the shift later."), field="day")
    closing = _closing_day(location, day)
    if closing is not None:
        raise DomainError(
            _("%(location)s is closed on %(day)s (%(reason)s).")
            % {"location": location.name, "day": f"{day:%d/%m/%Y}", "reason": closing.reason},
            field="day",
        )
    shift = Shift.objects.create(
        location=location,
        role=role,
        required_skill=required_skill,
        starts_at=starts_at,
        ends_at=_local(day, end_time),
        min_volunteers=min_volunteers,
        max_volunteers=max_volunteers,
    )
    audit.record(actor=actor, action="create", obj=shift, source="planning")
    return shift


# --- Cancelling ---------------------------------------------------------------------------


def _mail_on_commit(
    *, recipients: list[User], subject_and_body: SubjectAndBody, shift: Shift
) -> None:
    """One e-mail per person (no one sees another's address), in their language, once the
    transaction is committed (a rolled-back cancel tells nobody). These mails are sent
    once and not retried (unlike the reminders): a failure is logged with the shift and
    the user, never raised, because the cancel or message itself is already committed."""
    messages = []
    for user in recipients:
        if not user.email:
            continue
        with translation.override(user.language or settings.LANGUAGE_CODE):
            subject, body = subject_and_body(user)
        messages.append((user.pk, EmailMessage(subject=subject, body=body, to=[user.email])))

    def send() -> None:
        for user_id, message in messages:
            try:
                message.send()
            except Exception:
                logger.exception(
                    "Shift %s: %s mail to user %s not sent (not retried)",
                    shift.pk,
                    subject_and_body.kind,
                    user_id,
                )

    transaction.on_commit(send)


class SubjectAndBody:
    """Renders one e-mail for a recipient inside ``translation.override``."""

    def __init__(self, *, kind: str, shift: Shift, text: str, subject: str = "") -> None:
        self.kind, self.shift, self.text, self.subject = kind, shift, text, subject

    def __call__(self, user: User) -> tuple[str, str]:
        label = shift_label(self.shift)
        name = user.first_name or user.get_username()
        if self.kind == "cancelled":
            subject = _("Shift cancelled: %(shift)s") % {"shift": label}
            body = _(
                "Hello %(name)s,\n\nThe shift %(shift)s is cancelled: %(reason)s\n"
                "Your sign-up is cancelled with it; you do not need to do anything.\n\n"
                "Thank you,\nthe coordinator"
            ) % {"name": name, "shift": label, "reason": self.text}
            return subject, body
        return self.subject, f"{label}\n\n{self.text}"


def _active_signups(shift: Shift) -> list[Signup]:
    """Lock the volunteers, then the shift, then its sign-ups (the order every sign-up
    operation uses), and return the active sign-ups read under those locks."""
    volunteer_ids = sorted(
        set(
            Signup.objects.filter(shift=shift, status__in=ACTIVE).values_list(
                "volunteer_id", flat=True
            )
        )
    )
    list(Volunteer.objects.select_for_update().filter(pk__in=volunteer_ids).order_by("pk"))
    Shift.objects.select_for_update().get(pk=shift.pk)
    return list(
        Signup.objects.select_for_update(of=("self",))
        .filter(shift=shift, status__in=ACTIVE)
        .select_related("volunteer__user")
        .order_by("pk")
    )


def _cancel(*, actor: User | None, shift: Shift, reason: str, now: dt.datetime) -> int:
    signups = _active_signups(shift)
    shift.refresh_from_db()
    if shift.cancelled_at is not None:
        raise Conflict(
            _("%(shift)s was already cancelled (%(reason)s).")
            % {"shift": shift_label(shift), "reason": shift.cancel_reason}
        )
    shift.cancelled_at = now
    shift.cancel_reason = reason
    shift.save(update_fields=["cancelled_at", "cancel_reason"])
    for signup in signups:
        signup.status = Signup.Status.CANCELLED
        signup.place = None
        signup.waitlist_position = None
        signup.cancelled_at = now
        signup.cancelled_by = actor
        signup.reason = reason
        signup.save(
            update_fields=[
                "status",
                "place",
                "waitlist_position",
                "cancelled_at",
                "cancelled_by",
                "reason",
            ]
        )
    # An offer to swap a place that no longer exists is closed with it, as a volunteer's
    # own cancel does.
    SwapRequest.objects.filter(signup__in=signups, status=SwapRequest.Status.OPEN).update(
        status=SwapRequest.Status.WITHDRAWN, closed_at=now
    )
    _mail_on_commit(
        recipients=[s.volunteer.user for s in signups],
        subject_and_body=SubjectAndBody(kind="cancelled", shift=shift, text=reason),
        shift=shift,
    )
    audit.record(
        actor=actor,
        action="cancel",
        obj=shift,
        source="planning",
        details={"reason": reason, "signups_cancelled": [s.pk for s in signups]},
    )
    return len(signups)


@transaction.atomic
def cancel_shift(*, actor: User, shift: Shift, reason: str, now: dt.datetime | None = None) -> int:
    """Cancel a shift that has not started; its sign-ups are cancelled and the volunteers
    e-mailed. Returns how many sign-ups were cancelled."""
    _require(actor)
    now = now or timezone.now()
    reason = _clean_text(
        reason, limit=MAX_REASON, field="reason", missing=_("Say why the shift is cancelled.")
    )
    if shift.starts_at <= now:
        raise DomainError(
            _("%(shift)s has already started: it cannot be cancelled any more.")
            % {"shift": shift_label(shift)}
        )
    return _cancel(actor=actor, shift=shift, reason=reason, now=now)


# --- Closing days -------------------------------------------------------------------------


@dataclass(frozen=True)
class ClosingDayAdded:
    closing_day: ClosingDay
    #: Shifts of that day that were cancelled because of it.
    cancelled_shifts: int


@transaction.atomic
def add_closing_day(
    *,
    actor: User,
    day: dt.date,
    reason: str,
    location: Location | None = None,
    now: dt.datetime | None = None,
) -> ClosingDayAdded:
    """A day a location (or, without one, every location) is closed. Shifts already
    generated for that day are cancelled with the reason, and their volunteers told."""
    _require(actor)
    now = now or timezone.now()
    reason = _clean_text(
        reason, limit=150, field="reason", missing=_("Say why it is closed (e.g. Easter Monday).")
    )
    same = Q(location__isnull=True) if location is None else Q(location=location)
    if location is not None:
        same |= Q(location__isnull=True)  # a holiday already closes every location
    existing = ClosingDay.objects.filter(same, day=day).select_related("location").first()
    if existing is not None:
        where = existing.location.name if existing.location else _("every location")
        raise Conflict(
            _("%(day)s is already a closing day for %(where)s (%(reason)s).")
            % {"day": f"{day:%d/%m/%Y}", "where": where, "reason": existing.reason},
            field="day",
        )
    closing_day = ClosingDay.objects.create(location=location, day=day, reason=reason)
    shifts = Shift.objects.filter(
        cancelled_at__isnull=True,
        starts_at__gt=now,
        starts_at__gte=_local(day, dt.time.min),
        starts_at__lt=_local(day + dt.timedelta(days=1), dt.time.min),
    )
    if location is not None:
        shifts = shifts.filter(location=location)
    cancelled = 0
    for shift in shifts.select_related("location").order_by("pk"):
        _cancel(actor=actor, shift=shift, reason=reason, now=now)
        cancelled += 1
    audit.record(
        actor=actor,
        action="create",
        obj=closing_day,
        source="planning",
        details={"cancelled_shifts": cancelled},
    )
    return ClosingDayAdded(closing_day=closing_day, cancelled_shifts=cancelled)


@transaction.atomic
def remove_closing_day(*, actor: User, closing_day: ClosingDay) -> None:
    """The day is open again; shifts cancelled for it stay cancelled (make one-off shifts
    if needed), and the next generation run fills only days without a shift."""
    _require(actor)
    audit.record(
        actor=actor,
        action="delete",
        obj=closing_day,
        source="planning",
        details={"day": closing_day.day.isoformat(), "reason": closing_day.reason},
    )
    closing_day.delete()


# --- Messages -----------------------------------------------------------------------------


@transaction.atomic
def send_shift_message(*, actor: User, shift: Shift, subject: str, body: str) -> ShiftMessage:
    """E-mail every confirmed volunteer of a shift (after the commit) and keep the message."""
    _require(actor)
    subject = _clean_text(
        subject, limit=MAX_SUBJECT, field="subject", missing=_("Give the message a subject.")
    )
    body = _clean_text(body, limit=MAX_BODY, field="body", missing=_("Write the message."))
    if shift.cancelled_at is not None:
        raise DomainError(
            _("%(shift)s is cancelled: its volunteers were already told.")
            % {"shift": shift_label(shift)}
        )
    users = [
        signup.volunteer.user
        for signup in Signup.objects.filter(shift=shift, status=Signup.Status.CONFIRMED)
        .select_related("volunteer__user")
        .order_by("place")
    ]
    if not users:
        raise DomainError(
            _("Nobody is signed up for %(shift)s yet: there is no one to write to.")
            % {"shift": shift_label(shift)}
        )
    message = ShiftMessage.objects.create(
        shift=shift,
        sender=actor,
        subject=subject,
        body=body,
        recipients=sum(1 for user in users if user.email),
    )
    _mail_on_commit(
        recipients=users,
        subject_and_body=SubjectAndBody(kind="message", shift=shift, text=body, subject=subject),
        shift=shift,
    )
    audit.record(
        actor=actor,
        action="message",
        obj=shift,
        source="planning",
        details={"message": message.pk, "recipients": [u.pk for u in users]},
    )
    return message
