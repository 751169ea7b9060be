"""Exports as CSV and XLSX that stream: rows are written as they are read, so a year of
distributions leaves memory flat however many rows there are.

CSV is for Excel in nl-BE: semicolons, decimal commas and a UTF-8 byte order mark so
accents open right. XLSX is written by openpyxl's write-only workbook to a temporary file
on disk, which the response then streams.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils.text import slugify

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_cell(value: Any) -> str:
    """One value as an nl-BE spreadsheet reads it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, Decimal | float):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    export = getattr(value, "export", None)
    if callable(export):
        return csv_cell(export())
    return str(value)


def xlsx_cell(value: Any) -> Any:
    if value is None or isinstance(value, int | float | Decimal | str | bool):
        return value
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return value
    export = getattr(value, "export", None)
    if callable(export):
        return xlsx_cell(export())
    return str(value)


def _filename(name: str, extension: str) -> str:
    return f"{slugify(name) or 'export'}.{extension}"


def csv_lines(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff" + writer.writerow([csv_cell(v) for v in header])
    for row in rows:
        yield writer.writerow([csv_cell(v) for v in row])


def csv_response(
    name: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(name, "csv")}"'
    return response


def xlsx_response(
    name: str,
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    sheet: str = "",
) -> FileResponse:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title=(sheet or name)[:31] or "Export")
    worksheet.append([xlsx_cell(v) for v in header])
    for row in rows:
        worksheet.append([xlsx_cell(v) for v in row])
    # Deleted when the response closes it; on disk, not in memory, however large.
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it)
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(
        handle, as_attachment=True, filename=_filename(name, "xlsx"), content_type=XLSX_TYPE
    )


def response(
    format: str, name: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse | FileResponse:
    """The export of ``rows`` as ``format`` ("csv" or "xlsx")."""
    if format == "xlsx":
        return xlsx_response(name, header, rows)
    return csv_response(name, header, rows)
