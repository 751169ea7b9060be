"""Confirming a counter visit: the whole basket (products, loans, returns, exchanges)
recorded at once, all or nothing, exactly once per idempotency key.

The basket is checked again here, under the locks, with the same checks the preview
(``uitlening.selectors.price_basket``) showed; nothing the browser says is trusted."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kern.errors import Conflict, DomainError
from kern.models import Location, User
from toegang.models import Household
from uitlening.models import Distribution, Loan, Visit
from uitlening.selectors import (
    BasketLine,
    Entitlements,
    LoanLine,
    ProductLine,
    Refusal,
    ReturnLine,
    open_loan_of_item,
)
from uitlening.services._rules import lock_household, refuse, require_counter
from uitlening.services.distributions import book_distribution, idempotency_key_text
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


def _request_hash(
    location: Location,
    household: Household,
    lines: Sequence[BasketLine],
    payment: str | None,
    override_reason: str,
) -> str:
    def describe(line: BasketLine) -> dict[str, object]:
        if isinstance(line, ProductLine):
            return {"product": line.product.pk, "packs": line.packs}
        if isinstance(line, LoanLine):
            return {
                "lend": line.item.pk,
                "accessories": sorted(line.accessories),
                "condition": line.condition,
                "payer": line.deposit_payer,
                "payment": line.deposit_payment,
                "third_party": line.third_party,
                "replaces": line.replaces.pk if line.replaces else None,
            }
        return {
            "return": line.item.pk,
            "condition": line.condition,
            "missing": sorted(line.missing_accessories),
            "damage": line.damage,
            "outcome": line.deposit_outcome,
            "kept": str(line.deposit_kept),
            "reason": line.deposit_reason,
        }

    text = json.dumps(
        {
            "location": location.pk,
            "household": household.pk,
            "lines": [describe(line) for line in lines],
            "payment": payment,
            "override": override_reason,
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _replay(visit: Visit, request_hash: str) -> VisitResult:
    if visit.request_hash != request_hash:
        raise Conflict(
            _(
                "This confirm key was already used for another basket. Start a new basket "
                "to record this one."
            ),
            code="idempotency_key_reused",
        )
    return VisitResult(
        visit=visit,
        distribution=visit.distributions.first(),
        loans=list(visit.loans_out.order_by("id")),
        returns=list(visit.loans_back.order_by("id")),
        replayed=True,
    )


def _twice(name: str) -> DomainError:
    return Conflict(_("%(item)s is in the basket twice.") % {"item": name}, code="item_twice")


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
    request_hash = _request_hash(location, household, lines, payment, override_reason)
    household = lock_household(household)
    if key:
        previous = Visit.objects.filter(user=actor, idempotency_key=key).first()
        if previous is not None:
            return _replay(previous, request_hash)
        try:
            with transaction.atomic():
                visit = Visit.objects.create(
                    household=household,
                    location=location,
                    user=actor,
                    idempotency_key=key,
                    request_hash=request_hash,
                )
        except IntegrityError:
            # Claimed by a confirm that committed since (its insert made ours wait).
            previous = Visit.objects.filter(user=actor, idempotency_key=key).first()
            if previous is None:
                raise
            return _replay(previous, request_hash)
    else:
        visit = Visit.objects.create(
            household=household, location=location, user=actor, request_hash=request_hash
        )

    returns_in = [line for line in lines if isinstance(line, ReturnLine)]
    loans_in = [line for line in lines if isinstance(line, LoanLine)]
    products = [line for line in lines if isinstance(line, ProductLine)]
    item_lines: list[LoanLine | ReturnLine] = [*returns_in, *loans_in]
    items = [line.item.pk for line in item_lines]
    for item_line in item_lines:
        if items.count(item_line.item.pk) > 1:
            raise _twice(item_line.item.name)
    replaced = {line.replaces.pk for line in loans_in if line.replaces is not None}

    # Returns, in item order (the lock order every visit uses).
    returned: dict[int, Loan] = {}
    for line in sorted(returns_in, key=lambda r: r.item.pk):
        loan = open_loan_of_item(line.item)
        if loan is None or loan.household_id != household.pk:
            message = (
                _("%(item)s is not on loan: there is nothing to take back.")
                if loan is None
                else _("%(item)s is on loan to another household, not to %(household)s.")
            ) % {"item": line.item.name, "household": household.code}
            raise refuse([Refusal("not_on_loan", message)])
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
    for loan_line in sorted(loans_in, key=lambda each: each.item.pk):
        replaces = None
        if loan_line.replaces is not None:
            replaces = returned.get(loan_line.replaces.pk)
            if replaces is None:
                raise DomainError(
                    _("%(item)s replaces %(old)s, but %(old)s is not brought back in this visit.")
                    % {"item": loan_line.item.name, "old": loan_line.replaces.name},
                    code="exchange_without_return",
                )
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
