"""Reading an uploaded spreadsheet into a header and rows of text cells: CSV (``;`` or
``,``, UTF-8 with or without BOM, else Windows-1252) or XLSX (openpyxl, read-only)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from kern.errors import DomainError

XLSX_MAGIC = b"PK\x03\x04"

# A real workbook has a few dozen parts; the limits stop a "ZIP bomb" (a small upload that
# unpacks to gigabytes) before openpyxl unpacks it, since openpyxl has no limit of its own.
XLSX_MAX_MEMBERS = 200
XLSX_MAX_UNPACKED_FACTOR = 10  # x IMPORT_MAX_MEGABYTES, all parts together
XLSX_MAX_RATIO = 200  # uncompressed : compressed, for one part ...
XLSX_RATIO_FROM_BYTES = 1024 * 1024  # ... bigger than this (small parts compress well)


@dataclass(frozen=True)
class Table:
    headers: list[str]
    # (the row's number as the spreadsheet shows it, its cells)
    rows: list[tuple[int, list[str]]]


class Unreadable(DomainError):
    code = "unreadable_file"


def read_table(*, data: bytes, file_name: str, max_rows: int) -> Table:
    """The header row and the non-empty rows; raise Unreadable with a Dutch message."""
    if data.startswith(XLSX_MAGIC) or file_name.lower().endswith(".xlsx"):
        lines = _xlsx_lines(data)
    else:
        lines = _csv_lines(data)
    headers: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for number, cells in lines:
        if not any(cells):
            continue
        if headers is None:
            headers = cells
            continue
        rows.append((number, cells))
        if len(rows) > max_rows:
            raise Unreadable(
                _("The file has more than %(max)d rows: split it into smaller files.")
                % {"max": max_rows}
            )
    if headers is None:
        raise Unreadable(_("The file is empty: the first row must name the columns."))
    if not rows:
        raise Unreadable(_("The file has column names but no rows to import."))
    return Table(headers=headers, rows=rows)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return str(Decimal(repr(value)))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _check_unpacked_size(data: bytes) -> None:
    """Refuse an XLSX that would unpack to far more than its size; a file that is not a
    ZIP is left to openpyxl, which refuses it with the usual message. The sizes come from
    the ZIP's directory; Python's zipfile (which openpyxl reads through) stops at the
    declared size, so a part cannot unpack to more than it claims."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    too_big = _(
        "This XLSX file would unpack to far more than its size. Save it again as .xlsx or as CSV."
    )
    if len(members) > XLSX_MAX_MEMBERS:
        raise Unreadable(too_big)
    limit = XLSX_MAX_UNPACKED_FACTOR * settings.IMPORT_MAX_MEGABYTES * 1024 * 1024
    if sum(member.file_size for member in members) > limit:
        raise Unreadable(too_big)
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > XLSX_RATIO_FROM_BYTES and ratio > XLSX_MAX_RATIO:
            raise Unreadable(too_big)


def _xlsx_lines(data: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    _check_unpacked_size(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise Unreadable(
            _("This is not a readable XLSX file. Save it again as .xlsx or as CSV.")
        ) from None
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, _trim([_text(v) for v in values])
    finally:
        workbook.close()


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data[:4096]:
        raise Unreadable(_("This is not a text (CSV) file. Upload a CSV or XLSX file."))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" in Windows-1252.
        return data.decode("cp1252", errors="replace")


def _csv_lines(data: bytes) -> Iterator[tuple[int, list[str]]]:
    text = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    if first.count("\t") > max(first.count(";"), first.count(",")):
        delimiter = "\t"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            yield reader.line_num, _trim([c.strip() for c in cells])
    except csv.Error as exc:
        raise Unreadable(
            _("The CSV file cannot be read near line %(line)d: %(problem)s")
            % {"line": reader.line_num, "problem": exc}
        ) from None


def _trim(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells.pop()
    return cells
