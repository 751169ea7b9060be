"""The counter's reads of a visit: the household panel after a check-in scan, and the
preview of a basket with every refusal, before anything is recorded.

``price_basket`` runs the same checks ``confirm_visit`` runs (``check_basket_lines``,
``plan_distribution``, ``check_loan``, ``check_return``), so what the counter shows is
what confirm does;
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
from uitlening.models import Loan
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
from uitlening.selectors.panel import panel_sections
from uitlening.selectors.panel_kinds import PanelSection
from uitlening.selectors.programs import Entitlements

OVERRIDE_PERMISSION = "kern.override_counter_rules"

Payer = Loan.Payer
Outcome = Loan.DepositOutcome


@dataclass(frozen=True)
class HouseholdPanel:
    """What the counter shows after a household scan: today's entitlements per program,
    what it may still take this period, its open loans and which are overdue."""

    check_in: CheckIn
    open_loans: list[OpenLoan]
    sections: list[PanelSection] = field(default_factory=list)

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
    return HouseholdPanel(
        check_in=checked_in,
        open_loans=open_loans(household=household, on=on),
        sections=panel_sections(
            household=household, location=location, on=on or timezone.localdate()
        ),
    )


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
        """Deposits the household pays at the counter now (after what exchanges carry
        over); a third party's or a waived deposit is not paid here."""
        return sum(
            (
                max(Decimal("0"), p.check.deposit - p.deposit_carried)
                for p in self.loans
                if p.check.deposit_payer == Payer.HOUSEHOLD
            ),
            Decimal("0"),
        )

    def _refunds(self) -> list[tuple[str, Decimal]]:
        """(who, amount) of every deposit handed back now: "" is the household, else the
        third party that paid it. Returns refunded or partly kept, and what an exchange
        carries over beyond the new deposit."""
        refunds = [
            (r.check.loan.deposit_refund_to, deposit_paid(r.check.loan) - r.check.kept)
            for r in self.returns
            if r.check.loan is not None and not r.exchanged and r.check.outcome != Outcome.NONE
        ]
        refunds += [
            (
                p.check.third_party if p.check.deposit_payer == Payer.THIRD_PARTY else "",
                p.deposit_carried - p.check.deposit,
            )
            for p in self.loans
            if p.deposit_carried > p.check.deposit
        ]
        return [(who, amount) for who, amount in refunds if amount > 0]

    @property
    def deposits_refunded(self) -> Decimal:
        """Deposits handed back to the household now."""
        return sum((amount for who, amount in self._refunds() if not who), Decimal("0"))

    @property
    def third_party_refunds(self) -> dict[str, Decimal]:
        """Deposits a third party paid that go back to it now, per third party (never
        to the household)."""
        refunds: dict[str, Decimal] = {}
        for who, amount in self._refunds():
            if who:
                refunds[who] = refunds.get(who, Decimal("0")) + amount
        return refunds


def _at(refusals: Sequence[Refusal], index: int) -> list[Refusal]:
    return [dataclasses.replace(r, line=index) for r in refusals]


def check_basket_lines(lines: Sequence[BasketLine]) -> list[Refusal]:
    """How the lines of a basket fit together, the one home of these rules for the
    preview and for confirm: an item in the basket once (to lend or to bring back),
    every exchange (``LoanLine.replaces``) naming an item brought back in the same
    basket, and each item brought back replaced by at most one new loan."""
    refusals: list[Refusal] = []
    seen: set[int] = set()
    returned = {line.item.pk for line in lines if isinstance(line, ReturnLine)}
    replaced: set[int] = set()
    for index, line in enumerate(lines):
        if isinstance(line, ProductLine):
            continue
        if line.item.pk in seen:
            refusals.append(
                Refusal(
                    "item_twice",
                    _("%(item)s is in the basket twice.") % {"item": line.item.name},
                    line=index,
                )
            )
            continue
        seen.add(line.item.pk)
        if not isinstance(line, LoanLine) or line.replaces is None:
            continue
        old = line.replaces
        if old.pk not in returned:
            refusals.append(
                Refusal(
                    "exchange_without_return",
                    _("%(item)s replaces %(old)s, but %(old)s is not brought back in this visit.")
                    % {"item": line.item.name, "old": old.name},
                    line=index,
                )
            )
        elif old.pk in replaced:
            refusals.append(
                Refusal(
                    "exchange_twice",
                    _(
                        "%(item)s replaces %(old)s, but another item in the basket replaces "
                        "%(old)s already: one item brought back makes one exchange."
                    )
                    % {"item": line.item.name, "old": old.name},
                    line=index,
                )
            )
        else:
            replaced.add(old.pk)
    return refusals


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

    structure = check_basket_lines(lines)
    refusals.extend(structure)
    twice = {r.line for r in structure if r.code == "item_twice"}
    # A line whose exchange is refused carries no deposit over.
    no_exchange = {r.line for r in structure if r.code != "item_twice"}
    replaced = {
        line.replaces.pk
        for index, line in enumerate(lines)
        if isinstance(line, LoanLine) and line.replaces is not None and index not in no_exchange
    }
    returns: list[ReturnPreview] = []
    for index, line in enumerate(lines):
        if not isinstance(line, ReturnLine) or index in twice:
            continue
        exchanged = line.item.pk in replaced
        check = check_return(household=household, line=line, exchanged=exchanged)
        refusals.extend(_at(check.refusals, index))
        returns.append(ReturnPreview(index, check, exchanged))
    returning = {r.check.loan.pk for r in returns if r.check.loan is not None}
    by_item = {r.check.loan.item_id: r.check for r in returns if r.check.loan is not None}

    loans: list[LoanPreview] = []
    borrowing: dict[int, int] = {}
    for index, line in enumerate(lines):
        if not isinstance(line, LoanLine) or index in twice:
            continue
        replaces = None
        if line.replaces is not None and index not in no_exchange:
            replaces = by_item.get(line.replaces.pk)
        loan_check = check_loan(
            household=household,
            location=location,
            line=line,
            entitlements=entitlements,
            returning=returning,
            borrowing=borrowing,
            on=on,
            replaces=replaces.loan if replaces is not None else None,
        )
        if loan_check.program is not None:
            borrowing[loan_check.program.pk] = borrowing.get(loan_check.program.pk, 0) + 1
        refusals.extend(_at(loan_check.refusals, index))
        loans.append(LoanPreview(index, loan_check, loan_check.deposit_carried, replaces))

    return BasketPreview(
        products=plan,
        loans=loans,
        returns=returns,
        refusals=refusals,
        may_override=bool(actor is not None and actor.has_perm(OVERRIDE_PERMISSION)),
    )
