"""The counter's reads of a visit: the household panel after a check-in scan, and the
preview of a basket with every refusal, before anything is recorded.

``price_basket`` runs the same checks ``confirm_visit`` runs (``plan_distribution``,
``check_loan``, ``check_return``), so what the counter shows is what confirm does;
confirm runs them again under the locks and re-checks everything server-side."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from kern.models import Location, User
from toegang import selectors as access
from toegang.models import Household, Program
from uitlening.selectors.checkin import CheckIn, check_in
from uitlening.selectors.distributions import DistributionPlan, plan_distribution
from uitlening.selectors.lines import BasketLine, LoanLine, ProductLine, Refusal, ReturnLine
from uitlening.selectors.loans import (
    LoanCheck,
    OpenLoan,
    ReturnCheck,
    check_loan,
    check_return,
    deposit_paid,
    open_loans,
)
from uitlening.selectors.programs import Entitlements

OVERRIDE_PERMISSION = "kern.override_counter_rules"


@dataclass(frozen=True)
class HouseholdPanel:
    """What the counter shows after a household scan: today's entitlements per program,
    what it may still take this period, its open loans and which are overdue."""

    check_in: CheckIn
    open_loans: list[OpenLoan]

    @property
    def household(self) -> Household:
        return self.check_in.household

    @property
    def entitlements(self) -> list[access.Entitlement]:
        return self.check_in.entitlements

    @property
    def overdue(self) -> list[OpenLoan]:
        return [loan for loan in self.open_loans if loan.overdue]

    @property
    def may_still_take(self) -> list[tuple[Program, int | None]]:
        """Per allowed program: packs left this period (None: no quota)."""
        return [(e.program, e.quota_remaining) for e in self.entitlements if e.allowed]


def household_panel(
    *,
    household: Household,
    location: Location,
    checked_in: CheckIn | None = None,
    on: dt.date | None = None,
) -> HouseholdPanel:
    """The panel of a household at ``location``; pass the ``CheckIn`` a check-in service
    returned to reuse its entitlements."""
    checked_in = checked_in or check_in(household=household, location=location)
    return HouseholdPanel(check_in=checked_in, open_loans=open_loans(household=household, on=on))


@dataclass(frozen=True)
class LoanPreview:
    index: int  # in the basket
    check: LoanCheck
    deposit_carried: Decimal  # from the loan it replaces (an exchange)
    replaces: ReturnCheck | None


@dataclass(frozen=True)
class ReturnPreview:
    index: int
    check: ReturnCheck
    exchanged: bool


@dataclass(frozen=True)
class BasketPreview:
    """The basket as confirm would record it, with every refusal (``line`` says which
    basket line). ``may_override``: the person previewing may go over the overridable
    ones with a reason."""

    products: DistributionPlan
    loans: list[LoanPreview]
    returns: list[ReturnPreview]
    refusals: list[Refusal] = field(default_factory=list)
    may_override: bool = False

    @property
    def blocking(self) -> list[Refusal]:
        return [r for r in self.refusals if not r.overridable]

    @property
    def needs_override(self) -> bool:
        return any(r.overridable for r in self.refusals)

    @property
    def can_confirm(self) -> bool:
        """Nothing refused, or only what this person may override (with a reason)."""
        return not self.blocking and (self.may_override or not self.needs_override)

    @property
    def contribution(self) -> Decimal:
        return self.products.contribution

    @property
    def deposits_due(self) -> Decimal:
        """Deposits to pay at the counter now (after what exchanges carry over)."""
        return sum(
            (
                max(Decimal("0"), p.check.deposit - p.deposit_carried)
                for p in self.loans
                if p.check.item is not None
            ),
            Decimal("0"),
        )

    @property
    def deposits_refunded(self) -> Decimal:
        """Deposits to hand back now: returns refunded or partly kept, and what an
        exchange carries over beyond the new deposit."""
        refunds = sum(
            (
                deposit_paid(r.check.loan) - r.check.kept
                for r in self.returns
                if r.check.loan is not None and not r.exchanged and r.check.outcome != "geen"
            ),
            Decimal("0"),
        )
        extra = sum(
            (max(Decimal("0"), p.deposit_carried - p.check.deposit) for p in self.loans),
            Decimal("0"),
        )
        return refunds + extra


def _at(refusals: Sequence[Refusal], index: int) -> list[Refusal]:
    return [dataclasses.replace(r, line=index) for r in refusals]


def price_basket(
    *,
    household: Household,
    location: Location,
    lines: Sequence[BasketLine],
    actor: User | None = None,
    on: dt.date | None = None,
) -> BasketPreview:
    """Preview a basket: per product line its program and packs, the quota left per
    program after the basket, the contribution and deposits, and every refusal with its
    reason. Records nothing."""
    on = on or timezone.localdate()
    entitlements = Entitlements(household=household, location=location, on=on)
    refusals: list[Refusal] = []

    product_lines = [line for line in lines if isinstance(line, ProductLine)]
    product_index = [i for i, line in enumerate(lines) if isinstance(line, ProductLine)]
    plan = plan_distribution(
        household=household,
        location=location,
        lines=product_lines,
        entitlements=entitlements,
        on=on,
    )
    for refusal in plan.refusals:
        index = product_index[refusal.line] if refusal.line is not None else None
        refusals.append(dataclasses.replace(refusal, line=index))

    replaced = {
        line.replaces.pk
        for line in lines
        if isinstance(line, LoanLine) and line.replaces is not None
    }
    returns: list[ReturnPreview] = []
    seen_items: set[int] = set()
    for index, line in enumerate(lines):
        if not isinstance(line, ReturnLine):
            continue
        if line.item.pk in seen_items:
            refusals.append(_twice(line.item.name, index))
            continue
        seen_items.add(line.item.pk)
        exchanged = line.item.pk in replaced
        check = check_return(household=household, line=line, exchanged=exchanged)
        refusals.extend(_at(check.refusals, index))
        returns.append(ReturnPreview(index, check, exchanged))
    returning = {r.check.loan.pk for r in returns if r.check.loan is not None}
    by_item = {r.check.loan.item_id: r.check for r in returns if r.check.loan is not None}

    loans: list[LoanPreview] = []
    borrowing: dict[int, int] = {}
    for index, line in enumerate(lines):
        if not isinstance(line, LoanLine):
            continue
        if line.item.pk in seen_items:
            refusals.append(_twice(line.item.name, index))
            continue
        seen_items.add(line.item.pk)
        replaces = by_item.get(line.replaces.pk) if line.replaces is not None else None
        if line.replaces is not None and replaces is None:
            refusals.append(
                Refusal(
                    "exchange_without_return",
                    _("%(item)s replaces %(old)s, but %(old)s is not brought back in this visit.")
                    % {"item": line.item.name, "old": line.replaces.name},
                    line=index,
                )
            )
        carried = (
            deposit_paid(replaces.loan)
            if replaces is not None and replaces.loan is not None
            else Decimal("0")
        )
        loan_check = check_loan(
            household=household,
            location=location,
            line=line,
            entitlements=entitlements,
            returning=returning,
            borrowing=borrowing,
            deposit_carried=carried,
            on=on,
        )
        if loan_check.program is not None:
            borrowing[loan_check.program.pk] = borrowing.get(loan_check.program.pk, 0) + 1
        refusals.extend(_at(loan_check.refusals, index))
        loans.append(LoanPreview(index, loan_check, carried, replaces))

    return BasketPreview(
        products=plan,
        loans=loans,
        returns=returns,
        refusals=refusals,
        may_override=bool(actor is not None and actor.has_perm(OVERRIDE_PERMISSION)),
    )


def _twice(name: str, index: int) -> Refusal:
    return Refusal(
        "item_twice",
        _("%(item)s is in the basket twice.") % {"item": name},
        line=index,
    )
