"""The counter's basket as the browser keeps it, and what the views make of it.

The basket lives in the browser (localStorage per distribution point) and is posted as
JSON with every counter request; nothing about it is stored on the server until
``uitlening.services.confirm_visit`` records it. This module only reads that JSON
(bounded, typed, in Dutch when it is wrong), turns it into the line types the
selectors and services take, and lays the preview out per line for the template. No
rule lives here: what may go out is ``uitlening.selectors.price_basket``'s answer."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from kern.errors import DomainError
from uitlening.selectors import (
    BasketLine,
    BasketPreview,
    LinePlan,
    LoanLine,
    LoanPreview,
    ProductLine,
    Refusal,
    ReturnLine,
    ReturnPreview,
)
from voorraad.models import Item, Product

MAX_BASKET_BYTES = 32_000
MAX_LINES = 40
MAX_TEXT = 500
MAX_PACKS = 999
MAX_KEY = 100

#: Refusals of a loan or return line the volunteer clears by filling in the line (the
#: checklist, the condition, the deposit): a scan starts the line anyway. Any other
#: refusal of a freshly scanned line refuses the scan and keeps the basket as it was.
TO_FILL_IN = frozenset(
    {
        "accessories_missing",
        "accessories_unknown",
        "condition_missing",
        "deposit_payer",
        "deposit_payment",
        "deposit_third_party",
        "deposit_unpaid",
        "deposit_waived",
        "deposit_outcome",
        "deposit_reason",
        "deposit_kept",
    }
)


class BasketError(DomainError):
    """The posted basket cannot be read."""


def new_key() -> str:
    return uuid.uuid4().hex


@dataclass
class BasketState:
    """The basket as the browser keeps it. ``lines`` are plain dicts (see ``_line``)."""

    household: str = ""
    key: str = field(default_factory=new_key)
    lines: list[dict[str, Any]] = field(default_factory=list)
    payment: str = ""
    override_reason: str = ""

    def as_json(self) -> str:
        return json.dumps(
            {
                "household": self.household,
                "key": self.key,
                "lines": self.lines,
                "payment": self.payment,
                "override_reason": self.override_reason,
            },
            separators=(",", ":"),
        )

    def copy(self) -> BasketState:
        return BasketState(
            household=self.household,
            key=self.key,
            lines=[dict(line) for line in self.lines],
            payment=self.payment,
            override_reason=self.override_reason,
        )


def _text(value: Any, limit: int = MAX_TEXT) -> str:
    return str(value).strip()[:limit] if isinstance(value, str | int | float) else ""


def _texts(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [_text(v, 100) for v in value[:30] if _text(v, 100)]


def _whole(value: Any, default: int, *, low: int, high: int) -> int:
    if isinstance(value, bool):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: 1e999 from JSON
        return default
    return min(max(number, low), high)


def _id(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
        return None
    return value


def _line(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        return None
    kind = raw.get("kind")
    pk = _id(raw.get("id"))
    if pk is None or kind not in ("product", "loan", "return"):
        return None
    line: dict[str, Any] = {"kind": kind, "id": pk, "label": _text(raw.get("label"), 200)}
    if kind == "product":
        line["packs"] = _whole(raw.get("packs"), 1, low=1, high=MAX_PACKS)
    elif kind == "loan":
        line.update(
            accessories=_texts(raw.get("accessories")),
            condition=_text(raw.get("condition")),
            payer=_text(raw.get("payer"), 20) or "gezin",
            payment=_text(raw.get("payment"), 20) or "geen",
            third_party=_text(raw.get("third_party"), 100),
            replaces=_id(raw.get("replaces")),
        )
    else:
        line.update(
            condition=_text(raw.get("condition")),
            missing=_texts(raw.get("missing")),
            damage=_text(raw.get("damage")),
            outcome=_text(raw.get("outcome"), 20),
            kept=_text(raw.get("kept"), 12),
            reason=_text(raw.get("reason"), 200),
        )
    return line


def read_basket(text: str | None) -> BasketState:
    """The posted basket; an empty one when nothing was posted."""
    if not text:
        return BasketState()
    if len(text) > MAX_BASKET_BYTES:
        raise BasketError(_("The basket is too large to read. Empty it and scan again."))
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise BasketError(_("The basket could not be read. Empty it and scan again.")) from exc
    if not isinstance(data, dict):
        raise BasketError(_("The basket could not be read. Empty it and scan again."))
    raw_lines = data.get("lines") or []
    if not isinstance(raw_lines, list) or len(raw_lines) > MAX_LINES:
        raise BasketError(
            _("A basket holds at most %(max)d lines: confirm this one first.") % {"max": MAX_LINES}
        )
    lines = [line for line in (_line(raw) for raw in raw_lines) if line is not None]
    key = _text(data.get("key"), MAX_KEY) or new_key()
    return BasketState(
        household=_text(data.get("household"), 20).upper(),
        key=key,
        lines=lines,
        payment=_text(data.get("payment"), 20),
        override_reason=_text(data.get("override_reason"), 200),
    )


#: More than any deposit: a larger amount is a typing error.
MAX_AMOUNT = Decimal("99999")


def _amount(text: str) -> Decimal:
    """Euro as typed ("2,50", "€ 3"); anything else, NaN or an absurd amount becomes -1,
    which the return check refuses with a message that says what is allowed."""
    try:
        amount = Decimal(text.replace(",", ".").replace("€", "").strip() or "0")
    except InvalidOperation:
        return Decimal("-1")
    # adjusted(): the exponent, read without arithmetic that could overflow itself.
    if not amount.is_finite() or amount.adjusted() > 5 or abs(amount) > MAX_AMOUNT:
        return Decimal("-1")
    return amount.quantize(Decimal("0.01"))


@dataclass
class Goods:
    """The products and items a basket names, loaded at once."""

    products: dict[int, Product]
    items: dict[int, Item]


def load_goods(state: BasketState) -> Goods:
    product_ids = {line["id"] for line in state.lines if line["kind"] == "product"}
    item_ids = {line["id"] for line in state.lines if line["kind"] != "product"}
    item_ids |= {line["replaces"] for line in state.lines if line.get("replaces")}
    products = Product.objects.select_related("category").in_bulk(product_ids)
    items = Item.objects.select_related("item_type", "location").in_bulk(item_ids)
    return Goods(products=products, items=items)


def drop_unknown(state: BasketState, goods: Goods) -> list[str]:
    """Remove lines whose product or item no longer exists; their labels."""
    kept: list[dict[str, Any]] = []
    gone: list[dict[str, Any]] = []
    for line in state.lines:
        known = goods.products if line["kind"] == "product" else goods.items
        (kept if line["id"] in known else gone).append(line)
    state.lines = kept
    return [line["label"] or str(line["id"]) for line in gone]


def basket_lines(state: BasketState, goods: Goods) -> list[BasketLine]:
    """The selectors' line types for ``state`` (every line's good must be in ``goods``)."""
    lines: list[BasketLine] = []
    for line in state.lines:
        if line["kind"] == "product":
            lines.append(ProductLine(product=goods.products[line["id"]], packs=line["packs"]))
        elif line["kind"] == "loan":
            lines.append(
                LoanLine(
                    item=goods.items[line["id"]],
                    accessories=tuple(line["accessories"]),
                    condition=line["condition"],
                    deposit_payer=line["payer"],
                    deposit_payment=line["payment"],
                    third_party=line["third_party"],
                    replaces=goods.items.get(line["replaces"]) if line["replaces"] else None,
                )
            )
        else:
            lines.append(
                ReturnLine(
                    item=goods.items[line["id"]],
                    condition=line["condition"],
                    missing_accessories=tuple(line["missing"]),
                    damage=line["damage"],
                    deposit_outcome=line["outcome"] or None,
                    deposit_kept=_amount(line["kept"]),
                    deposit_reason=line["reason"],
                )
            )
    return lines


@dataclass
class Row:
    """One basket line as the template shows it."""

    index: int
    data: dict[str, Any]
    product: Product | None = None
    item: Item | None = None
    plan: LinePlan | None = None
    loan: LoanPreview | None = None
    back: ReturnPreview | None = None
    refusals: list[Refusal] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return str(self.data["kind"])

    @property
    def accessories(self) -> list[tuple[str, bool]]:
        """Loan: every accessory of the item and whether it is ticked."""
        ticked = set(self.data.get("accessories", []))
        return [(str(a), str(a) in ticked) for a in (self.item.accessories if self.item else [])]

    @property
    def accessories_out(self) -> list[tuple[str, bool]]:
        """Return: what went out with the loan, and whether it is missing now."""
        loan = self.back.check.loan if self.back else None
        missing = set(self.data.get("missing", []))
        return [(str(a), str(a) in missing) for a in (loan.accessories_out if loan else [])]


def rows(state: BasketState, goods: Goods, preview: BasketPreview | None) -> list[Row]:
    plans = {plan.product.pk: plan for plan in preview.products.lines} if preview else {}
    loans = {p.index: p for p in preview.loans} if preview else {}
    backs = {r.index: r for r in preview.returns} if preview else {}
    result = []
    for index, line in enumerate(state.lines):
        row = Row(index=index, data=line)
        if line["kind"] == "product":
            row.product = goods.products.get(line["id"])
            row.plan = plans.get(line["id"])
        else:
            row.item = goods.items.get(line["id"])
            row.loan = loans.get(index)
            row.back = backs.get(index)
        if preview:
            row.refusals = [r for r in preview.refusals if r.line == index]
        result.append(row)
    return result


def line_refusals(preview: BasketPreview, index: int) -> list[Refusal]:
    return [r for r in preview.refusals if r.line == index]
