"""The annual report for the municipal council, as an A4 PDF in the house style of
:mod:`kern.pdf`: a cover, the key figures, the charts (drawn with reportlab's vector
graphics from the same trends as the SVG charts on screen), the report's tables, and a
section per municipality.

Only anonymous aggregates: every figure comes from ``build_report``/``report_summary``
and :mod:`rapportering.selectors.trends`, with the "< 5" rule already applied; a hidden
figure prints as "< 5" and a footnote on every page that has one says why. The section per
municipality adds totals the selectors do not know of: its year figures beside its months,
and each municipality's figure beside that of all municipalities. So the units per month
and municipality are masked again against the year (:func:`mask_months_against_year`), and
the household figures of the sections against each other (:func:`mask_across_sections`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Polygon, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, PageBreak, Spacer, Table

from kern.models import Municipality, Organisation
from kern.pdf import (
    CELL,
    CELL_RIGHT,
    CONTENT_WIDTH,
    HEAD,
    HEAD_RIGHT,
    INK,
    SMALL,
    SUBJECT,
    TITLE,
    format_day,
    in_language,
    paragraph,
    render,
    table_style,
)
from rapportering import anonymity, charts
from rapportering.anonymity import Figure, masked_text, min_households
from rapportering.selectors import trends
from rapportering.selectors.filters import ReportFilter
from rapportering.selectors.report import (
    Cell,
    KeyFigure,
    Report,
    build_report,
    report_summary,
    section_title,
)
from rapportering.selectors.trends import MonthValue, Trend

#: Points per SVG unit: the charts keep the SVG's geometry, scaled to the text width.
SCALE = CONTENT_WIDTH / charts.WIDTH


# --- Text -------------------------------------------------------------------------------


def cell_text(value: Cell | MonthValue) -> str:
    """A cell as printed: "< 5" for a hidden figure, numbers with a thousands dot and a
    decimal comma, "—" for nothing."""
    if value is None:
        return "—"
    if isinstance(value, Figure):
        return str(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return charts.number(value)
    if isinstance(value, Decimal):
        return number_format(value, decimal_pos=2, force_grouping=True)
    return str(value)


def key_figure_text(figure: KeyFigure) -> str:
    text = cell_text(figure.value)
    if not figure.unit or (isinstance(figure.value, Figure) and figure.value.masked):
        return text
    if figure.unit == "EUR":
        return f"€ {text}"
    return f"{text} {figure.unit}"


def has_masked(cells: list[Any]) -> bool:
    return any(isinstance(cell, Figure) and cell.masked for cell in cells)


def masked_footnote() -> str:
    return _(
        "“%(masked)s”: fewer than %(minimum)d households. To protect their privacy, a figure "
        "about so few households is not shown (and, where it could be worked out from a "
        "total, neither is the next smallest figure)."
    ) % {"masked": masked_text(), "minimum": min_households()}


# --- Charts -----------------------------------------------------------------------------


class ChartDrawing:
    """A chart of a trend on a reportlab Drawing, with the geometry of the SVG chart
    (:mod:`rapportering.charts`) turned upside down (reportlab counts y from below)."""

    def __init__(self, trend: Trend) -> None:
        self.trend = trend
        self.legend_rows = math.ceil(
            (len(trend.series) + (1 if trend.has_masked else 0)) / charts.LEGEND_COLUMNS
        )
        self.height = charts.LEGEND_TOP + self.legend_rows * charts.LEGEND_ROW + 6
        self.group = Group()

    def y(self, svg_y: float) -> float:
        return self.height - svg_y

    def text(
        self,
        x: float,
        svg_y: float,
        value: str,
        *,
        size: float = 12,
        anchor: str = "start",
        colour: Any = None,
    ) -> None:
        self.group.add(
            String(
                x,
                self.y(svg_y),
                value,
                fontName="Helvetica",
                fontSize=size,
                fillColor=colour or colors.HexColor(charts.MUTED),
                textAnchor=anchor,
            )
        )

    def axes(self, frame: charts.Frame) -> None:
        for tick in frame.ticks:
            y = frame.y(tick)
            self.group.add(
                Line(
                    charts.PLOT_LEFT,
                    self.y(y),
                    charts.PLOT_RIGHT,
                    self.y(y),
                    strokeColor=colors.HexColor(charts.GRID),
                    strokeWidth=1,
                )
            )
            self.text(charts.PLOT_LEFT - 6, y + 4, charts.number(tick), anchor="end")
        self.group.add(
            Line(
                charts.PLOT_LEFT,
                self.y(charts.PLOT_BOTTOM),
                charts.PLOT_RIGHT,
                self.y(charts.PLOT_BOTTOM),
                strokeColor=INK,
                strokeWidth=1.2,
            )
        )
        self.text(4, 16, self.trend.unit, colour=INK)
        every = max(1, math.ceil(len(frame.months) / 12))
        previous_year = None
        for index, month in enumerate(frame.months):
            if index % every:
                continue
            x = frame.x(index)
            self.text(
                x,
                charts.PLOT_BOTTOM + 18,
                charts.month_label(month, with_year=False),
                anchor="middle",
            )
            if month.year != previous_year:
                self.text(x, charts.PLOT_BOTTOM + 33, str(month.year), anchor="middle")
            previous_year = month.year

    def marker(self, shape: str, x: float, svg_y: float, colour: Any, size: float = 4.5) -> None:
        y = self.y(svg_y)
        if shape == "square":
            self.group.add(
                Rect(x - size, y - size, 2 * size, 2 * size, fillColor=colour, strokeColor=None)
            )
        elif shape == "triangle":
            self.group.add(
                Polygon(
                    [x, y + size + 1, x - size - 1, y - size, x + size + 1, y - size],
                    fillColor=colour,
                    strokeColor=None,
                )
            )
        elif shape == "diamond":
            s = size + 1
            self.group.add(
                Polygon(
                    [x, y + s, x + s, y, x, y - s, x - s, y], fillColor=colour, strokeColor=None
                )
            )
        elif shape == "cross":
            self.group.add(
                Line(x - size, y - size, x + size, y + size, strokeColor=colour, strokeWidth=2.2)
            )
            self.group.add(
                Line(x - size, y + size, x + size, y - size, strokeColor=colour, strokeWidth=2.2)
            )
        elif shape == "plus":
            self.group.add(
                Line(x - size - 1, y, x + size + 1, y, strokeColor=colour, strokeWidth=2.2)
            )
            self.group.add(
                Line(x, y - size - 1, x, y + size + 1, strokeColor=colour, strokeWidth=2.2)
            )
        else:
            self.group.add(Circle(x, y, size, fillColor=colour, strokeColor=None))

    def masked_mark(self, frame: charts.Frame, index: int, *, above: float, label: bool) -> None:
        x, y = frame.x(index), self.y(above - 7)
        self.group.add(
            Polygon(
                [x, y + 5, x + 5, y, x, y - 5, x - 5, y],
                fillColor=colors.white,
                strokeColor=INK,
                strokeWidth=1.2,
            )
        )
        if label:
            self.text(x, above - 16, masked_text(), size=11, anchor="middle", colour=INK)

    def hatched_rect(
        self, x: float, svg_top: float, width: float, height: float, index: int
    ) -> None:
        colour = colors.HexColor(charts.COLOURS[index % len(charts.COLOURS)])
        bottom = self.y(svg_top + height)
        self.group.add(Rect(x, bottom, width, height, fillColor=colour, strokeColor=None))
        hatch = charts.HATCHES[index % len(charts.HATCHES)]
        white = {"strokeColor": colors.white, "strokeWidth": 1.6}
        top = bottom + height
        step = 8.0
        if hatch in ("horizontal", "crosshatch"):
            y = bottom + step / 2
            while y < top:
                self.group.add(Line(x, y, x + width, y, **white))
                y += step if hatch == "crosshatch" else step / 2
        if hatch in ("vertical", "crosshatch"):
            xx = x + step / 2
            while xx < x + width:
                self.group.add(Line(xx, bottom, xx, top, **white))
                xx += step if hatch == "crosshatch" else step / 2
        if hatch == "dots":
            yy = bottom + step / 2
            while yy < top:
                xx = x + step / 2
                while xx < x + width:
                    self.group.add(Circle(xx, yy, 1.6, fillColor=colors.white, strokeColor=None))
                    xx += step
                yy += step
        if hatch in ("diagonal", "backdiagonal"):
            # Lines of slope ±1 clipped to the rectangle.
            sign = 1 if hatch == "diagonal" else -1
            c = -width - height
            while c < width + height:
                points = []
                for px in (x, x + width):
                    py = bottom + sign * (px - x) + c
                    if bottom <= py <= top:
                        points.append((px, py))
                for py in (bottom, top):
                    px = x + (py - bottom - c) * sign
                    if x <= px <= x + width:
                        points.append((px, py))
                if len(points) >= 2:
                    (x1, y1), (x2, y2) = points[0], points[-1]
                    self.group.add(Line(x1, y1, x2, y2, **white))
                c += step
        self.group.add(
            Rect(x, bottom, width, height, fillColor=None, strokeColor=INK, strokeWidth=0.6)
        )

    def legend(self, bars: bool) -> None:
        column_width = (charts.WIDTH - 16) / charts.LEGEND_COLUMNS
        entries: list[tuple[int | None, str]] = [
            (i, s.label) for i, s in enumerate(self.trend.series)
        ]
        if self.trend.has_masked:
            entries.append(
                (None, _("fewer than %(n)d households: not shown") % {"n": min_households()})
            )
        for number, (index, label) in enumerate(entries):
            row, column = divmod(number, charts.LEGEND_COLUMNS)
            x = 8 + column * column_width
            svg_y = charts.LEGEND_TOP + row * charts.LEGEND_ROW
            if index is None:
                y = self.y(svg_y - 3)
                self.group.add(
                    Polygon(
                        [x + 14, y + 5, x + 19, y, x + 14, y - 5, x + 9, y],
                        fillColor=colors.white,
                        strokeColor=INK,
                        strokeWidth=1.2,
                    )
                )
            elif bars:
                self.hatched_rect(x, svg_y - 10, 22, 14, index)
            else:
                colour = colors.HexColor(charts.COLOURS[index % len(charts.COLOURS)])
                dash = charts.DASHES[index % len(charts.DASHES)]
                line = Line(
                    x,
                    self.y(svg_y - 3),
                    x + 28,
                    self.y(svg_y - 3),
                    strokeColor=colour,
                    strokeWidth=2.5,
                )
                if dash:
                    line.strokeDashArray = [float(part) for part in dash.split()]
                self.group.add(line)
                self.marker(charts.MARKERS[index % len(charts.MARKERS)], x + 14, svg_y - 3, colour)
            text = label if len(label) <= 44 else label[:43] + "…"
            self.text(x + 36, svg_y + 1, text, size=12.5, colour=INK)

    def draw(self) -> Drawing:
        trend = self.trend
        label_masks = len(trend.months) <= 18
        if trend.kind in ("stacked", "bar"):
            series = trend.series if trend.kind == "stacked" else trend.series[:1]
            totals = [sum(_plain(s.values[i]) for s in series) for i in range(len(trend.months))]
            frame = charts.Frame(trend.months, charts.nice_ticks(max(totals, default=0)), bars=True)
            self.axes(frame)
            bar_width = min(44.0, frame.slot * 0.7)
            for index, one in enumerate(series):
                for month_index, value in enumerate(one.values):
                    if value is None or not value.value:
                        continue
                    base = sum(_plain(s.values[month_index]) for s in series[:index])
                    top, bottom = frame.y(base + value.value), frame.y(base)
                    self.hatched_rect(
                        frame.x(month_index) - bar_width / 2,
                        top,
                        bar_width,
                        max(0.5, bottom - top),
                        index,
                    )
            for month_index in range(len(trend.months)):
                if any(_masked(s.values[month_index]) for s in series):
                    above = (
                        frame.y(totals[month_index]) if totals[month_index] else charts.PLOT_BOTTOM
                    )
                    self.masked_mark(frame, month_index, above=above, label=label_masks)
            self.legend(bars=True)
        else:
            plotted = [_plain(v) for s in trend.series for v in s.values]
            frame = charts.Frame(
                trend.months, charts.nice_ticks(max(plotted, default=0)), bars=False
            )
            self.axes(frame)
            masked_months: set[int] = set()
            for index, one in enumerate(trend.series):
                colour = colors.HexColor(charts.COLOURS[index % len(charts.COLOURS)])
                dash = charts.DASHES[index % len(charts.DASHES)]
                segment: list[float] = []
                segments: list[list[float]] = []
                for month_index, value in enumerate(one.values):
                    if value is None or value.value is None:
                        if value is not None:
                            masked_months.add(month_index)
                        if segment:
                            segments.append(segment)
                        segment = []
                        continue
                    segment += [frame.x(month_index), self.y(frame.y(value.value))]
                if segment:
                    segments.append(segment)
                for points in segments:
                    if len(points) >= 4:
                        line = PolyLine(
                            points, strokeColor=colour, strokeWidth=2.5, strokeLineJoin=1
                        )
                        if dash:
                            line.strokeDashArray = [float(part) for part in dash.split()]
                        self.group.add(line)
                    for i in range(0, len(points), 2):
                        self.marker(
                            charts.MARKERS[index % len(charts.MARKERS)],
                            points[i],
                            self.height - points[i + 1],
                            colour,
                        )
            for month_index in sorted(masked_months):
                self.masked_mark(frame, month_index, above=charts.PLOT_BOTTOM, label=label_masks)
            self.legend(bars=False)
        self.group.scale(SCALE, SCALE)
        drawing = Drawing(CONTENT_WIDTH, self.height * SCALE)
        drawing.add(self.group)
        return drawing


def _plain(value: MonthValue) -> int:
    return 0 if value is None or value.value is None else value.value


def _masked(value: MonthValue) -> bool:
    return value is not None and value.value is None


# --- Tables -----------------------------------------------------------------------------


COMPACT_CELL = ParagraphStyle("compact_cell", parent=CELL, fontSize=8.5, leading=10)
COMPACT_CELL_RIGHT = ParagraphStyle("compact_cell_right", parent=COMPACT_CELL, alignment=TA_RIGHT)
COMPACT = (
    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
)


def column_widths(columns: list[str], rows: list[list[Any]], *, first_min: float) -> list[float]:
    """Widths that follow the content: each column as wide as its longest cell or the
    longest word of its heading (a heading wraps between words, never inside one), the
    first column taking what is left; when that does not fit, the other columns shrink
    in proportion and the first keeps ``first_min`` of the width."""
    count = len(columns)
    if count == 1:
        return [CONTENT_WIDTH]
    padding = 4 * mm

    def width(text: str, style: ParagraphStyle) -> float:
        return float(stringWidth(text, style.fontName, style.fontSize))

    def natural(i: int) -> float:
        words = [width(word, HEAD) for word in columns[i].split()]
        cells = []
        for row in rows:
            text = cell_text(row[i])
            if isinstance(row[i], int | Decimal | Figure):
                cells.append(width(text, CELL))  # a number never wraps
            else:
                cells += [width(word, CELL) for word in text.split()]
        return max([*words, *cells, 8 * mm]) + padding

    rest = [natural(i) for i in range(1, count)]
    room = CONTENT_WIDTH * (1 - first_min)
    if sum(rest) > room:
        rest = [width * room / sum(rest) for width in rest]
    return [CONTENT_WIDTH - sum(rest), *rest]


def data_table(
    columns: list[str],
    rows: list[list[Any]],
    *,
    first_column_share: float = 0.4,
    compact: bool = False,
) -> Table:
    """A house-style table: the first column as text, the others right-aligned."""
    widths = column_widths(columns, rows, first_min=min(first_column_share, 0.3))
    left, right = (COMPACT_CELL, COMPACT_CELL_RIGHT) if compact else (CELL, CELL_RIGHT)
    body: list[list[Flowable]] = [
        [paragraph(heading, HEAD if i == 0 else HEAD_RIGHT) for i, heading in enumerate(columns)]
    ]
    for row in rows:
        body.append(
            [
                paragraph(
                    cell_text(cell),
                    left if i == 0 and not isinstance(cell, int | Decimal | Figure) else right,
                )
                for i, cell in enumerate(row)
            ]
        )
    table = Table(body, colWidths=widths, repeatRows=1)
    table.setStyle(table_style(*(COMPACT if compact else ())))
    return table


def trend_table(trend: Trend) -> Table:
    shown = charts.table(trend)
    rows: list[list[Any]] = [[month, *cells] for month, cells in shown.rows]
    share = 0.28 if len(shown.header) > 3 else 0.4
    return data_table(shown.header, rows, first_column_share=share, compact=True)


def key_figures_table(figures: list[KeyFigure]) -> Table:
    body = [[paragraph(f.label, CELL), paragraph(key_figure_text(f), CELL_RIGHT)] for f in figures]
    table = Table(body, colWidths=[CONTENT_WIDTH * 0.7, CONTENT_WIDTH * 0.3])
    table.setStyle(
        table_style(
            ("BACKGROUND", (0, 0), (-1, 0), colors.white),
            ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")),
            ("FONT", (1, 0), (1, -1), "Helvetica-Bold", 11),
        )
    )
    return table


def heading(text: str) -> Flowable:
    return paragraph(text, SUBJECT)


# --- The document -----------------------------------------------------------------------


def organisation_name() -> str:
    social_service = (
        Organisation.objects.filter(kind=Organisation.Kind.SOCIAL_SERVICE, is_active=True)
        .order_by("name")
        .first()
    )
    return social_service.name if social_service else "Deelpunt"


def annual_report_pdf(
    *, year: int, municipality: Municipality | None = None, language: str | None = None
) -> bytes:
    """The annual report of ``year``, of every municipality or of one."""
    return in_language(lambda: _annual(year, municipality), language)


def _chart_block(trend: Trend) -> list[Flowable]:
    block: list[Flowable] = [CondPageBreak(90 * mm), heading(trend.title)]
    if trend.is_empty:
        block.append(paragraph(_("Nothing to show for this period."), SMALL))
        return block
    block += [
        Spacer(1, 2 * mm),
        ChartDrawing(trend).draw(),
        paragraph(trend.description + (" " + trend.note if trend.note else ""), SMALL),
        Spacer(1, 3 * mm),
        trend_table(trend),
    ]
    if trend.has_masked:
        block += [Spacer(1, 1.5 * mm), paragraph(masked_footnote(), SMALL)]
    block.append(Spacer(1, 6 * mm))
    return block


def _report_tables(report: Report) -> list[Flowable]:
    story: list[Flowable] = []
    section = None
    for table in report.tables:
        # A section's title stays with its first table: never alone at the foot of a page.
        lead: list[Flowable] = []
        if table.section and table.section != section:
            section = table.section
            story.append(CondPageBreak(60 * mm))
            lead = [paragraph(section_title(section), TITLE), Spacer(1, 3 * mm)]
        block: list[Flowable] = [*lead, heading(table.title), Spacer(1, 2 * mm)]
        if table.rows:
            block.append(data_table(table.columns, table.rows))
        else:
            block.append(paragraph(_("Nothing to report for this period."), SMALL))
        notes = [table.note] if table.note else []
        if any(has_masked(row) for row in table.rows):
            notes.append(masked_footnote())
        for note in notes:
            block += [Spacer(1, 1.5 * mm), paragraph(note, SMALL)]
        keep = len(lead) + 3
        story += [KeepTogether(block[:keep]), *block[keep:], Spacer(1, 5 * mm)]
    return story


def _mask_together(figures: list[Figure]) -> list[Figure]:
    """``figures`` that add up to a total shown elsewhere, with a second one hidden when
    only one is (``anonymity.mask_breakdown``). Only the masks are known here, not the
    households behind each figure: a hidden figure counts as a small group, a shown one
    ranks by its value (the smallest non-zero one is hidden next)."""
    floor = min_households()

    def size(figure: Figure) -> int:
        if figure.value is None:
            return 1
        return max(figure.value, floor) if figure.value else 0

    hidden = anonymity.mask_breakdown(figures, households=size)
    return [Figure(None) if i in hidden else f for i, f in enumerate(figures)]


def mask_months_against_year(trend: Trend) -> Trend:
    """Units per month and municipality, masked so that no hidden month follows from the
    municipality's year figure (printed in its section) and no hidden municipality from
    the month's total: rows and columns in turn, until nothing changes."""
    values = [list(series.values) for series in trend.series]
    changed = True
    while changed:
        changed = False
        groups = [[(r, c) for c in range(len(trend.months))] for r in range(len(values))]
        groups += [[(r, c) for r in range(len(values))] for c in range(len(trend.months))]
        for group in groups:
            cells = [(r, c) for r, c in group if values[r][c] is not None]
            before = [values[r][c] for r, c in cells]
            after = _mask_together([f for f in before if f is not None])
            for (r, c), old, new in zip(cells, before, after, strict=True):
                if new != old:
                    values[r][c] = new
                    changed = True
    series = [
        dataclasses.replace(series, values=row)
        for series, row in zip(trend.series, values, strict=True)
    ]
    return dataclasses.replace(trend, series=series)


