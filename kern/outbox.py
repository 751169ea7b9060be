"""The outbox both reminder runs share (families' reminders in ``uitlening``, volunteers'
shift reminders in ``vrijwilligers``): how a waiting row is claimed, released, retried with
a back-off and given up, generic over the model.

A model qualifies when it has the fields ``status`` (``pending``, ``sending``, ``sent``,
``failed``, ``cancelled``), ``attempts``, ``last_error``, ``next_attempt_at``,
``claimed_until``, ``claim`` and ``sent_at``.

**Claim.** A waiting row is taken with one conditional ``UPDATE`` (pending and due, or
``sending`` with an expired lease → ``sending`` with a lease of ``REMINDER_LEASE_MINUTES``
and this run's token). The database lets only one ``UPDATE`` change the row, so only one
run sends it: overlapping runs never send a row twice. Same on SQLite and PostgreSQL.

**Release.** Only the run holding the token may move the row on (sent, back to pending
with a back-off, failed after ``REMINDER_MAX_ATTEMPTS``, cancelled); a failure never marks
a row sent. Delivery is at least once: a run killed between sending and marking leaves the
row ``sending`` and a later run sends it again when the lease has expired.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


class OutboxRow(models.Model):
    """The fields a row needs to go through this outbox (besides ``status``, whose
    labels each app words for its own rows); the indexes and constraints stay with each
    model, whose names are the model's own."""

    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    #: While a run sends it: until when that run holds it, and which run it is.
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        abstract = True


PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
CANCELLED = "cancelled"


#: Seconds an SMTP conversation may take (when ``EMAIL_TIMEOUT`` is not set): far below
#: a run's lease, so a hanging mail server can neither stall a cron run for ever nor make
#: another run send the same mail.
SEND_TIMEOUT = 30


def mail_connection() -> BaseEmailBackend:
    """A connection to the configured mail backend that gives up after ``EMAIL_TIMEOUT``
    (else ``SEND_TIMEOUT``) seconds."""
    connection: BaseEmailBackend = get_connection(
        timeout=getattr(settings, "EMAIL_TIMEOUT", None) or SEND_TIMEOUT
    )
    return connection


def max_attempts() -> int:
    return int(getattr(settings, "REMINDER_MAX_ATTEMPTS", 5))


def lease() -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, "REMINDER_LEASE_MINUTES", 10)))


def retry_delay(attempts: int) -> dt.timedelta:
    """5, 10, 20, 40 … minutes after the 1st, 2nd, 3rd … failed attempt, at most 6 hours."""
    base = int(getattr(settings, "REMINDER_RETRY_MINUTES", 5))
    return dt.timedelta(minutes=min(base * 2 ** max(attempts - 1, 0), 6 * 60))


@dataclass(frozen=True)
class Clock:
    """The run's time: the real time, shifted so the run starts at the ``now`` it was
    given (tests move a run into the future; leases still count real minutes)."""

    offset: dt.timedelta = dt.timedelta(0)

    @classmethod
    def starting_at(cls, now: dt.datetime | None) -> Clock:
        return cls(now - timezone.now()) if now is not None else cls()

    def now(self) -> dt.datetime:
        return timezone.now() + self.offset


_EMAIL = re.compile(r"[^\s<>\"'(),;:]+@[^\s<>\"'(),;:]+")
_NUMBER = re.compile(r"\+?\d[\d ./-]{5,}\d")


def short_error(exc: BaseException) -> str:
    """The kind of error and its message without addresses or phone numbers, short."""
    text = f"{type(exc).__name__}: {exc}"
    text = _EMAIL.sub("<adres>", text)
    text = _NUMBER.sub("<nummer>", text)
    return " ".join(text.split())[:200]


def claimable(now: dt.datetime) -> Q:
    """Waiting and due, or left ``sending`` by a run whose lease ran out."""
    return Q(status=PENDING, next_attempt_at__lte=now) | Q(
        status=SENDING, claimed_until__lte=now, attempts__lt=max_attempts()
    )


def claim(model: type[models.Model], pk: int, *, token: str, clock: Clock) -> bool:
    """Take row ``pk`` for this run with one conditional UPDATE; True when this run
    changed the row (and only then may it send it)."""
    now = clock.now()
    taken = (
        model._default_manager.filter(pk=pk)
        .filter(claimable(now))
        .update(
            status=SENDING,
            claimed_until=now + lease(),
            claim=token,
            attempts=F("attempts") + 1,
        )
    )
    return taken == 1


def release(model: type[models.Model], pk: int, token: str, **changes: object) -> int:
    """Move a row this run claimed on (1), or nothing when another run took it over (0)."""
    return model._default_manager.filter(pk=pk, claim=token, status=SENDING).update(
        claimed_until=None, claim="", **changes
    )


def mark_sent(model: type[models.Model], pk: int, token: str, *, clock: Clock) -> bool:
    marked = release(model, pk, token, status=SENT, sent_at=clock.now(), last_error="")
    if not marked:  # our lease ran out while sending and another run took it over
        logger.warning("%s %s was sent but another run had taken it over", model.__name__, pk)
    return bool(marked)


def cancel(model: type[models.Model], pk: int, token: str, reason: str) -> None:
    release(model, pk, token, status=CANCELLED, last_error=reason[:200])


def fail(
    model: type[models.Model],
    pk: int,
    token: str,
    exc: BaseException,
    *,
    attempts: int,
    clock: Clock,
) -> bool:
    """Back to ``pending`` with a back-off, or ``failed`` after the last attempt; True
    when this was the last attempt (given up)."""
    error = short_error(exc)
    logger.warning("%s %s failed on attempt %d: %s", model.__name__, pk, attempts, error)
    if attempts >= max_attempts():
        release(model, pk, token, status=FAILED, last_error=error)
        return True
    release(
        model,
        pk,
        token,
        status=PENDING,
        last_error=error,
        next_attempt_at=clock.now() + retry_delay(attempts),
    )
    return False


def give_up_abandoned(model: type[models.Model], now: dt.datetime) -> int:
    """Rows left ``sending`` by stopped runs that used their last attempt: failed."""
    return model._default_manager.filter(
        status=SENDING, claimed_until__lte=now, attempts__gte=max_attempts()
    ).update(
        status=FAILED,
        claimed_until=None,
        claim="",
        last_error="Run stopped while sending (lease expired) on the last attempt",
    )


def due_ids(model: type[models.Model], now: dt.datetime, *, limit: int) -> list[int]:
    """The rows to try this run, oldest due first."""
    return list(
        model._default_manager.filter(claimable(now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
