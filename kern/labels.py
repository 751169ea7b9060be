"""Barcode rendering: SVG for screens (python-barcode), vector Code 128 in PDFs
(reportlab), on A4 label sheets or single labels for small label printers."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

import barcode
from barcode.writer import SVGWriter
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

_STYLE = re.compile(r'style="([^"]*)"')


def _style_to_attributes(match: re.Match[str]) -> str:
    pairs = (part.split(":", 1) for part in match.group(1).split(";") if ":" in part)
    return " ".join(f'{name.strip()}="{value.strip()}"' for name, value in pairs)


def barcode_svg(value: str, *, module_height_mm: float = 12.0, show_text: bool = True) -> str:
    """Code 128 as an inline SVG string (no XML declaration), for screens.

    python-barcode writes ``style="fill:…"``; a strict Content-Security-Policy drops
    inline styles (the background would turn black), so they become SVG attributes."""
    buffer = io.BytesIO()
    code = barcode.get("code128", value, writer=SVGWriter())
    code.write(
        buffer,
        options={
            "module_width": 0.3,
            "module_height": module_height_mm,
            "quiet_zone": 3.0,
            "font_size": 8 if show_text else 0,
            "text_distance": 3.5,
            "write_text": show_text,
        },
    )
    svg = buffer.getvalue().decode("utf-8")
    return _STYLE.sub(_style_to_attributes, svg[svg.index("<svg") :])


@dataclass(frozen=True)
class Label:
    """One label: the code to print as a barcode, and up to two lines of text."""

    code: str
    title: str = ""
    subtitle: str = ""


@dataclass(frozen=True)
class LabelLayout:
    """A page of labels: page size, label grid and margins, all in points."""

    name: str
    page_width: float
    page_height: float
    columns: int
    rows: int
    label_width: float
    label_height: float
    margin_left: float
    margin_top: float
    gap_x: float = 0.0
    gap_y: float = 0.0

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def origin(self, index: int) -> tuple[float, float]:
        """Bottom-left corner of label ``index`` (0-based) on its page."""
        position = index % self.per_page
        column, row = position % self.columns, position // self.columns
        x = self.margin_left + column * (self.label_width + self.gap_x)
        y_top = self.page_height - self.margin_top - row * (self.label_height + self.gap_y)
        return x, y_top - self.label_height


# A4 sheets of 3 × 8 labels of 70 × 37 mm (e.g. Avery 3474, Herma 4453), no margins
# between labels; and a single 62 × 29 mm label (Brother DK-11209) for label printers.
A4_3X8 = LabelLayout(
    name="a4-3x8",
    page_width=A4[0],
    page_height=A4[1],
    columns=3,
    rows=8,
    label_width=70 * mm,
    label_height=37 * mm,
    margin_left=0,
    margin_top=(297 - 8 * 37) / 2 * mm,
)
SINGLE_62X29 = LabelLayout(
    name="62x29",
    page_width=62 * mm,
    page_height=29 * mm,
    columns=1,
    rows=1,
    label_width=62 * mm,
    label_height=29 * mm,
    margin_left=0,
    margin_top=0,
)
LAYOUTS = {layout.name: layout for layout in (A4_3X8, SINGLE_62X29)}

BAR_WIDTH = 0.30 * mm  # one module; scanners and zbar read it from 200 dpi up
QUIET = 10 * BAR_WIDTH


def draw_code128(
    canvas: Canvas,
    value: str,
    x: float,
    y: float,
    height: float,
    *,
    max_width: float | None = None,
) -> float:
    """Draw ``value`` as a vector Code 128 symbol (bars and quiet zones, no text) with its
    bottom edge at ``y``. Without ``max_width`` it starts at ``x``; with it, it is centred
    in the box from ``x`` to ``x + max_width`` and narrowed if it would not fit.
    Returns the width drawn."""
    symbol = Code128(
        value, barWidth=BAR_WIDTH, barHeight=height, quiet=True, lquiet=QUIET, rquiet=QUIET
    )
    width: float = symbol.width
    if max_width is not None:
        scale = min(1.0, max_width / width)
        width *= scale
        x += (max_width - width) / 2
    else:
        scale = 1.0
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(scale, 1)
    symbol.drawOn(canvas, 0, 0)
    canvas.restoreState()
    return width


def _fit_text(canvas: Canvas, text: str, font: str, size: float, width: float) -> str:
    while text and canvas.stringWidth(text, font, size) > width:
        text = text[:-2] + "…" if len(text) > 2 else ""
    return text


def draw_label(canvas: Canvas, label: Label, x: float, y: float, w: float, h: float) -> None:
    """Draw one label with its bottom-left corner at (x, y)."""
    pad = 3 * mm
    text_width = w - 2 * pad
    top = y + h - pad
    if label.title:
        top -= 9
        canvas.setFont("Helvetica-Bold", 9)
        canvas.drawString(
            x + pad, top, _fit_text(canvas, label.title, "Helvetica-Bold", 9, text_width)
        )
    if label.subtitle:
        top -= 9
        canvas.setFont("Helvetica", 7.5)
        canvas.drawString(
            x + pad, top, _fit_text(canvas, label.subtitle, "Helvetica", 7.5, text_width)
        )
    human_height = 8
    bar_height = max(8 * mm, top - y - pad - human_height - 2)
    draw_code128(canvas, label.code, x, y + pad + human_height, bar_height, max_width=w)
    canvas.setFont("Courier", 8)
    canvas.drawCentredString(x + w / 2, y + pad, label.code)


def labels_pdf(
    labels: Iterable[Label],
    *,
    layout: LabelLayout = A4_3X8,
    skip: int = 0,
    title: str = "Deelpunt labels",
    outlines: bool = False,
) -> bytes:
    """Render labels to PDF. ``skip`` leaves the first labels of a used sheet empty."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(layout.page_width, layout.page_height))
    canvas.setTitle(title)
    canvas.setCreator("Deelpunt")
    index = max(0, skip)
    any_drawn = False
    for label in labels:
        if any_drawn and index % layout.per_page == 0:
            canvas.showPage()
        x, y = layout.origin(index)
        if outlines:
            canvas.setStrokeGray(0.8)
            canvas.rect(x, y, layout.label_width, layout.label_height)
        draw_label(canvas, label, x, y, layout.label_width, layout.label_height)
        any_drawn = True
        index += 1
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
