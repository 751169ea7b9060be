"""Reads of loans: open and overdue loans, who waits for an item type, what a deposit
is, and the checks of lending an item and taking it back, with every refusal.

``check_loan`` and ``check_return`` are the one home of the loan rules: the counter's
preview shows their refusals, and the loan services run them again under the locks
(``voorraad.services.lend_item`` checks the item's status and safety once more, on the
locked row)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kern.models import Location
from toegang.models import Household, Program
from uitlening.models import DEFAULT_LOAN_DAYS, DepositRule, Loan
from uitlening.selectors import holds
from uitlening.selectors.lines import LoanLine, Refusal, ReturnLine
from uitlening.selectors.memberships import membership_refusal
from uitlening.selectors.programs import Entitlements, program_for
from voorraad.models import Item, ItemType
from voorraad.services import item_safety_problem

#: A loan is renewed at most this many times.
MAX_RENEWALS = 2

Payer = Loan.Payer
DepositPayment = Loan.DepositPayment
Outcome = Loan.DepositOutcome


@dataclass(frozen=True)
class OpenLoan:
    loan: Loan
    overdue: bool
    days_overdue: int


def _open(loans: QuerySet[Loan], on: dt.date) -> list[OpenLoan]:
    return [
        OpenLoan(loan, loan.due_on < on, max(0, (on - loan.due_on).days))
        for loan in loans.select_related("item", "item__item_type", "program", "household")
    ]


def open_loans(*, household: Household, on: dt.date | None = None) -> list[OpenLoan]:
    """The household's loans not yet returned, oldest due first, with an overdue flag."""
    on = on or timezone.localdate()
    return _open(
        Loan.objects.filter(household=household, returned_at__isnull=True).order_by("due_on", "id"),
        on,
    )


def overdue_loans(*, location: Location, on: dt.date | None = None) -> list[OpenLoan]:
    """Loans lent at ``location`` that should have come back before ``on`` (today),
    longest overdue first: the list and its CSV."""
    on = on or timezone.localdate()
    return _open(
        Loan.objects.filter(location=location, returned_at__isnull=True, due_on__lt=on).order_by(
            "due_on", "id"
        ),
        on,
    )


def open_loan_of_item(item: Item) -> Loan | None:
    return (
        Loan.objects.filter(item=item, returned_at__isnull=True)
        .select_related("household", "program")
        .first()
    )


def households_waiting(
    item_type: ItemType, *, size: str | None = None, location: Location | None = None
) -> int:
    """How many households wait for an item of this type (of ``size``, to collect at
    ``location``, when given); a renewal is refused while it is above 0."""
    return holds.households_waiting(item_type, size=size, location=location)


def due_date(program: Program, start: dt.date) -> dt.date:
    return start + dt.timedelta(days=program.loan_days or DEFAULT_LOAN_DAYS)


def deposit_due(*, item_type: ItemType, social: bool) -> Decimal:
    """The deposit of an item type: the rule's social amount for a household with the
    social tariff, else its amount; 0 without a rule."""
    rule = DepositRule.objects.filter(item_type=item_type).first()
    if rule is None:
        return Decimal("0")
    return rule.social_amount if social else rule.amount


def _euro(amount: Decimal) -> str:
    return f"€ {amount:.2f}".replace(".", ",")


@dataclass(frozen=True)
class LoanCheck:
    """What lending an item to a household means, and why it may not."""

    item: Item
    program: Program | None
    due_on: dt.date | None
    deposit: Decimal
    social: bool
    refusals: list[Refusal] = field(default_factory=list)
    # Who pays the deposit (a ``Loan.Payer`` value and the third party's name): the
    # line's choice, or in an exchange whoever paid the deposit that carries over.
    deposit_payer: str = Payer.HOUSEHOLD
    third_party: str = ""
    deposit_carried: Decimal = Decimal("0")

    @property
    def blocking(self) -> list[Refusal]:
        return [r for r in self.refusals if not r.overridable]


