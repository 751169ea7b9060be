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

The claim is one ``INSERT … ON CONFLICT DO NOTHING RETURNING`` and the answer one
``UPDATE`` by primary key, both written out here rather than built by the ORM: they run
on every keyed API write, where building the ORM statements and the savepoint an
``IntegrityError`` needs cost more than the rest of a one-line stock issue's SQL
(``docs/performance.md``). PostgreSQL waits on a conflicting insert of a transaction
still running exactly as it does for a plain insert, so the behaviour is the same.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
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
        record_id = _claim(user=user, key=key, operation=operation, request_hash=request_hash)
        if record_id is None:
            # Claimed by a request that has committed since (its insert made ours wait).
            previous = IdempotencyRecord.objects.filter(user=user, key=key).first()
            if previous is None:
                raise IntegrityError(f"Idempotency-Key {key!r} neither claimed nor stored")
            return _replay(previous, operation, request_hash)
        status, body = perform()
        _store(record_id, status, json.loads(json.dumps(body, default=str)))
    return status, body, False


def _field(name: str) -> Any:
    return IdempotencyRecord._meta.get_field(name)


def _claim(*, user: User, key: str, operation: str, request_hash: str) -> int | None:
    """Insert the claim; its id, or None when (user, key) is taken already."""
    connection = transaction.get_connection()
    quote, table = connection.ops.quote_name, IdempotencyRecord._meta.db_table
    columns = ("user_id", "key", "operation", "request_hash", "status_code", "response")
    sql = (
        f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}, "
        f"{quote('created_at')}) VALUES ({', '.join(['%s'] * (len(columns) + 1))}) "
        f"ON CONFLICT ({quote('user_id')}, {quote('key')}) DO NOTHING RETURNING {quote('id')}"
    )
    params = [
        user.pk,
        key,
        operation,
        request_hash,
        _CLAIMED,
        _field("response").get_db_prep_save({}, connection),
        _field("created_at").get_db_prep_save(timezone.now(), connection),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def _store(record_id: int, status: int, body: Any) -> None:
    connection = transaction.get_connection()
    quote, table = connection.ops.quote_name, IdempotencyRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(table)} SET {quote('status_code')} = %s, {quote('response')} = %s "
            f"WHERE {quote('id')} = %s",
            [status, _field("response").get_db_prep_save(body, connection), record_id],
        )


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
