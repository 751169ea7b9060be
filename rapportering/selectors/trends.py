"""Figures per month for the charts of a report and of the annual report: households
reached, units handed out stacked by program or by municipality, and stock at the end of
each month per product.

Every query groups by month in the database, so a year of 200,000 distributions is a
handful of aggregate rows, never a loop over them. A row's month is found by comparing its
moment with the local midnights that start each month (:func:`month_of`), a ``CASE`` the
database evaluates natively: the same answer as ``TruncMonth`` in Europe/Brussels, summer
time included, but ``TruncMonth`` on SQLite calls back into Python for every row (a year of
distributions took 3.5 s that way against 0.7 s). Stock at the end of a month is read from
the append-only ledger as the current balance minus the movements after that month: one
grouped query, no replay of history.

Municipality means the household's municipality for what households received (the
council asks about its residents) and the location's municipality for stock.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, QuerySet, Sum, Value, When
from django.db.models.functions import Abs
from django.utils import timezone
from django.utils.translation import gettext as _

from kern.models import Location, Municipality
from rapportering import anonymity
from rapportering.anonymity import Figure
from rapportering.selectors.filters import ReportFilter, local_midnight
from rapportering.selectors.scope import handed_out
from toegang.models import Program
from uitlening.models import Distribution, DistributionLine, ProgramCategory
from voorraad.models import Product, StockLevel, StockMovement

GROUPS = ("program", "municipality")
MUNICIPALITY_FIELD = "distribution__household__municipality_id"
#: The most series one stacked chart shows; the rest is summed as "Other".
MAX_SERIES = 6
#: How many products the stock chart follows (those with most movement in the period).
STOCK_PRODUCTS = 5

#: A value of a month: a Figure (``value`` None: hidden by the "< 5" rule), or None when
#: the month has no value (it has not begun yet).
MonthValue = Figure | None


@dataclass(frozen=True)
class Series:
    key: str  # stable: "households", "program-3", "product-7", "other"
    label: str
    values: list[MonthValue]  # one per month of the trend

    @property
    def total(self) -> int:
        return sum(v.value for v in self.values if v is not None and v.value is not None)


@dataclass(frozen=True)
class Trend:
    """What one chart shows: months along the x axis and one or more series."""

    key: str  # "households", "units", "stock"
    title: str
    description: str  # one sentence for screen readers and under the chart in print
    unit: str  # what the y axis counts, plural: "households", "units"
    months: list[dt.date]
    series: list[Series] = field(default_factory=list)
    kind: str = "line"  # "line", "bar" or "stacked"
    note: str = ""

    @property
    def is_empty(self) -> bool:
        return not any(
            v is not None and (v.value is None or v.value > 0)
            for s in self.series
            for v in s.values
        )

    @property
    def has_masked(self) -> bool:
        return any(v is not None and v.value is None for s in self.series for v in s.values)

    def month_totals(self) -> list[MonthValue]:
        """The sum of the series per month; masked when any part of it is masked."""
        totals: list[MonthValue] = []
        for index in range(len(self.months)):
            parts = [s.values[index] for s in self.series]
            if all(p is None for p in parts):
                totals.append(None)
            elif any(p is not None and p.value is None for p in parts):
                totals.append(Figure(None))
            else:
                totals.append(Figure(sum(p.value or 0 for p in parts if p is not None)))
        return totals


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def month_of(field_name: str, months: list[dt.date]) -> Case:
    """The index in ``months`` of the local month of the moment in ``field_name``: 0 for
    the first month (and before it), ``len(months) - 1`` for the last, ``len(months)``
    from the end of the last month on."""
    starts = [local_midnight(month) for month in months[1:]] + [_month_end(months[-1])]
    return Case(
        *[
            When(**{f"{field_name}__lt": start}, then=Value(index))
            for index, start in enumerate(starts)
        ],
        default=Value(len(months)),
        output_field=IntegerField(),
    )


def _current_month() -> dt.date:
    return timezone.localdate().replace(day=1)


def _distributions(filters: ReportFilter) -> QuerySet[Distribution]:
    """The distributions of the period and filters, corrections left out."""
    query = Distribution.objects.filter(
        created_at__gte=filters.since, created_at__lt=filters.until, corrected_at__isnull=True
    )
    if filters.locations:
        query = query.filter(location_id__in=filters.locations)
    if filters.municipalities:
        query = query.filter(household__municipality_id__in=filters.municipalities)
    if filters.programs:
        query = query.filter(lines__program_id__in=filters.programs)
    return query


def _lines(filters: ReportFilter) -> QuerySet[DistributionLine]:
    return handed_out(filters)


def _municipality_rows(filters: ReportFilter) -> list[dict[str, Any]]:
    """Units and unique households per month and municipality of the household."""
    return _group_rows(filters, MUNICIPALITY_FIELD)


def _group_rows(filters: ReportFilter, field_name: str) -> list[dict[str, Any]]:
    months = filters.months()
    return list(
        _lines(filters)
        .annotate(month=month_of("distribution__created_at", months))
        .values("month", field_name)
        .annotate(units=Sum("units"), households=Count("distribution__household_id", distinct=True))
        .order_by()
    )


def households_per_month(
    *, filters: ReportFilter, municipality_rows: list[dict[str, Any]] | None = None
) -> Trend:
    """Unique households that received something, per month (each month on its own: a
    household that came in March and April counts in both).

    A household lives in one municipality (or none), so the month's households are the
    sum over municipalities: ``municipality_rows`` of :func:`units_and_households` saves
    the query when the units per municipality are read anyway."""
    months = filters.months()
    counts: dict[dt.date, int] = defaultdict(int)
    if municipality_rows is not None:
        for row in municipality_rows:
            counts[months[row["month"]]] += int(row["households"])
    else:
        # Distributions alone, without joining their lines and households: the cheapest
        # way when the rows per municipality are not read anyway.
        rows = (
            _distributions(filters)
            .annotate(month=month_of("created_at", months))
            .values("month")
            .annotate(households=Count("household_id", distinct=True))
            .order_by()
        )
        for row in rows:
            counts[months[row["month"]]] = int(row["households"])
    current = _current_month()
    values: list[MonthValue] = [
        None if month > current else anonymity.households(counts.get(month, 0)) for month in months
    ]
    return Trend(
        key="households",
        title=_("Households reached per month"),
        description=_("The number of different households that received goods, month by month."),
        unit=_("households"),
        months=months,
        series=[Series("households", _("Households"), values)],
        kind="line",
    )


def _group_labels(group: str, ids: Iterable[int | None]) -> dict[int | None, str]:
    wanted = [pk for pk in ids if pk is not None]
    labels: dict[int | None, str]
    if group == "program":
        labels = dict(Program.objects.filter(pk__in=wanted).values_list("pk", "name"))
    else:
        labels = dict(Municipality.objects.filter(pk__in=wanted).values_list("pk", "name"))
        labels[None] = _("Municipality unknown")
    return labels


def units_per_month(
    *, filters: ReportFilter, group: str = "program", rows: list[dict[str, Any]] | None = None
) -> Trend:
    """Units handed out per month, stacked by program or by the household's municipality.

    A part (month × group) about fewer than 5 households is hidden, and within a month a
    second part too when only one would be (see :func:`anonymity.mask_breakdown`), so no
    hidden part follows from the month's total."""
    if group not in GROUPS:
        raise ValueError(f"unknown group {group!r}")
    field_name = "program_id" if group == "program" else MUNICIPALITY_FIELD
    months = filters.months()
    if rows is None:
        rows = _group_rows(filters, field_name)
    totals: dict[int | None, int] = defaultdict(int)
    for row in rows:
        totals[row[field_name]] += int(row["units"] or 0)
    ranked = sorted(totals, key=lambda pk: (-totals[pk], pk is None, pk or 0))
    shown = ranked[:MAX_SERIES] if len(ranked) <= MAX_SERIES else ranked[: MAX_SERIES - 1]
    rest = [pk for pk in ranked if pk not in shown]

    cells: dict[tuple[dt.date, int | str | None], tuple[int, int]] = {}
    for row in rows:
        key: int | str | None = row[field_name] if row[field_name] not in rest else "other"
        month = months[row["month"]]
        units, households = cells.get((month, key), (0, 0))
        cells[(month, key)] = (units + int(row["units"] or 0), households + int(row["households"]))
    if rest:
        # The households of "other" are counted once, not once per group they are in.
        other_households = (
            _lines(filters)
            .filter(**{f"{field_name}__in": [pk for pk in rest if pk is not None]})
            .annotate(month=month_of("distribution__created_at", months))
            .values("month")
            .annotate(households=Count("distribution__household_id", distinct=True))
            .order_by()
        )
        for row in other_households:
            month = months[row["month"]]
            units, _households = cells.get((month, "other"), (0, 0))
            cells[(month, "other")] = (units, int(row["households"]))

    keys: list[int | str | None] = [*shown, *(["other"] if rest else [])]
    labels = _group_labels(group, shown)
    current = _current_month()
    values: dict[int | str | None, list[MonthValue]] = {key: [] for key in keys}
    for month in months:
        parts = [cells.get((month, key), (0, 0)) for key in keys]
        hidden = anonymity.mask_breakdown(parts, households=lambda part: part[1])
        for index, key in enumerate(keys):
            units, households = parts[index]
            if month > current:
                values[key].append(None)
            elif index in hidden:
                values[key].append(Figure(None))
            else:
                values[key].append(anonymity.about(units, households=households))

    def series_key(key: int | str | None) -> str:
        if key == "other":
            return "other"
        return f"{group}-{key if key is not None else 'none'}"

    def series_label(key: int | str | None) -> str:
        if isinstance(key, str):
            return _("Other")
        return labels.get(key, str(key))

    series = [Series(series_key(key), series_label(key), values[key]) for key in keys]
    return Trend(
        key=f"units-{group}",
        title=(
            _("Units handed out per month, by program")
            if group == "program"
            else _("Units handed out per month, by municipality")
        ),
        description=(
            _("Units of goods handed out each month, stacked by program.")
            if group == "program"
            else _(
                "Units of goods handed out each month, stacked by the municipality of the household."
            )
        ),
        unit=_("units"),
        months=months,
        series=series,
        kind="stacked",
    )


