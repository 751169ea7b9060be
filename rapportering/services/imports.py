"""Spreadsheet imports: upload (parse and stage the rows), check (decide per row, in
chunks, without writing domain data), apply (after the user confirms: every accepted row
in one transaction), cancel; and the expiry of batches left open.

Each row goes through the owning app's public services. ``check`` runs the very same call
inside a savepoint that is always rolled back, so the preview refuses exactly what the
apply would refuse, and no business rule is written twice."""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from collections.abc import Iterator

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from kern import audit, permissions
from kern.database_errors import TRANSIENT_ERRORS
from kern.errors import Conflict, DomainError, NotFound
from kern.models import User
from rapportering.importers import HANDLERS, Handler
from rapportering.importers.base import (
    LABEL_DUPLICATE,
    Cells,
    map_headers,
    normalise_header,
    row_cells,
)
from rapportering.importers.reading import read_table
from rapportering.models import ImportBatch, ImportRow

logger = logging.getLogger(__name__)

Status = ImportBatch.Status
Outcome = ImportRow.Outcome

CHECK_CHUNK_ROWS = 250
# An import nobody applies or cancels within this time is cancelled (and its personal
# data deleted) the next time anyone opens the imports, or by `manage.py expire_imports`.
STALE_AFTER = dt.timedelta(hours=24)


class _Rollback(Exception):
    """Raised to undo a check's trial run of a row."""


def handler_for(kind: str) -> Handler:
    try:
        return HANDLERS[kind]
    except KeyError:
        raise DomainError(_("Unknown kind of import “%(kind)s”.") % {"kind": kind}) from None


def kinds_for(user: User) -> list[str]:
    """The kinds of import ``user`` may do."""
    return [kind for kind, handler in HANDLERS.items() if user.has_perm(handler.permission)]


def _require(actor: User, batch_or_kind: ImportBatch | str) -> Handler:
    kind = batch_or_kind.kind if isinstance(batch_or_kind, ImportBatch) else batch_or_kind
    handler = handler_for(kind)
    permissions.require(actor, handler.permission)
    return handler


def get_batch(*, actor: User, batch_id: int) -> ImportBatch:
    """One of ``actor``'s own imports (staged rows may be personal data)."""
    batch = ImportBatch.objects.filter(pk=batch_id, user=actor).first()
    if batch is None:
        raise NotFound(_("This import does not exist (any more)."))
    _require(actor, batch)
    return batch


# --- Upload ------------------------------------------------------------------------------


@transaction.atomic
def upload_import(*, actor: User, kind: str, file_name: str, data: bytes) -> ImportBatch:
    """Read the file and stage its rows; raise DomainError (nothing stored) when it is
    too big, unreadable, or its columns are wrong."""
    handler = _require(actor, kind)
    expire_stale_imports()
    max_bytes = settings.IMPORT_MAX_MEGABYTES * 1024 * 1024
    if len(data) > max_bytes:
        raise DomainError(
            _("The file is larger than %(max)d MB: split it into smaller files.")
            % {"max": settings.IMPORT_MAX_MEGABYTES},
            code="file_too_big",
        )
    table = read_table(data=data, file_name=file_name, max_rows=settings.IMPORT_MAX_ROWS)
    mapped = map_headers(table.headers, handler.columns)
    batch = ImportBatch.objects.create(
        kind=kind, user=actor, file_name=file_name[:200], total_rows=len(table.rows)
    )
    first_row: dict[str, int] = {}
    rows = []
    for number, values in table.rows:
        cells = row_cells(mapped, values)
        row = ImportRow(batch=batch, number=number, cells=cells)
        for key in handler.keys(cells):
            if key.key.endswith(":"):  # an empty value is refused by the check itself
                continue
            earlier = first_row.setdefault(key.key, number)
            if earlier != number and row.duplicate_of is None:
                row.duplicate_of = earlier
                row.outcome = Outcome.REFUSE
                row.reason = str(LABEL_DUPLICATE) % {"what": key.label, "row": earlier}
        rows.append(row)
    ImportRow.objects.bulk_create(rows, batch_size=1000)
    if handler.personal:
        audit.record(
            actor=actor,
            action="upload",
            obj=batch,
            source="rapportering.import",
            details={"kind": kind, "rows": batch.total_rows},
        )
    return batch


# --- Check -------------------------------------------------------------------------------


