"""``Idempotency-Key`` for API writes a scanner or a flaky network may send twice.

The key is claimed first: the record row is inserted, inside the transaction that then
performs the operation and stores its answer. A duplicate that arrives while the first
is still running cannot claim the key until the first has finished (PostgreSQL makes
the second insert into the unique index wait for the first transaction; SQLite lets one
writer at a time in), and then finds the stored answer and replays it. So every retry
gets the first answer (with ``Idempotent-Replay: true``), and the work is done once.
The same key with another body is a 409.

An error answer is not kept: the failed request wrote nothing (its claim is rolled back
with it), so a retry with the same key is tried afresh.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kern.errors import Conflict, DomainError
from kern.models import IdempotencyRecord, User

MAX_KEY_LENGTH = 100
# The status stored while the operation runs; no other transaction ever sees it.
_CLAIMED = 0


def _hash(operation: str, payload: Any) -> str:
    text = json.dumps({"op": operation, "body": payload}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def run_once(
    *,
    user: User,
    key: str | None,
    operation: str,
    payload: Any,
    perform: Callable[[], tuple[int, Any]],
) -> tuple[int, Any, bool]:
    """Run ``perform`` (returning status and a JSON-able body) at most once per key.

    Returns ``(status, body, replayed)``.
    """
    key = (key or "").strip()
    if not key:
        status, body = perform()
        return status, body, False
    if len(key) > MAX_KEY_LENGTH:
        raise DomainError(
            _("The Idempotency-Key header is longer than %(max)d characters.")
            % {"max": MAX_KEY_LENGTH}
        )
    request_hash = _hash(operation, payload)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=user,
                    key=key,
                    operation=operation,
                    request_hash=request_hash,
                    status_code=_CLAIMED,
                    response={},
                )
        except IntegrityError:
            # Claimed by a request that has committed since (its insert made ours wait).
            previous = IdempotencyRecord.objects.filter(user=user, key=key).first()
            if previous is None:
                raise
            return _replay(previous, operation, request_hash)
        status, body = perform()
        record.status_code = status
        record.response = json.loads(json.dumps(body, default=str))
        record.save(update_fields=["status_code", "response"])
    return status, body, False


def _replay(
    previous: IdempotencyRecord, operation: str, request_hash: str
) -> tuple[int, Any, bool]:
    if previous.operation != operation or previous.request_hash != request_hash:
        raise Conflict(
            _(
                "This Idempotency-Key was already used for another request. "
                "Use a new key for a new request."
            ),
            code="idempotency_key_reused",
        )
    return previous.status_code, previous.response, True
