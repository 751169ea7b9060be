"""The figures of a report, section by section: each section module computes its key
figures and tables with a few aggregate queries; this module puts them in order.

Sections (the ``section`` of each table): "reach", "goods", "loans", "programs",
"intake", "volunteers"."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection, transaction

from rapportering.selectors import goods, intake, loans, people, programs, reach
from rapportering.selectors.filters import ReportFilter
from rapportering.selectors.report import KeyFigure, Report, Table

SECTIONS = ("reach", "goods", "loans", "programs", "intake", "volunteers")

Section = Callable[..., tuple[list[KeyFigure], list[Table]]]


def _reach(filters: ReportFilter, *, tables: bool = True) -> tuple[list[KeyFigure], list[Table]]:
    key_figures, found, _found = reach.section(filters, tables=tables)
    return key_figures, found


PARTS: dict[str, Section] = {
    "reach": _reach,
    "goods": goods.section,
    "loans": loans.section,
    "programs": programs.section,
    "intake": intake.section,
    "volunteers": people.section,
}


@contextmanager
def report_queries() -> Iterator[None]:
    """On PostgreSQL, one transaction for the report's reads without JIT compilation: a
    report is a few dozen aggregates over large tables whose cost estimates pass
    ``jit_above_cost``, and compiling each one took longer (about 0.2 s) than running
    it (measured on 200,000 distributions: a monthly report 1.0 s with JIT, 0.4 s
    without)."""
    if connection.vendor != "postgresql":
        # Not on SQLite: its transactions begin IMMEDIATE (a write lock), and a report
        # must not hold up the counter.
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


def build(
    *, filters: ReportFilter, sections: tuple[str, ...] = (), key_figures_only: bool = False
) -> Report:
    """The report of ``filters``: every section, or those named in ``sections``;
    ``key_figures_only`` leaves the tables out (the API's summary)."""
    wanted = [name for name in SECTIONS if not sections or name in sections]
    report = Report(filters=filters)
    with report_queries():
        for name in wanted:
            key_figures, tables = PARTS[name](filters, tables=not key_figures_only)
            report.key_figures.extend(key_figures)
            report.tables.extend(tables)
    return report