def check_deposit(
    *,
    deposit: Decimal,
    payer: str,
    payment: str,
    third_party: str,
    item: Item,
    carried: Decimal = Decimal("0"),
) -> Refusal | None:
    """Who pays the deposit and how. Waived needs no deposit due (a coordinator waives
    one that is due, with a reason: an override); a third party is named; a household
    pays what ``carried`` (an exchanged loan's deposit) does not cover."""
    if payer not in Payer.values:
        return Refusal(
            "deposit_payer",
            _(
                "%(item)s: say who pays the deposit (the household, a third party or "
                "waived), not “%(value)s”."
            )
            % {"item": item.name, "value": payer},
        )
    if payment not in DepositPayment.values:
        return Refusal(
            "deposit_payment",
            _(
                "%(item)s: say how the deposit is paid (cash, Payconiq or nothing at the "
                "counter), not “%(value)s”."
            )
            % {"item": item.name, "value": payment},
        )
    if payer == Payer.WAIVED:
        if deposit > 0:
            return Refusal(
                "deposit_waived",
                _(
                    "%(item)s: a deposit of %(amount)s is due; only a coordinator waives it, with a reason."
                )
                % {"item": item.name, "amount": _euro(deposit)},
                overridable=True,
            )
        return None
    if payer == Payer.THIRD_PARTY and not third_party.strip():
        return Refusal(
            "deposit_third_party",
            _("%(item)s: name the third party that pays the deposit (e.g. OCMW Gent).")
            % {"item": item.name},
        )
    if payer == Payer.HOUSEHOLD and deposit > carried and payment == DepositPayment.NONE:
        return Refusal(
            "deposit_unpaid",
            _("%(item)s: a deposit of %(amount)s is due: paid in cash or with Payconiq?")
            % {"item": item.name, "amount": _euro(deposit - carried)},
        )
    return None


def _status_refusal(item: Item, household: Household) -> Refusal | None:
    Status = Item.Status
    if item.status == Status.AVAILABLE:
        return None
    if item.status == Status.RESERVED:
        if item.held_for and item.held_for != household.code:
            return Refusal(
                "item_held",
                _("%(item)s is held for another household.") % {"item": item.name},
            )
        return None
    messages = {
        Status.ON_LOAN: _("%(item)s is on loan already."),
        Status.IN_REPAIR: _("%(item)s is in repair and cannot be lent."),
        Status.RETIRED: _("%(item)s is retired and is never lent again."),
    }
    return Refusal("item_unavailable", messages[Status(item.status)] % {"item": item.name})


def _laptop_refusal(item: Item) -> Refusal | None:
    """A laptop goes out only when wiped AFTER the day its last loan came back:
    ``wiped_on`` is a date, so a wipe on the return day itself may have been done
    before the laptop was back, and does not count."""
    if item.item_type.safety != ItemType.Safety.LAPTOP:
        return None
    if item.wiped_on is None:
        return Refusal(
            "laptop_not_wiped",
            _("%(item)s has not been wiped and reinstalled: it cannot go out.")
            % {"item": item.name},
        )
    last = (
        Loan.objects.filter(item=item, returned_at__isnull=False)
        .order_by("-returned_at")
        .values_list("returned_at", flat=True)
        .first()
    )
    if last is not None and item.wiped_on <= timezone.localdate(last):
        return Refusal(
            "laptop_not_wiped",
            _(
                "%(item)s came back on %(returned)s and was last wiped on %(wiped)s: wipe it "
                "(and enter a wipe date after the return) before it goes out again."
            )
            % {
                "item": item.name,
                "returned": f"{timezone.localdate(last):%d/%m/%Y}",
                "wiped": f"{item.wiped_on:%d/%m/%Y}",
            },
        )
    return None


def _accessory_refusal(item: Item, ticked: Sequence[str]) -> Refusal | None:
    expected = {str(a) for a in item.accessories or []}
    given = {str(a) for a in ticked}
    missing = sorted(expected - given)
    unknown = sorted(given - expected)
    if missing:
        return Refusal(
            "accessories_missing",
            _("%(item)s: tick every accessory before it goes out; not ticked: %(missing)s.")
            % {"item": item.name, "missing": ", ".join(missing)},
        )
    if unknown:
        return Refusal(
            "accessories_unknown",
            _("%(item)s has no accessory %(unknown)s.")
            % {"item": item.name, "unknown": ", ".join(unknown)},
        )
    return None


