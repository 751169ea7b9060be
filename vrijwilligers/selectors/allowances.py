"""Reads about volunteer allowances: the ceiling of a year, what a volunteer was paid on
a day and in a year, and the yearly named list (volunteer, day, amount)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum

from vrijwilligers.models import AllowanceCeiling, AllowancePayment, Volunteer


def ceiling_for(year: int) -> AllowanceCeiling | None:
    return AllowanceCeiling.objects.filter(year=year).first()


def ceilings() -> QuerySet[AllowanceCeiling]:
    return AllowanceCeiling.objects.order_by("-year")


def _sum(payments: QuerySet[AllowancePayment]) -> Decimal:
    total = payments.aggregate(total=Sum("amount"))["total"]
    return total if total is not None else Decimal("0.00")


def paid_on_day(*, volunteer: Volunteer, day: dt.date, kind: str | None = None) -> Decimal:
    payments = AllowancePayment.objects.filter(volunteer=volunteer, day=day)
    if kind is not None:
        payments = payments.filter(kind=kind)
    return _sum(payments)


def paid_in_year(*, volunteer: Volunteer, year: int, kind: str | None = None) -> Decimal:
    payments = AllowancePayment.objects.filter(volunteer=volunteer, day__year=year)
    if kind is not None:
        payments = payments.filter(kind=kind)
    return _sum(payments)


def kinds_in_year(*, volunteer: Volunteer, year: int) -> set[str]:
    """The kinds of reimbursement the volunteer was paid in ``year`` (net of
    corrections: a payment cancelled to zero by a correction does not count)."""
    rows = (
        AllowancePayment.objects.filter(volunteer=volunteer, day__year=year)
        .values("kind")
        .annotate(total=Sum("amount"))
    )
    return {row["kind"] for row in rows if row["total"] != 0}


def payments_of_year(*, year: int) -> QuerySet[AllowancePayment]:
    return (
        AllowancePayment.objects.filter(day__year=year)
        .select_related("volunteer__user", "created_by")
        .order_by("day", "volunteer__user__last_name", "volunteer__user__first_name", "id")
    )


@dataclass(frozen=True)
class NamedListRow:
    """One line of the yearly named list: what a volunteer received on a day."""

    volunteer: Volunteer
    day: dt.date
    kind: str
    amount: Decimal


def named_list(*, year: int) -> list[NamedListRow]:
    """Per volunteer and day the net amount (corrections included), by name and day;
    days that net to zero are left out."""
    rows = (
        AllowancePayment.objects.filter(day__year=year)
        .values("volunteer_id", "day", "kind")
        .annotate(total=Sum("amount"))
        .order_by("volunteer_id", "day", "kind")
    )
    volunteers = Volunteer.objects.select_related("user").in_bulk(
        {row["volunteer_id"] for row in rows}
    )
    result = [
        NamedListRow(
            volunteer=volunteers[row["volunteer_id"]],
            day=row["day"],
            kind=row["kind"],
            amount=row["total"],
        )
        for row in rows
        if row["total"] != 0
    ]
    return sorted(result, key=lambda r: (r.volunteer.full_name.lower(), r.volunteer.pk, r.day))