#: What a service may let through for a value it did not foresee (too long, out of the
#: database's range …): the row is refused, never a server error.
UNFORESEEN = (DatabaseError, ValueError, TypeError, OverflowError)
#: A database column named in an error: PostgreSQL ('column "name"') and SQLite
#: ("constraint failed: voorraad_product.name").
DATABASE_COLUMN = re.compile(r'column "(\w+)"|failed: \w+\.(\w+)')
#: A cell holding a number too long for any database integer column.
HUGE_NUMBER = re.compile(r"[-+]?\d{10,}")


def _trial(handler: Handler, actor: User, number: int, cells: Cells) -> tuple[str, str]:
    """(outcome, reason) of running row ``number`` for real and rolling it back."""
    outcome = ""
    try:
        with transaction.atomic():
            outcome = handler.run(actor=actor, cells=cells).outcome
            raise _Rollback
    except _Rollback:
        return outcome, ""
    except DomainError as exc:
        return Outcome.REFUSE, exc.message
    except TRANSIENT_ERRORS:
        raise  # the database failed, not the row: nothing is kept, the check is tried again
    except UNFORESEEN as exc:
        # The row is refused, the others are checked on.
        return Outcome.REFUSE, _unforeseen(exc, handler, number, cells)


def _unforeseen(exc: Exception, handler: Handler, number: int, cells: Cells) -> str:
    """A Dutch reason for an error no service foresaw, naming the row and, where it can be
    told, the column; the technical text goes to the log (never the cells: they may be
    personal data)."""
    logger.warning(
        "Import %s, row %d: unforeseen %s", handler.kind, number, type(exc).__name__, exc_info=exc
    )
    text = str(exc)
    match = DATABASE_COLUMN.search(text)
    if match:
        column = _column_of(handler, match.group(1) or match.group(2))
        if column:
            return _("Row %(row)d: the value in column “%(column)s” cannot be stored.") % {
                "row": number,
                "column": column,
            }
    if isinstance(exc, OverflowError) or "out of range" in text:
        huge = [key for key, value in cells.items() if HUGE_NUMBER.fullmatch(value.strip())]
        if len(huge) == 1:
            return _("Row %(row)d: the number in column “%(column)s” is too large.") % {
                "row": number,
                "column": huge[0],
            }
    return _(
        "Row %(row)d cannot be stored: one of its values does not fit (too long or too "
        "large). Check the row against the template."
    ) % {"row": number}


def _column_of(handler: Handler, database_column: str) -> str:
    """The import column whose name or alias is ``database_column`` ("" when none is)."""
    wanted = normalise_header(database_column)
    for column in handler.columns:
        if wanted in {normalise_header(name) for name in (column.key, *column.aliases)}:
            return column.key
    return ""


def check_import(*, actor: User, batch: ImportBatch, chunk: int = CHECK_CHUNK_ROWS) -> ImportBatch:
    """Check the next ``chunk`` unchecked rows (a refused row never stops the others);
    the batch is checked when none is left. Writes no domain data."""
    handler = _require(actor, batch)
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status not in (Status.UPLOADED, Status.CHECKING):
            return batch
        rows = list(batch.rows.filter(outcome=Outcome.PENDING).order_by("number")[: max(1, chunk)])
        for row in rows:
            row.outcome, row.reason = _trial(handler, actor, row.number, row.cells)
        ImportRow.objects.bulk_update(rows, ["outcome", "reason"], batch_size=1000)
        _count(batch)
        pending = batch.checked_rows < batch.total_rows
        batch.status = Status.CHECKING if pending else Status.CHECKED
        batch.save()
    return batch


def check_all(*, actor: User, batch: ImportBatch) -> ImportBatch:
    while batch.status in (Status.UPLOADED, Status.CHECKING):
        batch = check_import(actor=actor, batch=batch)
    return batch


def _count(batch: ImportBatch) -> None:
    counts = dict(
        batch.rows.values_list("outcome").annotate(n=Count("id")).values_list("outcome", "n")
    )
    batch.created_count = counts.get(Outcome.CREATE, 0)
    batch.updated_count = counts.get(Outcome.UPDATE, 0)
    batch.refused_count = counts.get(Outcome.REFUSE, 0)
    batch.checked_rows = batch.total_rows - counts.get(Outcome.PENDING, 0)


# --- Apply and cancel ----------------------------------------------------------------------


class ApplyFailed(DomainError):
    """Nothing was written; the message names the row and the reason."""

    code = "import_failed"


