"""The programs and the rights they open for each other (“rechten automatisch
toekennen”), cached per process.

Every counter scan reads the programs; they change a few times a year. The cache is
checked on every use against the stamp in ``ProgramGraphVersion`` (one tiny query),
which database triggers change in the same transaction as any program change, so a
change made through one app process is seen by all the others on their next read."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection

from toegang.models import Program, ProgramGraphVersion


@dataclass(frozen=True)
class ProgramGraph:
    stamp: str | None
    programs: dict[int, Program]  # every program, by id; shared: never change one
    opened_by: dict[int, frozenset[int]]  # program -> programs whose right opens it

    def opening(self, program_id: int) -> frozenset[int]:
        return self.opened_by.get(program_id, frozenset({program_id}))


_cached: ProgramGraph | None = None


def _current_stamp() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT stamp FROM {ProgramGraphVersion._meta.db_table} WHERE id = 1")
        row = cursor.fetchone()
    return str(row[0]) if row else None


def _closure(program_id: int, parents: dict[int, set[int]]) -> frozenset[int]:
    opened_by = {program_id}
    frontier = [program_id]
    while frontier:
        found = set().union(*(parents.get(pk, set()) for pk in frontier))
        frontier = list(found - opened_by)
        opened_by |= found
    return frozenset(opened_by)


def _load(stamp: str | None) -> ProgramGraph:
    programs = {program.pk: program for program in Program.objects.order_by("name")}
    parents: dict[int, set[int]] = {}
    for source, target in Program.grants.through.objects.values_list(
        "from_program_id", "to_program_id"
    ):
        parents.setdefault(target, set()).add(source)
    return ProgramGraph(
        stamp=stamp,
        programs=programs,
        opened_by={pk: _closure(pk, parents) for pk in programs},
    )


def program_graph() -> ProgramGraph:
    """The programs and their graph as committed (or as changed in this transaction).

    The stamp is read before the rows: a change committed in between makes the cache
    newer than its stamp, which only costs one more rebuild, never a stale answer. Without
    a stamp row (a flushed test database) nothing is cached."""
    global _cached
    stamp = _current_stamp()
    cached = _cached
    if stamp is not None and cached is not None and cached.stamp == stamp:
        return cached
    graph = _load(stamp)
    if stamp is not None:
        _cached = graph
    return graph


def programs_opening(program: Program) -> set[int]:
    """Ids of the programs whose right also opens ``program`` (itself included),
    following “rechten automatisch toekennen” transitively."""
    return set(program_graph().opening(program.pk))


def active_programs(
    ids: Iterable[int] | None = None, *, graph: ProgramGraph | None = None
) -> list[Program]:
    """The active programs by name (only those in ``ids`` when given), as copies the
    caller may change. ``graph``: the one the caller read already (one stamp query less)."""
    wanted = None if ids is None else set(ids)
    graph = graph or program_graph()
    return [
        copy.copy(program)
        for program in graph.programs.values()
        if program.is_active and (wanted is None or program.pk in wanted)
    ]
