"""Printed documents of the counter: the receipt of a distribution, the loan agreement,
and the "bevestig" card whose barcode confirms the basket when scanned.

The receipt and the agreement go home with the family, so they are rendered in the
household's preferred language when Deelpunt has it (Dutch, French or English) and in
Dutch otherwise, whatever language the volunteer's screen is in. They name the household
by its code; a first name only when the family agreed to keep one (as the check-in's
welcome does). The layout is :mod:`kern.pdf`'s house style.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from kern.models import Location
from kern.pdf import (
    BODY,
    CELL,
    CELL_RIGHT,
    CONTENT_WIDTH,
    HEAD,
    HEAD_RIGHT,
    INK,
    RULE,
    SMALL,
    SUBJECT,
    TITLE,
    WriteInBox,
    format_day,
    in_language,
    opening_hours_table,
    paragraph,
    place_line,
    render,
    table_style,
    with_code,
)
from toegang.documents import DOCUMENT_LANGUAGES, document_language
from toegang.models import Household
from uitlening.codes import CONFIRM_CODE
from uitlening.models import Distribution, Loan
from voorraad.models import ItemType


def welcome_name(household: Household) -> str:
    """A first name to print, only with the family's consent."""
    return household.first_name if household.consent_at and household.first_name else ""


def euro(amount: Decimal) -> str:
    return f"€ {amount:.2f}".replace(".", ",")


def packs_text(packs: int) -> str:
    return ngettext("%(n)d pack", "%(n)d packs", packs) % {"n": packs}


def units_text(units: int) -> str:
    return ngettext("%(n)d unit", "%(n)d units", units) % {"n": units}


# --- The receipt ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiptLine:
    product: str
    program: str
    packs: int
    units: int


@dataclass(frozen=True)
class Receipt:
    """What a receipt says, for the print view and the PDF alike (texts in the active
    language: build it inside ``translation.override``)."""

    number: int
    household_code: str
    name: str
    location: Location
    at: dt.datetime
    lines: list[ReceiptLine]
    programs: list[str]
    contribution: Decimal
    payment: str
    paid_text: str
    corrected: bool
    correction_reason: str

    @property
    def day(self) -> str:
        return format_day(self.at)

    @property
    def time(self) -> str:
        return f"{timezone.localtime(self.at):%H:%M}"

    @property
    def place(self) -> str:
        return place_line(self.location)

    @property
    def packs(self) -> int:
        return sum(line.packs for line in self.lines)


def _paid_text(distribution: Distribution) -> str:
    amount = euro(distribution.contribution)
    if distribution.payment == Distribution.Payment.CASH:
        return _("%(amount)s, paid in cash") % {"amount": amount}
    if distribution.payment == Distribution.Payment.PAYCONIQ:
        return _("%(amount)s, paid with Payconiq") % {"amount": amount}
    return _("Free: nothing to pay")


def receipt(distribution: Distribution) -> Receipt:
    """The receipt of ``distribution``, in the active language."""
    lines = [
        ReceiptLine(line.product.name, line.program.name, line.packs, line.units)
        for line in distribution.lines.select_related("product", "program").order_by("id")
    ]
    return Receipt(
        number=distribution.pk,
        household_code=distribution.household.code,
        name=welcome_name(distribution.household),
        location=distribution.location,
        at=distribution.created_at,
        lines=lines,
        programs=sorted({line.program for line in lines}),
        contribution=distribution.contribution,
        payment=distribution.payment,
        paid_text=_paid_text(distribution),
        corrected=distribution.corrected_at is not None,
        correction_reason=distribution.correction_reason,
    )


def receipt_pdf(distribution: Distribution, *, language: str | None = None) -> bytes:
    """The receipt as an A4 PDF in ``language`` (default: the household's)."""
    language = language or document_language(distribution.household)
    return in_language(lambda: _receipt_pdf(receipt(distribution)), language)


