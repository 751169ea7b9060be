"""Goods handed out to households: units and packs per product and per category, and
their estimated value (``Product.unit_value``: the last purchase cost per unit, else the
product's estimate). Corrected distributions do not count: their stock went back."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from rapportering import anonymity
from rapportering.selectors.filters import ReportFilter
from rapportering.selectors.report import KeyFigure, Table
from rapportering.selectors.scope import (
    Group,
    breakdown_rows,
    handed_out,
    whole,
)
from voorraad.models import Product


def section(filters: ReportFilter, *, tables: bool = True) -> tuple[list[KeyFigure], list[Table]]:
    lines = handed_out(filters)
    per_product = list(
        lines.values("product_id")
        .annotate(
            packs=Sum("packs"),
            units=Sum("units"),
            households=Count("distribution__household", distinct=True),
        )
        .order_by()
    )
    served = lines.aggregate(n=Count("distribution__household", distinct=True))["n"] or 0
    per_category = list(
        lines.values("product__category_id", "product__category__name")
        .annotate(
            packs=Sum("packs"),
            units=Sum("units"),
            households=Count("distribution__household", distinct=True),
        )
        .order_by("product__category__name")
    )
    products = {
        product.pk: product
        for product in Product.objects.filter(
            pk__in=[row["product_id"] for row in per_product]
        ).select_related("category")
    }
    value: dict[int, Decimal] = {
        row["product_id"]: products[row["product_id"]].unit_value * row["units"]
        for row in per_product
    }
    hidden = hidden_cells(per_product, per_category, served, products)
    units = sum(row["units"] for row in per_product)
    packs = sum(row["packs"] for row in per_product)

    def total(amount: int) -> anonymity.Figure:
        if TOTAL in hidden:
            return anonymity.Figure(None)
        return anonymity.about(amount, households=served)

    key_figures = [
        KeyFigure("units_distributed", _("Units handed out"), total(units)),
        KeyFigure("packs_distributed", _("Packs handed out"), total(packs)),
        KeyFigure(
            "estimated_value",
            _("Estimated value handed out"),
            total(whole(sum(value.values(), Decimal(0)))),
            unit="EUR",
        ),
    ]
    if not tables:
        return key_figures, []
    per_product.sort(key=lambda row: products[row["product_id"]].name.lower())
    product_groups = []
    for row in per_product:
        product = products[row["product_id"]]
        from_cost = product.last_cost_per_unit is not None
        product_groups.append(
            Group(
                labels=[product.name, product.category.name],
                households=row["households"],
                about=[row["packs"], row["units"], whole(value[product.pk])],
                after=[
                    product.unit_value.quantize(Decimal("0.01")),
                    _("last purchase cost") if from_cost else _("estimate"),
                ],
            )
        )
    category_value: dict[int, Decimal] = defaultdict(Decimal)
    for pk, amount in value.items():
        category_value[products[pk].category_id] += amount
    category_groups = [
        Group(
            labels=[row["product__category__name"]],
            households=row["households"],
            about=[
                row["packs"],
                row["units"],
                whole(category_value[row["product__category_id"]]),
            ],
        )
        for row in per_category
    ]
    note = _(
        "Estimated value: units × the product's last purchase cost per unit, or its "
        "estimated value per unit when it was never bought (see the column “Value from”). "
        "Corrected distributions are not counted."
    )
    return key_figures, [
        Table(
            key="goods_by_product",
            title=_("Handed out per product"),
            columns=[
                _("Product"),
                _("Category"),
                _("Households"),
                _("Packs"),
                _("Units"),
                _("Estimated value (EUR)"),
                _("Value per unit (EUR)"),
                _("Value from"),
            ],
            rows=breakdown_rows(
                product_groups,
                hidden={
                    index
                    for index, row in enumerate(per_product)
                    if ("product", row["product_id"]) in hidden
                },
            ),
            note=note,
            section="goods",
        ),
        Table(
            key="goods_by_category",
            title=_("Handed out per category"),
            columns=[
                _("Category"),
                _("Households"),
                _("Packs"),
                _("Units"),
                _("Estimated value (EUR)"),
            ],
            rows=breakdown_rows(
                category_groups,
                hidden={
                    index
                    for index, row in enumerate(per_category)
                    if ("category", row["product__category_id"]) in hidden
                },
            ),
            note=note,
            section="goods",
        ),
    ]


Cell = tuple[str, int]
TOTAL: Cell = ("total", 0)


def hidden_cells(
    per_product: list[dict[str, Any]],
    per_category: list[dict[str, Any]],
    served: int,
    products: dict[int, Product],
) -> set[Cell]:
    """The product rows, category rows and key figures (``TOTAL``) to hide. Each
    category row is the sum of its product rows, and the key figures the sum of either:
    masked level by level, a product alone cannot be a category row minus the products
    shown, nor a category the key figures minus the categories shown."""
    sizes: dict[Cell, int] = {TOTAL: served}
    members: dict[int, list[Cell]] = defaultdict(list)
    for row in per_product:
        cell = ("product", row["product_id"])
        sizes[cell] = row["households"]
        members[products[row["product_id"]].category_id].append(cell)
    for row in per_category:
        sizes[("category", row["product__category_id"])] = row["households"]
    sums: list[tuple[Cell, list[Cell]]] = [
        (("category", pk), cells) for pk, cells in members.items()
    ]
    sums.append((TOTAL, [("category", row["product__category_id"]) for row in per_category]))
    sums.append((TOTAL, [cell for cells in members.values() for cell in cells]))
    return anonymity.mask_sums(sizes, sums)