def _stock_locations(filters: ReportFilter) -> list[int] | None:
    if not filters.locations and not filters.municipalities:
        return None
    query = Location.objects.all()
    if filters.locations:
        query = query.filter(pk__in=filters.locations)
    if filters.municipalities:
        query = query.filter(municipality_id__in=filters.municipalities)
    return list(query.values_list("pk", flat=True))


def stock_per_month(*, filters: ReportFilter, products: int = STOCK_PRODUCTS) -> Trend:
    """On hand at the end of each month for the ``products`` products with most movement
    in the period (units, summed over the locations of the filter). The balance at the end
    of a month is today's balance minus every movement after that month."""
    months = filters.months()
    locations = _stock_locations(filters)
    movements = StockMovement.objects.all()
    levels = StockLevel.objects.all()
    if locations is not None:
        movements = movements.filter(location_id__in=locations)
        levels = levels.filter(location_id__in=locations)
    if filters.programs:
        categories = ProgramCategory.objects.filter(program_id__in=filters.programs).values(
            "category_id"
        )
        movements = movements.filter(product__category_id__in=categories)
    # One pass over the ledger from the start of the period: per product and month of the
    # period the net change and the movement (both directions), and everything after the
    # period in one bucket (index len(months)).
    rows = (
        movements.filter(at__gte=filters.since)
        .annotate(month=month_of("at", months))
        .values("product_id", "month")
        .annotate(net=Sum("quantity"), moved=Sum(Abs("quantity")))
        .order_by()
    )
    net: dict[int, dict[int, int]] = defaultdict(dict)
    activity: dict[int, int] = defaultdict(int)
    for row in rows:
        net[row["product_id"]][row["month"]] = int(row["net"] or 0)
        if row["month"] < len(months):
            activity[row["product_id"]] += int(row["moved"] or 0)
    busiest = sorted(activity, key=lambda pk: (-activity[pk], pk))[:products]
    names = dict(Product.objects.filter(pk__in=busiest).values_list("pk", "name"))
    units = dict(Product.objects.filter(pk__in=busiest).values_list("pk", "unit_name"))
    on_hand = {
        row["product_id"]: int(row["total"] or 0)
        for row in levels.filter(product_id__in=busiest)
        .values("product_id")
        .annotate(total=Sum("on_hand"))
        .order_by()
    }
    moved = net

    current = _current_month()
    series = []
    for pk in busiest:
        by_month = moved[pk]
        values: list[MonthValue] = []
        for index, month in enumerate(months):
            if month > current:
                values.append(None)
                continue
            later = sum(q for m, q in by_month.items() if m > index)
            values.append(Figure(on_hand.get(pk, 0) - later))
        label = names.get(pk, str(pk))
        series.append(Series(f"product-{pk}", label, values))
    unit_names = {units[pk] for pk in busiest if pk in units}
    return Trend(
        key="stock",
        title=_("Stock at the end of each month"),
        description=_(
            "Units on hand at the end of each month for the products that moved most in "
            "this period; the current month shows today's stock."
        ),
        unit=_("units"),
        months=months,
        series=series,
        kind="line",
        note=(
            _("Counted in units (%(unit)s).") % {"unit": unit_names.pop()}
            if len(unit_names) == 1
            else ""
        ),
    )


