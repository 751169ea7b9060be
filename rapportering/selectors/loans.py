"""Loans: started in the period, active and overdue at its end, lent-days in the
period, the most lent item types, and items not lent (plain numbers: items are not
households)."""

from __future__ import annotations

import datetime as dt

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
    households = totals["households"] or 0
    key_figures = [
        KeyFigure(
            "loans_started",
            _("Loans started"),
            anonymity.about(totals["started"] or 0, households=households),
        ),
        KeyFigure(
            "loans_active_at_end",
            _("Loans active at the end of the period"),
            anonymity.about(totals["active"] or 0, households=totals["active_households"] or 0),
        ),
        KeyFigure(
            "loans_overdue_at_end",
            _("Loans overdue at the end of the period"),
            anonymity.about(totals["overdue"] or 0, households=totals["overdue_households"] or 0),
        ),
        KeyFigure(
            "lent_days",
            _("Lent-days in the period"),
            anonymity.about(days(totals["lent"]), households=households),
        ),
    ]
    if not tables:
        return key_figures, []
    per_type = list(
        touching.values("item__item_type_id", "item__item_type__name")
        .annotate(**aggregates)
        .order_by()
    )
    per_type.sort(
        key=lambda row: (-row["started"], -days(row["lent"]), row["item__item_type__name"])
    )
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
    rows = breakdown_rows(groups)
    # Active and overdue loans are smaller groups of households than the row's.
    for row, data in zip(rows, per_type, strict=True):
        for index, count, group in (
            (3, "active", "active_households"),
            (4, "overdue", "overdue_households"),
        ):
            cell = row[index]
            if isinstance(cell, anonymity.Figure) and not cell.masked:
                row[index] = anonymity.about(data[count], households=data[group])
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
    """Per item type: the items in use (not retired) and how many were not lent in the
    period, or never at all. Kept at the filter's points; programs do not apply."""
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
            _("Items in use"),
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