def mask_across_sections(sections: list[list[KeyFigure]]) -> list[list[KeyFigure]]:
    """The key figures of the municipality sections, each figure about households masked
    across the sections: the municipalities' figures add up to the one of all
    municipalities printed on the key figures page."""
    keys = {f.key for figures in sections for f in figures if isinstance(f.value, Figure)}
    result = [list(figures) for figures in sections]
    for key in keys:
        where = [
            (s, i)
            for s, figures in enumerate(result)
            for i, f in enumerate(figures)
            if f.key == key and isinstance(f.value, Figure)
        ]
        masked = _mask_together([_figure(result[s][i].value) for s, i in where])
        for (s, i), figure in zip(where, masked, strict=True):
            result[s][i] = dataclasses.replace(result[s][i], value=figure)
    return result


def _figure(value: Figure | int | Decimal) -> Figure:
    return value if isinstance(value, Figure) else Figure(int(value))


def _annual(year: int, municipality: Municipality | None) -> bytes:
    filters = ReportFilter(
        start=dt.date(year, 1, 1),
        end=dt.date(year, 12, 31),
        municipalities=(municipality.pk,) if municipality else (),
    )
    organisation = organisation_name()
    scope = municipality.name if municipality else _("all municipalities")
    report = build_report(filters=filters)
    households, by_municipality = trends.units_and_households(filters=filters)
    if municipality is None:
        by_municipality = mask_months_against_year(by_municipality)
    by_program = trends.units_per_month(filters=filters, group="program")
    stock = trends.stock_per_month(filters=filters)
    title = _("Annual report %(year)d") % {"year": year}

    story: list[Flowable] = [
        paragraph(organisation, SMALL),
        Spacer(1, 40 * mm),
        paragraph(title, TITLE),
        Spacer(1, 4 * mm),
        paragraph(_("Material aid for families · %(scope)s") % {"scope": scope}, SUBJECT),
        Spacer(1, 2 * mm),
        paragraph(
            _("From %(start)s to %(end)s")
            % {"start": format_day(filters.start), "end": format_day(filters.end)}
        ),
        Spacer(1, 12 * mm),
        paragraph(
            _(
                "This report gives the figures of the material aid to families (diapers, "
                "baby items, bikes, laptops, toys, the swap shop and seasonal actions) for "
                "the municipal council. It holds counts only, no names or addresses. A "
                "figure about fewer than %(n)d households is not printed, and neither is a "
                "second figure from which it could be worked out in the same table or "
                "against a total printed beside it."
            )
            % {"n": min_households()}
        ),
        Spacer(1, 3 * mm),
        paragraph(masked_footnote(), SMALL),
        Spacer(1, 3 * mm),
        paragraph(
            _(
                "Units are single pieces (one diaper, one jar), as counted in stock; a "
                "household is counted once per period however often it came."
            ),
            SMALL,
        ),
        Spacer(1, 30 * mm),
        paragraph(
            _("Drawn up on %(day)s by %(organisation)s with Deelpunt.")
            % {"day": format_day(timezone.localdate()), "organisation": organisation},
            SMALL,
        ),
        PageBreak(),
        paragraph(_("Key figures"), TITLE),
        Spacer(1, 4 * mm),
    ]
    if report.key_figures:
        story.append(key_figures_table(report.key_figures))
        if any(isinstance(f.value, Figure) and f.value.masked for f in report.key_figures):
            story.append(paragraph(masked_footnote(), SMALL))
    else:
        story.append(paragraph(_("Nothing to report for this period."), SMALL))
    # The heading goes with its first chart: never alone at the foot of a page.
    story += [
        CondPageBreak(110 * mm),
        Spacer(1, 8 * mm),
        paragraph(_("Month by month"), TITLE),
        Spacer(1, 3 * mm),
    ]
    for trend in (households, by_program, None if municipality else by_municipality, stock):
        if trend is not None:
            story += _chart_block(trend)

    if report.tables:
        story += [PageBreak(), paragraph(_("Tables"), TITLE), Spacer(1, 3 * mm)]
        story += _report_tables(report)

    if municipality is None:
        places = trends.municipalities_reached(filters=filters)
        if places:
            story += [PageBreak(), paragraph(_("Per municipality"), TITLE), Spacer(1, 3 * mm)]
            story.append(
                paragraph(
                    _(
                        "The municipality of a household is where it lives, not where it "
                        "was helped."
                    ),
                    SMALL,
                )
            )
            story.append(Spacer(1, 4 * mm))
        summaries = mask_across_sections(
            [_municipality_summary(filters, place).key_figures for place in places]
        )
        for place, figures in zip(places, summaries, strict=True):
            story += _municipality_section(place, figures, by_municipality)
    return render(
        story,
        title=f"{title} · {scope}",
        footer=f"{organisation} · {title} · {scope}",
        running_header=f"{title} · {scope}",
    )


