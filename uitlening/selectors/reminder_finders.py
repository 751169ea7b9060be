"""Every kind of reminder a family may get: one finder per line (see ``reminder_kinds``
for what a finder returns). ``send_reminders`` asks each of them."""

from __future__ import annotations

from uitlening.selectors.holds import hold_ready_reminders
from uitlening.selectors.memberships import membership_ending
from uitlening.selectors.reminder_kinds import ReminderFinder
from uitlening.selectors.reminders import loan_due_tomorrow, loan_overdue
from uitlening.selectors.seasonal import package_ready

FINDERS: tuple[ReminderFinder, ...] = (
    hold_ready_reminders,
    loan_due_tomorrow,
    loan_overdue,
    membership_ending,
    package_ready,
)