def check_loan(
    *,
    household: Household,
    location: Location,
    line: LoanLine,
    entitlements: Entitlements | None = None,
    returning: Collection[int] = (),
    borrowing: Mapping[int, int] | None = None,
    deposit_carried: Decimal = Decimal("0"),
    on: dt.date | None = None,
    replaces: Loan | None = None,
) -> LoanCheck:
    """Every rule of lending ``line.item`` to ``household`` at ``location``: the item's
    status and holds, its safety (car seat end of life or crash, laptop wiped since its
    last loan), the program and the household's access to it, its membership of a
    program with a membership fee, the program's maximum of
    open loans, an overdue loan in the program (a coordinator may override), every
    accessory ticked, the condition confirmed, the deposit and who pays it.

    ``returning``: ids of loans brought back in the same visit (they no longer count as
    open or overdue). ``borrowing``: program id → items lent earlier in the same basket.
    ``replaces``: the loan brought back in an exchange; its paid deposit carries over
    to this one, and so does who paid it (a third party stays the payer). Without it,
    ``deposit_carried`` is the deposit carried over."""
    on = on or timezone.localdate()
    payer, third_party = line.deposit_payer, line.third_party
    if replaces is not None:
        deposit_carried = deposit_paid(replaces)
        if deposit_carried > 0:
            payer, third_party = replaces.deposit_payer, replaces.deposit_third_party
    entitlements = entitlements or Entitlements(household=household, location=location, on=on)
    item = line.item
    refusals: list[Refusal] = []
    status = _status_refusal(item, household)
    if status:
        refusals.append(status)
    problem = item_safety_problem(item, on=on)
    if problem:
        refusals.append(Refusal("unsafe_item", problem))
    laptop = _laptop_refusal(item)
    if laptop:
        refusals.append(laptop)

    choice = program_for(
        category_id=item.item_type.category_id, good=item.name, entitlements=entitlements
    )
    program = choice.program
    social = bool(choice.entitlement and choice.entitlement.social)
    deposit = deposit_due(item_type=item.item_type, social=social)
    if program is None:
        refusals.append(Refusal(choice.refusal_code, choice.refusal))
    else:
        membership = membership_refusal(
            household=household, program=program, on=on, entitlement=choice.entitlement
        )
        if membership:
            refusals.append(membership)
        open_in_program = list(
            Loan.objects.filter(household=household, program=program, returned_at__isnull=True)
            .exclude(pk__in=list(returning))
            .select_related("item")
            .order_by("due_on", "id")
        )
        limit = program.max_concurrent_loans
        count = len(open_in_program) + (borrowing or {}).get(program.pk, 0)
        # Items held for the household count too (but not the one it is collecting).
        held = (
            holds.holds_in_program(household=household, program=program, exclude_item=item)
            if limit is not None
            else 0
        )
        if limit is not None and count + held >= limit:
            refusals.append(
                Refusal(
                    "max_loans",
                    (
                        _(
                            "Household %(household)s already has %(count)d of at most %(max)d "
                            "loans in %(program)s."
                        )
                        if not held
                        else _(
                            "Household %(household)s already has %(count)d of at most %(max)d "
                            "loans and held items in %(program)s."
                        )
                    )
                    % {
                        "household": household.code,
                        "count": count + held,
                        "max": limit,
                        "program": program.name,
                    },
                )
            )
        late = next((loan for loan in open_in_program if loan.due_on < on), None)
        if late is not None:
            refusals.append(
                Refusal(
                    "overdue",
                    _(
                        "Household %(household)s has an overdue loan in %(program)s: "
                        "%(item)s was due on %(due)s. Bring it back first."
                    )
                    % {
                        "household": household.code,
                        "program": program.name,
                        "item": late.item.name,
                        "due": f"{late.due_on:%d/%m/%Y}",
                    },
                    overridable=True,
                )
            )
    accessories = _accessory_refusal(item, line.accessories)
    if accessories:
        refusals.append(accessories)
    if not line.condition.strip():
        refusals.append(
            Refusal(
                "condition_missing",
                _("%(item)s: confirm its condition before it goes out.") % {"item": item.name},
            )
        )
    deposit_refusal = check_deposit(
        deposit=deposit,
        payer=payer,
        payment=line.deposit_payment,
        third_party=third_party,
        item=item,
        carried=deposit_carried,
    )
    if deposit_refusal:
        refusals.append(deposit_refusal)
    return LoanCheck(
        item=item,
        program=program,
        due_on=due_date(program, on) if program else None,
        deposit=deposit,
        social=social,
        refusals=refusals,
        deposit_payer=payer,
        third_party=third_party.strip() if payer == Payer.THIRD_PARTY else "",
        deposit_carried=deposit_carried,
    )


@dataclass(frozen=True)
class ReturnCheck:
    loan: Loan | None
    needs_repair: bool
    outcome: str
    kept: Decimal
    refusals: list[Refusal] = field(default_factory=list)


