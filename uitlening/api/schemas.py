"""What the counter's write operations take and answer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, Schema

from kern.api_contract import (
    MAX_LIST,
    NOT_BLANK,
    Id,
    OptionalId,
    text,
)
from kern.errors import NotFound
from kern.models import Location, User
from uitlening.models import Distribution, Loan
from voorraad.models import Item

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
    household_code: str | None = Field(
        ...,
        description="The borrower, only for a caller who may act at the point that lent it "
        "(an item brought back elsewhere does not tell that point whose it was).",
    )
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


def distribution_out(distribution: Distribution) -> dict[str, Any]:
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


def loan_out(loan: Loan, *, viewer: User) -> dict[str, Any]:
    item = Item.objects.only("status").get(pk=loan.item_id)
    return {
        "id": loan.pk,
        "item_id": loan.item_id,
        "item_code": loan.item.code,
        "item": loan.item.name,
        "household_code": loan.household.code if viewer.can_act_at(loan.location) else None,
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


def location_by_id(pk: int) -> Location:
    """The location an operation names, or a 404 that says which."""
    location = Location.objects.select_related("municipality").filter(pk=pk).first()
    if location is None:
        raise NotFound(_("Location %(id)s does not exist.") % {"id": pk})
    return location
