"""How a reminder reaches a family: a ``Channel`` knows a household's address on it and
sends one message, raising on failure (never returning quietly when nothing went out).

E-mail goes through Django's mail (``EMAIL_BACKEND``, from ``DEFAULT_FROM_EMAIL``). Other
channels (an SMS provider) plug in through the ``REMINDER_CHANNELS`` setting: a mapping
of channel name to the dotted path of a class with the ``Channel`` shape, in order of
preference; a household gets its reminder on the first channel it has an address for.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.module_loading import import_string

from kern import outbox
from toegang.models import Household

#: The channels when the setting is not given: e-mail only.
DEFAULT_CHANNELS: Mapping[str, str] = {"email": "uitlening.reminders.channels.EmailChannel"}


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str
    #: The reminder's unique key: lets a channel (or a mail client, through Message-ID)
    #: recognise a message sent again after a crash.
    key: str
    language: str


class Channel(Protocol):
    def address(self, household: Household) -> str:
        """The household's address on this channel, or "" when it left none."""
        ...

    def send(self, message: Message) -> None:
        """Send ``message``; raise when it did not go out."""
        ...


#: Seconds an SMTP conversation may take (when ``EMAIL_TIMEOUT`` is not set).
SEND_TIMEOUT = outbox.SEND_TIMEOUT


class EmailChannel:
    def address(self, household: Household) -> str:
        return household.email.strip()

    def send(self, message: Message) -> None:
        digest = hashlib.sha256(message.key.encode()).hexdigest()[:32]
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to],
            connection=get_connection(
                timeout=getattr(settings, "EMAIL_TIMEOUT", None) or SEND_TIMEOUT
            ),
            headers={
                # The same Message-ID when sent again: mail clients show it once.
                "Message-ID": f"<reminder-{digest}@deelpunt>",
                "Content-Language": message.language,
                "Auto-Submitted": "auto-generated",
            },
        )
        if email.send(fail_silently=False) != 1:
            raise RuntimeError("the mail backend sent nothing")


def configured() -> dict[str, Channel]:
    """Name → channel, in order of preference, from ``REMINDER_CHANNELS``."""
    paths: Mapping[str, str] = getattr(settings, "REMINDER_CHANNELS", None) or DEFAULT_CHANNELS
    return {name: import_string(path)() for name, path in paths.items()}


def choose(household: Household, channels: Mapping[str, Channel]) -> str:
    """The first channel ``household`` has an address for, or "" when none."""
    for name, channel in channels.items():
        if channel.address(household):
            return name
    return ""
