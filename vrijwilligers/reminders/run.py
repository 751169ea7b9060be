"""One run of ``manage.py send_shift_reminders``: record what is due, then send what waits.

1. **Record.** ``finders.find`` says which reminders are due now (before a shift, about an
   under-staffed shift); each whose key is new becomes a ``ShiftReminder`` row, inserted
   with ``ignore_conflicts`` on the unique key: two runs at once record it once.
2. **Claim** every waiting row of any kind (also ``promoted`` rows the sign-up services
   made) with one conditional UPDATE (``kern.outbox.claim``): only one run sends it.
3. **Send** by e-mail to the recipient's address, rendered in the recipient's language
   from ``vrijwilligers/reminders/<kind>_subject.txt`` / ``_body.txt`` (plain text). A row
   whose subject no longer applies (the sign-up or the shift was cancelled, the shift is
   staffed now or has started) is cancelled instead; so is one whose recipient has no
   address or is switched off.
4. **Mark** sent. A failure (rendering or mail server) puts the row back to ``pending``
   with a back-off (``kern.outbox.fail``), failed after the last attempt; never sent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template import Context, Engine
from django.utils import timezone, translation

from kern import outbox
from kern.outbox import Clock
from vrijwilligers.models import ShiftReminder, Signup
from vrijwilligers.reminders.finders import Due, find, why_not

#: Seconds an SMTP conversation may take (when ``EMAIL_TIMEOUT`` is not set).
SEND_TIMEOUT = outbox.SEND_TIMEOUT

Sender = Callable[[EmailMessage], None]


@dataclass
class Summary:
    found: int = 0
    new: int = 0
    sent: int = 0
    retrying: int = 0
    given_up: int = 0
    cancelled: int = 0

    @property
    def failed(self) -> int:
        return self.retrying + self.given_up

    @property
    def ok(self) -> bool:
        return not self.failed


def record(due: Iterable[Due], *, now: dt.datetime) -> int:
    """Insert the reminders not recorded yet; return how many rows this run made."""
    items = list(due)
    keys = [item.key for item in items]
    existing: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        existing.update(ShiftReminder.objects.filter(key__in=chunk).values_list("key", flat=True))
    rows = [
        ShiftReminder(
            recipient_id=item.recipient_id,
            shift_id=item.shift_id,
            kind=item.kind,
            key=item.key,
            next_attempt_at=now,
            created_at=now,
        )
        for item in items
        if item.key not in existing
    ]
    # A run at the same moment may insert the same keys: the unique key keeps one.
    ShiftReminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    made = 0
    fresh = [row.key for row in rows]
    for start in range(0, len(fresh), 500):
        chunk = fresh[start : start + 500]
        made += ShiftReminder.objects.filter(key__in=chunk, created_at=now).count()
    return made


def _hours_of(key: str) -> int | None:
    last = key.rsplit(":", 1)[-1]
    return int(last) if key.startswith("shift_soon:") and last.isdigit() else None


class RenderError(Exception):
    """A template could not be rendered; names the template and the kind of error only,
    because the original message may quote the context (names, addresses), and it is
    stored in ``last_error``."""


def _render_one(engine: Engine, name: str, context: dict[str, object]) -> str:
    try:
        return str(engine.get_template(name).render(Context(context, autoescape=False)))
    except Exception as exc:
        raise RenderError(f"{name}: {type(exc).__name__}") from exc


def render(reminder: ShiftReminder) -> tuple[str, str, str]:
    """(subject, body, language) in the recipient's language. Only the recipient's own
    first name appears, never other volunteers' names."""
    recipient = reminder.recipient
    shift = reminder.shift
    language = recipient.language or settings.LANGUAGE_CODE
    with translation.override(language):
        confirmed = shift.signups.filter(status=Signup.Status.CONFIRMED).count()
        context = {
            # The promoted templates name the objects; the others use the flat names.
            "recipient": recipient,
            "shift": shift,
            "first_name": recipient.first_name or recipient.username,
            "role": shift.role,
            "point": shift.location.name,
            "point_address": shift.location.address,
            "starts": timezone.localtime(shift.starts_at),
            "ends": timezone.localtime(shift.ends_at),
            "hours": _hours_of(reminder.key),
            "confirmed": confirmed,
            "missing": max(shift.min_volunteers - confirmed, 0),
            "min_volunteers": shift.min_volunteers,
            "max_volunteers": shift.max_volunteers,
        }
        engine = Engine.get_default()
        names = (
            f"vrijwilligers/reminders/{reminder.kind}_subject.txt",
            f"vrijwilligers/reminders/{reminder.kind}_body.txt",
        )
        # Plain text: no HTML escaping (a "&" in a role stays "&").
        subject_text, body_text = (_render_one(engine, name, context) for name in names)
    subject = " ".join(subject_text.split())
    body = re.sub(r"\n{3,}", "\n\n", body_text.strip()) + "\n"
    if not subject or not body.strip():
        raise ValueError(f"empty subject or body for kind {reminder.kind}")
    return subject, body, language


def send_email(message: EmailMessage) -> None:
    """Send through Django's mail; raise when nothing went out."""
    message.connection = get_connection(
        timeout=getattr(settings, "EMAIL_TIMEOUT", None) or SEND_TIMEOUT
    )
    if message.send(fail_silently=False) != 1:
        raise RuntimeError("the mail backend sent nothing")


def email_for(reminder: ShiftReminder, subject: str, body: str, language: str) -> EmailMessage:
    digest = hashlib.sha256(reminder.key.encode()).hexdigest()[:32]
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[reminder.recipient.email],
        headers={
            # The same Message-ID when sent again after a crash: mail clients show it once.
            "Message-ID": f"<shift-reminder-{digest}@deelpunt>",
            "Content-Language": language,
            "Auto-Submitted": "auto-generated",
        },
    )


def send_one(pk: int, *, clock: Clock, summary: Summary, sender: Sender) -> None:
    token = uuid.uuid4().hex
    if not outbox.claim(ShiftReminder, pk, token=token, clock=clock):
        return  # another run has it
    reminder = ShiftReminder.objects.select_related("recipient", "shift__location").get(pk=pk)
    reason = why_not(reminder, clock.now())
    if not reason and (not reminder.recipient.is_active or not reminder.recipient.email.strip()):
        reason = "No address"
    if reason:
        outbox.cancel(ShiftReminder, pk, token, reason)
        summary.cancelled += 1
        return
    try:
        sender(email_for(reminder, *render(reminder)))
    except Exception as exc:
        given_up = outbox.fail(
            ShiftReminder, pk, token, exc, attempts=reminder.attempts, clock=clock
        )
        if given_up:
            summary.given_up += 1
        else:
            summary.retrying += 1
        return
    summary.sent += 1
    outbox.mark_sent(ShiftReminder, pk, token, clock=clock)


def run(
    *, now: dt.datetime | None = None, limit: int = 1000, sender: Sender | None = None
) -> Summary:
    """Record what is due at ``now`` and send up to ``limit`` waiting reminders."""
    clock = Clock.starting_at(now)
    moment = clock.now()
    summary = Summary()
    due = list(find(moment))
    summary.found = len(due)
    summary.new = record(due, now=moment)
    outbox.give_up_abandoned(ShiftReminder, moment)
    for pk in outbox.due_ids(ShiftReminder, moment, limit=limit):
        send_one(pk, clock=clock, summary=summary, sender=sender or send_email)
    return summary
