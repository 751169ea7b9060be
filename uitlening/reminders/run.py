"""One run of ``manage.py send_reminders``: record what is due, then send what waits.

1. **Record.** Every finder in ``uitlening.selectors.reminder_finders.FINDERS`` says what is
   due now; each ``ReminderDue`` whose key is new becomes a ``Reminder`` row, only for a
   household that consented, is not anonymised and left an address on a channel. The key
   is unique in the database and rows are inserted with ``ignore_conflicts``, so two runs
   at once record each occurrence once and a later run records nothing twice.
2. **Claim.** A waiting row is taken with one conditional ``UPDATE`` (pending and due, or
   ``sending`` with an expired lease → ``sending`` with a lease of ``REMINDER_LEASE_MINUTES``
   and this run's token). The database lets only one ``UPDATE`` change the row, so only one
   run sends it: overlapping runs never send a reminder twice. Same on SQLite and
   PostgreSQL.
   The claim, release, back-off and giving up are ``kern.outbox``, shared with the
   volunteers' shift reminders.
3. **Send** in the household's language (``uitlening.documents.document_language``): the
   kind's two templates, rendered without HTML escaping, with the values the finder gave
   plus the household code, a first name (only with consent) and, when the finder gave a
   ``location_id``, that point's name, address and opening hours in the family's language.
   A row is sent only while it still applies: a retry of an overdue reminder after the
   item came back, of a membership reminder after a renewal, of a package reminder after
   the package was collected, is cancelled instead ("no longer applies"): only keys the
   finders return in this run's step 1 are sent. A run in which a finder failed cannot
   tell, and sends what it recorded before (the error makes the command exit 1).
4. **Mark** sent. A failure (rendering or channel) puts the row back to ``pending`` with
   ``attempts`` + 1 and an exponential back-off; after ``REMINDER_MAX_ATTEMPTS`` it is
   ``failed`` (given up, shown to coordinators). It is never marked sent.

Delivery is **at least once**: a run that stops between sending and marking (killed,
machine down) leaves the row ``sending``; when its lease expires a later run sends it
again. The e-mail keeps the same Message-ID, so most mail clients show it once.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field

from django.conf import settings
from django.template import Context, Engine
from django.utils import translation

from kern import outbox
from kern.models import Location
from kern.outbox import Clock, lease, max_attempts, retry_delay, short_error
from kern.pdf import opening_hours_lines
from toegang.models import Household
from uitlening.documents import document_language, welcome_name
from uitlening.models import Reminder
from uitlening.reminders.channels import Channel, Message, choose, configured
from uitlening.selectors.reminder_finders import FINDERS
from uitlening.selectors.reminder_kinds import ReminderDue, ReminderFinder

logger = logging.getLogger(__name__)

Status = Reminder.Status


@dataclass
class Summary:
    found: int = 0
    new: int = 0
    sent: int = 0
    #: Failed this run and waiting for a retry.
    retrying: int = 0
    #: Failed this run for the last time.
    given_up: int = 0
    #: Not sent: the household withdrew its consent or address since it was recorded,
    #: or what it reminded of no longer applies (the item came back, …).
    cancelled: int = 0
    #: Finders that raised (their kind is not recorded this run).
    finder_errors: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return self.retrying + self.given_up

    @property
    def ok(self) -> bool:
        return not self.failed and not self.finder_errors


# --- Recording --------------------------------------------------------------------------


def encode(context: Mapping[str, object]) -> dict[str, object]:
    """Dates and moments as tagged ISO strings, so they come back as dates for templates."""
    encoded: dict[str, object] = {}
    for name, value in context.items():
        if isinstance(value, dt.datetime):
            encoded[name] = {"$datetime": value.isoformat()}
        elif isinstance(value, dt.date):
            encoded[name] = {"$date": value.isoformat()}
        else:
            encoded[name] = value
    return encoded


def decode(context: Mapping[str, object]) -> dict[str, object]:
    decoded: dict[str, object] = {}
    for name, value in context.items():
        if isinstance(value, dict) and "$date" in value:
            decoded[name] = dt.date.fromisoformat(str(value["$date"]))
        elif isinstance(value, dict) and "$datetime" in value:
            decoded[name] = dt.datetime.fromisoformat(str(value["$datetime"]))
        else:
            decoded[name] = value
    return decoded


def reachable(household: Household) -> bool:
    """Consent recorded and not anonymised (an address is asked of the channel)."""
    return household.consent_at is not None and household.anonymised_at is None


def _chunks(values: Sequence[str], size: int = 500) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def collect(
    now: dt.datetime, finders: Iterable[ReminderFinder], summary: Summary
) -> list[ReminderDue]:
    """Every finder's reminders, once per key; a finder that raises is reported and
    skipped, the others still count."""
    found: dict[str, ReminderDue] = {}
    for finder in finders:
        name = getattr(finder, "__name__", repr(finder))
        try:
            for due in finder(now):
                found.setdefault(due.key, due)
        except Exception as exc:
            logger.exception("Reminder finder %s failed", name)
            summary.finder_errors.append(f"{name}: {short_error(exc)}")
    return list(found.values())


def record(due: Sequence[ReminderDue], *, now: dt.datetime, channels: Mapping[str, Channel]) -> int:
    """Insert the reminders not recorded yet; return how many rows are new."""
    keys = [item.key for item in due]
    existing: set[str] = set()
    for chunk in _chunks(keys):
        existing.update(Reminder.objects.filter(key__in=chunk).values_list("key", flat=True))
    fresh = [item for item in due if item.key not in existing]
    households = Household.objects.in_bulk({item.household_id for item in fresh})
    rows = []
    for item in fresh:
        household = households.get(item.household_id)
        if household is None or not reachable(household):
            continue
        channel = choose(household, channels)
        if not channel:
            continue
        rows.append(
            Reminder(
                household=household,
                kind=item.kind,
                key=item.key,
                channel=channel,
                context=encode(item.context),
                next_attempt_at=now,
                created_at=now,
            )
        )
    # A run at the same moment may insert the same keys: the unique key keeps one.
    Reminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    after = 0
    for chunk in _chunks([row.key for row in rows]):
        after += Reminder.objects.filter(key__in=chunk, created_at=now).count()
    return after


# --- Sending ----------------------------------------------------------------------------


def claim(pk: int, *, token: str, clock: Clock) -> bool:
    """Take reminder ``pk`` for this run with one conditional UPDATE; True when this run
    changed the row (and only then may it send it)."""
    return outbox.claim(Reminder, pk, token=token, clock=clock)


def template_names(kind: str) -> tuple[str, str]:
    return (
        f"uitlening/reminders/{kind}_subject.txt",
        f"uitlening/reminders/{kind}_body.txt",
    )


def render(reminder: Reminder, household: Household) -> tuple[str, str, str]:
    """(subject, body, language) of ``reminder`` in the household's language."""
    subject_name, body_name = template_names(reminder.kind)
    language = document_language(household) or settings.LANGUAGE_CODE
    with translation.override(language):
        context: dict[str, object] = {
            **decode(reminder.context),
            "household_code": household.code,
            "first_name": welcome_name(household),
        }
        location_id = context.get("location_id")
        if isinstance(location_id, int):
            point = (
                Location.objects.prefetch_related("opening_hours").filter(pk=location_id).first()
            )
            if point is not None:
                context["point"] = point.name
                context["point_address"] = point.address
                context["opening_hours"] = opening_hours_lines(point)
        engine = Engine.get_default()
        # Plain text: no HTML escaping (a "&" in an item name stays "&").
        subject_text = str(
            engine.get_template(subject_name).render(Context(context, autoescape=False))
        )
        body_text = str(engine.get_template(body_name).render(Context(context, autoescape=False)))
    subject = " ".join(subject_text.split())
    body = re.sub(r"\n{3,}", "\n\n", body_text.strip()) + "\n"
    if not subject or not body.strip():
        raise ValueError(f"empty subject or body for kind {reminder.kind}")
    return subject, body, language


