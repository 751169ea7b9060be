"""The house style of every Deelpunt document, as A4 PDFs: colours and paragraph styles,
Code 128 barcodes and write-in boxes as flowables, tables, pages with a footer and
“page x of y”, a watermark, rendering in one language, the date format, the distribution
points with their opening hours, and the HTTP response that serves a PDF.

Helvetica only (the PDF standard fonts, nothing embedded or downloaded) and vector
Code 128 barcodes drawn by :func:`kern.labels.draw_code128`. A document is rendered in the
site language (Dutch) unless another ``language`` is asked for: a letter goes to its
reader, whatever language the person printing it uses on screen.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from itertools import groupby
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)

from kern.labels import draw_code128
from kern.models import Location

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#616e7c")
RULE = colors.HexColor("#9aa5b1")
SHADE = colors.HexColor("#eef1f4")
ALERT = colors.HexColor("#b3261e")

BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=14, textColor=INK)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8.5, leading=11, textColor=MUTED)
CAPTION = ParagraphStyle("caption", parent=SMALL, alignment=TA_CENTER)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=9.5, leading=12)
CELL_RIGHT = ParagraphStyle("cell_right", parent=CELL, alignment=TA_RIGHT)
HEAD = ParagraphStyle("head", parent=CELL, fontName="Helvetica-Bold", fontSize=9, leading=11)
HEAD_RIGHT = ParagraphStyle("head_right", parent=HEAD, alignment=TA_RIGHT)
HEAD_CENTRE = ParagraphStyle("head_centre", parent=HEAD, alignment=TA_CENTER)
TITLE = ParagraphStyle("title", parent=BODY, fontName="Helvetica-Bold", fontSize=17, leading=21)
SUBJECT = ParagraphStyle("subject", parent=BODY, fontName="Helvetica-Bold", fontSize=12, leading=16)
DRAFT_STYLE = ParagraphStyle(
    "draft", parent=BODY, fontName="Helvetica-Bold", fontSize=11, textColor=ALERT
)


# --- Text -------------------------------------------------------------------------------


def format_day(value: dt.date | dt.datetime) -> str:
    """A day as people here write it, “31/01/2025”; a moment in the local time zone."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value:%d/%m/%Y}"