def _month_end(month: dt.date) -> dt.datetime:
    """The first moment after ``month`` (local, aware)."""
    following = (month + dt.timedelta(days=32)).replace(day=1)
    return dt.datetime.combine(following, dt.time(0, 0), tzinfo=_zone())


def units_and_households(*, filters: ReportFilter) -> tuple[Trend, Trend]:
    """Households per month and units per month by municipality, from one query."""
    rows = _municipality_rows(filters)
    return (
        households_per_month(filters=filters, municipality_rows=rows),
        units_per_month(filters=filters, group="municipality", rows=rows),
    )


def report_trends(*, filters: ReportFilter, group: str = "program") -> list[Trend]:
    """The charts of a report: households per month, units per month stacked by
    ``group``, stock at the end of each month."""
    if group == "municipality":
        households, units = units_and_households(filters=filters)
    else:
        households = households_per_month(filters=filters)
        units = units_per_month(filters=filters, group=group)
    return [households, units, stock_per_month(filters=filters)]


def municipalities_reached(*, filters: ReportFilter) -> list[Municipality]:
    """The municipalities whose households received something in the period (an EXISTS
    per municipality, which stops at the first distribution it finds)."""
    municipalities = Municipality.objects.all()
    if filters.municipalities:
        municipalities = municipalities.filter(pk__in=filters.municipalities)
    reached = _distributions(filters).filter(household__municipality_id=OuterRef("pk"))
    return list(municipalities.filter(Exists(reached)).order_by("name"))
