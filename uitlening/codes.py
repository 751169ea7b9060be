"""Codes the counter understands besides the barcodes of records."""

from __future__ import annotations

#: Scanned (from a printed card) or typed, it confirms the basket like the button does.
#: Only letters a scanner types the same on AZERTY and QWERTY (no A, Q, Z, W or M).
CONFIRM_CODE = "BEVESTIG"
