"""Exports of the reports, as CSV (Excel nl-BE) or XLSX, for any period and filter:

- a report table, or every table of the report (``all``), as ``build_report`` gives them:
  anonymous aggregates, a masked figure exported as "< 5";
- the distributions of the period, one row per distribution (date, point, municipality,
  programs) with one column per product (units), without any household code: what a
  coordinator puts in a spreadsheet for a pivot table. Read with ``values_list`` in chunks
  and written row by row, so a year (200,000 distributions) leaves memory flat. A row
  names the household's municipality only when that municipality has at least
  ``REPORT_MIN_HOUSEHOLDS`` households in the export; otherwise "Other municipality", so
  a row cannot single out the one family of a small municipality.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache

from kern import exports
from kern.exports import Section
from kern.permissions import role_required
from rapportering import anonymity
from rapportering.selectors.filters import ReportFilter, from_query
from rapportering.selectors.report import Report, build_report
from rapportering.selectors.scope import handed_out
from uitlening.models import DistributionLine
from voorraad.models import Product

REPORTS = "kern.view_reports"
ALL = "all"


def _format(format: str) -> str:
    if format not in exports.FORMATS:
        raise Http404(_("Unknown export format."))
    return format


def _period(filters: ReportFilter) -> str:
    return f"{filters.start.isoformat()}-{filters.end.isoformat()}"


def key_figure_section(report: Report) -> Section:
    rows: list[list[Any]] = [
        [figure.label, figure.value, figure.unit] for figure in report.key_figures
    ]
    return (
        pgettext("export", "Key figures"),
        [pgettext("export", "Figure"), pgettext("export", "Value"), pgettext("export", "Unit")],
        rows,
    )


def report_sections(report: Report, key: str) -> list[Section]:
    """The tables of ``report`` to export: the one named ``key`` or, for ``all``, the key
    figures and every table. Unknown key: 404."""
    if key == ALL:
        sections = [key_figure_section(report)] if report.key_figures else []
        return sections + [(t.title, t.columns, t.rows) for t in report.tables]
    try:
        table = report.table(key)
    except KeyError:
        raise Http404(_("This report has no such table.")) from None
    return [(table.title, table.columns, table.rows)]


@never_cache
@role_required(REPORTS)
def report_export(request: HttpRequest, key: str, format: str) -> HttpResponseBase:
    """One table of the report of the filter in the query (``all``: every table)."""
    format = _format(format)
    filters = from_query(request.GET)
    report = build_report(filters=filters)
    sections = report_sections(report, key)
    name = f"{pgettext('export', 'report')}-{key}-{_period(filters)}"
    return exports.sections_response(format, name, sections)


# --- distributions ----------------------------------------------------------------------


def distribution_lines(filters: ReportFilter) -> QuerySet[DistributionLine]:
    """The lines of the distributions in ``filters`` (not corrected), in distribution
    order: one distribution's lines follow each other."""
    return handed_out(filters)


def distribution_products(filters: ReportFilter) -> list[tuple[int, str]]:
    """(id, name) of every product handed out in ``filters``: the product columns."""
    ids = distribution_lines(filters).order_by().values("product_id").distinct()
    return list(
        Product.objects.filter(pk__in=ids)
        .order_by("category__name", "name")
        .values_list("pk", "name")
    )


def small_municipalities(filters: ReportFilter) -> set[int]:
    """The municipalities with too few households in ``filters`` to be named in a row (one
    aggregate query, a row per municipality)."""
    per_municipality = (
        distribution_lines(filters)
        .filter(distribution__household__municipality_id__isnull=False)
        .order_by()
        .values("distribution__household__municipality_id")
        .annotate(households=Count("distribution__household_id", distinct=True))
        .values_list("distribution__household__municipality_id", "households")
    )
    return {pk for pk, households in per_municipality if anonymity.is_small(households)}


def distribution_header(products: Sequence[tuple[int, str]]) -> list[str]:
    return [
        _("Date"),
        _("Distribution point"),
        _("Municipality"),
        _("Programs"),
        *(pgettext("export", "%(product)s (units)") % {"product": name} for _pk, name in products),
    ]


def distribution_rows(
    filters: ReportFilter, products: Sequence[tuple[int, str]], *, chunk_size: int = 2000
) -> Iterator[list[Any]]:
    """One row per distribution: date, point, municipality of the household ("Other
    municipality" for a small one), programs and the units per product (empty when none). Plain tuples read in chunks, never
    model instances, and no household code."""
    column = {pk: index for index, (pk, _name) in enumerate(products)}
    zone = timezone.get_current_timezone()  # once, not per row
    small = small_municipalities(filters)
    other = _("Other municipality")
    lines = (
        distribution_lines(filters)
        .order_by("distribution__created_at", "distribution_id", "id")
        .values_list(
            "distribution_id",
            "distribution__created_at",
            "distribution__location__name",
            "distribution__household__municipality__name",
            "distribution__household__municipality_id",
            "program__name",
            "product_id",
            "units",
        )
        .iterator(chunk_size=chunk_size)
    )
    for _id, group in itertools.groupby(lines, key=lambda line: line[0]):
        first = next(group)
        units: list[int | None] = [None] * len(products)
        programs: list[str] = []
        for line in itertools.chain((first,), group):
            if line[5] not in programs:
                programs.append(line[5])
            index = column.get(line[6])
            if index is not None:
                units[index] = (units[index] or 0) + line[7]
        yield [
            first[1].astimezone(zone).date(),
            first[2],
            other if first[4] in small else first[3] or "",
            ", ".join(programs),
            *units,
        ]


@never_cache
@role_required(REPORTS)
def distributions_export(request: HttpRequest, format: str) -> HttpResponseBase:
    """The distributions of the filter in the query, one row each, one column per
    product; CSV streams, XLSX is written to a temporary file first."""
    format = _format(format)
    filters = from_query(request.GET)
    products = distribution_products(filters)
    name = f"{_('distributions')}-{_period(filters)}"
    return exports.response(
        format, name, distribution_header(products), distribution_rows(filters, products)
    )


urlpatterns: list[URLPattern] = [
    path("uitdelingen/export/<str:format>/", distributions_export, name="distributions_export"),
    path("export/<str:key>/<str:format>/", report_export, name="report_export"),
]
