"""Reminders about loans, found for ``send_reminders`` (see ``reminder_finders.FINDERS``),
and what coordinators see of the reminders: counts and the ones not sent, by household
code and kind, never their contents.

- ``loan_due_tomorrow``: an open loan due back tomorrow, once per due date (a renewal
  moves the date and gives a new key).
- ``loan_overdue``: an open loan past its due date, on the first day overdue and then
  once a week (the key carries the week number since the due date, so a run that misses
  the exact day still sends that week's reminder once)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils import timezone

from uitlening.models import Loan, Reminder
from uitlening.selectors.reminder_kinds import ReminderDue

#: Reminders a coordinator should look at: not (yet) sent.
OPEN_STATUSES = (Reminder.Status.PENDING, Reminder.Status.SENDING, Reminder.Status.FAILED)


def _open_loans() -> QuerySet[Loan]:
    return Loan.objects.filter(returned_at__isnull=True).select_related(
        "item", "item__item_type", "program"
    )


def _loan_context(loan: Loan) -> dict[str, object]:
    return {
        "item": loan.item.name,
        "item_code": loan.item.code,
        "item_type": loan.item.item_type.name,
        "program": loan.program.name,
        "due_on": loan.due_on,
        "location_id": loan.location_id,
    }


def loan_due_tomorrow(now: dt.datetime) -> list[ReminderDue]:
    """Open loans due back the day after ``now`` (local time): one query."""
    tomorrow = timezone.localdate(now) + dt.timedelta(days=1)
    return [
        ReminderDue(
            household_id=loan.household_id,
            kind="loan_due_tomorrow",
            key=f"loan_due:{loan.pk}:{loan.due_on.isoformat()}",
            context=_loan_context(loan),
        )
        for loan in _open_loans().filter(due_on=tomorrow).order_by("pk")
    ]


def overdue_week(due_on: dt.date, today: dt.date) -> int | None:
    """0 in the first week overdue (from the day after ``due_on``), 1 in the second …;
    None when not overdue."""
    days = (today - due_on).days
    return (days - 1) // 7 if days >= 1 else None


def loan_overdue(now: dt.datetime) -> list[ReminderDue]:
    """Open loans past their due date, keyed per week overdue: one query."""
    today = timezone.localdate(now)
    found = []
    for loan in _open_loans().filter(due_on__lt=today).order_by("pk"):
        week = overdue_week(loan.due_on, today)
        if week is None:  # pragma: no cover - the filter says due_on < today
            continue
        found.append(
            ReminderDue(
                household_id=loan.household_id,
                kind="loan_overdue",
                key=f"loan_overdue:{loan.pk}:{week}",
                context={**_loan_context(loan), "days_overdue": (today - loan.due_on).days},
            )
        )
    return found


# --- For coordinators -------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderCount:
    kind: str
    status: str
    count: int


def reminder_counts() -> list[ReminderCount]:
    """How many reminders per kind and status: one query."""
    rows = (
        Reminder.objects.order_by()
        .values("kind", "status")
        .annotate(n=Count("id"))
        .order_by("kind", "status")
    )
    return [ReminderCount(row["kind"], row["status"], row["n"]) for row in rows]


def reminders_not_sent(*, status: str = "", limit: int = 200) -> list[Reminder]:
    """Reminders waiting, being sent or given up (one status when given), oldest first."""
    statuses: tuple[str, ...] = (status,) if status else tuple(OPEN_STATUSES)
    return list(
        Reminder.objects.filter(status__in=statuses)
        .select_related("household")
        .order_by("created_at", "pk")[:limit]
    )


def status_totals() -> Mapping[str, int]:
    """Status → number of reminders, every status present (0 when none)."""
    totals = dict.fromkeys(Reminder.Status.values, 0)
    for row in reminder_counts():
        totals[row.status] += row.count
    return totals
