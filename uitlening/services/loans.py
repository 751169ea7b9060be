"""Loans at the counter: check-out (status, safety, access, maximum, overdue, checklist,
condition, deposit), return (condition, missing accessories, damage → repair ticket;
deposit refunded or kept), renewal and exchange. Each in one transaction, locking the
household, then the items (one query, by id), then the loan rows: the order every
counter service keeps (see ``_rules``), so two counters wait instead of deadlocking
and cannot lend one item twice (the database's one-open-loan-per-item constraint says
so too). Each takes an idempotency key: a retry gets the first answer."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kern import audit, permissions
from kern.errors import Conflict, DomainError
from kern.models import Location, User
from toegang import selectors as access_selectors
from toegang import services as access
from toegang.models import Household
from uitlening.models import Loan, Visit
from uitlening.selectors import (
    MAX_RENEWALS,
    Entitlements,
    LoanLine,
    ReturnLine,
    check_loan,
    check_return,
    due_date,
    households_waiting,
)
from uitlening.services._rules import (
    claim,
    describe_line,
    idempotency_key_text,
    lock_household,
    lock_item,
    lock_items,
    log_override,
    refuse,
    require_counter,
    settle,
)
from uitlening.services.holds import collect_for_loan
from uitlening.services.repairs import open_ticket_for
from voorraad import services as stock
from voorraad.models import Item

Outcome = Loan.DepositOutcome


def lock_open_loan(loan: Loan) -> Loan:
    locked = (
        Loan.objects.select_for_update(of=("self",))
        .select_related("item", "item__item_type", "household", "program")
        .get(pk=loan.pk)
    )
    if locked.returned_at is not None:
        raise Conflict(
            _("%(item)s was returned already on %(day)s.")
            % {
                "item": locked.item.name,
                "day": f"{timezone.localtime(locked.returned_at):%d/%m/%Y}",
            },
            code="returned_already",
        )
    return locked


def lend(
    *,
    actor: User,
    location: Location,
    household: Household,
    line: LoanLine,
    override_reason: str,
    entitlements: Entitlements | None = None,
    returning: Collection[int] = (),
    borrowing: Mapping[int, int] | None = None,
    replaces: Loan | None = None,
    visit: Visit | None = None,
    idempotency_key: str | None = None,
    source: str = "",
) -> Loan:
    """Check and record one loan. In the caller's transaction, with the household locked
    and the role checked. ``replaces``: the loan returned in the same step (exchange)."""
    item = lock_item(line.item)
    line = LoanLine(
        item=item,
        accessories=tuple(line.accessories),
        condition=line.condition,
        deposit_payer=line.deposit_payer,
        deposit_payment=line.deposit_payment,
        third_party=line.third_party,
        replaces=line.replaces,
    )
    check = check_loan(
        household=household,
        location=location,
        line=line,
        entitlements=entitlements,
        returning=set(returning) | ({replaces.pk} if replaces is not None else set()),
        borrowing=borrowing,
        replaces=replaces,
    )
    reason = settle(actor=actor, refusals=check.refusals, override_reason=override_reason)
    assert check.program is not None and check.due_on is not None  # else refused above
    stock.lend_item(
        item=item,
        borrower=household.code,
        user=actor,
        note=_("lent to %(household)s") % {"household": household.code},
    )
    try:
        with transaction.atomic():
            loan = Loan.objects.create(
                item=item,
                household=household,
                program=check.program,
                location=location,
                visit=visit,
                lent_by=actor,
                due_on=check.due_on,
                deposit=check.deposit,
                deposit_payer=check.deposit_payer,
                deposit_payment=line.deposit_payment,
                deposit_third_party=check.third_party,
                deposit_carried=check.deposit_carried,
                accessories_out=sorted(line.accessories),
                condition_out=line.condition.strip(),
                override_reason=reason,
                exchanged_from=replaces,
                idempotency_key=idempotency_key,
            )
    except IntegrityError:
        if Loan.objects.filter(item=item, returned_at__isnull=True).exists():
            raise Conflict(
                _("%(item)s is on loan already.") % {"item": item.name}, code="item_unavailable"
            ) from None
        raise Conflict(
            _(
                "%(item)s could not be lent: the loan clashes with one recorded at the same "
                "time. Scan the item again."
            )
            % {"item": item.name},
            code="loan_not_recorded",
        ) from None
    if reason:
        log_override(actor=actor, obj=loan, refusals=check.refusals, reason=reason, source=source)
    collect_for_loan(household=household, item=item, loan=loan)
    return loan


def take_back(
    *,
    actor: User,
    location: Location,
    loan: Loan,
    line: ReturnLine,
    exchanged: bool = False,
    visit: Visit | None = None,
    source: str = "",
) -> Loan:
    """Check and record one return. In the caller's transaction, with the household,
    the item and the loan locked (``lock_open_loan``) and the role checked."""
    line = ReturnLine(
        item=loan.item,
        condition=line.condition,
        missing_accessories=tuple(line.missing_accessories),
        damage=line.damage,
        deposit_outcome=line.deposit_outcome,
        deposit_kept=line.deposit_kept,
        deposit_reason=line.deposit_reason,
    )
    check = check_return(household=None, line=line, loan=loan, exchanged=exchanged)
    if check.refusals:
        raise refuse(check.refusals)
    problem = "; ".join(
        part
        for part in (
            line.damage.strip(),
            _("missing: %(accessories)s") % {"accessories": ", ".join(line.missing_accessories)}
            if line.missing_accessories
            else "",
        )
        if part
    )
    item = stock.take_back_item(
        item=loan.item,
        user=actor,
        needs_repair=check.needs_repair,
        note=problem or _("returned by %(household)s") % {"household": loan.household.code},
    )
    loan.returned_at = timezone.now()
    loan.returned_by = actor
    loan.return_location = location
    loan.return_visit = visit
    loan.condition_back = line.condition.strip()
    loan.missing_accessories = sorted(line.missing_accessories)
    loan.damage = line.damage.strip()
    loan.deposit_outcome = check.outcome
    loan.deposit_kept = check.kept
    loan.deposit_reason = line.deposit_reason.strip() if check.kept else ""
    loan.save()
    if check.needs_repair:
        open_ticket_for(item=item, loan=loan, problem=problem, user=actor, attach=True)
    if check.kept:
        audit.record(
            actor=actor,
            action="keep_deposit",
            obj=loan,
            source=source,
            details={"kept": str(check.kept), "reason": loan.deposit_reason},
        )
    access.touch(loan.household)
    return loan


@transaction.atomic
def checkout_loan(
    *,
    actor: User,
    location: Location,
    household: Household,
    item: Item,
    accessories: Sequence[str],
    condition: str,
    deposit_payer: str = Loan.Payer.HOUSEHOLD,
    deposit_payment: str = Loan.DepositPayment.NONE,
    third_party: str = "",
    override_reason: str = "",
    idempotency_key: str | None = None,
    source: str = "",
) -> Loan:
    """Lend ``item`` to ``household`` at ``location``; due after the program's loan days.

    Refused (``DomainError``/``Conflict`` in Dutch, naming item, household and program):
    the item on loan, in repair, retired or held for another household; a car seat past
    its end of life or crashed; a laptop not wiped since its last loan; no program or no
    access; the program's maximum of open loans reached; an accessory not ticked in
    ``accessories``; no ``condition``; a deposit due but not paid (``deposit_payment``
    cash or payconiq), a third party not named, a deposit waived that is due. An overdue
    loan in the program, or waiving a due deposit, only a coordinator goes over, with
    ``override_reason``. ``idempotency_key``: the same key from the same person returns
    the first loan; the same key for another item, household or choice is a
    ``Conflict``."""
    require_counter(actor, location)
    key = idempotency_key_text(idempotency_key)
    household = lock_household(household)
    line = LoanLine(
        item=item,
        accessories=tuple(accessories),
        condition=condition,
        deposit_payer=deposit_payer,
        deposit_payment=deposit_payment,
        third_party=third_party,
    )
    visit, replayed = claim(
        actor=actor,
        key=key,
        operation="checkout_loan",
        household=household,
        location=location,
        request={
            "household": household.pk,
            "line": describe_line(line),
            "override": override_reason,
        },
    )
    if replayed:
        return visit.loans_out.get()
    return lend(
        actor=actor,
        location=location,
        household=household,
        line=line,
        override_reason=override_reason,
        visit=visit,
        idempotency_key=key,
        source=source,
    )


@transaction.atomic
def return_loan(
    *,
    actor: User,
    location: Location,
    loan: Loan,
    condition: str,
    missing_accessories: Sequence[str] = (),
    damage: str = "",
    deposit_outcome: str | None = None,
    deposit_kept: Decimal = Decimal("0"),
    deposit_reason: str = "",
    source: str = "",
    idempotency_key: str | None = None,
) -> Loan:
    """Take a loan back at ``location`` (any point the person works at). Damage or
    missing accessories put the item in repair with a repair ticket (added to the open
    one when the item has one); otherwise it is available again. ``deposit_outcome`` (a
    ``Loan.DepositOutcome``; None: refunded when one was paid, to the third party that
    paid it if one did): keeping all or part (``deposit_kept``) needs
    ``deposit_reason``. ``idempotency_key``: a retry gets the returned loan again."""
    require_counter(actor, location)
    key = idempotency_key_text(idempotency_key)
    line = ReturnLine(
        item=loan.item,
        condition=condition,
        missing_accessories=tuple(missing_accessories),
        damage=damage,
        deposit_outcome=deposit_outcome,
        deposit_kept=Decimal(deposit_kept),
        deposit_reason=deposit_reason,
    )
    household = lock_household(loan.household)
    lock_item(loan.item)
    visit, replayed = claim(
        actor=actor,
        key=key,
        operation="return_loan",
        household=household,
        location=location,
        request={"loan": loan.pk, "line": describe_line(line)},
    )
    if replayed:
        return Loan.objects.get(pk=loan.pk)
    loan = lock_open_loan(loan)
    return take_back(
        actor=actor, location=location, loan=loan, line=line, visit=visit, source=source
    )


@transaction.atomic
def renew_loan(
    *,
    actor: User,
    location: Location,
    loan: Loan,
    source: str = "",
    idempotency_key: str | None = None,
) -> Loan:
    """Lend the item for another loan period, counted from its due date or from today
    when it is overdue (renewing is how an overdue loan is put right). Refused after
    ``MAX_RENEWALS`` renewals, while another household waits for this item type, and
    when the household no longer has access to the loan's program.
    ``idempotency_key``: a double click (the same key) renews once, and the second gets
    the renewed loan. Only at the point that lent it (or by someone who may act there):
    a renewal is the lending point's promise, and its answer names the household."""
    require_counter(actor, location)
    permissions.require_location(actor, loan.location)
    key = idempotency_key_text(idempotency_key)
    household = lock_household(loan.household)
    lock_item(loan.item)
    visit, replayed = claim(
        actor=actor,
        key=key,
        operation="renew_loan",
        household=household,
        location=location,
        request={"loan": loan.pk},
    )
    if replayed:
        return Loan.objects.get(pk=loan.pk)
    loan = lock_open_loan(loan)
    if loan.renewals >= MAX_RENEWALS:
        raise DomainError(
            _(
                "%(item)s was renewed %(n)d times already, the most a loan is renewed: bring it back."
            )
            % {"item": loan.item.name, "n": loan.renewals},
            code="max_renewals",
        )
    entitlement = access_selectors.entitlement(
        household=household, program=loan.program, location=location
    )
    if not entitlement.allowed:
        raise DomainError(
            _("%(item)s cannot be renewed: %(explanation)s")
            % {"item": loan.item.name, "explanation": entitlement.explanation},
            code="no_access",
        )
    waiting = households_waiting(
        loan.item.item_type, size=loan.item.size, location=loan.item.location
    )
    if waiting > 0:
        raise DomainError(
            _("%(item)s cannot be renewed: %(n)d other household(s) wait for a %(type)s.")
            % {"item": loan.item.name, "n": waiting, "type": loan.item.item_type.name},
            code="others_waiting",
        )
    loan.due_on = due_date(loan.program, max(loan.due_on, timezone.localdate()))
    loan.renewals += 1
    loan.save(update_fields=["due_on", "renewals"])
    audit.record(
        actor=actor,
        action="renew_loan",
        obj=loan,
        source=source,
        details={"due_on": str(loan.due_on), "visit": visit.pk},
    )
    return loan


