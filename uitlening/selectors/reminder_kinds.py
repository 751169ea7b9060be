"""What a family may be reminded of, found by one reader per kind. ``send_reminders``
records each ``ReminderDue`` once (its ``key`` is unique) and sends it in the household's
language; each program adds its reader to ``FINDERS``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from uitlening.selectors.holds import hold_ready_reminders


@dataclass(frozen=True)
class ReminderDue:
    household_id: int
    #: Names the templates ``uitlening/reminders/<kind>_subject.txt`` and ``_body.txt``.
    kind: str
    #: Unique per occurrence, e.g. ``loan_due:<loan id>:<due day>``: a second run finds
    #: the same key and records nothing twice.
    key: str
    #: Plain values only (str, int, dates); the templates render them.
    context: Mapping[str, object] = field(default_factory=dict)


#: now -> the reminders due at that moment (sent or not: the key decides).
ReminderFinder = Callable[[dt.datetime], Iterable[ReminderDue]]

#: One line per kind of reminder.
FINDERS: tuple[ReminderFinder, ...] = (hold_ready_reminders,)
