"""Printable stock documents, as A4 PDFs: the thank-you letter for a donation, the pick
list of a transfer and the blind count sheet of a stock count.

Helvetica only (the PDF standard fonts, nothing embedded or downloaded) and vector
Code 128 barcodes drawn by :func:`kern.labels.draw_code128`. Every document is rendered
in the site language (Dutch) unless another ``language`` is asked for: a letter goes to
a donor, whatever language the person printing it uses on screen.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
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
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from kern.labels import draw_code128
from kern.models import Location
from voorraad.models import Donation, Donor, StockCount, StockLevel, Transfer
from voorraad.units import describe_units

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
CENT = Decimal("0.01")

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


# --- Small pieces -----------------------------------------------------------------------


def format_euro(amount: Decimal) -> str:
    """Belgian style: “€ 1.234,50”."""
    amount = Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
    whole, cents = f"{abs(amount):.2f}".split(".")
    sign = "-" if amount < 0 else ""
    return f"€ {sign}{int(whole):,}".replace(",", ".") + f",{cents}"


def _day(value: dt.date | dt.datetime) -> str:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value:%d/%m/%Y}"


def _p(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of plain text (escaped, so “&” or “<” in a name cannot break it)."""
    return Paragraph(escape(text), style)


def _lines(*parts: str) -> str:
    """Escaped non-empty parts, one per line, as paragraph markup."""
    return "<br/>".join(escape(part) for part in parts if part)


class BarcodeFlowable(Flowable):
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


class WriteInBox(Flowable):
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


