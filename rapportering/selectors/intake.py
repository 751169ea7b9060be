"""Goods coming in: donations by donor kind and by collection drive (units and estimated
value) and purchases with their cost. Plain numbers: they are not about households, so
the "< 5" rule does not apply; programs and municipalities do not filter them."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from rapportering.selectors.filters import ReportFilter
from rapportering.selectors.report import KeyFigure, Table
from rapportering.selectors.scope import day_in, euros, scoped
from voorraad.models import Donation, DonationLine, Donor, PurchaseLine

MONEY: DecimalField[Decimal, Decimal] = DecimalField(max_digits=18, decimal_places=4)


def section(filters: ReportFilter, *, tables: bool = True) -> tuple[list[KeyFigure], list[Table]]:
    donated = DonationLine.objects.filter(
        day_in(filters, "donation__received_on"),
        scoped(filters, location="donation__location"),
        donation__status=Donation.Status.POSTED,
    )
    worth = Sum(
        ExpressionWrapper(
            F("quantity")
            * Coalesce(
                "product__last_cost_per_unit", "product__value_per_unit", output_field=MONEY
            ),
            output_field=MONEY,
        ),
        output_field=MONEY,
    )
    sums = {"donations": Count("donation", distinct=True), "units": Sum("quantity"), "value": worth}
    bought = PurchaseLine.objects.filter(
        day_in(filters, "purchase__received_on"), scoped(filters, location="purchase__location")
    )
    cost = Sum(
        ExpressionWrapper(F("quantity") * F("unit_cost"), output_field=MONEY), output_field=MONEY
    )
    donation_totals = donated.aggregate(**sums)
    purchase_totals = bought.aggregate(units=Sum("quantity"), cost=cost)
    key_figures = [
        KeyFigure("donated_units", _("Units donated"), donation_totals["units"] or 0),
        KeyFigure(
            "donated_value", _("Estimated value donated"), euros(donation_totals["value"]), "EUR"
        ),
        KeyFigure("purchased_units", _("Units bought"), purchase_totals["units"] or 0),
        KeyFigure("purchase_cost", _("Cost of purchases"), euros(purchase_totals["cost"]), "EUR"),
    ]
    if not tables:
        return key_figures, []
    kinds = dict(Donor.Kind.choices)
    by_kind = (
        donated.values("donation__donor__kind").annotate(**sums).order_by("donation__donor__kind")
    )
    by_drive = sorted(
        donated.values("donation__drive__name").annotate(**sums).order_by(),
        key=lambda row: (row["donation__drive__name"] is None, row["donation__drive__name"] or ""),
    )
    by_product = (
        bought.values("product__name")
        .annotate(units=Sum("quantity"), cost=cost, purchases=Count("purchase", distinct=True))
        .order_by("product__name")
    )
    columns = [_("Donations"), _("Units"), _("Estimated value (EUR)")]
    value_note = _(
        "Estimated value: units × the product's last purchase cost per unit, or its "
        "estimated value per unit when it was never bought. Posted donations received in "
        "the period, at the chosen points."
    )
    return key_figures, [
        Table(
            key="donations_by_donor_kind",
            title=_("Donations per kind of donor"),
            columns=[_("Donor kind"), *columns],
            rows=[
                [
                    str(kinds.get(row["donation__donor__kind"], row["donation__donor__kind"])),
                    row["donations"],
                    row["units"] or 0,
                    euros(row["value"]),
                ]
                for row in by_kind
            ],
            note=value_note,
            section="intake",
        ),
        Table(
            key="donations_by_drive",
            title=_("Donations per collection drive"),
            columns=[_("Collection drive"), *columns],
            rows=[
                [
                    row["donation__drive__name"] or _("No collection drive"),
                    row["donations"],
                    row["units"] or 0,
                    euros(row["value"]),
                ]
                for row in by_drive
            ],
            note=value_note,
            section="intake",
        ),
        Table(
            key="purchases_by_product",
            title=_("Purchases per product"),
            columns=[_("Product"), _("Purchases"), _("Units"), _("Cost (EUR)")],
            rows=[
                [row["product__name"], row["purchases"], row["units"] or 0, euros(row["cost"])]
                for row in by_product
            ],
            note=_("Purchases received in the period, at the chosen points."),
            section="intake",
        ),
    ]
