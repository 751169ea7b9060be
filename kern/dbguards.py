"""Append-only tables: an abstract model whose rows the ORM refuses to change or delete,
and a migration operation that makes the database refuse an UPDATE too:
``operations = [refuse_updates("voorraad_stockmovement")]``.

The database refuses every UPDATE, whatever the client. DELETE is refused by the app (the
queryset, the manager and the model), not by the database, so test databases can still be
flushed.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

_M = TypeVar("_M", bound=models.Model)


def _refusal(model: type[models.Model], verb: str) -> TypeError:
    table = getattr(model, "append_only_table", "table")
    rows = getattr(model, "append_only_rows", "rows")
    return TypeError(f"The {table} is append-only: {rows} cannot be {verb}.")


class AppendOnlyQuerySet(models.QuerySet[_M]):
    """Refuses bulk UPDATE and DELETE: a mistake is corrected by a new row."""

    def update(self, **kwargs: Any) -> int:
        raise _refusal(self.model, "changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise _refusal(self.model, "deleted")


class AppendOnlyModel(models.Model):
    """A row is written once and then only read. Subclasses name the table and its rows
    for the message: “The stock ledger is append-only: movements cannot be changed.”"""

    append_only_table: ClassVar[str] = "table"
    append_only_rows: ClassVar[str] = "rows"

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise _refusal(type(self), "changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise _refusal(type(self), "deleted")


def refuse_updates(table: str) -> migrations.RunPython:
    trigger = f"{table}_no_update"
    function = f"{table}_refuse_update"

    def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        vendor = schema_editor.connection.vendor
        if vendor == "sqlite":
            schema_editor.execute(
                f"CREATE TRIGGER {trigger} BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;"
            )
        elif vendor == "postgresql":
            schema_editor.execute(
                f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$ "
                f"BEGIN RAISE EXCEPTION '{table} is append-only'; END; $$ LANGUAGE plpgsql;"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {trigger} BEFORE UPDATE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {function}();"
            )

    def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        vendor = schema_editor.connection.vendor
        if vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger};")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table};")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {function}();")

    return migrations.RunPython(forwards, backwards)
