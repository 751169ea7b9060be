"""The counter's write operations: distributions, loans (check-out, return, renewal,
exchange) and a whole visit at once."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.params import P, PathEx

from kern import permissions
from kern.api_contract import (
    MAX_ID,
    WRITE_ERRORS,
    IdempotencyKey,
    caller,
    contract,
    run_write,
)
from kern.errors import NotFound
from kern.models import Location, User
from toegang import services as access
from toegang.models import Household
from uitlening import services
from uitlening.api.schemas import (
    CheckoutIn,
    DepositBackIn,
    DistributionIn,
    DistributionOut,
    ExchangeIn,
    LoanItemIn,
    LoanOut,
    ProductLineIn,
    RenewIn,
    ReturnedItemIn,
    ReturnIn,
    VisitIn,
    VisitOut,
    distribution_out,
    loan_out,
    location_by_id,
)
from uitlening.models import Loan
from uitlening.services import LoanLine, ProductLine, ReturnLine
from voorraad.models import Item, Product

router = Router(tags=["uitlening"])


def _counter(request: HttpRequest, location_id: int) -> tuple[User, Location]:
    """The caller and the point, after the role check (so a caller without it learns
    nothing about which points exist); the services check the caller works there."""
    user = caller(request)
    permissions.require(user, "kern.use_counter")
    return user, location_by_id(location_id)


def _household(user: User, code: str, source: str) -> Household:
    return access.household_by_code(actor=user, code=code, source=source)


def _items(ids: Iterable[int]) -> dict[int, Item]:
    wanted = set(ids)
    found = Item.objects.select_related("item_type").in_bulk(wanted)
    missing = sorted(wanted - set(found))
    if missing:
        raise NotFound(_("Item %(id)s does not exist.") % {"id": ", ".join(map(str, missing))})
    return found


def _product_lines(lines: list[ProductLineIn]) -> list[ProductLine]:
    wanted = {line.product_id for line in lines}
    products = Product.objects.in_bulk(wanted)
    missing = sorted(wanted - set(products))
    if missing:
        raise NotFound(_("Product %(id)s does not exist.") % {"id": ", ".join(map(str, missing))})
    return [ProductLine(product=products[line.product_id], packs=line.packs) for line in lines]


def _loan(loan_id: int) -> Loan:
    loan = (
        Loan.objects.select_related("item", "item__item_type", "household", "program")
        .filter(pk=loan_id)
        .first()
    )
    if loan is None:
        raise NotFound(_("Loan %(id)s does not exist.") % {"id": loan_id})
    return loan


def _euro(amount: str) -> Decimal:
    return Decimal(amount.replace(",", "."))


def _loan_line(line: LoanItemIn, item: Item, replaces: Item | None = None) -> LoanLine:
    return LoanLine(
        item=item,
        accessories=tuple(line.accessories),
        condition=line.condition,
        deposit_payer=line.deposit_payer,
        deposit_payment=line.deposit_payment,
        third_party=line.third_party,
        replaces=replaces,
    )


def _return_line(line: ReturnedItemIn, item: Item, deposit: DepositBackIn | None) -> ReturnLine:
    return ReturnLine(
        item=item,
        condition=line.condition,
        missing_accessories=tuple(line.missing_accessories),
        damage=line.damage,
        deposit_outcome=deposit.deposit_outcome if deposit else None,
        deposit_kept=_euro(deposit.deposit_kept) if deposit else Decimal("0"),
        deposit_reason=deposit.deposit_reason if deposit else "",
    )


LoanPath = PathEx[int, P(ge=1, le=MAX_ID)]


# --- Writes -----------------------------------------------------------------------------


@router.post(
    "/distributions",
    operation_id="record_distribution",
    **contract({201: DistributionOut}, *WRITE_ERRORS, idempotent=True),
)
def record_distribution(
    request: HttpRequest,
    response: HttpResponse,
    payload: DistributionIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Hand out consumables to a household at a point you work at: access, the quota
    over the whole basket and the stock are checked and the ledger posted at once. Over
    quota only a coordinator goes, with `override_reason`."""
    source = "api:record_distribution"

    def perform() -> tuple[int, dict[str, Any]]:
        user, location = _counter(request, payload.location_id)
        distribution = services.record_distribution(
            actor=user,
            location=location,
            household=_household(user, payload.household_code, source),
            lines=_product_lines(payload.lines),
            payment=payload.payment,
            override_reason=payload.override_reason,
            idempotency_key=idempotency_key,
            source=source,
        )
        return 201, distribution_out(distribution)

    return run_write(
        request,
        response,
        key=idempotency_key,
        operation="record_distribution",
        payload=payload,
        perform=perform,
    )


