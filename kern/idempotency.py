"""``Idempotency-Key`` for API writes a scanner or a flaky network may send twice.

The operation and the stored answer are written in one transaction, so either both
exist or neither does. A retry with the same key and the same body gets the first
answer back (with ``Idempotent-Replay: true``); the same key with another body is a 409.
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
    if not key:
        status, body = perform()
        return status, body, False
    key = key.strip()
    if len(key) > MAX_KEY_LENGTH:
        raise DomainError(
            _("The Idempotency-Key header is longer than %(max)d characters.")
            % {"max": MAX_KEY_LENGTH}
        )
    request_hash = _hash(operation, payload)
    previous = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if previous is not None:
        return _replay(previous, operation, request_hash)
    try:
        with transaction.atomic():
            status, body = perform()
            IdempotencyRecord.objects.create(
                user=user,
                key=key,
                operation=operation,
                request_hash=request_hash,
                status_code=status,
                response=json.loads(json.dumps(body, default=str)),
            )
    except IntegrityError:
        # A concurrent request with the same key won; its work stands, ours was rolled back.
        previous = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if previous is None:
            raise
        return _replay(previous, operation, request_hash)
    return status, body, False


def _replay(previous: IdempotencyRecord, operation: str, request_hash: str):
    if previous.operation != operation or previous.request_hash != request_hash:
        raise Conflict(
            _(
                "This Idempotency-Key was already used for another request. "
                "Use a new key for a new request."
            ),
            code="idempotency_key_reused",
        )
    return previous.status_code, previous.response, True
