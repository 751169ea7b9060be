"""``{% report_charts filters group %}``: the charts of a report (households per month,
units per month stacked by ``group`` — "program" or "municipality" — and stock at the end
of each month), each an SVG with its table, through
``rapportering/partials/report_charts.html``."""

from __future__ import annotations

import itertools

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from rapportering import anonymity, charts
from rapportering.selectors.filters import ReportFilter
from rapportering.selectors.trends import GROUPS, report_trends

register = template.Library()

#: Chart ids must be unique in a page, also when the tag is used twice.
_counter = itertools.count(1)


@register.simple_tag
def report_charts(filters: ReportFilter, group: str = "program") -> SafeString:
    """The SVG charts (each with its title and table) of the report of ``filters``."""
    if group not in GROUPS:
        group = "program"
    prefix = f"chart{next(_counter)}"
    entries = []
    for trend in report_trends(filters=filters, group=group):
        chart_id = f"{prefix}-{trend.key}"
        entries.append(
            {
                "trend": trend,
                "id": chart_id,
                "svg": None if trend.is_empty else charts.svg(trend, chart_id=chart_id),
                "table": charts.table(trend),
            }
        )
    return render_to_string(
        "rapportering/partials/report_charts.html",
        {
            "charts": entries,
            "group": group,
            "masked_text": anonymity.masked_text(),
            "minimum": anonymity.min_households(),
        },
    )
