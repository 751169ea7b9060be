"""Charts as SVG drawn on the server: a line chart, a bar chart and a stacked bar chart
of a :class:`~rapportering.selectors.trends.Trend`, and the table behind each.

No script and no resource from elsewhere: the page's Content-Security-Policy allows
neither inline script nor inline styles, so the SVG uses presentation attributes
(``fill``, ``stroke``, ``stroke-dasharray``) and CSS classes only. Every series differs by
more than its colour (a dash pattern and a marker for lines, a hatch pattern for bars),
so a chart reads in black-and-white print and for the colour blind. A value hidden by the
"< 5" rule is never drawn as a number: a line breaks there and the month is marked.

The SVG is ``role="img"`` with a ``<title>`` and ``<desc>``; the same numbers are in a
real table (:func:`table`) that the template puts beside it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.formats import date_format, number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from rapportering.anonymity import Figure, masked_text, min_households
from rapportering.selectors.trends import MonthValue, Series, Trend

WIDTH = 720
PLOT_LEFT = 64
PLOT_RIGHT = WIDTH - 16
PLOT_TOP = 30
PLOT_BOTTOM = 262
LEGEND_TOP = 306
LEGEND_ROW = 22
LEGEND_COLUMNS = 2

#: Colours that stay apart for the colour blind (Okabe–Ito, darkened for contrast on
#: white); in black-and-white print the dashes, markers and hatches keep series apart.
COLOURS = ("#0b6e4f", "#b34700", "#005a8c", "#a3487f", "#7a5c00", "#3d3d3d", "#2f7fb5")
DASHES = ("", "8 4", "2 3", "10 3 2 3", "5 5", "1 3", "12 2")
MARKERS = ("circle", "square", "triangle", "diamond", "cross", "plus", "circle")
#: Hatches of stacked bars, drawn in white over the series colour.
HATCHES = ("solid", "diagonal", "dots", "crosshatch", "horizontal", "vertical", "backdiagonal")
MUTED = "#5d6b70"
INK = "#1d2528"
GRID = "#d7dee0"


def number(value: int | float) -> str:
    """A number as people here write it: ``1.234``."""
    return number_format(value, decimal_pos=0, force_grouping=True)


def month_label(month: dt.date, *, with_year: bool) -> str:
    return date_format(month, "M Y" if with_year else "M")


def month_long(month: dt.date) -> str:
    return date_format(month, "F Y")


def cell_text(value: MonthValue) -> str:
    """A month's value in the table: the number, "< 5" when hidden, "—" when none."""
    if value is None:
        return "—"
    return str(value)


@dataclass(frozen=True)
class ChartTable:
    caption: str
    header: list[str]
    rows: list[tuple[str, list[str]]]  # row heading, cells
    masked: bool  # some cell is "< 5"


def table(trend: Trend) -> ChartTable:
    """The numbers behind a chart, one row per month, one column per series (and a total
    column for a stacked chart of more than one series)."""
    with_total = trend.kind == "stacked" and len(trend.series) > 1
    header = [_("Month"), *(s.label for s in trend.series)]
    if with_total:
        header.append(_("Total"))
    totals = trend.month_totals() if with_total else []
    rows = []
    for index, month in enumerate(trend.months):
        cells = [cell_text(s.values[index]) for s in trend.series]
        if with_total:
            cells.append(cell_text(totals[index]))
        rows.append((month_long(month), cells))
    return ChartTable(trend.title, header, rows, trend.has_masked)


# --- Scales -----------------------------------------------------------------------------


