"""Printable stock documents, as A4 PDFs in the house style of :mod:`kern.pdf`: the
thank-you letter for a donation, the pick list of a transfer and the blind count sheet of
a stock count."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from kern.models import Location
from kern.pdf import (
    BODY,
    CELL,
    CELL_RIGHT,
    CONTENT_WIDTH,
    DRAFT_STYLE,
    HEAD,
    HEAD_CENTRE,
    HEAD_RIGHT,
    INK,
    SHADE,
    SMALL,
    SUBJECT,
    TITLE,
    BarcodeFlowable,
    WriteInBox,
    format_day,
    in_language,
    lines_markup,
    paragraph,
    place_line,
    render,
    table_style,
    with_code,
)
from voorraad.models import Donation, Donor, StockCount, StockLevel, Transfer
from voorraad.units import describe_units

CENT = Decimal("0.01")


def format_euro(amount: Decimal) -> str:
    """Belgian style: “€ 1.234,50”."""
    amount = Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
    whole, cents = f"{abs(amount):.2f}".split(".")
    sign = "-" if amount < 0 else ""
    return f"€ {sign}{int(whole):,}".replace(",", ".") + f",{cents}"


def _postcode_city(place: Location | Donor) -> str:
    return " ".join(part for part in (place.postcode, place.city) if part)


# --- Thank-you letter for a donation ----------------------------------------------------


def donation_letter_pdf(donation: Donation, *, language: str | None = None) -> bytes:
    """A thank-you letter and receipt for the donor: what was received and its estimated
    value. A draft gets printed too, marked as such."""
    return in_language(lambda: _donation_letter(donation), language)


def _donation_letter(donation: Donation) -> bytes:
    location = donation.location
    organisation = location.organisation
    sender = organisation.name if organisation else "Deelpunt"
    donor = donation.donor
    is_draft = donation.status != Donation.Status.POSTED
    lines = list(donation.lines.select_related("product").order_by("product__name", "product_id"))

    story: list[Flowable] = []
    if is_draft:
        story += [
            paragraph(_("DRAFT: not booked yet, do not send."), DRAFT_STYLE),
            Spacer(1, 3 * mm),
        ]

    contact = [organisation.email, organisation.phone] if organisation else []
    sender_markup = (
        f'<font name="Helvetica-Bold" size="13">{escape(sender)}</font><br/>'
        + lines_markup(location.name, location.street, _postcode_city(location), *contact)
    )
    top = with_code(Paragraph(sender_markup, BODY), donation.code, _("Our reference"))
    story += [top, Spacer(1, 12 * mm)]

    is_anonymous = donor.kind == donor.Kind.ANONYMOUS
    recipient = lines_markup(
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
    today = format_day(timezone.localdate())
    dated = f"{location.city}, {today}" if location.city else today
    story += [address, Spacer(1, 12 * mm), paragraph(dated), Spacer(1, 8 * mm)]

    if is_anonymous:
        greeting = _("Dear donor,")
    else:
        greeting = _("Dear %(name)s,") % {"name": donor.contact_person or donor.name}
    story += [
        paragraph(_("Thank you for your donation"), SUBJECT),
        Spacer(1, 5 * mm),
        paragraph(greeting),
        Spacer(1, 3 * mm),
        paragraph(
            _(
                "Thank you very much for what you gave on %(day)s at %(location)s. Thanks to "
                "you, families in our area who are going through a hard time get what they "
                "and their children need every day. That makes a real difference, and we are "
                "very grateful for it."
            )
            % {"day": format_day(donation.received_on), "location": location.name}
        ),
    ]
    if donation.drive is not None:
        story += [
            Spacer(1, 3 * mm),
            paragraph(
                _("Your gift was part of the collection drive “%(drive)s”.")
                % {"drive": donation.drive.name}
            ),
        ]
    story += [
        Spacer(1, 4 * mm),
        paragraph(_("This is what we received from you:")),
        Spacer(1, 3 * mm),
    ]

    rows: list[list[Any]] = [
        [
            paragraph(_("Product"), HEAD),
            paragraph(_("Quantity"), HEAD),
            paragraph(_("Estimated value"), HEAD_RIGHT),
        ]
    ]
    total = Decimal(0)
    for line in lines:
        unit_value = line.product.unit_value or Decimal(0)
        value = (line.quantity * unit_value).quantize(CENT, rounding=ROUND_HALF_UP)
        total += value
        rows.append(
            [
                paragraph(line.product.name, CELL),
                paragraph(describe_units(line.product, line.quantity), CELL),
                paragraph(format_euro(value) if unit_value else "—", CELL_RIGHT),
            ]
        )
    if not lines:
        rows.append([paragraph(_("Nothing has been added yet."), CELL), "", ""])
    rows.append(
        [
            paragraph(_("Estimated total value"), HEAD),
            "",
            paragraph(format_euro(total), HEAD_RIGHT),
        ]
    )
    table = Table(
        rows, colWidths=[CONTENT_WIDTH - 95 * mm, 60 * mm, 35 * mm], repeatRows=1, hAlign="LEFT"
    )
    table.setStyle(
        table_style(("LINEABOVE", (0, -1), (-1, -1), 0.8, INK), ("SPAN", (0, -1), (1, -1)))
    )
    story += [table, Spacer(1, 6 * mm)]

    story += [
        paragraph(
            _(
                "Once more: thank you. Because of people and organisations like you, no family "
                "here has to do without the basics."
            )
        ),
        Spacer(1, 6 * mm),
        paragraph(_("Warm regards,")),
        Spacer(1, 2 * mm),
        Paragraph(lines_markup(sender, location.name), BODY),
        Spacer(1, 10 * mm),
        paragraph(
            _(
                "The values are an estimate, based on what these products usually cost. This "
                "letter is a thank-you and a receipt for your records, not a tax certificate."
            ),
            SMALL,
        ),
    ]
    return render(
        story,
        title=_("Thank you for your donation"),
        footer=f"{sender} · {place_line(location)} · {donation.code}",
        watermark=_("DRAFT") if is_draft else "",
    )


# --- Pick list for a transfer -----------------------------------------------------------


def transfer_picklist_pdf(transfer: Transfer, *, language: str | None = None) -> bytes:
    """What to take from the shelves for a transfer, with a barcode per product to scan,
    a box to tick, and room for two signatures."""
    return in_language(lambda: _transfer_picklist(transfer), language)


def _transfer_picklist(transfer: Transfer) -> bytes:
    lines = list(
        transfer.lines.select_related("product__category").order_by(
            "product__category__name", "product__name", "product_id"
        )
    )
    title = _("Pick list")
    story: list[Flowable] = [
        with_code(paragraph(title, TITLE), transfer.code, _("Transfer")),
        Spacer(1, 5 * mm),
    ]

    def place(location: Location) -> Paragraph:
        markup = f"<b>{escape(location.name)}</b>"
        if location.address:
            markup += f"<br/>{escape(location.address)}"
        return Paragraph(markup, CELL)

    facts = [
        [paragraph(pgettext("transfer", "From"), HEAD), place(transfer.from_location)],
        [paragraph(pgettext("transfer", "To"), HEAD), place(transfer.to_location)],
        [paragraph(_("Date"), HEAD), paragraph(format_day(transfer.created_at), CELL)],
        [paragraph(_("Status"), HEAD), paragraph(transfer.get_status_display(), CELL)],
    ]
    if transfer.done_at:
        facts.append([paragraph(_("Done on"), HEAD), paragraph(format_day(transfer.done_at), CELL)])
    if transfer.note:
        facts.append([paragraph(_("Note"), HEAD), paragraph(transfer.note, CELL)])
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
    rows: list[list[Any]] = [
        [
            paragraph("#", HEAD),
            paragraph(_("Product"), HEAD),
            paragraph(_("Product code"), HEAD_CENTRE),
            paragraph(_("Quantity"), HEAD),
            paragraph(_("Taken"), HEAD_CENTRE),
        ]
    ]
    for number, line in enumerate(lines, start=1):
        rows.append(
            [
                paragraph(str(number), CELL),
                paragraph(line.product.name, CELL),
                BarcodeFlowable(line.product.code, width=code_width - 8, bar_height=8 * mm),
                paragraph(describe_units(line.product, line.quantity), CELL),
                WriteInBox(6 * mm, 6 * mm),
            ]
        )
    table = Table(
        rows,
        colWidths=[9 * mm, CONTENT_WIDTH - 121 * mm, code_width, 42 * mm, 22 * mm],
        repeatRows=1,
        hAlign="LEFT",
    )
    table.setStyle(table_style(("ALIGN", (-1, 1), (-1, -1), "CENTER")))
    story += [table, Spacer(1, 12 * mm)]

    def signature(heading: str) -> list[Flowable]:
        field = Table(
            [
                [paragraph(_("Name"), SMALL), ""],
                [paragraph(_("Date"), SMALL), ""],
                [paragraph(_("Signature"), SMALL), ""],
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
        return [paragraph(heading, SUBJECT), Spacer(1, 1 * mm), field]

    signatures = Table(
        [[signature(_("Prepared by")), signature(_("Received by"))]],
        colWidths=[CONTENT_WIDTH / 2] * 2,
    )
    signatures.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    )
    story.append(KeepTogether([signatures]))

    cancelled = transfer.status == Transfer.Status.CANCELLED
    return render(
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
    return in_language(lambda: _count_sheet(count), language)


def _count_sheet(count: StockCount) -> bytes:
    location = count.location
    levels = list(
        StockLevel.objects.filter(location=location)
        .select_related("product__category")
        .order_by("product__category__name", "product__name", "product_id")
    )
    title = _("Count sheet %(location)s") % {"location": location.name}
    started = _("Started on %(day)s") % {"day": format_day(count.started_at)}
    story: list[Flowable] = [
        paragraph(title, TITLE),
        Spacer(1, 1 * mm),
        Paragraph(lines_markup(started, location.address), SMALL),
        Spacer(1, 4 * mm),
        paragraph(
            _(
                "Count what is really there and write down the number of full packs and of "
                "loose units. Write 0 if there is none."
            )
        ),
        Spacer(1, 4 * mm),
    ]

    code_width = 48 * mm
    box = (18 * mm, 8 * mm)
    rows: list[list[Any]] = [
        [
            paragraph(_("Product"), HEAD),
            paragraph(_("Barcode"), HEAD_CENTRE),
            paragraph(_("Pack size"), HEAD_CENTRE),
            paragraph(_("Packs"), HEAD_CENTRE),
            paragraph(_("Loose units"), HEAD_CENTRE),
        ]
    ]
    category_rows = []
    category = None
    for level in levels:
        product = level.product
        if product.category_id != category:
            category = product.category_id
            category_rows.append(len(rows))
            rows.append([paragraph(product.category.name, HEAD), "", "", "", ""])
        has_packs = product.pack_size > 1
        rows.append(
            [
                paragraph(product.name, CELL),
                BarcodeFlowable(product.code, width=code_width - 8, bar_height=8 * mm),
                _("per %(n)d") % {"n": product.pack_size} if has_packs else "—",
                WriteInBox(*box) if has_packs else "—",
                WriteInBox(*box),
            ]
        )
    if not levels:
        rows.append([paragraph(_("Nothing is kept at this location yet."), CELL), "", "", "", ""])
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
    table.setStyle(table_style(("ALIGN", (2, 1), (-1, -1), "CENTER"), *extra))
    story += [table, Spacer(1, 10 * mm)]

    sign_off = Table(
        [[paragraph(_("Counted by"), SMALL), "", paragraph(_("Date"), SMALL), ""]],
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
    return render(
        story,
        title=title,
        footer=f"{title} · {started}",
        running_header=f"{title} · {started}",
    )
