"""Queries on the hot API paths, compiled to SQL once and run again with new parameters.

Profiling the API under gunicorn showed that building and compiling an ORM query
(``filter``, ``select_related``, ``as_sql``, ordering) cost 1-3 ms of Python per query,
while the SQL itself ran in well under 0.1 ms. A ``PreparedQuery`` keeps the ORM as the
one description of the query, but compiles it once per database connection and shape:

    ITEM = PreparedQuery(lambda pk: Item.objects.filter(pk=pk).values_list("name", ...))
    rows = ITEM.rows(pk=42)

``build`` is called once with a marker value for every parameter; the markers are found
among the compiled SQL's parameters and replaced by the real values on every run. A
parameter that is None or a bool is part of the query's *shape* (``build`` gets the real
value, and each shape is compiled on its own), so ``build`` may add a filter only when a
value is given. Rows come back as tuples after Django's own converters (what
``values_list`` would return). A marker the compiled SQL does not contain exactly as given
(a value the ORM rewrote) is refused at compile time rather than silently left constant.

Limits: parameters are ints, strings or aware datetimes; no slicing in ``build`` (pass
``limit``/``offset`` to ``rows``, appended as SQL parameters).
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.sql.compiler import SQLCompiler

M = TypeVar("M", bound=Model)
Param = int | str | dt.datetime | bool | None

# Far from any id, count or constant a query holds, and distinct per parameter.
_INT_MARKER = 7_346_120_000_000
_TIME_MARKER = dt.datetime(1901, 2, 3, 4, 5, 6, tzinfo=dt.UTC)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    #: For each SQL parameter: the name of the call parameter it takes, or "" (constant).
    slots: tuple[str, ...]
    compiler: SQLCompiler
    converters: dict[int, Any]


class PreparedQuery:
    def __init__(self, build: Callable[..., QuerySet[Any]]):
        self.build = build
        self._compiled: dict[tuple[Any, ...], _Compiled] = {}
        self._lock = threading.Lock()

    def rows(
        self,
        *,
        using: str = DEFAULT_DB_ALIAS,
        limit: int | None = None,
        offset: int = 0,
        **params: Param,
    ) -> list[tuple[Any, ...]]:
        connection = connections[using]
        # Per thread: a compiler holds the connection (and its operations) it was built on.
        shape = tuple(
            (name, value if value is None or isinstance(value, bool) else "")
            for name, value in sorted(params.items())
        )
        key = (using, threading.get_ident(), shape)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compile(using, params)
            with self._lock:
                if len(self._compiled) > 512:  # threads come and go (runserver, tests)
                    self._compiled.clear()
                self._compiled[key] = compiled
        adapted = {name: _adapt(connection, value) for name, value in params.items()}
        args = [
            adapted[slot] if slot else constant
            for slot, constant in zip(compiled.slots, compiled.params, strict=True)
        ]
        sql = compiled.sql
        if limit is not None:
            sql += " LIMIT %s OFFSET %s"
            args += [limit, offset]
        with connection.cursor() as cursor:
            cursor.execute(sql, args)
            fetched: Sequence[Any] = cursor.fetchall()
        if compiled.converters:
            fetched = list(compiled.compiler.apply_converters(fetched, compiled.converters))
        return [tuple(row) for row in fetched]

    def _compile(self, using: str, params: dict[str, Param]) -> _Compiled:
        connection = connections[using]
        markers: dict[str, Param] = {}
        counter = itertools.count()
        for name, value in params.items():
            if value is None or isinstance(value, bool):
                markers[name] = value
            elif isinstance(value, int):
                markers[name] = _INT_MARKER + next(counter)
            elif isinstance(value, str):
                markers[name] = f"\x00prepared-{name}-{next(counter)}\x00"
            elif isinstance(value, dt.datetime):
                markers[name] = _TIME_MARKER + dt.timedelta(seconds=next(counter))
            else:
                raise TypeError(f"PreparedQuery: unsupported parameter {name}={value!r}")
        queryset = self.build(**markers)
        compiler = queryset.query.get_compiler(using=using)
        sql, compiled_params = compiler.as_sql()
        wanted = {
            _adapt(connection, marker): name
            for name, marker in markers.items()
            if marker is not None and not isinstance(marker, bool)
        }
        slots = tuple(wanted.get(_hashable(p), "") for p in compiled_params)
        missing = set(wanted.values()) - set(slots)
        if missing:
            raise ValueError(f"PreparedQuery: parameters {sorted(missing)} not in the SQL")
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        return _Compiled(
            sql=sql,
            params=tuple(compiled_params),
            slots=slots,
            compiler=compiler,
            converters=compiler.get_converters(fields),
        )


def _adapt(connection: Any, value: Param) -> Any:
    """The value as the ORM hands it to the driver (datetimes: the backend's form)."""
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        return None
    # bool is an int: True must never match a marker.
    return None if isinstance(value, bool) else value


class PreparedGet(Generic[M]):
    """``Model.objects.filter(pk=pk).first()``, compiled once: the model instance (all
    concrete fields, no related objects) or None."""

    def __init__(self, model: type[M]):
        self.model = model
        self.attnames = tuple(f.attname for f in model._meta.concrete_fields)
        self._query = PreparedQuery(
            lambda pk: model._default_manager.filter(pk=pk).order_by().values_list(*self.attnames)
        )

    def get(self, pk: int, *, using: str = DEFAULT_DB_ALIAS) -> M | None:
        rows = self._query.rows(pk=pk, using=using)
        if not rows:
            return None
        return self.model.from_db(using, list(self.attnames), rows[0])


class PreparedInsert(Generic[M]):
    """``obj.save()`` for a new row of ``model``, with the INSERT written once per database
    vendor: each field's own ``pre_save`` and ``get_db_prep_save`` give the values (defaults,
    ``auto_now_add``, foreign keys, JSON), the id comes back through ``RETURNING``. For
    ledger rows written on every request; no ``pre_save``/``post_save`` signal is sent, so
    only models without receivers use it."""

    def __init__(self, model: type[M]):
        self.model = model
        pk = model._meta.pk
        self.fields = tuple(f for f in model._meta.concrete_fields if f is not pk)
        self._sql: dict[str, str] = {}

    def _statement(self, connection: Any) -> str:
        sql = self._sql.get(connection.vendor)
        if sql is None:
            quote = connection.ops.quote_name
            columns = ", ".join(quote(f.column) for f in self.fields)
            marks = ", ".join(["%s"] * len(self.fields))
            pk_column = quote(self.model._meta.pk.column)
            sql = (
                f"INSERT INTO {quote(self.model._meta.db_table)} ({columns}) "
                f"VALUES ({marks}) RETURNING {pk_column}"
            )
            self._sql[connection.vendor] = sql
        return sql

    def insert(self, obj: M, *, using: str = DEFAULT_DB_ALIAS) -> M:
        assert obj.pk is None and type(obj) is self.model, "a new row of this model"
        connection = connections[using]
        params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in self.fields]
        with connection.cursor() as cursor:
            cursor.execute(self._statement(connection), params)
            row = cursor.fetchone()
        obj.pk = row[0]
        obj._state.adding = False
        obj._state.db = using
        return obj
