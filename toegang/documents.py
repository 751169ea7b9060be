"""Printable access documents: the referral letter a family takes to a distribution point,
and the credit-card-sized household card.

Both carry their code twice, as a vector Code 128 (:func:`kern.labels.draw_code128`) and
as a vector QR code (reportlab's ``QrCodeWidget``): a USB scanner at the counter reads
the first, a phone or a 2D scanner the second. The layout helpers come from
:mod:`voorraad.documents`, so every Deelpunt document looks alike.

What is deliberately *not* printed: the reason for a referral (it is never stored), the
children, contact details and the social worker's name. The letter names the issuing
organisation only. Both go to a family, so they are rendered in the household's
preferred language when Deelpunt writes documents in it (Dutch, French or English:
``document_language``) and in Dutch otherwise, whatever language the worker's screen is
in; a ``language`` given explicitly wins.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from kern.labels import draw_code128
from kern.models import Location
from kern.pdf import (
    BODY,
    CARD_HEIGHT,
    CARD_WIDTH,
    CONTENT_WIDTH,
    INK,
    MUTED,
    SMALL,
    SUBJECT,
    TITLE,
    BarcodeFlowable,
    card_canvas,
    distribution_points,
    format_day,
    in_language,
    opening_hours_table,
    paragraph,
    render,
)
from toegang.models import Household, Referral

#: The languages a family document is written in; any other preference gets Dutch.
DOCUMENT_LANGUAGES = ("nl", "fr", "en")


def document_language(household: Household) -> str | None:
    """The household's language when Deelpunt writes documents in it, else None (the
    site language, Dutch)."""
    language = (household.language or "").lower().split("-")[0]
    return language if language in DOCUMENT_LANGUAGES else None


def qr_drawing(value: str, size: float) -> Drawing:
    """``value`` as a square vector QR code ``size`` points wide, its quiet zone (four
    modules) included. A Drawing is a platypus flowable and can also be drawn on a canvas."""
    widget = QrCodeWidget(value, barLevel="M")
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(widget)
    return drawing


# --- The referral letter ----------------------------------------------------------------


def referral_letter_pdf(referral: Referral, *, language: str | None = None) -> bytes:
    """A warm, plain letter for the family: what the referral opens, until when, where to
    go, what to bring, and the referral code to scan. In ``language``, by default the
    household's."""
    language = language or document_language(referral.household)
    return in_language(lambda: _referral_letter(referral), language)


def _code_box(code: str) -> Table:
    """The referral code as Code 128 (with its text) beside the same code as QR."""
    qr_size = 30 * mm
    bar_width = CONTENT_WIDTH - qr_size - 24 * mm
    box = Table(
        [
            [
                [
                    paragraph(_("Code to scan at the counter"), SMALL),
                    Spacer(1, 2 * mm),
                    BarcodeFlowable(code, width=bar_width, bar_height=16 * mm, font_size=11),
                ],
                qr_drawing(code, qr_size),
            ]
        ],
        colWidths=[bar_width + 12 * mm, qr_size + 12 * mm],
    )
    box.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.8, INK),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (1, 0), (1, 0), "CENTER"),
                ("LEFTPADDING", (0, 0), (-1, -1), 6 * mm),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6 * mm),
                ("TOPPADDING", (0, 0), (-1, -1), 4 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4 * mm),
            ]
        )
    )
    return box


def _points_table(points: list[Location]) -> Table | Paragraph:
    if not points:
        return paragraph(_("Your social worker will tell you where you can go."))
    return opening_hours_table(points)


def _referral_letter(referral: Referral) -> bytes:
    organisation = referral.organisation.name
    programs = [program.name for program in referral.programs.all()]
    until = format_day(referral.valid_until)
    today = timezone.localdate()
    if referral.revoked_at:
        watermark = _("REVOKED")
    elif referral.valid_until < today:
        watermark = _("EXPIRED")
    else:
        watermark = ""

    story: list[Flowable] = [
        paragraph(_("Your referral to Deelpunt"), TITLE),
        Spacer(1, 1 * mm),
        paragraph(
            _("Issued by %(organisation)s on %(day)s")
            % {"organisation": organisation, "day": format_day(referral.valid_from)},
            SMALL,
        ),
        Spacer(1, 8 * mm),
        paragraph(_("Hello,")),
        Spacer(1, 3 * mm),
        paragraph(
            _(
                "Good news: with this letter your family can go to Deelpunt. You can use the "
                "following up to and including %(day)s:"
            )
            % {"day": until}
        ),
        Spacer(1, 2 * mm),
    ]
    story += [Paragraph(escape(name), BODY, bulletText="•") for name in programs] or [
        paragraph("—")
    ]
    story += [
        Spacer(1, 6 * mm),
        paragraph(_("What do you bring?"), SUBJECT),
        Spacer(1, 2 * mm),
        paragraph(
            _(
                "Bring this letter, on paper or on your phone, or your household card. A "
                "volunteer scans the code below. You do not have to explain anything or bring "
                "other papers."
            )
        ),
        Spacer(1, 4 * mm),
        _code_box(referral.code),
        Spacer(1, 6 * mm),
    ]
    story.append(
        KeepTogether(
            [
                paragraph(_("Where can you go?"), SUBJECT),
                Spacer(1, 2 * mm),
                _points_table(list(distribution_points())),
            ]
        )
    )
    story += [
        Spacer(1, 6 * mm),
        paragraph(
            _(
                "This letter is for your family only. Have you lost it, or do you still need "
                "help after %(day)s? Ask the person who gave you this letter: they can print "
                "it again or renew it."
            )
            % {"day": until}
        ),
        Spacer(1, 6 * mm),
        paragraph(_("Warm regards,")),
        Spacer(1, 2 * mm),
        paragraph(organisation),
    ]
    return render(
        story,
        title=_("Referral %(code)s") % {"code": referral.code},
        footer=f"{organisation} · {referral.code}",
        watermark=watermark,
    )


# --- The household card -----------------------------------------------------------------


def household_card_pdf(household: Household, *, language: str | None = None) -> bytes:
    """One card, 85.6 × 54 mm: “Deelpunt”, a line telling what it is for, and the
    household code as Code 128 and as QR. Nothing else about the family. In ``language``,
    by default the household's."""
    language = language or document_language(household)
    return in_language(lambda: _household_card(household), language)


def _household_card(household: Household) -> bytes:
    code = household.code
    pad = 4 * mm
    qr_size = 28 * mm
    buffer = io.BytesIO()
    canvas = card_canvas(buffer, title=_("Household card %(code)s") % {"code": code})

    canvas.setFillColor(INK)
    canvas.setFont("Helvetica-Bold", 15)
    canvas.drawString(pad, CARD_HEIGHT - pad - 11, "Deelpunt")
    canvas.setFont("Helvetica", 8)
    canvas.setFillColor(MUTED)
    canvas.drawString(pad, CARD_HEIGHT - pad - 22, _("Show this card at the counter"))

    qr_x = CARD_WIDTH - pad - qr_size + 2 * mm  # the QR's own quiet zone is its margin
    qr_y = pad - 1.5 * mm
    qr_drawing(code, qr_size).drawOn(canvas, qr_x, qr_y)

    bar_box = qr_x - pad + 2 * mm  # from the left edge to the QR (quiet zones overlap nothing)
    text_y = pad + 1
    canvas.setFillColor(INK)
    draw_code128(canvas, code, pad - 2 * mm, text_y + 10, 16 * mm, max_width=bar_box)
    canvas.setFont("Courier-Bold", 10)
    canvas.drawCentredString(pad - 2 * mm + bar_box / 2, text_y, code)

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