def _facts(rows: list[tuple[str, str]], *, label_width: float = 48 * mm) -> Table:
    """Label/value rows without a header: “Household  G000001R”."""
    table = Table(
        [[paragraph(label, HEAD), Paragraph(value, CELL)] for label, value in rows],
        colWidths=[label_width, None],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]
        )
    )
    return table


def _household_markup(code: str, name: str) -> str:
    markup = f"<b>{escape(code)}</b>"
    if name:
        markup += f" · {escape(name)}"
    return markup


def _receipt_pdf(data: Receipt) -> bytes:
    story: list[Flowable] = [
        paragraph(_("Receipt"), TITLE),
        Spacer(1, 1 * mm),
        paragraph(
            _("What your family received at %(place)s") % {"place": data.location.name}, SMALL
        ),
        Spacer(1, 6 * mm),
        _facts(
            [
                (_("Household"), _household_markup(data.household_code, data.name)),
                (_("Date"), escape(f"{data.day} {data.time}")),
                (_("Distribution point"), escape(data.place)),
                (_("Program"), escape(", ".join(data.programs)) or "—"),
                (_("Contribution"), escape(data.paid_text)),
            ]
        ),
        Spacer(1, 6 * mm),
    ]
    rows: list[list[Flowable]] = [
        [
            paragraph(_("Product"), HEAD),
            paragraph(_("Program"), HEAD),
            paragraph(_("Packs"), HEAD_RIGHT),
            paragraph(_("Units"), HEAD_RIGHT),
        ]
    ]
    for line in data.lines:
        rows.append(
            [
                paragraph(line.product, CELL),
                paragraph(line.program, CELL),
                paragraph(str(line.packs), CELL_RIGHT),
                paragraph(str(line.units), CELL_RIGHT),
            ]
        )
    rows.append(
        [
            paragraph(_("Total"), HEAD),
            paragraph("", CELL),
            paragraph(str(data.packs), HEAD_RIGHT),
            paragraph("", CELL),
        ]
    )
    table = Table(
        rows,
        colWidths=[CONTENT_WIDTH * 0.46, CONTENT_WIDTH * 0.26, CONTENT_WIDTH * 0.13, None],
        repeatRows=1,
    )
    table.setStyle(table_style(("LINEABOVE", (0, -1), (-1, -1), 0.8, INK)))
    story.append(table)
    if data.corrected:
        story += [
            Spacer(1, 5 * mm),
            paragraph(
                _("This distribution was cancelled on the day itself: %(reason)s")
                % {"reason": data.correction_reason},
                SUBJECT,
            ),
        ]
    story += [
        Spacer(1, 8 * mm),
        paragraph(
            _(
                "Keep this receipt. Something wrong or missing? Tell a volunteer at "
                "%(place)s, preferably on the same day."
            )
            % {"place": data.location.name}
        ),
    ]
    return render(
        story,
        title=_("Receipt %(number)s") % {"number": data.number},
        footer=f"Deelpunt · {data.location.name} · {_('Receipt %(number)s') % {'number': data.number}}",
        watermark=_("CANCELLED") if data.corrected else "",
    )


# --- The loan agreement -----------------------------------------------------------------


def loan_agreement_pdf(loan: Loan, *, language: str | None = None) -> bytes:
    """The loan agreement as an A4 PDF in ``language`` (default: the household's)."""
    language = language or document_language(loan.household)
    return in_language(lambda: _loan_agreement(loan), language)


def deposit_text(loan: Loan) -> str:
    """Who paid the deposit and how, in a sentence (active language)."""
    amount = euro(loan.deposit)
    if loan.deposit <= 0:
        return _("No deposit.")
    if loan.deposit_payer == Loan.Payer.WAIVED:
        return _("%(amount)s, waived.") % {"amount": amount}
    if loan.deposit_payer == Loan.Payer.THIRD_PARTY:
        return _("%(amount)s, paid by %(party)s.") % {
            "amount": amount,
            "party": loan.deposit_third_party or _("a third party"),
        }
    if loan.deposit_carried > 0:
        text = _("%(amount)s: %(carried)s carried over from the item you exchanged") % {
            "amount": amount,
            "carried": euro(min(loan.deposit_carried, loan.deposit)),
        }
        difference = loan.deposit_difference
        if difference > 0:
            text += _(", %(extra)s paid extra") % {"extra": euro(difference)}
        elif difference < 0:
            text += _(", %(back)s given back") % {"back": euro(-difference)}
        return text + "."
    if loan.deposit_payment == Loan.DepositPayment.CASH:
        return _("%(amount)s, paid by the household in cash.") % {"amount": amount}
    if loan.deposit_payment == Loan.DepositPayment.PAYCONIQ:
        return _("%(amount)s, paid by the household with Payconiq.") % {"amount": amount}
    return _("%(amount)s, paid by the household.") % {"amount": amount}