def paragraph(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of plain text (escaped, so “&” or “<” in a name cannot break it)."""
    return Paragraph(escape(text), style)


def lines_markup(*parts: str) -> str:
    """Escaped non-empty parts, one per line, as paragraph markup."""
    return "<br/>".join(escape(part) for part in parts if part)


# --- Flowables --------------------------------------------------------------------------


class BarcodeFlowable(Flowable):  # type: ignore[misc]  # reportlab has no type information
    """A Code 128 symbol with its text underneath, centred in a box ``width`` wide."""

    def __init__(self, value: str, *, width: float, bar_height: float, font_size: float = 7.5):
        super().__init__()
        self.value = value
        self.width = width
        self.bar_height = bar_height
        self.font_size = font_size
        self.height = bar_height + font_size + 3

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        draw_code128(
            self.canv, self.value, 0, self.font_size + 3, self.bar_height, max_width=self.width
        )
        self.canv.setFont("Helvetica", self.font_size)
        self.canv.setFillColor(INK)
        self.canv.drawCentredString(self.width / 2, 1, self.value)


class WriteInBox(Flowable):  # type: ignore[misc]  # reportlab has no type information
    """An empty box to tick or to write a number in."""

    def __init__(self, width: float, height: float):
        super().__init__()
        self.width = width
        self.height = height

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        self.canv.setStrokeColor(INK)
        self.canv.setLineWidth(0.9)
        self.canv.rect(0, 0, self.width, self.height, stroke=1, fill=0)


def table_style(*extra: tuple[Any, ...]) -> TableStyle:
    """The house table: a shaded header row, thin rules between rows; ``extra`` commands
    are added after these."""
    return TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), "Helvetica", 9.5),
            ("TEXTCOLOR", (0, 0), (-1, -1), INK),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 4),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("BACKGROUND", (0, 0), (-1, 0), SHADE),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
            ("LINEBELOW", (0, 1), (-1, -1), 0.4, RULE),
            *extra,
        ]
    )


def with_code(left: Flowable, code: str, caption: str) -> Table:
    """``left`` beside the document's barcode, which sits top right under a caption."""
    table = Table(
        [
            [
                left,
                [
                    paragraph(caption, CAPTION),
                    BarcodeFlowable(code, width=62 * mm, bar_height=12 * mm, font_size=8.5),
                ],
            ]
        ],
        colWidths=[CONTENT_WIDTH - 62 * mm, 62 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


# --- Pages ------------------------------------------------------------------------------


class NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab has no type information
    """Keeps the pages until the end, so every footer can say “page 2 of 3”."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self.setFont("Helvetica", 8)
            self.setFillColor(MUTED)
            self.drawRightString(
                PAGE_WIDTH - MARGIN,
                10 * mm,
                _("Page %(page)d of %(pages)d") % {"page": number, "pages": total},
            )
            super().showPage()
        super().save()


CARD_WIDTH = 85.6 * mm  # ISO/IEC 7810 ID-1, a bank card
CARD_HEIGHT = 54 * mm


def card_canvas(buffer: io.BytesIO, *, title: str) -> Canvas:
    """A card the size of a bank card (the household card, the volunteer card) with its
    document properties and the rounded border a cutter follows; the caller draws on it,
    then ``showPage()`` and ``save()``."""
    canvas = Canvas(buffer, pagesize=(CARD_WIDTH, CARD_HEIGHT))
    canvas.setTitle(title)
    canvas.setAuthor("Deelpunt")
    canvas.setCreator("Deelpunt")
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.roundRect(0.8 * mm, 0.8 * mm, CARD_WIDTH - 1.6 * mm, CARD_HEIGHT - 1.6 * mm, 3 * mm)
    return canvas


def draw_watermark(canvas: Canvas, text: str) -> None:
    canvas.saveState()
    canvas.setFillColor(colors.Color(0.7, 0.7, 0.7, alpha=0.25))
    canvas.setFont("Helvetica-Bold", 96)
    canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
    canvas.rotate(40)
    canvas.drawCentredString(0, -30, text)
    canvas.restoreState()


def render(
    story: list[Flowable],
    *,
    title: str,
    footer: str,
    watermark: str = "",
    running_header: str = "",
) -> bytes:
    """Lay the story out on A4 pages with a footer (and page x of y), a watermark on every
    page if given, and a running header from the second page on."""
    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer, pagesize=A4, title=title, author="Deelpunt", creator="Deelpunt", subject=title
    )

    def decorate(canvas: Canvas, doc: BaseDocTemplate) -> None:
        canvas.saveState()
        if watermark:
            draw_watermark(canvas, watermark)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN, 14 * mm, PAGE_WIDTH - MARGIN, 14 * mm)
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN, 10 * mm, footer)
        if running_header and doc.page > 1:
            canvas.setFont("Helvetica-Bold", 9)
            canvas.setFillColor(INK)
            canvas.drawString(MARGIN, PAGE_HEIGHT - 11 * mm, running_header)
        canvas.restoreState()

    bottom = 20 * mm
    content = Frame(
        MARGIN,
        bottom,
        CONTENT_WIDTH,
        PAGE_HEIGHT - MARGIN - bottom,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    document.addPageTemplates([PageTemplate(frames=[content], onPage=decorate)])
    document.build(story, canvasmaker=NumberedCanvas)
    return buffer.getvalue()


def in_language(make: Callable[[], bytes], language: str | None) -> bytes:
    """``make()`` with ``language`` active (the site language when None)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return make()


# --- Places -----------------------------------------------------------------------------


def place_line(location: Location) -> str:
    """“Name · street, postcode city” on one line."""
    return " · ".join(part for part in (location.name, location.address) if part)


def distribution_points() -> QuerySet[Location]:
    """Active distribution points with their opening hours: two queries."""
    return (
        Location.objects.filter(kind=Location.Kind.DISTRIBUTION_POINT, is_active=True)
        .select_related("municipality")
        .prefetch_related("opening_hours")
        .order_by("name")
    )


def opening_hours_lines(location: Location) -> list[str]:
    """One line per open day: “Monday 9:00–12:00, 13:30–16:00” (day name translated)."""
    lines = []
    for _weekday, group in groupby(location.opening_hours.all(), key=lambda h: h.weekday):
        hours = list(group)
        ranges = ", ".join(f"{h.opens:%H:%M}–{h.closes:%H:%M}" for h in hours)
        lines.append(f"{hours[0].get_weekday_display()} {ranges}")
    return lines


def opening_hours_table(points: list[Location]) -> Table:
    """Where (name and address) and when (opening hours), one row per point."""
    rows: list[list[Flowable]] = [
        [paragraph(_("Where"), HEAD), paragraph(_("Opening hours"), HEAD)]
    ]
    for point in points:
        where = f"<b>{escape(point.name)}</b>"
        if point.address:
            where += f"<br/>{escape(point.address)}"
        hours = opening_hours_lines(point)
        rows.append(
            [
                Paragraph(where, CELL),
                Paragraph(
                    "<br/>".join(escape(line) for line in hours)
                    if hours
                    else escape(_("Ask for the opening hours.")),
                    CELL,
                ),
            ]
        )
    table = Table(rows, colWidths=[CONTENT_WIDTH * 0.55, CONTENT_WIDTH * 0.45], repeatRows=1)
    table.setStyle(table_style(("VALIGN", (0, 0), (-1, -1), "TOP")))
    return table


# --- Serving ----------------------------------------------------------------------------


def pdf_response(
    content: bytes, *, filename: str, personal: bool, attachment: bool = False
) -> HttpResponse:
    """A PDF for the browser. Never stored by a cache (``no-store``); a document with
    personal data (an address, a household) is also ``private``, so no shared cache or
    proxy keeps or serves it to someone else."""
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store" if personal else "no-store"
    return response