@router.post(
    "/loans",
    operation_id="checkout_loan",
    **contract({201: LoanOut}, *WRITE_ERRORS, idempotent=True),
)
def checkout_loan(
    request: HttpRequest,
    response: HttpResponse,
    payload: CheckoutIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Lend an item to a household, due after the program's loan days. Refused with the
    reason: the item on loan, in repair, retired or held for another household; a car
    seat past its end of life or crashed; a laptop not wiped; no access; the program's
    maximum of loans; an overdue loan (a coordinator may override); an accessory not
    ticked; the deposit not paid."""
    source = "api:checkout_loan"

    def perform() -> tuple[int, dict[str, Any]]:
        user, location = _counter(request, payload.location_id)
        household = _household(user, payload.household_code, source)
        item = _items([payload.item_id])[payload.item_id]
        loan = services.checkout_loan(
            actor=user,
            location=location,
            household=household,
            item=item,
            accessories=payload.accessories,
            condition=payload.condition,
            deposit_payer=payload.deposit_payer,
            deposit_payment=payload.deposit_payment,
            third_party=payload.third_party,
            override_reason=payload.override_reason,
            idempotency_key=idempotency_key,
            source=source,
        )
        return 201, loan_out(loan, viewer=user)

    return run_write(
        request,
        response,
        key=idempotency_key,
        operation="checkout_loan",
        payload=payload,
        perform=perform,
    )


@router.post(
    "/loans/{loan_id}/return",
    operation_id="return_loan",
    **contract({200: LoanOut}, *WRITE_ERRORS, idempotent=True),
)
def return_loan(
    request: HttpRequest,
    response: HttpResponse,
    loan_id: LoanPath,
    payload: ReturnIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Take a loan back at a point you work at (the item's scan gives `loan_id`). Damage
    or a missing accessory puts the item in repair with a repair ticket; the deposit is
    refunded, or kept (all or part) with a reason."""
    source = "api:return_loan"

    def perform() -> tuple[int, dict[str, Any]]:
        user, location = _counter(request, payload.location_id)
        loan = _loan(loan_id)
        line = _return_line(payload, loan.item, payload)
        returned = services.return_loan(
            actor=user,
            location=location,
            loan=loan,
            condition=line.condition,
            missing_accessories=line.missing_accessories,
            damage=line.damage,
            deposit_outcome=line.deposit_outcome,
            deposit_kept=line.deposit_kept,
            deposit_reason=line.deposit_reason,
            source=source,
        )
        return 200, loan_out(returned, viewer=user)

    return run_write(
        request,
        response,
        key=idempotency_key,
        operation="return_loan",
        payload=payload,
        perform=perform,
        loan_id=loan_id,
    )


@router.post(
    "/loans/{loan_id}/renew",
    operation_id="renew_loan",
    **contract({200: LoanOut}, *WRITE_ERRORS, idempotent=True),
)
def renew_loan(
    request: HttpRequest,
    response: HttpResponse,
    loan_id: LoanPath,
    payload: RenewIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Lend the item for another loan period (from its due date, or from today when it
    is overdue). Refused after two renewals and while another household waits for it.
    Send an `Idempotency-Key`: without one, a retry renews twice."""
    source = "api:renew_loan"

    def perform() -> tuple[int, dict[str, Any]]:
        user, location = _counter(request, payload.location_id)
        loan = services.renew_loan(
            actor=user, location=location, loan=_loan(loan_id), source=source
        )
        return 200, loan_out(loan, viewer=user)

    return run_write(
        request,
        response,
        key=idempotency_key,
        operation="renew_loan",
        payload=payload,
        perform=perform,
        loan_id=loan_id,
    )


@router.post(
    "/loans/{loan_id}/exchange",
    operation_id="exchange_loan",
    **contract({201: LoanOut}, *WRITE_ERRORS, idempotent=True),
)
def exchange_loan(
    request: HttpRequest,
    response: HttpResponse,
    loan_id: LoanPath,
    payload: ExchangeIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Bring a loan's item back and lend another in one step (the fietsbib's 16" bike
    back, the 20" one out): the deposit carries over; the answer is the new loan, its
    `deposit_carried` what the old one handed over."""
    source = "api:exchange_loan"

    def perform() -> tuple[int, dict[str, Any]]:
        user, location = _counter(request, payload.location_id)
        old = _loan(loan_id)
        item = _items([payload.out.item_id])[payload.out.item_id]
        loan = services.exchange_loan(
            actor=user,
            location=location,
            loan=old,
            back=_return_line(payload.back, old.item, None),
            out=_loan_line(payload.out, item),
            override_reason=payload.override_reason,
            source=source,
        )
        return 201, loan_out(loan, viewer=user)

    return run_write(
        request,
        response,
        key=idempotency_key,
        operation="exchange_loan",
        payload=payload,
        perform=perform,
        loan_id=loan_id,
    )


@router.post(
    "/visits",
    operation_id="confirm_visit",
    **contract({201: VisitOut}, *WRITE_ERRORS, idempotent=True),
)
def confirm_visit(
    request: HttpRequest,
    response: HttpResponse,
    payload: VisitIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Record a counter basket at once, all or nothing: returns first, then loans
    (`replaces_item_id` naming an item returned in this visit makes an exchange), then
    the products as one distribution. The first refusal answers with its reason and
    nothing is recorded."""
    source = "api:confirm_visit"

    def perform() -> tuple[int, dict[str, Any]]:
        user, location = _counter(request, payload.location_id)
        household = _household(user, payload.household_code, source)
        items = _items(
            [line.item_id for line in payload.returns]
            + [line.item_id for line in payload.loans]
            + [line.replaces_item_id for line in payload.loans if line.replaces_item_id]
        )
        lines: list[services.BasketLine] = [
            _return_line(line, items[line.item_id], line) for line in payload.returns
        ]
        lines += [
            _loan_line(
                line,
                items[line.item_id],
                items[line.replaces_item_id] if line.replaces_item_id else None,
            )
            for line in payload.loans
        ]
        lines += _product_lines(payload.products)
        result = services.confirm_visit(
            actor=user,
            location=location,
            household=household,
            lines=lines,
            payment=payload.payment,
            idempotency_key=idempotency_key,
            override_reason=payload.override_reason,
            source=source,
        )
        return 201, {
            "id": result.visit.pk,
            "household_code": household.code,
            "location_id": location.pk,
            "distribution": distribution_out(result.distribution) if result.distribution else None,
            "loans": [loan_out(loan, viewer=user) for loan in result.loans],
            "returns": [loan_out(loan, viewer=user) for loan in result.returns],
        }

    return run_write(
        request,
        response,
        key=idempotency_key,
        operation="confirm_visit",
        payload=payload,
        perform=perform,
    )
