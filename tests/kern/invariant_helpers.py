"""Planting violations that the database itself would refuse: the invariant checks must
catch them in a database restored from a bad dump, so the tests take the constraint away
first (inside the test's transaction, so it comes back afterwards)."""

from __future__ import annotations

from django.db import connection


def drop_index(name: str) -> None:
    """Drop a partial unique constraint: Django makes those unique indexes on both engines."""
    with connection.cursor() as cursor:
        cursor.execute(f'DROP INDEX "{name}"')


def ignore_check_constraints(table: str, name: str) -> None:
    """Let rows through a CHECK constraint: SQLite cannot drop one, PostgreSQL can."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA ignore_check_constraints = ON")
    else:
        with connection.cursor() as cursor:
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')


def restore_check_constraints() -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA ignore_check_constraints = OFF")


def drop_unique_column(table: str, column: str) -> None:
    """Take the UNIQUE off one column (a one-to-one link). SQLite keeps it in the table
    definition, so there the table is made again without it (it is empty when called)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
        names = [
            name
            for name, info in constraints.items()
            if info["unique"] and info["columns"] == [column] and not info["primary_key"]
        ]
        if connection.vendor == "postgresql":
            for name in names:
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            return
        columns = [
            (info.name, info.type_code)
            for info in connection.introspection.get_table_description(cursor, table)
        ]
        cursor.execute(f'DROP TABLE "{table}"')
        definition = ", ".join(
            f'"{name}" integer PRIMARY KEY AUTOINCREMENT' if name == "id" else f'"{name}" {kind}'
            for name, kind in columns
        )
        cursor.execute(f'CREATE TABLE "{table}" ({definition})')
