"""What the section modules of a report share: the filter as query conditions, and the
turning of a breakdown into table rows with the "< 5" rule applied (by
``rapportering.anonymity``; this module only decides which cells are about households)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from rapportering import anonymity
from rapportering.anonymity import Figure
from rapportering.selectors.filters import ReportFilter
from rapportering.selectors.report import Cell
from uitlening.models import DistributionLine

CENT = Decimal("0.01")


def moment_in(filters: ReportFilter, name: str) -> Q:
    """``name`` (a datetime field path) within the period: local midnight to midnight."""
    return Q(**{f"{name}__gte": filters.since, f"{name}__lt": filters.until})


def day_in(filters: ReportFilter, name: str) -> Q:
    """``name`` (a date field path) on a day of the period."""
    return Q(**{f"{name}__gte": filters.start, f"{name}__lte": filters.end})


def scoped(
    filters: ReportFilter,
    *,
    program: str | None = None,
    location: str | None = None,
    household: str | None = None,
) -> Q:
    """The filter's programs, points and municipalities as conditions on the field paths
    given (a path left out: that part of the filter does not apply)."""
    condition = Q()
    if program and filters.programs:
        condition &= Q(**{f"{program}__in": filters.programs})
    if location and filters.locations:
        condition &= Q(**{f"{location}__in": filters.locations})
    if household and filters.municipalities:
        condition &= Q(**{f"{household}__municipality__in": filters.municipalities})
    return condition


def end_moment(filters: ReportFilter, now: dt.datetime | None = None) -> dt.datetime:
    """The end of the period, or now when the period is not over yet: "at the end of the
    period" never counts the future."""
    now = now or timezone.now()
    return min(filters.until, now)


def end_day(filters: ReportFilter, now: dt.datetime | None = None) -> dt.date:
    """The day "overdue" is measured against: a loan due before it is overdue at the end
    of the period (the day after the period, or today while the period runs)."""
    return min(filters.end + dt.timedelta(days=1), timezone.localdate(now or timezone.now()))


def euros(value: Decimal | float | int | None) -> Decimal:
    """An amount rounded to the cent (sums on SQLite come back as floats)."""
    return Decimal(str(value or 0)).quantize(CENT, rounding=ROUND_HALF_UP)


def whole(value: Decimal | float | int | None) -> int:
    """An amount in whole euros, for figures about households (a Figure holds an int)."""
    return int(Decimal(str(value or 0)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass
class Group:
    """One row of a breakdown about households: its label cells, the number of
    households it is about, figures about those households, and plain cells (not about
    households: a product's unit value, a category name)."""

    labels: list[Cell]
    households: int
    about: list[int | None] = field(default_factory=list)
    after: list[Cell] = field(default_factory=list)


def breakdown_rows(
    groups: Sequence[Group],
    *,
    with_households: bool = True,
    before: int = 0,
    hidden: set[int] | None = None,
) -> list[list[Cell]]:
    """Table rows of ``groups``: a row about too few households (and, when that is the
    only one, the next smallest: secondary suppression) shows "< 5" in each of its
    household cells. ``hidden`` (row indexes) replaces that choice when the rows also take
    part in other sums (worked out with ``anonymity.mask_sums``). ``about`` cells left
    None stay empty; ``before`` plain cells of ``after`` come right after the labels, the
    rest at the end."""
    if hidden is None:
        hidden = anonymity.mask_breakdown(list(groups), households=lambda g: g.households)
    rows: list[list[Cell]] = []
    for index, group in enumerate(groups):
        masked = index in hidden
        cells: list[Cell] = [*group.labels, *group.after[:before]]
        if with_households:
            cells.append(Figure(None) if masked else anonymity.households(group.households))
        for value in group.about:
            if value is None:
                cells.append(None)
            elif masked:
                cells.append(Figure(None))
            else:
                cells.append(anonymity.about(value, households=group.households))
        cells.extend(group.after[before:])
        rows.append(cells)
    return rows


def handed_out(filters: ReportFilter) -> QuerySet[DistributionLine]:
    """The distribution lines of the period within the filter, corrections left out: the
    one definition of "handed out" that the report, the charts and the export read."""
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