@transaction.atomic
def exchange_loan(
    *,
    actor: User,
    location: Location,
    loan: Loan,
    back: ReturnLine,
    out: LoanLine,
    override_reason: str = "",
    source: str = "",
    idempotency_key: str | None = None,
) -> Loan:
    """Bring ``loan``'s item back and lend ``out.item`` in one step (fietsbib: the 16"
    bike back, the 20" one out). The deposit paid carries over to the new loan
    (``deposit_carried``), with who paid it (a third party stays the payer); the payer
    pays what the new deposit is more, or gets back what it is less
    (``Loan.deposit_difference``). ``back.deposit_outcome`` is ignored: the deposit
    carries. All or nothing. ``idempotency_key``: a retry gets the new loan again."""
    require_counter(actor, location)
    key = idempotency_key_text(idempotency_key)
    household = lock_household(loan.household)
    lock_items([loan.item, out.item])
    visit, replayed = claim(
        actor=actor,
        key=key,
        operation="exchange_loan",
        household=household,
        location=location,
        request={
            "loan": loan.pk,
            "back": describe_line(back),
            "out": describe_line(out),
            "override": override_reason,
        },
    )
    if replayed:
        return visit.loans_out.get()
    old = lock_open_loan(loan)
    returned = take_back(
        actor=actor,
        location=location,
        loan=old,
        line=back,
        exchanged=True,
        visit=visit,
        source=source,
    )
    return lend(
        actor=actor,
        location=location,
        household=household,
        line=out,
        override_reason=override_reason,
        replaces=returned,
        visit=visit,
        idempotency_key=key,
        source=source,
    )
