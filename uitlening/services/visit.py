"""Confirming a counter visit: the whole basket (products, loans, returns, exchanges)
recorded at once, all or nothing, exactly once per idempotency key.

The basket is checked again here, under the locks, with the same checks the preview
(``uitlening.selectors.price_basket``) showed; nothing the browser says is trusted.
Locks: the household, then every item of the basket in one query by id, then the loan
rows (the order of every counter service, see ``_rules``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kern.errors import DomainError
from kern.models import Location, User
from toegang.models import Household
from uitlening.models import Distribution, Loan, Visit
from uitlening.selectors import (
    BasketLine,
    Entitlements,
    LoanLine,
    ProductLine,
    ReturnLine,
    check_basket_lines,
    check_return,
    open_loan_of_item,
)
from uitlening.services._rules import (
    claim,
    describe_line,
    idempotency_key_text,
    lock_household,
    lock_items,
    refuse,
    require_counter,
)
from uitlening.services.distributions import book_distribution
from uitlening.services.loans import lend, lock_open_loan, take_back


@dataclass(frozen=True)
class VisitResult:
    """What one confirm recorded. ``replayed``: this key was confirmed before, and this
    is that first result (nothing was recorded now)."""

    visit: Visit
    distribution: Distribution | None
    loans: list[Loan] = field(default_factory=list)  # lent now (exchanges included)
    returns: list[Loan] = field(default_factory=list)  # brought back now
    replayed: bool = False


def _replayed(visit: Visit) -> VisitResult:
    return VisitResult(
        visit=visit,
        distribution=visit.distributions.first(),
        loans=list(visit.loans_out.order_by("id")),
        returns=list(visit.loans_back.order_by("id")),
        replayed=True,
    )


@transaction.atomic
def confirm_visit(
    *,
    actor: User,
    location: Location,
    household: Household,
    lines: Sequence[BasketLine],
    payment: str | None = None,
    idempotency_key: str | None = None,
    override_reason: str = "",
    source: str = "",
) -> VisitResult:
    """Record a basket for ``household`` at ``location`` in one transaction: return
    lines first (an item brought back frees its place under the program's maximum and
    ends an overdue block), then loan lines (``LoanLine.replaces`` naming an item
    returned in this basket makes an exchange: its deposit carries over), then the
    product lines as one distribution (``payment`` for its contribution).

    All or nothing: the first refusal raises a Dutch ``DomainError`` and nothing is
    recorded. ``override_reason``: a coordinator going over the quota or an overdue
    block (or waiving a due deposit) for this visit. ``idempotency_key`` (from the
    counter, made when the basket started): the same key from the same person returns
    the first result (``replayed``) and records nothing twice, also when the retries
    arrive at once; the same key with another basket is a ``Conflict``."""
    require_counter(actor, location)
    key = idempotency_key_text(idempotency_key)
    if not lines:
        raise DomainError(_("The basket is empty: there is nothing to confirm."))
    household = lock_household(household)
    visit, replayed = claim(
        actor=actor,
        key=key,
        operation="confirm_visit",
        household=household,
        location=location,
        request={
            "location": location.pk,
            "household": household.pk,
            "lines": [describe_line(line) for line in lines],
            "payment": payment,
            "override": override_reason,
        },
    )
    if replayed:
        return _replayed(visit)
    structure = check_basket_lines(lines)
    if structure:
        raise refuse(structure)

    returns_in: list[ReturnLine] = sorted(
        (line for line in lines if isinstance(line, ReturnLine)), key=lambda r: r.item.pk
    )
    loans_in: list[LoanLine] = sorted(
        (line for line in lines if isinstance(line, LoanLine)), key=lambda r: r.item.pk
    )
    products = [line for line in lines if isinstance(line, ProductLine)]
    # Every item of the basket, in one query by id, before any loan row.
    lock_items([*(line.item for line in returns_in), *(line.item for line in loans_in)])
    replaced = {line.replaces.pk for line in loans_in if line.replaces is not None}

    returned: dict[int, Loan] = {}
    for line in returns_in:
        loan = open_loan_of_item(line.item)
        if loan is None or loan.household_id != household.pk:
            raise refuse(check_return(household=household, line=line, loan=loan).refusals)
        loan = lock_open_loan(loan)
        returned[line.item.pk] = take_back(
            actor=actor,
            location=location,
            loan=loan,
            line=line,
            exchanged=line.item.pk in replaced,
            visit=visit,
            source=source,
        )

    entitlements = Entitlements(household=household, location=location, on=timezone.localdate())
    lent: list[Loan] = []
    borrowing: dict[int, int] = {}
    for loan_line in loans_in:
        # check_basket_lines made sure an exchanged item is brought back in this visit.
        replaces = returned[loan_line.replaces.pk] if loan_line.replaces is not None else None
        loan = lend(
            actor=actor,
            location=location,
            household=household,
            line=loan_line,
            override_reason=override_reason,
            entitlements=entitlements,
            borrowing=borrowing,
            replaces=replaces,
            visit=visit,
            source=source,
        )
        borrowing[loan.program_id] = borrowing.get(loan.program_id, 0) + 1
        lent.append(loan)

    distribution = None
    if products:
        distribution = book_distribution(
            actor=actor,
            location=location,
            household=household,
            lines=products,
            payment=payment,
            override_reason=override_reason,
            visit=visit,
            source=source,
        )
    return VisitResult(
        visit=visit,
        distribution=distribution,
        loans=lent,
        returns=[returned[pk] for pk in sorted(returned)],
    )
