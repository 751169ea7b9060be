"""The report screen: the filter form, the key figures, the charts, and per section its
tables, each with its exports. Figures come from ``build_report``; this view only
renders them."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.cache import never_cache

from kern.permissions import role_required
from rapportering import anonymity
from rapportering.forms import ReportFilterForm
from rapportering.selectors import cells
from rapportering.selectors.figures import SECTIONS
from rapportering.selectors.filters import this_month
from rapportering.selectors.report import Report, build_report, section_title


def sections_of(report: Report) -> list[dict[str, object]]:
    """The tables grouped by section, each cell ready to show."""
    result: list[dict[str, object]] = []
    for name in SECTIONS:
        tables = [table for table in report.tables if table.section == name]
        if not tables:
            continue
        result.append(
            {
                "key": name,
                "title": section_title(name),
                "tables": [
                    {
                        "table": table,
                        "rows": [
                            [
                                {
                                    "text": cells.display(cell),
                                    "number": cells.is_number(cell),
                                    "masked": getattr(cell, "masked", False),
                                }
                                for cell in row
                            ]
                            for row in table.rows
                        ],
                    }
                    for table in tables
                ],
            }
        )
    return result


@never_cache
@role_required("kern.view_reports")
def report(request: HttpRequest) -> HttpResponse:
    form = ReportFilterForm(request.GET or None)
    context: dict[str, object] = {"form": form, "report": None}
    if not form.is_bound or form.is_valid():
        filters = form.report_filter() if form.is_bound else this_month()
        report = build_report(filters=filters)
        context.update(
            report=report,
            filters=filters,
            query=urlencode(filters.as_query(), doseq=True),
            key_figures=[
                {
                    "figure": figure,
                    "text": cells.display(figure.value),
                    "masked": cells.masked(figure),
                }
                for figure in report.key_figures
            ],
            sections=sections_of(report),
            smallest=anonymity.min_households(),
        )
    return render(request, "rapportering/report_detail.html", context)


urlpatterns: list[URLPattern] = [
    path("rapport/", report, name="report"),
]
