"""Loans: started in the period, active and overdue at its end, lent-days in the
period, the most lent item types, and items not lent (plain numbers: items are not
households)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils.translation import gettext as _

from rapportering import anonymity
from rapportering.selectors.filters import ReportFilter
from rapportering.selectors.report import KeyFigure, Table
from rapportering.selectors.scope import Group, breakdown_rows, end_day, end_moment, scoped
from uitlening.models import Loan
from voorraad.models import Item

DAY = dt.timedelta(days=1)


def section(filters: ReportFilter, *, tables: bool = True) -> tuple[list[KeyFigure], list[Table]]:
    at = end_moment(filters)
    overdue_before = end_day(filters)
    moment = Value(at, output_field=DateTimeField())
    # Loans out during some of the period (up to now), within the filter.
    touching = Loan.objects.filter(
        scoped(filters, program="program", location="location", household="household"),
        lent_at__lt=at,
    ).filter(Q(returned_at__isnull=True) | Q(returned_at__gte=filters.since))
    active = Q(returned_at__isnull=True) | Q(returned_at__gte=at)
    overdue = active & Q(due_on__lt=overdue_before)
    # The part of each loan inside the period, summed: ``lent_days`` = that time / 24 h.
    inside = ExpressionWrapper(
        Least(Coalesce("returned_at", moment), moment)
        - Greatest(F("lent_at"), Value(filters.since, output_field=DateTimeField())),
        output_field=DurationField(),
    )
    aggregates = {
        "started": Count("id", filter=Q(lent_at__gte=filters.since)),
        "active": Count("id", filter=active),
        "overdue": Count("id", filter=overdue),
        "households": Count("household", distinct=True),
        "active_households": Count("household", distinct=True, filter=active),
        "overdue_households": Count("household", distinct=True, filter=overdue),
        "lent": Sum(inside),
    }
    totals = touching.aggregate(**aggregates)
    # Read even for key figures alone: whether a key figure is hidden depends on the
    # rows, and the API's summary must say what the report screen says.
    per_type = list(
        touching.values("item__item_type_id", "item__item_type__name")
        .annotate(**aggregates)
        .order_by()
    )
    per_type.sort(
        key=lambda row: (-row["started"], -days(row["lent"]), row["item__item_type__name"])
    )
    hidden = hidden_cells(totals, per_type)

    def figure(column: str, value: int) -> anonymity.Figure:
        return anonymity.Figure(None if (column, ALL) in hidden else value)

    key_figures = [
        KeyFigure("loans_started", _("Loans started"), figure("households", totals["started"])),
        KeyFigure(
            "loans_active_at_end",
            _("Loans active at the end of the period"),
            figure("active", totals["active"]),
        ),
        KeyFigure(
            "loans_overdue_at_end",
            _("Loans overdue at the end of the period"),
            figure("overdue", totals["overdue"]),
        ),
        KeyFigure(
            "lent_days", _("Lent-days in the period"), figure("households", days(totals["lent"]))
        ),
    ]
    if not tables:
        return key_figures, []
    groups = [
        Group(
            labels=[row["item__item_type__name"]],
            households=row["households"],
            about=[
                row["started"],
                row["active"],
                row["overdue"],
                days(row["lent"]),
            ],
        )
        for row in per_type
    ]
    rows = breakdown_rows(
        groups, hidden={i for i in range(len(per_type)) if ("households", i) in hidden}
    )
    # Active and overdue loans are smaller groups of households than the row's, with
    # their own totals among the key figures.
    for i, (row, data) in enumerate(zip(rows, per_type, strict=True)):
        for index, column in ((3, "active"), (4, "overdue")):
            if (column, i) in hidden:
                row[index] = anonymity.Figure(None)
            elif row[index] is not None:
                row[index] = anonymity.Figure(data[column])
    return key_figures, [
        Table(
            key="loans_by_item_type",
            title=_("Loans per item type, most lent first"),
            columns=[
                _("Item type"),
                _("Households"),
                _("Loans started"),
                _("Active at the end"),
                _("Overdue at the end"),
                _("Lent-days"),
            ],
            rows=rows,
            note=_(
                "Loans out during the period. Overdue: not back by the due date at the end "
                "of the period (or today, while the period runs). Lent-days: the days "
                "items were out within the period."
            ),
            section="loans",
        ),
        items_not_lent(filters, at),
    ]


def days(duration: dt.timedelta | None) -> int:
    if not duration:
        return 0
    return round(duration / DAY)


def items_not_lent(filters: ReportFilter, at: dt.datetime) -> Table:
    """Per item type: the items in circulation (not retired) and how many were not lent
    in the period, or never at all. Kept at the filter's points; programs do not apply."""
    items = Item.objects.exclude(status=Item.Status.RETIRED).filter(
        scoped(filters, location="location"), created_at__lt=at
    )
    lent_in_period = Loan.objects.filter(item=OuterRef("pk"), lent_at__lt=at).filter(
        Q(returned_at__isnull=True) | Q(returned_at__gte=filters.since)
    )
    ever_lent = Loan.objects.filter(item=OuterRef("pk"))
    per_type = (
        items.values("item_type__name")
        .annotate(
            items=Count("id"),
            not_lent=Count("id", filter=~Exists(lent_in_period)),
            never=Count("id", filter=~Exists(ever_lent)),
        )
        .order_by("-not_lent", "item_type__name")
    )
    return Table(
        key="items_not_lent",
        title=_("Items not lent"),
        columns=[
            _("Item type"),
            _("Items in circulation (not retired)"),
            _("Not lent in the period"),
            _("Never lent"),
        ],
        rows=[
            [row["item_type__name"], row["items"], row["not_lent"], row["never"]]
            for row in per_type
        ],
        note=_("Items not retired, kept at the chosen points."),
        section="loans",
    )


# A cell of the per-item-type table: ("households" | "active" | "overdue", row index),
# with ``ALL`` for the key figures (the totals of those columns).
Cell = tuple[str, int | str]
ALL = "all"


def hidden_cells(totals: dict[str, Any], per_type: list[dict[str, Any]]) -> set[Cell]:
    """The cells and key figures to hide: a row about too few households hides all its
    figures; the loans active and overdue at the end are about their own (smaller)
    groups of households, and each column adds up to its key figure, so each is masked
    against it as a breakdown of its own."""
    groups = {
        "households": "households",
        "active": "active_households",
        "overdue": "overdue_households",
    }
    sizes: dict[Cell, int] = {}
    sums: list[tuple[Cell, list[Cell]]] = []
    for column, group in groups.items():
        sizes[(column, ALL)] = totals[group] or 0
        for i, row in enumerate(per_type):
            sizes[(column, i)] = row[group] or 0
        sums.append(((column, ALL), [(column, i) for i in range(len(per_type))]))
    follows: dict[Cell, list[Cell]] = {
        ("households", i): [("active", i), ("overdue", i)] for i in range(len(per_type))
    }
    follows[("households", ALL)] = [("active", ALL), ("overdue", ALL)]
    return anonymity.mask_sums(sizes, sums, follows=follows)
