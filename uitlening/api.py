"""API operations of the counter: check_eligibility, record_distribution, checkout_loan,
return_loan, renew_loan, exchange_loan and confirm_visit (a whole basket at once).

Each calls the same ``uitlening.services`` function as the counter screen, so every rule
(access, quota, stock, the loan gates, a volunteer only at their own points) is checked
there, once. Writes take an ``Idempotency-Key``: a retry gets the first answer.
Answers never reveal *why* a family is eligible (which evidence), only what it may do,
and never who borrowed an item beyond the household the caller named."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.params import P, PathEx

from kern import permissions
from kern.api_contract import (
    MAX_ID,
    MAX_LIST,
    NOT_BLANK,
    WRITE_ERRORS,
    Id,
    IdempotencyKey,
    OptionalId,
    caller,
    contract,
    run_write,
    text,
)
from kern.errors import DomainError, NotFound
from kern.models import Location, User
from toegang import services as access
from toegang.models import Household
from toegang.uitpas.client import (
    UitpasError,
    UitpasRateLimited,
    UitpasTimeout,
    UitpasUnauthorized,
    UitpasUnavailable,
)
from uitlening import services
from uitlening.models import Distribution, Loan
from uitlening.services import CheckInKind, CounterCheckIn, LoanLine, ProductLine, ReturnLine
from voorraad.models import Item, Product

router = Router(tags=["uitlening"])

#: ``check_eligibility`` kept its path under /api/v1/toegang/ when the counter moved
#: here: counter tablets call it there. config/api.py mounts this router at /toegang/.
eligibility_router = Router(tags=["toegang"])

#: Packs of one product in one line: more than any family takes at once (the quota and
#: the stock refuse far less).
MAX_PACKS = 1000
MAX_CONDITION = 500
MAX_DAMAGE = 2000
MAX_REASON = 200  # uitlening.services._rules.MAX_REASON_LENGTH, the records' field size
MAX_THIRD_PARTY = 100

Accessory = Annotated[str, Field(min_length=1, max_length=100, pattern=NOT_BLANK)]
# Euro as text ("12.50" or "12,50"): a JSON number cannot promise two decimals.
Amount = Annotated[
    str,
    Field(
        max_length=8, pattern=r"^[0-9]{1,5}([.,][0-9]{1,2})?$", description="Euro, e.g. `12.50`."
    ),
]
Payment = Literal["gratis", "cash", "payconiq"]
Payer = Literal["gezin", "derde", "kwijtgescholden"]
DepositPayment = Literal["geen", "cash", "payconiq"]
Outcome = Literal["terug", "gehouden", "deels", "geen"]

HOUSEHOLD_CODE = text(20, required=True, description="Household card (G…).")
CONDITION = text(MAX_CONDITION, required=True, description="The condition confirmed now.")
OVERRIDE = text(
    MAX_REASON,
    default="",
    description="A coordinator going over the quota or an overdue loan: why (audited).",
)


# --- check_eligibility ------------------------------------------------------------------


class EligibilityIn(Schema):
    location_id: Id
    household_code: str | None = text(40, default=None, description="Household card (G…).")
    referral_code: str | None = text(40, default=None, description="Referral letter (D…).")
    uitpas_number: str | None = text(
        40, default=None, description="13 digits; checked with UiTPAS (or a recent check reused)."
    )
    program_ids: list[Id] = Field(
        default_factory=list, max_length=MAX_LIST, description="Empty: every active program."
    )


class EntitlementOut(Schema):
    program_id: int
    program: str
    allowed: bool
    until: dt.date | None
    membership_fee: Decimal
    contribution: Decimal
    quota_packs: int | None
    quota_remaining: int | None
    explanation: str
    needs_uitpas_check: bool


class WarningOut(Schema):
    code: str = Field(
        ...,
        description="`referral_revoked`, `referral_expired`, `uitpas_expired`, "
        "`passholder_blocked`, `pass_not_found`, …",
    )
    message: str
    end_user_message: str = Field("", description="UiTPAS's own words for the family.")
    about_uitpas: bool


class EligibilityOut(Schema):
    household_id: int
    household_code: str
    messages: list[str]
    warnings: list[WarningOut] = Field(
        ...,
        description="What was scanned gives no access itself (a revoked or expired letter, "
        "a blocked or expired card): the entitlements are what the household's other "
        "evidence allows.",
    )
    entitlements: list[EntitlementOut]


def _location(pk: int) -> Location:
    location = Location.objects.select_related("municipality").filter(pk=pk).first()
    if location is None:
        raise NotFound(_("Location %(id)s does not exist.") % {"id": pk})
    return location


# UiTPAS could not answer (not: the card cannot be used): an error to retry, not a warning.
_UITPAS_DOWN: dict[str, type[UitpasError]] = {
    UitpasUnauthorized.code: UitpasUnauthorized,
    UitpasRateLimited.code: UitpasRateLimited,
    UitpasTimeout.code: UitpasTimeout,
    UitpasUnavailable.code: UitpasUnavailable,
    "bad_response": UitpasUnavailable,
    UitpasError.code: UitpasError,
}


def _raise_if_uitpas_down(checkin: CounterCheckIn) -> None:
    for warning in checkin.warnings:
        error = _UITPAS_DOWN.get(warning.code) if warning.about_uitpas else None
        if error is not None:
            raise error(
                warning.message,
                code=warning.code,
                end_user_message=warning.end_user_message or None,
            )


@eligibility_router.post(
    "/eligibility",
    operation_id="check_eligibility",
    **contract({200: EligibilityOut}, 400, 403, 404, 409, 422, 502, 503, 504),
)
def check_eligibility(request: HttpRequest, payload: EligibilityIn) -> dict[str, Any]:
    """What a household may use at a location today: per program allowed or not, until
    when, fee, contribution and remaining quota, with a plain explanation. The same
    check-in as the counter screen: a referral letter is marked used, an UiTPAS card is
    checked with UiTPAS unless a recent check exists.

    A card or letter that gives no access itself (revoked, expired, blocked, unknown to
    UiTPAS) answers 200 with a warning and what the household's other evidence allows,
    as the counter screen shows it. UiTPAS not answering is a 502/503/504: try again."""
    user = caller(request)
    permissions.require(user, "kern.use_counter")  # before saying whether a location exists
    location = _location(payload.location_id)
    kind: CheckInKind
    if payload.household_code:
        kind, code = "household", payload.household_code
    elif payload.referral_code:
        kind, code = "referral", payload.referral_code
    elif payload.uitpas_number:
        kind, code = "uitpas", payload.uitpas_number
    else:
        raise DomainError(_("Send a household code, a referral code or an UiTPAS number."))
    checkin = services.check_in_by(
        actor=user,
        location=location,
        kind=kind,
        code=code,
        program_ids=payload.program_ids,
        source="api:check_eligibility",
        uitpas_errors="warn",
    )
    if checkin is None:
        raise NotFound(
            _("This UiTPAS card is not linked to a household yet: register the family first."),
            code="uitpas_not_linked",
        )
    _raise_if_uitpas_down(checkin)
    return {
        "household_id": checkin.household.pk,
        "household_code": checkin.household.code,
        "messages": checkin.messages,
        "warnings": [
            {
                "code": w.code,
                "message": w.message,
                "end_user_message": w.end_user_message,
                "about_uitpas": w.about_uitpas,
            }
            for w in checkin.warnings
        ],
        "entitlements": [
            {
                "program_id": e.program.pk,
                "program": e.program.name,
                "allowed": e.allowed,
                "until": e.until,
                "membership_fee": e.membership_fee,
                "contribution": e.contribution,
                "quota_packs": e.quota_packs,
                "quota_remaining": e.quota_remaining,
                "explanation": e.explanation,
                "needs_uitpas_check": e.needs_uitpas_check,
            }
            for e in checkin.entitlements
        ],
    }


# --- Inputs of the writes ---------------------------------------------------------------


class ProductLineIn(Schema):
    product_id: Id
    packs: int = Field(..., ge=1, le=MAX_PACKS)


class LoanItemIn(Schema):
    """An item going out: every accessory ticked, its condition, who pays the deposit."""

    item_id: Id
    accessories: list[Accessory] = Field(
        default_factory=list, max_length=MAX_LIST, description="Every accessory of the item."
    )
    condition: str = CONDITION
    deposit_payer: Payer = "gezin"
    deposit_payment: DepositPayment = "geen"
    third_party: str = text(
        MAX_THIRD_PARTY, default="", description="Who pays for `derde`, e.g. OCMW Gent."
    )


class ReturnedItemIn(Schema):
    """The state an item came back in. Damage or a missing accessory opens a repair ticket."""

    condition: str = CONDITION
    missing_accessories: list[Accessory] = Field(default_factory=list, max_length=MAX_LIST)
    damage: str = text(MAX_DAMAGE, default="")


class DepositBackIn(Schema):
    deposit_outcome: Outcome | None = Field(
        None, description="Default: refunded when a deposit was paid."
    )
    deposit_kept: Amount = "0"
    deposit_reason: str = text(MAX_REASON, default="", description="Why (part of) it is kept.")


class DistributionIn(Schema):
    location_id: Id
    household_code: str = HOUSEHOLD_CODE
    lines: list[ProductLineIn] = Field(..., min_length=1, max_length=MAX_LIST)
    payment: Payment | None = Field(None, description="How the contribution was paid.")
    override_reason: str = OVERRIDE


class CheckoutIn(LoanItemIn):
    location_id: Id
    household_code: str = HOUSEHOLD_CODE
    override_reason: str = OVERRIDE


class ReturnIn(ReturnedItemIn, DepositBackIn):
    location_id: Id


class RenewIn(Schema):
    location_id: Id


class ExchangeIn(Schema):
    location_id: Id
    back: ReturnedItemIn
    out: LoanItemIn
    override_reason: str = OVERRIDE


class VisitLoanIn(LoanItemIn):
    replaces_item_id: OptionalId = Field(
        None, description="An item returned in this visit that this one replaces (exchange)."
    )


class VisitReturnIn(ReturnedItemIn, DepositBackIn):
    item_id: Id


class VisitIn(Schema):
    location_id: Id
    household_code: str = HOUSEHOLD_CODE
    products: list[ProductLineIn] = Field(default_factory=list, max_length=MAX_LIST)
    loans: list[VisitLoanIn] = Field(default_factory=list, max_length=MAX_LIST)
    returns: list[VisitReturnIn] = Field(default_factory=list, max_length=MAX_LIST)
    payment: Payment | None = Field(None, description="How the contribution was paid.")
    override_reason: str = OVERRIDE


# --- Answers ----------------------------------------------------------------------------


class DistributionLineOut(Schema):
    product_id: int
    product: str
    program_id: int
    program: str
    packs: int
    units: int


class DistributionOut(Schema):
    id: int
    household_code: str
    location_id: int
    created_at: dt.datetime
    contribution: Decimal
    payment: str
    override_reason: str
    lines: list[DistributionLineOut]


class LoanOut(Schema):
    id: int
    item_id: int
    item_code: str
    item: str
    household_code: str
    program_id: int
    program: str
    location_id: int
    lent_at: dt.datetime
    due_on: dt.date
    renewals: int
    deposit: Decimal
    deposit_payer: str
    deposit_payment: str
    deposit_third_party: str
    deposit_carried: Decimal
    accessories_out: list[str]
    condition_out: str
    exchanged_from_id: int | None
    returned_at: dt.datetime | None
    return_location_id: int | None
    condition_back: str
    missing_accessories: list[str]
    damage: str
    deposit_outcome: str
    deposit_kept: Decimal
    in_repair: bool = Field(..., description="The item went to repair (a ticket is open).")


class VisitOut(Schema):
    id: int
    household_code: str
    location_id: int
    distribution: DistributionOut | None
    loans: list[LoanOut] = Field(..., description="Lent now (exchanges included).")
    returns: list[LoanOut] = Field(..., description="Brought back now.")


def _distribution_out(distribution: Distribution) -> dict[str, Any]:
    lines = distribution.lines.select_related("product", "program").order_by("id")
    return {
        "id": distribution.pk,
        "household_code": distribution.household.code,
        "location_id": distribution.location_id,
        "created_at": distribution.created_at.isoformat(),
        "contribution": str(distribution.contribution),
        "payment": distribution.payment,
        "override_reason": distribution.override_reason,
        "lines": [
            {
                "product_id": line.product_id,
                "product": line.product.name,
                "program_id": line.program_id,
                "program": line.program.name,
                "packs": line.packs,
                "units": line.units,
            }
            for line in lines
        ],
    }


def _loan_out(loan: Loan) -> dict[str, Any]:
    item = Item.objects.only("status").get(pk=loan.item_id)
    return {
        "id": loan.pk,
        "item_id": loan.item_id,
        "item_code": loan.item.code,
        "item": loan.item.name,
        "household_code": loan.household.code,
        "program_id": loan.program_id,
        "program": loan.program.name,
        "location_id": loan.location_id,
        "lent_at": loan.lent_at.isoformat(),
        "due_on": loan.due_on.isoformat(),
        "renewals": loan.renewals,
        "deposit": str(loan.deposit),
        "deposit_payer": loan.deposit_payer,
        "deposit_payment": loan.deposit_payment,
        "deposit_third_party": loan.deposit_third_party,
        "deposit_carried": str(loan.deposit_carried),
        "accessories_out": [str(a) for a in loan.accessories_out or []],
        "condition_out": loan.condition_out,
        "exchanged_from_id": loan.exchanged_from_id,
        "returned_at": loan.returned_at.isoformat() if loan.returned_at else None,
        "return_location_id": loan.return_location_id,
        "condition_back": loan.condition_back,
        "missing_accessories": [str(a) for a in loan.missing_accessories or []],
        "damage": loan.damage,
        "deposit_outcome": loan.deposit_outcome,
        "deposit_kept": str(loan.deposit_kept),
        "in_repair": item.status == Item.Status.IN_REPAIR,
    }


# --- Looking up what the request names --------------------------------------------------


def _counter(request: HttpRequest, location_id: int) -> tuple[User, Location]:
    """The caller and the point, after the role check (so a caller without it learns
    nothing about which points exist); the services check the caller works there."""
    user = caller(request)
    permissions.require(user, "kern.use_counter")
    return user, _location(location_id)


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
        return 201, _distribution_out(distribution)

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
        return 201, _loan_out(loan)

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
        return 200, _loan_out(returned)

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
        return 200, _loan_out(loan)

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
        return 201, _loan_out(loan)

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
            "distribution": _distribution_out(result.distribution) if result.distribution else None,
            "loans": [_loan_out(loan) for loan in result.loans],
            "returns": [_loan_out(loan) for loan in result.returns],
        }

    return run_write(
        request,
        response,
        key=idempotency_key,
        operation="confirm_visit",
        payload=payload,
        perform=perform,
    )
