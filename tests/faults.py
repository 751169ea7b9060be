"""Fault injection for the tests: make the database raise on a chosen statement.

``fail_on("voorraad_stockmovement", nth=3)`` raises ``OperationalError`` when the third
``INSERT INTO "voorraad_stockmovement"`` of this thread's connection is about to run (the
same SQL text on SQLite and PostgreSQL), as a lost connection or a full disk would in the
middle of a transaction. The statement is not sent, so the transaction is left to the
code under test to roll back, exactly as after a real failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import OperationalError, connection


@dataclass
class Fault:
    table: str
    statement: str
    nth: int
    seen: int = 0
    raised: int = 0


@contextmanager
def fail_on(
    table: str,
    *,
    nth: int = 1,
    statement: str = "INSERT",
    times: int = 1,
    error: type[Exception] = OperationalError,
) -> Iterator[Fault]:
    """Raise ``error`` on the ``nth`` (and the next ``times - 1``) matching statements."""
    fault = Fault(table=table, statement=statement.upper(), nth=nth)
    quoted = f'"{table}"'

    def wrapper(execute, sql, params, many, context):
        text = sql.lstrip().upper()
        if text.startswith(fault.statement) and quoted.upper() in text.split(" WHERE ")[0]:
            fault.seen += 1
            if fault.seen >= fault.nth and fault.raised < times:
                fault.raised += 1
                raise error(f"injected fault: {fault.statement} {table} #{fault.seen}")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield fault
