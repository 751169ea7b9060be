"""Exports as CSV and XLSX that stream: rows are written as they are read, so a year of
distributions leaves memory flat however many rows there are.

CSV is for Excel in nl-BE: semicolons, decimal commas, dates as dd/mm/yyyy in local time
and a UTF-8 byte order mark so accents open right. XLSX is written by openpyxl's
write-only workbook to a temporary file on disk, which the response then streams.

A cell that a spreadsheet would read as a formula (text starting with ``=``, ``+``, ``-``,
``@``) is exported as text, so a name typed into a form cannot run in someone's Excel.

:func:`table_export` turns any django-tables2 list into an export when the request asks
``?export=csv`` or ``?export=xlsx``: every filtered row (not one page), the column headings
as header, values without HTML.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.html import strip_tags
from django.utils.safestring import SafeData
from django.utils.text import capfirst, slugify

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")
#: Rows read from the database at a time: small enough to keep memory flat.
CHUNK_SIZE = 2000

#: One table of a multi-table export: title, header, rows.
Section = tuple[str, Sequence[Any], Iterable[Sequence[Any]]]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?$")
# Control characters an XLSX (XML) cell cannot hold.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class _Echo:
    def write(self, value: str) -> str:
        return value


def _local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def _text(value: str) -> str:
    """Text as a spreadsheet must show it, never as a formula (a signed number stays)."""
    if value.startswith(_FORMULA_START) and not _NUMBER.match(value):
        return "'" + value
    return value


def csv_cell(value: Any) -> str:
    """One value as an nl-BE spreadsheet reads it."""
    kind = type(value)  # the common cells first: an export has hundreds of thousands
    if kind is int:
        return str(value)
    if value is None:
        return ""
    if kind is str:
        return _text(value)
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", ",")
    if isinstance(value, float):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return _local(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    export = getattr(value, "export", None)
    if callable(export):  # a report Figure: the number or "< 5"
        return csv_cell(export())
    return _text(str(value))


def xlsx_cell(value: Any) -> Any:
    """One value as openpyxl writes it: numbers and dates typed, text as text."""
    if value is None or isinstance(value, int | float | Decimal | bool):
        return value
    if isinstance(value, dt.datetime):
        return _local(value).replace(tzinfo=None)
    if isinstance(value, dt.date):
        return value
    export = getattr(value, "export", None)
    if callable(export):
        return xlsx_cell(export())
    text = _ILLEGAL_XML.sub("", str(value))
    # openpyxl stores any text starting with "=" as a formula.
    return "'" + text if text.startswith("=") else text


def filename(name: str, extension: str) -> str:
    return f"{slugify(name) or 'export'}.{extension}"


def csv_lines(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff" + writer.writerow([csv_cell(v) for v in header])
    for row in rows:
        yield writer.writerow([csv_cell(v) for v in row])


def csv_sections_lines(sections: Iterable[Section]) -> Iterator[str]:
    """Several tables in one CSV, one after another: a title row, the header, the rows
    and an empty line."""
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff"
    for title, header, rows in sections:
        yield writer.writerow([csv_cell(title)])
        yield writer.writerow([csv_cell(v) for v in header])
        for row in rows:
            yield writer.writerow([csv_cell(v) for v in row])
        yield "\r\n"


def _csv_streaming(lines: Iterator[str], name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename(name, "csv")}"'
    return response


def csv_response(
    name: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    return _csv_streaming(csv_lines(header, rows), name)


def csv_sections_response(name: str, sections: Iterable[Section]) -> StreamingHttpResponse:
    return _csv_streaming(csv_sections_lines(sections), name)


def _sheet_title(title: str, used: set[str]) -> str:
    # Excel: at most 31 characters, none of []:*?/\ and unique in the workbook.
    base = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:31] or "Blad"
    candidate, number = base, 2
    while candidate.lower() in used:
        suffix = f" ({number})"
        candidate, number = base[: 31 - len(suffix)] + suffix, number + 1
    used.add(candidate.lower())
    return candidate


def xlsx_sections_response(name: str, sections: Iterable[Section]) -> FileResponse:
    """One sheet per table; written row by row to a temporary file, then streamed."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    used: set[str] = set()
    for title, header, rows in sections:
        worksheet = workbook.create_sheet(title=_sheet_title(str(title), used))
        worksheet.append([xlsx_cell(v) for v in header])
        for row in rows:
            worksheet.append([xlsx_cell(v) for v in row])
    if not used:
        workbook.create_sheet(title="Export")
    # On disk, not in memory, however large; deleted when the response closes it.
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it)
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(
        handle, as_attachment=True, filename=filename(name, "xlsx"), content_type=XLSX_TYPE
    )


