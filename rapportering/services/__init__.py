"""Domain operations of the reports app: spreadsheet imports (``imports``). Every public
name is importable from ``rapportering.services``."""

from rapportering.services.imports import (
    CHECK_CHUNK_ROWS,
    STALE_AFTER,
    ApplyFailed,
    apply_import,
    cancel_import,
    check_all,
    check_import,
    expire_stale_imports,
    get_batch,
    handler_for,
    kinds_for,
    template_csv,
    template_rows,
    template_xlsx,
    upload_import,
)

__all__ = [
    "CHECK_CHUNK_ROWS",
    "STALE_AFTER",
    "ApplyFailed",
    "apply_import",
    "cancel_import",
    "check_all",
    "check_import",
    "expire_stale_imports",
    "get_batch",
    "handler_for",
    "kinds_for",
    "template_csv",
    "template_rows",
    "template_xlsx",
    "upload_import",
]