def _municipality_summary(filters: ReportFilter, place: Municipality) -> Report:
    local = ReportFilter(
        start=filters.start,
        end=filters.end,
        programs=filters.programs,
        municipalities=(place.pk,),
        locations=filters.locations,
    )
    return report_summary(filters=local)


def _municipality_section(
    place: Municipality, key_figures: list[KeyFigure], by_municipality: Trend | None
) -> list[Flowable]:
    block: list[Flowable] = [heading(place.name), Spacer(1, 2 * mm)]
    if key_figures:
        block.append(key_figures_table(key_figures))
    rows: list[list[Any]] = []
    if by_municipality is not None:
        for series in by_municipality.series:
            if series.key == f"municipality-{place.pk}":
                rows = [
                    [charts.month_long(month), value]
                    for month, value in zip(by_municipality.months, series.values, strict=True)
                ]
    block.append(Spacer(1, 3 * mm))
    if rows:
        block.append(paragraph(_("Units handed out per month"), HEAD))
        block.append(Spacer(1, 1 * mm))
        block.append(
            data_table([_("Month"), _("Units")], rows, first_column_share=0.6, compact=True)
        )
    masked = any(isinstance(f.value, Figure) and f.value.masked for f in key_figures)
    if masked or any(has_masked(row) for row in rows):
        block.append(paragraph(masked_footnote(), SMALL))
    # A municipality's section fits on a page: never split over two.
    return [KeepTogether(block), Spacer(1, 8 * mm)]


__all__ = ["annual_report_pdf", "cell_text"]
