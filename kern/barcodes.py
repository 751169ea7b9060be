"""One codec for every code Deelpunt prints or scans.

Internal codes: a one-letter type prefix, a number of at least six digits and one check
character, e.g. ``G0000427`` + check. The alphabet leaves out letters that a USB scanner
set to a US layout types differently on a Belgian AZERTY keyboard (A/Q, Z/W, M) and the
look-alikes I and O, so a scan always reads back the same. The check character is a
weighted sum modulo 29 (a prime): it catches every single wrong character and every swap
of two characters.

Also recognised: manufacturer EAN-13/EAN-8/UPC-A/GTIN-14 (GS1 check digit) and 13-digit
UiTPAS numbers (Luhn check digit).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from kern.errors import DomainError

ALPHABET = "0123456789BCDEFGHJKLNPRSTUVXY"
assert len(ALPHABET) == 29
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
MIN_DIGITS = 6
MAX_DIGITS = 12

# What a US-layout scanner types on a Belgian AZERTY keyboard for the digits 1-9, 0.
_AZERTY_DIGITS = str.maketrans("&é\"'(§è!çà", "1234567890")


class CodeType(enum.StrEnum):
    HOUSEHOLD = "G"  # gezin
    ITEM = "U"  # uitleenobject
    PRODUCT = "P"
    REFERRAL = "D"  # doorverwijzing
    LOCATION = "L"
    VOLUNTEER = "V"
    DOCUMENT = "B"  # bon: a donation receipt
    TRANSFER = "T"  # overboeking: a transfer and its pick list

    @property
    def label(self) -> str:
        return {
            CodeType.HOUSEHOLD: _("household"),
            CodeType.ITEM: _("item"),
            CodeType.PRODUCT: _("product"),
            CodeType.REFERRAL: _("referral"),
            CodeType.LOCATION: _("location"),
            CodeType.VOLUNTEER: _("volunteer"),
            CodeType.DOCUMENT: _("document"),
            CodeType.TRANSFER: _("transfer"),
        }[self]

    @property
    def code_label(self) -> str:
        return {
            CodeType.HOUSEHOLD: _("household code"),
            CodeType.ITEM: _("item code"),
            CodeType.PRODUCT: _("product code"),
            CodeType.REFERRAL: _("referral code"),
            CodeType.LOCATION: _("location code"),
            CodeType.VOLUNTEER: _("volunteer code"),
            CodeType.DOCUMENT: _("document code"),
            CodeType.TRANSFER: _("transfer code"),
        }[self]


class BarcodeError(DomainError):
    code = "invalid_barcode"


@dataclass(frozen=True)
class InternalCode:
    type: CodeType
    number: int

    def __str__(self) -> str:
        return encode(self.type, self.number)


def _check_character(body: str) -> str:
    total = sum(_VALUE[ch] * weight for weight, ch in enumerate(body, start=1))
    return ALPHABET[total % 29]


def encode(code_type: CodeType, number: int) -> str:
    """Return the printable internal code for a record, e.g. ``encode(LOCATION, 3)``."""
    if number < 0 or len(str(number)) > MAX_DIGITS:
        raise ValueError(f"number out of range for a barcode: {number}")
    body = f"{CodeType(code_type).value}{number:0{MIN_DIGITS}d}"
    return body + _check_character(body)


def normalise(raw: str) -> str:
    """Undo what keyboards and people add: spaces, dashes, AZERTY digits, lower case."""
    text = (raw or "").strip().translate(_AZERTY_DIGITS)
    text = re.sub(r"[\s\-_.]", "", text)
    return text.upper()


_INTERNAL = re.compile(rf"^([A-Z])(\d{{{MIN_DIGITS},{MAX_DIGITS}}})([0-9A-Z])$")


def decode(raw: str, *, expect: CodeType | None = None) -> InternalCode:
    """Parse an internal code; raise BarcodeError with a Dutch message when it is wrong."""
    text = normalise(raw)
    shown = text or raw
    match = _INTERNAL.match(text)
    if not match:
        raise BarcodeError(
            _("“%(code)s” is not a Deelpunt code. Scan it again or type it over.") % {"code": shown}
        )
    prefix, digits, check = match.groups()
    try:
        code_type = CodeType(prefix)
    except ValueError:
        raise BarcodeError(
            _("“%(code)s” starts with an unknown letter “%(prefix)s”.")
            % {"code": shown, "prefix": prefix}
        ) from None
    if _check_character(prefix + digits) != check:
        raise BarcodeError(
            _(
                "Code “%(code)s” has a wrong check character: probably a typo. "
                "Scan it again or type it over."
            )
            % {"code": shown}
        )
    if expect is not None and code_type != expect:
        raise BarcodeError(
            _("“%(code)s” is a %(actual)s, but a %(expected)s was expected.")
            % {"code": shown, "actual": code_type.code_label, "expected": expect.code_label}
        )
    return InternalCode(code_type, int(digits))


# --- Manufacturer codes and UiTPAS numbers --------------------------------------------


def gs1_check_digit(body: str) -> str:
    """The GS1 check digit (EAN-8, UPC-A, EAN-13, GTIN-14) for the digits before it."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def is_valid_gtin(text: str) -> bool:
    return (
        text.isdigit() and len(text) in (8, 12, 13, 14) and gs1_check_digit(text[:-1]) == text[-1]
    )


