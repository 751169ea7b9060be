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

from django.utils.translation import gettext as _

from kern.errors import DomainError

XLSX_MAGIC = b"PK\x03\x04"


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


def _xlsx_lines(data: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

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