def apply_import(*, actor: User, batch: ImportBatch) -> ImportBatch:
    """Write every row the check accepted, in one transaction; refused rows are skipped.
    A row that fails now (the data changed since the check) undoes everything, and the
    batch keeps the reason. Applying an applied batch again changes nothing."""
    handler = _require(actor, batch)
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if batch.status == Status.APPLIED:
                return batch
            if batch.status != Status.CHECKED:
                raise Conflict(
                    _("This import is %(status)s: it cannot be applied.")
                    % {"status": batch.get_status_display()}
                )
            _apply_rows(handler, actor, batch)
            batch.status = Status.APPLIED
            batch.applied_at = timezone.now()
            batch.apply_error = ""
            _count(batch)
            batch.save()
            if handler.personal:
                audit.record(
                    actor=actor,
                    action="import",
                    obj=batch,
                    source="rapportering.import",
                    details={
                        "kind": batch.kind,
                        "created": batch.created_count,
                        "updated": batch.updated_count,
                        "refused": batch.refused_count,
                    },
                )
            _purge(batch)
    except ApplyFailed as exc:
        ImportBatch.objects.filter(pk=batch.pk).update(apply_error=exc.message)
        raise
    return batch


def _accepted(batch: ImportBatch) -> Iterator[ImportRow]:
    rows = batch.rows.filter(outcome__in=(Outcome.CREATE, Outcome.UPDATE)).order_by("number")
    return rows.iterator(chunk_size=1000)


def _apply_rows(handler: Handler, actor: User, batch: ImportBatch) -> None:
    done: list[ImportRow] = []
    for row in _accepted(batch):
        try:
            result = handler.run(actor=actor, cells=row.cells)
        except DomainError as exc:
            raise ApplyFailed(
                _("Row %(row)d: %(reason)s Nothing was imported; check the file again.")
                % {"row": row.number, "reason": exc.message}
            ) from exc
        except TRANSIENT_ERRORS:
            raise  # the database failed, not the row: the batch stays checked, to apply again
        except UNFORESEEN as exc:
            reason = _unforeseen(exc, handler, row.number, row.cells)
            raise ApplyFailed(
                _("%(reason)s Nothing was imported; check the file again.") % {"reason": reason}
            ) from exc
        row.outcome = result.outcome
        row.object_id = result.obj.pk
        done.append(row)
    ImportRow.objects.bulk_update(done, ["outcome", "object_id"], batch_size=1000)


@transaction.atomic
def cancel_import(*, actor: User, batch: ImportBatch) -> ImportBatch:
    _require(actor, batch)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status == Status.CANCELLED:
        return batch
    if batch.status == Status.APPLIED:
        raise Conflict(_("This import has been applied: it can no longer be cancelled."))
    batch.status = Status.CANCELLED
    batch.save(update_fields=["status"])
    if handler_for(batch.kind).personal:
        audit.record(actor=actor, action="cancel", obj=batch, source="rapportering.import")
    _purge(batch)
    return batch


def _purge(batch: ImportBatch) -> None:
    """Delete the staged cells of an applied or cancelled batch, of every kind (a donor
    or even a product row may name a person), and the reasons (which may repeat a value);
    the row numbers, outcomes and object ids stay for the result page. Rows of a
    cancelled batch are deleted altogether."""
    if batch.status == Status.CANCELLED:
        batch.rows.all().delete()
    else:
        batch.rows.update(cells={}, reason="")
    ImportBatch.objects.filter(pk=batch.pk).update(purged_at=timezone.now())


def expire_stale_imports(*, now: dt.datetime | None = None) -> int:
    """Cancel imports left open longer than ``STALE_AFTER``; return how many."""
    cutoff = (now or timezone.now()) - STALE_AFTER
    still_open = (Status.UPLOADED, Status.CHECKING, Status.CHECKED)
    stale = ImportBatch.objects.filter(status__in=still_open, created_at__lt=cutoff)
    count = 0
    for pk in list(stale.order_by("pk").values_list("pk", flat=True)):
        with transaction.atomic():
            # One conditional UPDATE takes the batch: a run at the same time, or an apply
            # that got there first, leaves it to them (no double purge, no applied batch
            # turned cancelled).
            if not ImportBatch.objects.filter(pk=pk, status__in=still_open).update(
                status=Status.CANCELLED
            ):
                continue
            _purge(ImportBatch.objects.get(pk=pk))
        count += 1
    return count


# --- Templates -----------------------------------------------------------------------------


def template_rows(kind: str) -> tuple[list[str], list[str]]:
    handler = handler_for(kind)
    return [c.key for c in handler.columns], [c.example for c in handler.columns]


def template_csv(kind: str) -> bytes:
    import csv

    header, example = template_rows(kind)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerow(example)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(kind: str) -> bytes:
    from openpyxl import Workbook

    header, example = template_rows(kind)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = kind[:31]
    sheet.append(header)
    sheet.append(example)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
