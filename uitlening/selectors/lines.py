"""What a counter basket is made of, and why a line may be refused.

The same line types go into ``price_basket`` (the preview the counter shows) and into
``confirm_visit`` (which records the basket), so the two cannot disagree on a rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from voorraad.models import Item, Product


@dataclass(frozen=True)
class ProductLine:
    """``packs`` packs of a consumable to hand out."""

    product: Product
    packs: int


@dataclass(frozen=True)
class LoanLine:
    """An item to lend. ``accessories`` are the ones the volunteer ticked (every one of
    the item's must be); ``condition`` is the state confirmed at the counter.
    ``deposit_payer`` is a ``Loan.Payer`` value, ``deposit_payment`` a
    ``Loan.DepositPayment`` value; ``third_party`` names the payer for ``derde``.
    ``replaces``: the item brought back in the same visit whose loan this one replaces
    (an exchange: its deposit carries over)."""

    item: Item
    accessories: tuple[str, ...] = ()
    condition: str = ""
    deposit_payer: str = "gezin"
    deposit_payment: str = "geen"
    third_party: str = ""
    replaces: Item | None = None


@dataclass(frozen=True)
class ReturnLine:
    """An item brought back. Missing accessories or damage open a repair ticket.
    ``deposit_outcome`` is a ``Loan.DepositOutcome`` value; None: refunded when a
    deposit was paid, else none. Keeping (part of) it needs ``deposit_reason``."""

    item: Item
    condition: str = ""
    missing_accessories: tuple[str, ...] = ()
    damage: str = ""
    deposit_outcome: str | None = None
    deposit_kept: Decimal = Decimal("0")
    deposit_reason: str = ""


BasketLine = ProductLine | LoanLine | ReturnLine


@dataclass(frozen=True)
class Refusal:
    """Why a line cannot be recorded, in Dutch. ``overridable``: a coordinator may go
    over it with a reason (quota, an overdue loan); the others hold for everyone."""

    code: str
    message: str
    overridable: bool = False
    line: int | None = None  # index in the basket, when it is about one line


@dataclass
class Refusals:
    items: list[Refusal] = field(default_factory=list)

    def add(self, code: str, message: str, *, overridable: bool = False) -> None:
        self.items.append(Refusal(code=code, message=message, overridable=overridable))
