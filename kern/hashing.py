"""The one keyed hash for identifiers Deelpunt must recognise but never store: API token
secrets and UiTPAS numbers.

HMAC-SHA256 with ``IDENTIFIER_HASH_KEY`` (not a bare SHA-256): the numbers are short and
structured (an UiTPAS number has 13 digits with a check digit), so without a secret key
anyone holding a copy of the database could recover them by trying every candidate."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings


def keyed_hash(value: str) -> str:
    """Hex HMAC-SHA256 of ``value`` under ``settings.IDENTIFIER_HASH_KEY`` (64 characters)."""
    key: str = settings.IDENTIFIER_HASH_KEY
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()