def deposit_paid(loan: Loan) -> Decimal:
    """What was paid for this loan's deposit and can be refunded or kept."""
    if loan.deposit_payer == Payer.WAIVED:
        return Decimal("0")
    return loan.deposit


def check_return(
    *,
    household: Household | None,
    line: ReturnLine,
    loan: Loan | None = None,
    exchanged: bool = False,
) -> ReturnCheck:
    """Taking ``line.item`` back: it must be on loan (to ``household`` when given), the
    missing accessories must be ones that went out, and the deposit outcome must add up
    (keeping all or part of it needs a reason; never more than was paid). In an
    exchange (``exchanged``) the whole deposit carries over to the next loan. A deposit
    a third party paid is refunded to that third party (``REFUNDED_TO_THIRD_PARTY``),
    never to the household."""
    item = line.item
    loan = loan or open_loan_of_item(item)
    refusals: list[Refusal] = []
    if loan is None:
        refusals.append(
            Refusal(
                "not_on_loan",
                _("%(item)s is not on loan: there is nothing to take back.") % {"item": item.name},
            )
        )
        return ReturnCheck(None, False, Outcome.NONE, Decimal("0"), refusals)
    if household is not None and loan.household_id != household.pk:
        refusals.append(
            Refusal(
                "other_household",
                _("%(item)s is on loan to another household, not to %(household)s.")
                % {"item": item.name, "household": household.code},
            )
        )
    missing = {str(a) for a in line.missing_accessories}
    unknown = sorted(missing - {str(a) for a in loan.accessories_out or []})
    if unknown:
        refusals.append(
            Refusal(
                "accessories_unknown",
                _("%(item)s did not go out with %(unknown)s.")
                % {"item": item.name, "unknown": ", ".join(unknown)},
            )
        )
    if not line.condition.strip():
        refusals.append(
            Refusal(
                "condition_missing",
                _("%(item)s: note the condition it came back in.") % {"item": item.name},
            )
        )
    paid = deposit_paid(loan)
    third_party = loan.deposit_payer == Payer.THIRD_PARTY
    refunded = Outcome.REFUNDED_TO_THIRD_PARTY if third_party else Outcome.REFUNDED
    outcome = line.deposit_outcome or (refunded if paid > 0 else Outcome.NONE)
    if outcome in (Outcome.REFUNDED, Outcome.REFUNDED_TO_THIRD_PARTY) and third_party:
        outcome = Outcome.REFUNDED_TO_THIRD_PARTY
    if exchanged:
        outcome = Outcome.CARRIED if paid > 0 else Outcome.NONE
    kept = Decimal("0")
    if exchanged:
        pass
    elif outcome not in (refunded, Outcome.KEPT, Outcome.PARTLY, Outcome.NONE):
        refusals.append(
            Refusal(
                "deposit_outcome",
                _(
                    "%(item)s: say what happens with the deposit (refunded, kept or partly "
                    "kept), not “%(value)s”."
                )
                % {"item": item.name, "value": outcome},
            )
        )
    elif outcome == Outcome.NONE and paid > 0:
        refusals.append(
            Refusal(
                "deposit_outcome",
                _("%(item)s: a deposit of %(amount)s was paid: refund it or say why it is kept.")
                % {"item": item.name, "amount": _euro(paid)},
            )
        )
    elif outcome in (refunded, Outcome.KEPT, Outcome.PARTLY) and paid <= 0:
        refusals.append(
            Refusal(
                "deposit_outcome",
                _("%(item)s: no deposit was paid, so there is nothing to refund or keep.")
                % {"item": item.name},
            )
        )
    elif outcome in (Outcome.KEPT, Outcome.PARTLY):
        kept = paid if outcome == Outcome.KEPT else Decimal(line.deposit_kept)
        if not line.deposit_reason.strip():
            refusals.append(
                Refusal(
                    "deposit_reason",
                    _("%(item)s: say why the deposit is kept.") % {"item": item.name},
                )
            )
        if outcome == Outcome.PARTLY and not (Decimal("0") < kept < paid):
            refusals.append(
                Refusal(
                    "deposit_kept",
                    _(
                        "%(item)s: keep part of the %(amount)s deposit: more than 0, less than all of it."
                    )
                    % {"item": item.name, "amount": _euro(paid)},
                )
            )
    needs_repair = bool(line.damage.strip() or missing)
    return ReturnCheck(loan, needs_repair, outcome, kept, refusals)