def _signature_block(lender: str) -> Table:
    box_height = 22 * mm
    half = CONTENT_WIDTH / 2 - 4 * mm
    table = Table(
        [
            [paragraph(_("For the household"), HEAD), "", paragraph(_("For Deelpunt"), HEAD)],
            [
                paragraph(_("Name and signature"), SMALL),
                "",
                paragraph(
                    _("Lent by %(name)s · signature") % {"name": lender} if lender else "", SMALL
                ),
            ],
            [WriteInBox(half, box_height), "", WriteInBox(half, box_height)],
        ],
        colWidths=[half, 8 * mm, half],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    return table


def _loan_agreement(loan: Loan) -> bytes:
    item = loan.item
    household = loan.household
    program = loan.program.name
    due = format_day(loan.due_on)
    accessories = [str(a) for a in loan.accessories_out or []]
    what = escape(item.name)
    details = [item.item_type.name]
    if item.size:
        details.append(item.size)
    what += f"<br/><font size='8.5'>{escape(' · '.join(details))}</font>"
    facts = _facts(
        [
            (_("Household"), _household_markup(household.code, welcome_name(household))),
            (_("Item"), what),
            (_("Program"), escape(program)),
            (_("Lent on"), escape(f"{format_day(loan.lent_at)} · {loan.location.name}")),
            (_("Bring back by"), f"<b>{escape(due)}</b>"),
        ],
        label_width=34 * mm,
    )
    story: list[Flowable] = [
        paragraph(_("Loan agreement"), TITLE),
        Spacer(1, 1 * mm),
        paragraph(
            _("You borrow this item from %(program)s. It stays ours; you take good care of it.")
            % {"program": program},
            SMALL,
        ),
        Spacer(1, 6 * mm),
        with_code(facts, item.code, _("Item code")),
        Spacer(1, 5 * mm),
        paragraph(_("What you take home"), SUBJECT),
        Spacer(1, 1.5 * mm),
        _facts(
            [
                (
                    _("Accessories"),
                    escape(", ".join(accessories)) if accessories else escape(_("none")),
                ),
                (_("Condition"), escape(loan.condition_out or "—")),
                (_("Deposit"), escape(deposit_text(loan))),
            ],
            label_width=34 * mm,
        ),
        Spacer(1, 5 * mm),
        paragraph(_("What we agree"), SUBJECT),
        Spacer(1, 1.5 * mm),
    ]
    promises = [
        _(
            "Bring the item back by %(day)s, with everything listed above. You can bring it "
            "to any Deelpunt distribution point."
        )
        % {"day": due},
        _(
            "Do you need it longer? Ask before %(day)s. We renew the loan when no other "
            "family is waiting for it."
        )
        % {"day": due},
        _(
            "Late: as long as the item is not back, you cannot borrow anything else from "
            "%(program)s."
        )
        % {"program": program},
        _(
            "Damaged or something missing? Tell us, accidents happen. We have the item "
            "repaired; we may keep all or part of the deposit for it, and we always tell "
            "you why."
        ),
        _("The deposit comes back to whoever paid it when the item comes back in good condition."),
    ]
    if item.item_type.safety == ItemType.Safety.CAR_SEAT:
        promises.append(
            _(
                "A car seat that was in an accident is no longer safe, even if you see "
                "nothing: stop using it and tell us."
            )
        )
    story += [Paragraph(escape(text), BODY, bulletText="•") for text in promises]
    story += [
        Spacer(1, 5 * mm),
        KeepTogether(
            [
                paragraph(_("When are we open?"), SUBJECT),
                Spacer(1, 1.5 * mm),
                opening_hours_table([loan.location]),
            ]
        ),
        Spacer(1, 7 * mm),
        KeepTogether(
            [
                paragraph(
                    _("We agree to the above. Place and date: %(place)s, %(day)s")
                    % {"place": loan.location.name, "day": format_day(loan.lent_at)}
                ),
                Spacer(1, 3 * mm),
                _signature_block(loan.lent_by.get_short_name() or loan.lent_by.get_username()),
            ]
        ),
    ]
    return render(
        story,
        title=_("Loan agreement %(code)s") % {"code": item.code},
        footer=f"Deelpunt · {loan.location.name} · {household.code} · {item.code}",
        running_header=_("Loan agreement %(code)s") % {"code": item.code},
    )


# --- The confirm card -------------------------------------------------------------------

#: One module of the confirm card's barcode: twice a label's, to read from afar.
CARD_BAR_WIDTH = 0.6 * mm


class BigBarcode(Flowable):
    """A Code 128 symbol of wide modules with its quiet zones, centred, text underneath."""

    def __init__(self, value: str, *, width: float, bar_height: float, font_size: float = 22):
        super().__init__()
        self.value = value
        self.width = width
        self.bar_height = bar_height
        self.font_size = font_size
        self.height = bar_height + font_size + 6

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        quiet = 10 * CARD_BAR_WIDTH
        symbol = Code128(
            self.value,
            barWidth=CARD_BAR_WIDTH,
            barHeight=self.bar_height,
            quiet=True,
            lquiet=quiet,
            rquiet=quiet,
        )
        symbol_width = float(symbol.width)
        scale = min(1.0, self.width / symbol_width)
        self.canv.saveState()
        self.canv.translate((self.width - symbol_width * scale) / 2, self.font_size + 6)
        self.canv.scale(scale, 1)
        symbol.drawOn(self.canv, 0, 0)
        self.canv.restoreState()
        self.canv.setFont("Helvetica-Bold", self.font_size)
        self.canv.setFillColor(INK)
        self.canv.drawCentredString(self.width / 2, 2, self.value)


def confirm_card_pdf(*, language: str | None = None) -> bytes:
    """An A4 page with the confirm code, big: taped to the counter, a scan of it confirms
    the basket like the button does. Two cards to cut apart."""
    return in_language(_confirm_card, language)


def _confirm_card() -> bytes:
    def card() -> Table:
        inner = [
            paragraph(_("Confirm the basket"), TITLE),
            Spacer(1, 2 * mm),
            paragraph(
                _(
                    "Scan this code at the counter to record the basket, like the Confirm "
                    "button does."
                ),
                SMALL,
            ),
            Spacer(1, 8 * mm),
            BigBarcode(CONFIRM_CODE, width=CONTENT_WIDTH - 20 * mm, bar_height=38 * mm),
        ]
        table = Table([[inner]], colWidths=[CONTENT_WIDTH])
        table.setStyle(
            TableStyle(
                [
                    ("BOX", (0, 0), (-1, -1), 0.8, RULE),
                    ("LEFTPADDING", (0, 0), (-1, -1), 10 * mm),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 10 * mm),
                    ("TOPPADDING", (0, 0), (-1, -1), 8 * mm),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 8 * mm),
                ]
            )
        )
        return table

    story: list[Flowable] = [card(), Spacer(1, 14 * mm), card()]
    return render(story, title=_("Confirm card"), footer="Deelpunt")


__all__ = [
    "DOCUMENT_LANGUAGES",
    "Receipt",
    "ReceiptLine",
    "confirm_card_pdf",
    "deposit_text",
    "document_language",
    "euro",
    "loan_agreement_pdf",
    "receipt",
    "receipt_pdf",
    "welcome_name",
]