def nice_ticks(maximum: float, *, count: int = 5) -> list[int]:
    """Round tick values from 0 to at least ``maximum``: steps of 1, 2 or 5 × 10ⁿ."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(1, int(step))
    top = int(math.ceil(maximum / step) * step)
    return list(range(0, top + 1, step))


class Frame:
    """Where months and values land in the plot area."""

    def __init__(self, months: Sequence[dt.date], ticks: list[int], *, bars: bool) -> None:
        self.months = list(months)
        self.ticks = ticks
        self.top_value = ticks[-1] or 1
        self.slot = (PLOT_RIGHT - PLOT_LEFT) / max(1, len(self.months))
        self.bars = bars

    def x(self, index: int) -> float:
        return PLOT_LEFT + self.slot * (index + 0.5)

    def y(self, value: float) -> float:
        return PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * value / self.top_value


def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _axes(frame: Frame, unit: str) -> list[str]:
    parts = [f'<g class="chart-axes" font-size="12" fill="{MUTED}">']
    for tick in frame.ticks:
        y = _f(frame.y(tick))
        parts.append(
            f'<line x1="{PLOT_LEFT}" x2="{PLOT_RIGHT}" y1="{y}" y2="{y}" stroke="{GRID}" '
            f'stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{PLOT_LEFT - 6}" y="{_f(frame.y(tick) + 4)}" text-anchor="end">'
            f"{escape(number(tick))}</text>"
        )
    parts.append(
        f'<line x1="{PLOT_LEFT}" x2="{PLOT_RIGHT}" y1="{PLOT_BOTTOM}" y2="{PLOT_BOTTOM}" '
        f'stroke="{INK}" stroke-width="1.2"/>'
    )
    parts.append(f'<text x="4" y="16" fill="{INK}">{escape(unit)}</text>')
    # Every month labelled when they fit; otherwise every second, third … month.
    every = max(1, math.ceil(len(frame.months) / 12))
    previous_year = None
    for index, month in enumerate(frame.months):
        if index % every:
            continue
        with_year = month.year != previous_year
        previous_year = month.year
        parts.append(
            f'<text x="{_f(frame.x(index))}" y="{PLOT_BOTTOM + 18}" text-anchor="middle">'
            f"{escape(month_label(month, with_year=False))}</text>"
        )
        if with_year:
            parts.append(
                f'<text x="{_f(frame.x(index))}" y="{PLOT_BOTTOM + 33}" text-anchor="middle">'
                f"{month.year}</text>"
            )
    parts.append("</g>")
    return parts


def _marker(shape: str, x: float, y: float, colour: str, size: float = 4.5) -> str:
    if shape == "square":
        return (
            f'<rect x="{_f(x - size)}" y="{_f(y - size)}" width="{_f(2 * size)}" '
            f'height="{_f(2 * size)}" fill="{colour}"/>'
        )
    if shape == "triangle":
        points = f"{_f(x)},{_f(y - size - 1)} {_f(x - size - 1)},{_f(y + size)} {_f(x + size + 1)},{_f(y + size)}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    if shape == "diamond":
        s = size + 1
        points = f"{_f(x)},{_f(y - s)} {_f(x + s)},{_f(y)} {_f(x)},{_f(y + s)} {_f(x - s)},{_f(y)}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    if shape == "cross":
        return (
            f'<path d="M{_f(x - size)},{_f(y - size)}L{_f(x + size)},{_f(y + size)}'
            f'M{_f(x - size)},{_f(y + size)}L{_f(x + size)},{_f(y - size)}" '
            f'stroke="{colour}" stroke-width="2.2"/>'
        )
    if shape == "plus":
        return (
            f'<path d="M{_f(x - size - 1)},{_f(y)}L{_f(x + size + 1)},{_f(y)}'
            f'M{_f(x)},{_f(y - size - 1)}L{_f(x)},{_f(y + size + 1)}" '
            f'stroke="{colour}" stroke-width="2.2"/>'
        )
    return f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{_f(size)}" fill="{colour}"/>'


def _masked_mark(frame: Frame, index: int, *, label: bool, above: float = PLOT_BOTTOM) -> list[str]:
    """The mark of a hidden value: a hollow diamond on the axis (or on top of a bar), and
    "< 5" above it when the months are wide enough for the text."""
    x = frame.x(index)
    y = above - 7
    parts = [
        f'<polygon class="chart-masked" points="{_f(x)},{_f(y - 5)} {_f(x + 5)},{_f(y)} '
        f'{_f(x)},{_f(y + 5)} {_f(x - 5)},{_f(y)}" fill="#ffffff" stroke="{INK}" '
        f'stroke-width="1.2"/>'
    ]
    if label:
        parts.append(
            f'<text x="{_f(x)}" y="{_f(y - 9)}" text-anchor="middle" font-size="11" '
            f'fill="{INK}">{escape(masked_text())}</text>'
        )
    return parts


def _patterns(chart_id: str, count: int) -> list[str]:
    parts = ["<defs>"]
    for index in range(count):
        colour = COLOURS[index % len(COLOURS)]
        hatch = HATCHES[index % len(HATCHES)]
        pid = f"{chart_id}-p{index}"
        parts.append(
            f'<pattern id="{pid}" patternUnits="userSpaceOnUse" width="8" height="8">'
            f'<rect width="8" height="8" fill="{colour}"/>'
        )
        white = 'stroke="#ffffff" stroke-width="1.6"'
        if hatch == "diagonal":
            parts.append(f'<path d="M-2,2L2,-2M0,8L8,0M6,10L10,6" {white}/>')
        elif hatch == "backdiagonal":
            parts.append(f'<path d="M-2,6L2,10M0,0L8,8M6,-2L10,2" {white}/>')
        elif hatch == "dots":
            parts.append('<circle cx="4" cy="4" r="1.6" fill="#ffffff"/>')
        elif hatch == "crosshatch":
            parts.append(f'<path d="M0,4L8,4M4,0L4,8" {white}/>')
        elif hatch == "horizontal":
            parts.append(f'<path d="M0,2L8,2M0,6L8,6" {white}/>')
        elif hatch == "vertical":
            parts.append(f'<path d="M2,0L2,8M6,0L6,8" {white}/>')
        parts.append("</pattern>")
    parts.append("</defs>")
    return parts


def _legend(
    chart_id: str, series: Sequence[Series], *, bars: bool, masked: bool
) -> tuple[list[str], int]:
    entries: list[tuple[str, str]] = []  # (swatch svg at 0,0, label)
    for index, one in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        if bars:
            swatch = (
                f'<rect x="0" y="-10" width="22" height="14" fill="url(#{chart_id}-p{index})" '
                f'stroke="{INK}" stroke-width="0.8"/>'
            )
        else:
            dash = DASHES[index % len(DASHES)]
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            swatch = (
                f'<line x1="0" x2="28" y1="-3" y2="-3" stroke="{colour}" stroke-width="2.5"'
                f"{dash_attr}/>" + _marker(MARKERS[index % len(MARKERS)], 14, -3, colour)
            )
        entries.append((swatch, one.label))
    if masked:
        swatch = (
            f'<polygon points="14,-8 19,-3 14,2 9,-3" fill="#ffffff" stroke="{INK}" '
            f'stroke-width="1.2"/>'
        )
        entries.append(
            (swatch, _("fewer than %(n)d households: not shown") % {"n": min_households()})
        )
    column_width = (WIDTH - 2 * 8) / LEGEND_COLUMNS
    parts = [f'<g class="chart-legend" font-size="12.5" fill="{INK}">']
    for number_, (swatch, label) in enumerate(entries):
        row, column = divmod(number_, LEGEND_COLUMNS)
        x = 8 + column * column_width
        y = LEGEND_TOP + row * LEGEND_ROW
        text = label if len(label) <= 44 else label[:43] + "…"
        parts.append(
            f'<g transform="translate({_f(x)},{_f(y)})">{swatch}'
            f'<text x="36" y="1">{escape(text)}</text></g>'
        )
    parts.append("</g>")
    rows = math.ceil(len(entries) / LEGEND_COLUMNS)
    return parts, LEGEND_TOP + rows * LEGEND_ROW


def _open(chart_id: str, trend: Trend, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{escape(trend.kind)}" '
        f'id="{chart_id}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMidYMid meet" '
        f'font-family="system-ui, sans-serif">',
        f'<title id="{chart_id}-title">{escape(trend.title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(describe(trend))}</desc>',
    ]


def describe(trend: Trend) -> str:
    """The chart in words: what it shows, the months it covers and where it peaks."""
    parts = [trend.description]
    if trend.months:
        parts.append(
            _("From %(first)s to %(last)s.")
            % {"first": month_long(trend.months[0]), "last": month_long(trend.months[-1])}
        )
    for one in trend.series:
        shown = [
            (v.value, trend.months[i])
            for i, v in enumerate(one.values)
            if v is not None and v.value is not None
        ]
        if shown:
            high, when = max(shown, key=lambda pair: pair[0])
            parts.append(
                _("%(series)s: highest %(value)s %(unit)s in %(month)s.")
                % {
                    "series": one.label,
                    "value": number(high),
                    "unit": trend.unit,
                    "month": month_long(when),
                }
            )
    if trend.has_masked:
        parts.append(
            _("Months with fewer than %(n)d households are not shown.") % {"n": min_households()}
        )
    parts.append(_("The table below the chart gives every number."))
    return " ".join(parts)


def _plain(value: MonthValue) -> int:
    """The height a value adds to a bar: nothing when hidden or missing."""
    return 0 if value is None or value.value is None else value.value


def _is_masked(value: MonthValue) -> bool:
    return value is not None and value.value is None


def _top(values: Sequence[float]) -> float:
    return max(values, default=0)


def line_chart(trend: Trend, *, chart_id: str) -> SafeString:
    """One line per series; a hidden or missing month breaks the line."""
    plotted = [
        v.value for s in trend.series for v in s.values if v is not None and v.value is not None
    ]
    frame = Frame(trend.months, nice_ticks(_top(plotted)), bars=False)
    legend, height = _legend(chart_id, trend.series, bars=False, masked=trend.has_masked)
    parts = _open(chart_id, trend, height + 6)
    parts += _axes(frame, trend.unit)
    label_masks = len(trend.months) <= 18
    masked_months: set[int] = set()
    for index, one in enumerate(trend.series):
        colour = COLOURS[index % len(COLOURS)]
        dash = DASHES[index % len(DASHES)]
        shape = MARKERS[index % len(MARKERS)]
        path: list[str] = []
        pen_down = False
        markers: list[str] = []
        for month_index, value in enumerate(one.values):
            if value is None or value.value is None:
                if value is not None:
                    masked_months.add(month_index)
                pen_down = False
                continue
            x, y = frame.x(month_index), frame.y(value.value)
            path.append(f"{'L' if pen_down else 'M'}{_f(x)},{_f(y)}")
            pen_down = True
            markers.append(_marker(shape, x, y, colour))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<g class="chart-series" data-series="{escape(one.key)}">')
        if path:
            parts.append(
                f'<path d="{"".join(path)}" fill="none" stroke="{colour}" stroke-width="2.5" '
                f'stroke-linejoin="round"{dash_attr}/>'
            )
        parts += markers
        parts.append("</g>")
    for month_index in sorted(masked_months):
        parts += _masked_mark(frame, month_index, label=label_masks)
    parts += legend
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above went through escape()


def stacked_bar_chart(trend: Trend, *, chart_id: str) -> SafeString:
    """One bar per month, a hatched segment per series; a month with a hidden part shows
    the parts it may and is marked."""
    totals = [sum(_plain(s.values[i]) for s in trend.series) for i in range(len(trend.months))]
    frame = Frame(trend.months, nice_ticks(_top(totals)), bars=True)
    legend, height = _legend(chart_id, trend.series, bars=True, masked=trend.has_masked)
    parts = _open(chart_id, trend, height + 6)
    parts += _patterns(chart_id, len(trend.series))
    parts += _axes(frame, trend.unit)
    bar_width = min(44.0, frame.slot * 0.7)
    label_masks = len(trend.months) <= 18
    for index, one in enumerate(trend.series):
        parts.append(f'<g class="chart-series" data-series="{escape(one.key)}">')
        for month_index, value in enumerate(one.values):
            if value is None or not value.value:
                continue
            base = sum(_plain(s.values[month_index]) for s in trend.series[:index])
            y_top = frame.y(base + value.value)
            y_bottom = frame.y(base)
            parts.append(
                f'<rect x="{_f(frame.x(month_index) - bar_width / 2)}" y="{_f(y_top)}" '
                f'width="{_f(bar_width)}" height="{_f(max(0.5, y_bottom - y_top))}" '
                f'fill="url(#{chart_id}-p{index})" stroke="{INK}" stroke-width="0.6"/>'
            )
        parts.append("</g>")
    for month_index in range(len(trend.months)):
        if any(_is_masked(s.values[month_index]) for s in trend.series):
            top = frame.y(totals[month_index]) if totals[month_index] else PLOT_BOTTOM
            parts += _masked_mark(frame, month_index, label=label_masks, above=top)
    parts += legend
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above went through escape()


def bar_chart(trend: Trend, *, chart_id: str) -> SafeString:
    """One bar per month of a single series (the first)."""
    single = Trend(
        key=trend.key,
        title=trend.title,
        description=trend.description,
        unit=trend.unit,
        months=trend.months,
        series=trend.series[:1],
        kind="bar",
        note=trend.note,
    )
    return stacked_bar_chart(single, chart_id=chart_id)


def svg(trend: Trend, *, chart_id: str) -> SafeString:
    """The chart of ``trend`` by its kind."""
    if trend.kind == "stacked":
        return stacked_bar_chart(trend, chart_id=chart_id)
    if trend.kind == "bar":
        return bar_chart(trend, chart_id=chart_id)
    return line_chart(trend, chart_id=chart_id)


__all__ = [
    "ChartTable",
    "Figure",
    "bar_chart",
    "describe",
    "line_chart",
    "nice_ticks",
    "stacked_bar_chart",
    "svg",
    "table",
]
