"""Goods handed out to households: units and packs per product and per category, and
their estimated value (``Product.unit_value``: the last purchase cost per unit, else the
product's estimate). Corrected distributions do not count: their stock went back."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.utils.translation import gettext as _

from rapportering import anonymity
from rapportering.selectors.filters import ReportFilter
from rapportering.selectors.report import KeyFigure, Table
from rapportering.selectors.scope import Group, breakdown_rows, moment_in, scoped, whole
from uitlening.models import DistributionLine
from voorraad.models import Product


def handed_out(filters: ReportFilter) -> QuerySet[DistributionLine]:
    """The distribution lines of the period within the filter, corrections left out."""
    return DistributionLine.objects.filter(
        moment_in(filters, "distribution__created_at"),
        scoped(
            filters,
            program="program",
            location="distribution__location",
            household="distribution__household",
        ),
        distribution__corrected_at__isnull=True,
    )


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
    units = sum(row["units"] for row in per_product)
    packs = sum(row["packs"] for row in per_product)
    key_figures = [
        KeyFigure(
            "units_distributed",
            _("Units handed out"),
            anonymity.about(units, households=served),
        ),
        KeyFigure(
            "packs_distributed", _("Packs handed out"), anonymity.about(packs, households=served)
        ),
        KeyFigure(
            "estimated_value",
            _("Estimated value handed out"),
            anonymity.about(whole(sum(value.values(), Decimal(0))), households=served),
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
    per_category = list(
        lines.values("product__category_id", "product__category__name")
        .annotate(
            packs=Sum("packs"),
            units=Sum("units"),
            households=Count("distribution__household", distinct=True),
        )
        .order_by("product__category__name")
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
            rows=breakdown_rows(product_groups),
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
            rows=breakdown_rows(category_groups),
            note=note,
            section="goods",
        ),
    ]