def xlsx_response(
    name: str,
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    sheet: str = "",
) -> FileResponse:
    return xlsx_sections_response(name, [(sheet or name, header, rows)])


def response(
    format: str, name: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse | FileResponse:
    """The export of ``rows`` as ``format`` ("csv" or "xlsx")."""
    if format == "xlsx":
        return xlsx_response(name, header, rows)
    return csv_response(name, header, rows)


def sections_response(
    format: str, name: str, sections: Iterable[Section]
) -> StreamingHttpResponse | FileResponse:
    """Several tables: one after another in a CSV, one sheet each in an XLSX."""
    if format == "xlsx":
        return xlsx_sections_response(name, sections)
    return csv_sections_response(name, sections)


# --- lists (django-tables2) -------------------------------------------------------------


def requested_format(request: HttpRequest) -> str | None:
    """``csv`` or ``xlsx`` when the request asks for an export, otherwise None."""
    value = request.GET.get("export", "")
    return value if value in FORMATS else None


def _plain(value: Any) -> Any:
    """A cell a table rendered, without its HTML (a badge, a <code>) and entities."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, SafeData):
        value = html.unescape(strip_tags(str(value))).strip()
    if value == "—":  # the table's mark for "empty"
        return ""
    return value


def table_rows(table: Any) -> tuple[list[str], Iterator[list[Any]]]:
    """The header and every row of a configured django-tables2 table: all rows its
    filters and sorting give (a queryset is read in chunks), not one page. The columns
    shown, without those excluded from export or without a heading (buttons)."""
    from django_tables2 import BooleanColumn, DateColumn, DateTimeColumn
    from django_tables2.rows import BoundRow

    columns = [
        column
        for column in table.columns
        if not column.column.exclude_from_export and str(column.header).strip()
    ]
    header = [capfirst(str(column.header)) for column in columns]
    # The raw value for dates and yes/no (the export formats them), unless the table
    # says what to export with a value_<name> method.
    raw = {
        column.name
        for column in columns
        if isinstance(column.column, BooleanColumn | DateColumn | DateTimeColumn)
        and not hasattr(table, f"value_{column.name}")
    }
    data = getattr(table.data, "data", table.data)
    records: Iterable[Any] = (
        data.iterator(chunk_size=CHUNK_SIZE) if isinstance(data, QuerySet) else data
    )

    def cell(row: Any, column: Any) -> Any:
        if column.name in raw:
            try:
                return column.accessor.resolve(row.record)
            except Exception:
                return None
        return _plain(row.get_cell_value(column.name))

    def rows() -> Iterator[list[Any]]:
        for record in records:
            row = BoundRow(record, table=table)
            yield [cell(row, column) for column in columns]

    return header, rows()


def table_export(
    request: HttpRequest,
    table: Any,
    *,
    name: str,
    log: Callable[[str], None] | None = None,
) -> StreamingHttpResponse | FileResponse | None:
    """The export of a list's ``table`` (after ``RequestConfig``) when the request asks
    for one, else None: ``if exported := table_export(...): return exported``. ``log``
    is called with the format before anything is sent, for lists that show household
    codes (the export is then in the audit log, as a look at those households)."""
    format = requested_format(request)
    if format is None:
        return None
    if log is not None:
        log(format)
    header, rows = table_rows(table)
    return response(format, name, header, rows)


def log_exported(
    request: HttpRequest,
    *,
    object_type: str,
    object_ids: Iterable[Any],
    list_name: str,
    format: str,
) -> int:
    """One audit entry ("view") per record an export shows, written in one go: an export
    of household codes is a look at each of those households. Returns how many."""
    from kern.models import AuditEntry

    user = request.user
    actor = user if user.is_authenticated else None
    entries: list[AuditEntry] = []
    seen: set[str] = set()
    written = 0
    for object_id in object_ids:
        key = str(object_id)
        if key in seen:
            continue
        seen.add(key)
        entries.append(
            AuditEntry(
                actor=actor,
                actor_name=actor.get_username() if actor is not None else "",
                action="view",
                object_type=object_type,
                object_id=key,
                source=request.path[:120],
                details={"list": list_name, "export": format},
            )
        )
        if len(entries) >= CHUNK_SIZE:
            AuditEntry.objects.bulk_create(entries)
            written += len(entries)
            entries.clear()
    AuditEntry.objects.bulk_create(entries)
    return written + len(entries)