class _NumberedCanvas(Canvas):
    """Keeps the pages until the end, so every footer can say “page 2 of 3”."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

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


def _table_style(*extra: tuple) -> TableStyle:
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


def _with_code(left: Flowable, code: str, caption: str) -> Table:
    """``left`` beside the document's barcode, which sits top right under a caption."""
    table = Table(
        [
            [
                left,
                [
                    _p(caption, CAPTION),
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


def _watermark(canvas: Canvas, text: str) -> None:
    canvas.saveState()
    canvas.setFillColor(colors.Color(0.7, 0.7, 0.7, alpha=0.25))
    canvas.setFont("Helvetica-Bold", 96)
    canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
    canvas.rotate(40)
    canvas.drawCentredString(0, -30, text)
    canvas.restoreState()


def _render(
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
            _watermark(canvas, watermark)
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
    document.build(story, canvasmaker=_NumberedCanvas)
    return buffer.getvalue()


def _in_language(render: Callable[[], bytes], language: str | None) -> bytes:
    with translation.override(language or settings.LANGUAGE_CODE):
        return render()


def _place(location: Location) -> str:
    return " · ".join(part for part in (location.name, location.address) if part)


def _postcode_city(place: Location | Donor) -> str:
    return " ".join(part for part in (place.postcode, place.city) if part)


# --- Thank-you letter for a donation ----------------------------------------------------


def donation_letter_pdf(donation: Donation, *, language: str | None = None) -> bytes:
    """A thank-you letter and receipt for the donor: what was received and its estimated
    value. A draft gets printed too, marked as such."""
    return _in_language(lambda: _donation_letter(donation), language)


def _donation_letter(donation: Donation) -> bytes:
    location = donation.location
    organisation = location.organisation
    sender = organisation.name if organisation else "Deelpunt"
    donor = donation.donor
    is_draft = donation.status != Donation.Status.POSTED
    lines = list(donation.lines.select_related("product").order_by("product__name", "product_id"))

    story: list[Flowable] = []
    if is_draft:
        story += [_p(_("DRAFT: not booked yet, do not send."), DRAFT_STYLE), Spacer(1, 3 * mm)]

    contact = [organisation.email, organisation.phone] if organisation else []
    sender_markup = f'<font name="Helvetica-Bold" size="13">{escape(sender)}</font><br/>' + _lines(
        location.name, location.street, _postcode_city(location), *contact
    )
    top = _with_code(Paragraph(sender_markup, BODY), donation.code, _("Our reference"))
    story += [top, Spacer(1, 12 * mm)]

    is_anonymous = donor.kind == donor.Kind.ANONYMOUS
    recipient = _lines(
        donor.name,
        _("For the attention of %(name)s") % {"name": donor.contact_person}
        if donor.contact_person
        else "",
        donor.street,
        _postcode_city(donor),
    )
    address = Table(
        [["", Paragraph(recipient, BODY)]], colWidths=[95 * mm, CONTENT_WIDTH - 95 * mm]
    )
    address.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    today = _day(timezone.localdate())
    dated = f"{location.city}, {today}" if location.city else today
    story += [address, Spacer(1, 12 * mm), _p(dated), Spacer(1, 8 * mm)]

    if is_anonymous:
        greeting = _("Dear donor,")
    else:
        greeting = _("Dear %(name)s,") % {"name": donor.contact_person or donor.name}
    story += [
        _p(_("Thank you for your donation"), SUBJECT),
        Spacer(1, 5 * mm),
        _p(greeting),
        Spacer(1, 3 * mm),
        _p(
            _(
                "Thank you very much for what you gave on %(day)s at %(location)s. Thanks to "
                "you, families in our area who are going through a hard time get what they "
                "and their children need every day. That makes a real difference, and we are "
                "very grateful for it."
            )
            % {"day": _day(donation.received_on), "location": location.name}
        ),
    ]
    if donation.drive_id:
        story += [
            Spacer(1, 3 * mm),
            _p(
                _("Your gift was part of the collection drive “%(drive)s”.")
                % {"drive": donation.drive.name}
            ),
        ]
    story += [Spacer(1, 4 * mm), _p(_("This is what we received from you:")), Spacer(1, 3 * mm)]

    rows: list[list] = [
        [_p(_("Product"), HEAD), _p(_("Quantity"), HEAD), _p(_("Estimated value"), HEAD_RIGHT)]
    ]
    total = Decimal(0)
    for line in lines:
        unit_value = line.product.unit_value or Decimal(0)
        value = (line.quantity * unit_value).quantize(CENT, rounding=ROUND_HALF_UP)
        total += value
        rows.append(
            [
                _p(line.product.name, CELL),
                _p(describe_units(line.product, line.quantity), CELL),
                _p(format_euro(value) if unit_value else "—", CELL_RIGHT),
            ]
        )
    if not lines:
        rows.append([_p(_("Nothing has been added yet."), CELL), "", ""])
    rows.append(
        [
            _p(_("Estimated total value"), HEAD),
            "",
            _p(format_euro(total), HEAD_RIGHT),
        ]
    )
    table = Table(
        rows, colWidths=[CONTENT_WIDTH - 95 * mm, 60 * mm, 35 * mm], repeatRows=1, hAlign="LEFT"
    )
    table.setStyle(
        _table_style(("LINEABOVE", (0, -1), (-1, -1), 0.8, INK), ("SPAN", (0, -1), (1, -1)))
    )
    story += [table, Spacer(1, 6 * mm)]

    story += [
        _p(
            _(
                "Once more: thank you. Because of people and organisations like you, no family "
                "here has to do without the basics."
            )
        ),
        Spacer(1, 6 * mm),
        _p(_("Warm regards,")),
        Spacer(1, 2 * mm),
        Paragraph(_lines(sender, location.name), BODY),
        Spacer(1, 10 * mm),
        _p(
            _(
                "The values are an estimate, based on what these products usually cost. This "
                "letter is a thank-you and a receipt for your records, not a tax certificate."
            ),
            SMALL,
        ),
    ]
    return _render(
        story,
        title=_("Thank you for your donation"),
        footer=f"{sender} · {_place(location)} · {donation.code}",
        watermark=_("DRAFT") if is_draft else "",
    )


# --- Pick list for a transfer -----------------------------------------------------------


def transfer_picklist_pdf(transfer: Transfer, *, language: str | None = None) -> bytes:
    """What to take from the shelves for a transfer, with a barcode per product to scan,
    a box to tick, and room for two signatures."""
    return _in_language(lambda: _transfer_picklist(transfer), language)


def _transfer_picklist(transfer: Transfer) -> bytes:
    lines = list(
        transfer.lines.select_related("product__category").order_by(
            "product__category__name", "product__name", "product_id"
        )
    )
    title = _("Pick list")
    story: list[Flowable] = [
        _with_code(_p(title, TITLE), transfer.code, _("Transfer")),
        Spacer(1, 5 * mm),
    ]

    def place(location: Location) -> Paragraph:
        markup = f"<b>{escape(location.name)}</b>"
        if location.address:
            markup += f"<br/>{escape(location.address)}"
        return Paragraph(markup, CELL)

    facts = [
        [_p(pgettext("transfer", "From"), HEAD), place(transfer.from_location)],
        [_p(pgettext("transfer", "To"), HEAD), place(transfer.to_location)],
        [_p(_("Date"), HEAD), _p(_day(transfer.created_at), CELL)],
        [_p(_("Status"), HEAD), _p(transfer.get_status_display(), CELL)],
    ]
    if transfer.done_at:
        facts.append([_p(_("Done on"), HEAD), _p(_day(transfer.done_at), CELL)])
    if transfer.note:
        facts.append([_p(_("Note"), HEAD), _p(transfer.note, CELL)])
    info = Table(facts, colWidths=[30 * mm, CONTENT_WIDTH - 30 * mm], hAlign="LEFT")
    info.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    story += [info, Spacer(1, 6 * mm)]

    code_width = 48 * mm
    rows: list[list] = [
        [
            _p("#", HEAD),
            _p(_("Product"), HEAD),
            _p(_("Product code"), HEAD_CENTRE),
            _p(_("Quantity"), HEAD),
            _p(_("Taken"), HEAD_CENTRE),
        ]
    ]
    for number, line in enumerate(lines, start=1):
        rows.append(
            [
                _p(str(number), CELL),
                _p(line.product.name, CELL),
                BarcodeFlowable(line.product.code, width=code_width - 8, bar_height=8 * mm),
                _p(describe_units(line.product, line.quantity), CELL),
                WriteInBox(6 * mm, 6 * mm),
            ]
        )
    table = Table(
        rows,
        colWidths=[9 * mm, CONTENT_WIDTH - 121 * mm, code_width, 42 * mm, 22 * mm],
        repeatRows=1,
        hAlign="LEFT",
    )
    table.setStyle(_table_style(("ALIGN", (-1, 1), (-1, -1), "CENTER")))
    story += [table, Spacer(1, 12 * mm)]

    def signature(heading: str) -> list[Flowable]:
        field = Table(
            [
                [_p(_("Name"), SMALL), ""],
                [_p(_("Date"), SMALL), ""],
                [_p(_("Signature"), SMALL), ""],
            ],
            colWidths=[22 * mm, 55 * mm],
            rowHeights=[9 * mm, 9 * mm, 14 * mm],
        )
        field.setStyle(
            TableStyle(
                [
                    ("LINEBELOW", (1, 0), (1, -1), 0.6, INK),
                    ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        return [_p(heading, SUBJECT), Spacer(1, 1 * mm), field]

    signatures = Table(
        [[signature(_("Prepared by")), signature(_("Received by"))]],
        colWidths=[CONTENT_WIDTH / 2] * 2,
    )
    signatures.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    )
    story.append(KeepTogether([signatures]))

    cancelled = transfer.status == Transfer.Status.CANCELLED
    return _render(
        story,
        title=f"{title} {transfer.code}",
        footer=f"{title} · {transfer.code}",
        watermark=_("CANCELLED") if cancelled else "",
        running_header=f"{title} {transfer.code}",
    )


# --- Blind count sheet ------------------------------------------------------------------


def count_sheet_pdf(count: StockCount, *, language: str | None = None) -> bytes:
    """A sheet to count every product kept at the count's location on paper: packs and
    loose units to fill in, without the quantity the ledger expects (a blind count)."""
    return _in_language(lambda: _count_sheet(count), language)


def _count_sheet(count: StockCount) -> bytes:
    location = count.location
    levels = list(
        StockLevel.objects.filter(location=location)
        .select_related("product__category")
        .order_by("product__category__name", "product__name", "product_id")
    )
    title = _("Count sheet %(location)s") % {"location": location.name}
    started = _("Started on %(day)s") % {"day": _day(count.started_at)}
    story: list[Flowable] = [
        _p(title, TITLE),
        Spacer(1, 1 * mm),
        Paragraph(_lines(started, location.address), SMALL),
        Spacer(1, 4 * mm),
        _p(
            _(
                "Count what is really there and write down the number of full packs and of "
                "loose units. Write 0 if there is none."
            )
        ),
        Spacer(1, 4 * mm),
    ]

    code_width = 48 * mm
    box = (18 * mm, 8 * mm)
    rows: list[list] = [
        [
            _p(_("Product"), HEAD),
            _p(_("Barcode"), HEAD_CENTRE),
            _p(_("Pack size"), HEAD_CENTRE),
            _p(_("Packs"), HEAD_CENTRE),
            _p(_("Loose units"), HEAD_CENTRE),
        ]
    ]
    category_rows = []
    category = None
    for level in levels:
        product = level.product
        if product.category_id != category:
            category = product.category_id
            category_rows.append(len(rows))
            rows.append([_p(product.category.name, HEAD), "", "", "", ""])
        has_packs = product.pack_size > 1
        rows.append(
            [
                _p(product.name, CELL),
                BarcodeFlowable(product.code, width=code_width - 8, bar_height=8 * mm),
                _("per %(n)d") % {"n": product.pack_size} if has_packs else "—",
                WriteInBox(*box) if has_packs else "—",
                WriteInBox(*box),
            ]
        )
    if not levels:
        rows.append([_p(_("Nothing is kept at this location yet."), CELL), "", "", "", ""])
    extra = []
    for row in category_rows:
        extra += [
            ("SPAN", (0, row), (-1, row)),
            ("NOSPLIT", (0, row), (-1, row + 1)),  # a category heading stays with its first row
            ("BACKGROUND", (0, row), (-1, row), SHADE),
            ("TOPPADDING", (0, row), (-1, row), 3),
            ("BOTTOMPADDING", (0, row), (-1, row), 3),
        ]
    table = Table(
        rows,
        colWidths=[CONTENT_WIDTH - 116 * mm, code_width, 20 * mm, 24 * mm, 24 * mm],
        repeatRows=1,
        hAlign="LEFT",
    )
    table.setStyle(_table_style(("ALIGN", (2, 1), (-1, -1), "CENTER"), *extra))
    story += [table, Spacer(1, 10 * mm)]

    sign_off = Table(
        [[_p(_("Counted by"), SMALL), "", _p(_("Date"), SMALL), ""]],
        colWidths=[25 * mm, 70 * mm, 15 * mm, 40 * mm],
        rowHeights=[10 * mm],
        hAlign="LEFT",
    )
    sign_off.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (1, 0), (1, 0), 0.6, INK),
                ("LINEBELOW", (3, 0), (3, 0), 0.6, INK),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    story.append(KeepTogether([sign_off]))
    return _render(
        story,
        title=title,
        footer=f"{title} · {started}",
        running_header=f"{title} · {started}",
    )
