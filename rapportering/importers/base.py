"""What every kind of import shares: its columns (Dutch names, English aliases), how a
header row maps onto them, and turning a text cell into a number, date or list. The
rules about the records themselves stay in the owning app's services, which the handlers
call."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, ClassVar

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kern.errors import DomainError
from kern.models import User

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

Cells = dict[str, str]

CREATE = "nieuw"
UPDATE = "bijwerken"


@dataclass(frozen=True)
class Column:
    key: str  # the Dutch header, as the template writes it
    aliases: tuple[str, ...] = ()
    required: bool = False
    example: str = ""
    help: str = ""


@dataclass(frozen=True)
class Done:
    outcome: str  # CREATE or UPDATE
    obj: models.Model


@dataclass(frozen=True)
class Key:
    """A value that must be unique within one file (a name, an EAN, an e-mail)."""

    key: str
    label: str = field(compare=False)


class Handler:
    kind: ClassVar[str]
    permission: ClassVar[str]
    personal: ClassVar[bool] = False
    columns: ClassVar[tuple[Column, ...]]
    list_url: ClassVar[str] = ""
    note: ClassVar[StrOrPromise] = ""

    def keys(self, cells: Cells) -> list[Key]:
        return []

    def run(self, *, actor: User, cells: Cells) -> Done:
        raise NotImplementedError

    def url_of(self, object_id: int) -> str:
        return ""


def normalise_header(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.replace("\ufeff", "")).encode("ascii", "ignore")
    return re.sub(r"[^a-z0-9]+", "_", plain.decode().lower()).strip("_")


def map_headers(headers: Sequence[str], columns: Sequence[Column]) -> list[str | None]:
    """For each header its column key (None for an empty header); raise DomainError naming
    unknown and missing columns."""
    names: dict[str, str] = {}
    for column in columns:
        for name in (column.key, *column.aliases):
            names[normalise_header(name)] = column.key
    mapped: list[str | None] = []
    unknown: list[str] = []
    seen: set[str] = set()
    for header in headers:
        if not header.strip():
            mapped.append(None)
            continue
        key = names.get(normalise_header(header))
        if key is None:
            unknown.append(header)
        elif key in seen:
            raise DomainError(
                _("The column %(column)s appears twice in the first row.") % {"column": header}
            )
        else:
            seen.add(key)
        mapped.append(key)
    expected = ", ".join(c.key for c in columns)
    if unknown:
        raise DomainError(
            _("Unknown column(s): %(unknown)s. The columns for this import are: %(expected)s.")
            % {"unknown": ", ".join(unknown), "expected": expected}
        )
    missing = [c.key for c in columns if c.required and c.key not in seen]
    if missing:
        raise DomainError(
            _("Missing column(s): %(missing)s. The columns for this import are: %(expected)s.")
            % {"missing": ", ".join(missing), "expected": expected}
        )
    return mapped


def row_cells(mapped: Sequence[str | None], values: Sequence[str]) -> Cells:
    return {key: value for key, value in zip(mapped, values, strict=False) if key and value}


# --- Cells --------------------------------------------------------------------------------


def required(cells: Cells, key: str) -> str:
    value = cells.get(key, "").strip()
    if not value:
        raise DomainError(_("The column %(column)s is empty.") % {"column": key}, field=key)
    return value


def whole_number(cells: Cells, key: str, *, default: int | None = None) -> int | None:
    value = cells.get(key, "").strip()
    if not value:
        return default
    try:
        number = Decimal(value.replace(",", "."))
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or number != number.to_integral_value():
        raise DomainError(
            _("%(column)s: “%(value)s” is not a whole number.") % {"column": key, "value": value},
            field=key,
        )
    return int(number)


def decimal(cells: Cells, key: str) -> Decimal | None:
    value = cells.get(key, "").strip().replace("€", "").strip()
    if not value:
        return None
    if "," in value:  # a Belgian decimal comma; a point is then a thousands separator
        value = value.replace(".", "").replace(",", ".")
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise DomainError(
            _("%(column)s: “%(value)s” is not a number.") % {"column": key, "value": value},
            field=key,
        )
    return number


_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%d.%m.%Y", "%Y-%m-%dT%H:%M:%S")


def date(cells: Cells, key: str) -> dt.date | None:
    value = cells.get(key, "").strip()
    if not value:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise DomainError(
        _("%(column)s: “%(value)s” is not a date (dd/mm/jjjj).") % {"column": key, "value": value},
        field=key,
    )


YES = {"ja", "j", "yes", "y", "1", "waar", "true", "x"}
NO = {"nee", "n", "no", "0", "onwaar", "false"}


def yes_no(cells: Cells, key: str) -> bool | None:
    value = cells.get(key, "").strip().lower()
    if not value:
        return None
    if value in YES:
        return True
    if value in NO:
        return False
    raise DomainError(
        _("%(column)s: write ja or nee, not “%(value)s”.") % {"column": key, "value": value},
        field=key,
    )


def items_of(cells: Cells, key: str, *, separators: str = ",;|\n") -> list[str]:
    """Several values in one cell."""
    value = cells.get(key, "")
    for separator in separators[1:]:
        value = value.replace(separator, separators[0])
    return [part.strip() for part in value.split(separators[0]) if part.strip()]


def too_long(key: str, most: int) -> DomainError:
    return DomainError(
        _("%(column)s is too long (at most %(most)d characters).") % {"column": key, "most": most},
        field=key,
    )


LABEL_DUPLICATE = gettext_lazy("%(what)s is also on row %(row)d of this file.")
