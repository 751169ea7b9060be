"""The mail server down or failing during the three reminder runs (families' reminders,
``send_reminders``; social workers' referral reminders, ``send_referral_reminders``;
volunteers' shift reminders, ``send_shift_reminders``), through Django's real SMTP
backend against a port nobody listens on and a small local SMTP server that refuses or
fails halfway. Nothing is marked sent that was not sent, the run exits with status 1 (so
cron tells the admin), the next run sends what was left, and in the end every mail went
out exactly once."""

from __future__ import annotations

import datetime as dt
import socket
import socketserver
import threading
from collections import Counter
from collections.abc import Iterator
from email import message_from_bytes
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from kern.roles import sync_role_groups
from tests.toegang.factories import (
    ProgramFactory,
    social_workers_with_referrals_ending,
)
from tests.uitlening.test_reminders_concurrency import FAMILIES, loans_due_tomorrow
from tests.vrijwilligers.test_shift_reminders_concurrency import VOLUNTEERS, shifts_tomorrow
from toegang.models import Referral
from uitlening.models import Reminder
from uitlening.reminders import run as family_reminders
from vrijwilligers.models import ShiftReminder
from vrijwilligers.reminders import run as shift_reminders

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["loans_due_tomorrow", "shifts_tomorrow"]  # fixtures shared with these tests