def _release(pk: int, token: str, **changes: object) -> int:
    return outbox.release(Reminder, pk, token, **changes)


def fail(
    reminder: Reminder, token: str, exc: BaseException, *, clock: Clock, summary: Summary
) -> None:
    """Back to ``pending`` with a back-off, or ``failed`` after the last attempt."""
    given_up = outbox.fail(
        Reminder, reminder.pk, token, exc, attempts=reminder.attempts, clock=clock
    )
    if given_up:
        summary.given_up += 1
    else:
        summary.retrying += 1


def send_one(
    pk: int,
    *,
    channels: Mapping[str, Channel],
    clock: Clock,
    summary: Summary,
    still_due: Set[str] | None = None,
) -> None:
    """Send one waiting reminder; ``still_due``: the keys that apply now (None: unknown,
    send it)."""
    token = uuid.uuid4().hex
    if not claim(pk, token=token, clock=clock):
        return  # another run has it
    reminder = Reminder.objects.select_related("household").get(pk=pk)
    household = reminder.household
    if still_due is not None and reminder.key not in still_due:
        _release(pk, token, status=Status.CANCELLED, last_error="No longer applies")
        summary.cancelled += 1
        return
    channel = channels.get(reminder.channel)
    if channel is None or not channel.address(household):
        other = choose(household, channels)
        reminder.channel, channel = other, channels.get(other)
    if not reachable(household) or channel is None:
        _release(pk, token, status=Status.CANCELLED, last_error="No consent or address")
        summary.cancelled += 1
        return
    try:
        subject, body, language = render(reminder, household)
        channel.send(
            Message(
                to=channel.address(household),
                subject=subject,
                body=body,
                key=reminder.key,
                language=language,
            )
        )
    except Exception as exc:
        fail(reminder, token, exc, clock=clock, summary=summary)
        return
    summary.sent += 1
    marked = _release(
        pk,
        token,
        status=Status.SENT,
        sent_at=clock.now(),
        channel=reminder.channel,
        last_error="",
    )
    if not marked:  # our lease ran out while sending and another run took it over
        logger.warning("Reminder %s was sent but another run had taken it over", pk)


def send_due(
    *,
    clock: Clock,
    channels: Mapping[str, Channel],
    summary: Summary,
    limit: int,
    still_due: Set[str] | None = None,
) -> None:
    now = clock.now()
    outbox.give_up_abandoned(Reminder, now)
    for pk in outbox.due_ids(Reminder, now, limit=limit):
        send_one(pk, channels=channels, clock=clock, summary=summary, still_due=still_due)


def run(
    *,
    now: dt.datetime | None = None,
    finders: Iterable[ReminderFinder] | None = None,
    channels: Mapping[str, Channel] | None = None,
    limit: int = 1000,
) -> Summary:
    """Record what is due at ``now`` and send up to ``limit`` waiting reminders."""
    clock = Clock.starting_at(now)
    now = clock.now()
    channels = configured() if channels is None else channels
    summary = Summary()
    due = collect(now, FINDERS if finders is None else finders, summary)
    summary.found = len(due)
    summary.new = record(due, now=now, channels=channels)
    still_due = None if summary.finder_errors else {item.key for item in due}
    send_due(clock=clock, channels=channels, summary=summary, limit=limit, still_due=still_due)
    return summary


__all__ = [
    "Clock",
    "Summary",
    "claim",
    "decode",
    "encode",
    "lease",
    "max_attempts",
    "render",
    "retry_delay",
    "run",
    "short_error",
]
