"""Reads of single counter records for their screens: a distribution with its lines, a
loan with what came after it, and the repair tickets a coordinator works through."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from uitlening.models import Distribution, Loan, RepairTicket

__all__ = [
    "distribution_record",
    "loan_after",
    "loan_record",
    "may_correct_today",
    "repair_ticket",
    "repair_tickets",
]


def distribution_record(pk: int) -> Distribution:
    """A distribution with its household, point and people (404 when unknown)."""
    return get_object_or_404(
        Distribution.objects.select_related(
            "household", "location", "user", "corrected_by", "location__municipality"
        ).prefetch_related("location__opening_hours"),
        pk=pk,
    )


def may_correct_today(distribution: Distribution) -> bool:
    """A distribution is corrected on the day it was made, once."""
    return distribution.corrected_at is None and (
        timezone.localdate(distribution.created_at) == timezone.localdate()
    )


def loan_record(pk: int) -> Loan:
    """A loan with its item, household, program, points and people (404 when unknown)."""
    return get_object_or_404(
        Loan.objects.select_related(
            "item",
            "item__item_type",
            "household",
            "program",
            "location",
            "return_location",
            "lent_by",
            "returned_by",
            "exchanged_from",
            "exchanged_from__item",
        ).prefetch_related("location__opening_hours"),
        pk=pk,
    )


def loan_after(loan: Loan) -> Loan | None:
    """The loan that replaced this one in an exchange, if any."""
    return Loan.objects.filter(exchanged_from=loan).select_related("item").first()


def repair_tickets(*, status: str = "") -> QuerySet[RepairTicket]:
    """Repair tickets, open ones first (to assess, then being repaired), newest first
    within each; ``status`` narrows to one status."""
    tickets = RepairTicket.objects.select_related(
        "item", "item__item_type", "item__location", "opened_by"
    )
    if status:
        tickets = tickets.filter(status=status)
    order = Case(
        When(status=RepairTicket.Status.ASSESS, then=Value(0)),
        When(status=RepairTicket.Status.REPAIR, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return tickets.order_by(order, "-opened_at", "-id")


def repair_ticket(pk: int) -> RepairTicket:
    """A repair ticket with its item and the loan it came from (404 when unknown)."""
    return get_object_or_404(
        RepairTicket.objects.select_related(
            "item",
            "item__item_type",
            "item__location",
            "loan",
            "loan__return_location",
            "opened_by",
            "closed_by",
        ),
        pk=pk,
    )