def parse_gtin(raw: str) -> str:
    """Return the GTIN as 13 digits (EAN-13; UPC-A gets a leading 0); raise on a typo."""
    text = normalise(raw)
    if not text.isdigit() or len(text) not in (8, 12, 13, 14):
        raise BarcodeError(
            _("“%(code)s” is not an EAN code: an EAN has 8, 12, 13 or 14 digits.")
            % {"code": text or raw}
        )
    if not is_valid_gtin(text):
        raise BarcodeError(
            _("EAN code “%(code)s” has a wrong check digit: probably a typo. Scan it again.")
            % {"code": text}
        )
    return text.zfill(13) if len(text) == 12 else text


def luhn_is_valid(text: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(text)):
        digit = int(ch)
        if i % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def luhn_check_digit(body: str) -> str:
    for digit in "0123456789":
        if luhn_is_valid(body + digit):
            return digit
    raise AssertionError("unreachable")


UITPAS_LENGTH = 13


def parse_uitpas_number(raw: str) -> str:
    """Return a 13-digit UiTPAS number; raise with a Dutch message on a probable typo.

    A failed Luhn check is flagged as a typo: publiq's test numbers all pass it.
    """
    text = normalise(raw)
    if not text.isdigit():
        raise BarcodeError(
            _("An UiTPAS number has only digits; “%(code)s” does not.") % {"code": text or raw}
        )
    if len(text) != UITPAS_LENGTH:
        raise BarcodeError(
            _("An UiTPAS number has 13 digits; “%(code)s” has %(count)d.")
            % {"code": text, "count": len(text)}
        )
    if not luhn_is_valid(text):
        raise BarcodeError(
            _(
                "UiTPAS number %(code)s has a wrong check digit: probably a typo. "
                "Check the number on the card and try again."
            )
            % {"code": text}
        )
    return text


# --- Recognising a scan ---------------------------------------------------------------


class ScanKind(enum.StrEnum):
    INTERNAL = "internal"
    GTIN = "gtin"
    UITPAS = "uitpas"


@dataclass(frozen=True)
class Recognised:
    """What a scanned text can be. A 13-digit number may be both an EAN and an UiTPAS
    number; the caller looks both up (``candidates`` is in order of likelihood)."""

    text: str
    internal: InternalCode | None = None
    gtin: str | None = None
    uitpas_number: str | None = None

    @property
    def kinds(self) -> list[ScanKind]:
        kinds = []
        if self.internal:
            kinds.append(ScanKind.INTERNAL)
        if self.uitpas_number:
            kinds.append(ScanKind.UITPAS)
        if self.gtin:
            kinds.append(ScanKind.GTIN)
        return kinds


def recognise(raw: str) -> Recognised:
    """Tell what a scan or typed code is, or raise BarcodeError saying why it is none."""
    text = normalise(raw)
    if not text:
        raise BarcodeError(_("Nothing was scanned."))
    if text[0].isalpha():
        return Recognised(text=text, internal=decode(text))
    if not text.isdigit():
        raise BarcodeError(
            _("“%(code)s” is not a code Deelpunt knows. Scan it again or type it over.")
            % {"code": text}
        )
    gtin = text.zfill(13) if len(text) == 12 and is_valid_gtin(text) else None
    if len(text) in (8, 13, 14) and is_valid_gtin(text):
        gtin = text
    uitpas = text if len(text) == UITPAS_LENGTH and luhn_is_valid(text) else None
    if gtin or uitpas:
        return Recognised(text=text, gtin=gtin, uitpas_number=uitpas)
    if len(text) == UITPAS_LENGTH:
        raise BarcodeError(
            _(
                "%(code)s is neither a valid UiTPAS number nor a valid EAN code: "
                "the check digit is wrong, probably a typo. Check the number and try again."
            )
            % {"code": text}
        )
    raise BarcodeError(
        _("“%(code)s” is not a code Deelpunt knows (%(count)d digits).")
        % {"code": text, "count": len(text)}
    )