class FakeSmtp:
    """A loopback SMTP server: ``mode`` is ``refuse`` (421 at the greeting), ``ok``, or
    ``ok`` for the first ``accept`` messages and 451 at DATA for the rest."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.accept: int | None = None
        self.received: list[bytes] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self) -> None:
                if fake.mode == "refuse":
                    self.reply("421 4.3.2 Service not available, closing")
                    return
                self.reply("220 fake ESMTP")
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    verb = line[:4].upper()
                    if verb in (b"EHLO", b"HELO"):
                        self.reply("250 fake")
                    elif verb == b"DATA":
                        self.reply("354 go on")
                        data = b""
                        while not data.endswith(b"\r\n.\r\n"):
                            chunk = self.rfile.readline()
                            if not chunk:
                                return
                            data += chunk
                        with fake.lock:
                            full = fake.accept is not None and len(fake.received) >= fake.accept
                            if not full:
                                fake.received.append(data)
                        self.reply("451 4.3.0 try later" if full else "250 queued")
                    elif verb == b"QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("250 ok")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.port = self.server.server_address[1]

    def headers(self, name: str) -> list[str]:
        return [str(message_from_bytes(data).get(name, "")) for data in self.received]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def smtp(settings) -> Iterator[FakeSmtp]:
    server = FakeSmtp()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 2
    yield server
    server.stop()


def nobody_listens(settings) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        settings.EMAIL_PORT = sock.getsockname()[1]


def command(name: str) -> tuple[int, str]:
    """Run a command as cron would: (exit status, what it printed)."""
    out = StringIO()
    try:
        call_command(name, stdout=out, stderr=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


def later(hours: int = 7) -> dt.datetime:
    """Past every back-off of a first failed attempt."""
    return timezone.now() + dt.timedelta(hours=hours)


# --- families' reminders (uitlening outbox) ------------------------------------------------


@pytest.mark.parametrize("fault", ["connection refused", "421 at the greeting"])
def test_family_reminders_with_the_mail_server_down_are_kept_and_sent_once_later(
    settings, smtp, loans_due_tomorrow, fault
):
    if fault == "connection refused":
        nobody_listens(settings)
    else:
        smtp.mode = "refuse"
    status, printed = command("send_reminders")
    assert status == 1, printed
    assert not Reminder.objects.filter(status=Reminder.Status.SENT).exists()
    assert not Reminder.objects.filter(sent_at__isnull=False).exists()
    waiting = Reminder.objects.filter(status=Reminder.Status.PENDING)
    assert waiting.count() == FAMILIES
    assert all(r.attempts == 1 and r.last_error for r in waiting)
    assert all(r.next_attempt_at > timezone.now() for r in waiting)  # backed off

    settings.EMAIL_PORT = smtp.port
    smtp.mode = "ok"
    assert command("send_reminders")[0] == 0  # too early: nothing is retried yet
    assert smtp.received == []
    summary = family_reminders.run(now=later())
    assert summary.sent == FAMILIES and summary.failed == 0
    assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == FAMILIES
    ids = Counter(smtp.headers("Message-ID"))
    assert len(ids) == FAMILIES and set(ids.values()) == {1}


def test_family_reminders_with_the_mail_server_failing_halfway(smtp, loans_due_tomorrow):
    smtp.accept = 3
    status, _printed = command("send_reminders")
    assert status == 1
    sent = Reminder.objects.filter(status=Reminder.Status.SENT)
    assert sent.count() == len(smtp.received) == 3
    assert Reminder.objects.filter(status=Reminder.Status.PENDING).count() == FAMILIES - 3

    smtp.accept = None
    family_reminders.run(now=later())
    family_reminders.run(now=later(14))
    ids = Counter(smtp.headers("Message-ID"))
    assert len(ids) == FAMILIES and set(ids.values()) == {1}
    assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == FAMILIES


# --- volunteers' shift reminders (vrijwilligers outbox) ------------------------------------


def test_shift_reminders_with_the_mail_server_down_are_kept_and_sent_once_later(
    settings, smtp, shifts_tomorrow
):
    nobody_listens(settings)
    status, printed = command("send_shift_reminders")
    assert status == 1, printed
    assert not ShiftReminder.objects.filter(status=ShiftReminder.Status.SENT).exists()
    assert not ShiftReminder.objects.filter(sent_at__isnull=False).exists()
    assert ShiftReminder.objects.filter(status=ShiftReminder.Status.PENDING).count() == VOLUNTEERS

    settings.EMAIL_PORT = smtp.port
    smtp.accept = 4  # comes back, then fails again halfway
    shift_reminders.run(now=timezone.now() + dt.timedelta(minutes=30))
    assert ShiftReminder.objects.filter(status=ShiftReminder.Status.SENT).count() == 4
    smtp.accept = None
    shift_reminders.run(now=timezone.now() + dt.timedelta(hours=2))
    ids = Counter(smtp.headers("Message-ID"))
    assert len(ids) == VOLUNTEERS and set(ids.values()) == {1}
    assert ShiftReminder.objects.filter(status=ShiftReminder.Status.SENT).count() == VOLUNTEERS


# --- social workers' referral reminders -----------------------------------------------------


@pytest.fixture
def referrals_ending(transactional_db):
    sync_role_groups(apps)  # the roles' groups are flushed after a transactional test
    program = ProgramFactory(name="Pamperbank", kind="pamperbank")
    workers = social_workers_with_referrals_ending(
        program, workers=4, in_days=(2, 5), email="w{n}@example.org"
    )
    return workers


@pytest.mark.parametrize("fault", ["connection refused", "421 at the greeting"])
def test_referral_reminders_with_the_mail_server_down_mark_nothing_and_go_out_next_run(
    settings, smtp, referrals_ending, fault
):
    if fault == "connection refused":
        nobody_listens(settings)
    else:
        smtp.mode = "refuse"
    status, printed = command("send_referral_reminders")
    assert status == 1, printed
    assert "0 reminder" in printed and "volgende" in printed
    assert not Referral.objects.filter(reminder_sent_at__isnull=False).exists()

    settings.EMAIL_PORT = smtp.port
    smtp.mode = "ok"
    assert command("send_referral_reminders") == (0, "4 reminder e-mail(s) sent.\n")
    assert command("send_referral_reminders") == (0, "0 reminder e-mail(s) sent.\n")
    recipients = Counter(smtp.headers("To"))
    assert len(recipients) == len(referrals_ending) and set(recipients.values()) == {1}
    assert not Referral.objects.filter(reminder_sent_at__isnull=True).exists()


def test_referral_reminders_with_the_mail_server_failing_halfway(smtp, referrals_ending):
    smtp.accept = 2
    status, _printed = command("send_referral_reminders")
    assert status == 1
    assert Referral.objects.filter(reminder_sent_at__isnull=False).count() == 2 * 2
    smtp.accept = None
    assert command("send_referral_reminders")[0] == 0
    recipients = Counter(smtp.headers("To"))
    assert len(recipients) == len(referrals_ending) and set(recipients.values()) == {1}
