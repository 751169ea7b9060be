"""Reports through the API: ``report_summary`` (owned by the reports part)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["rapportering"])
