"""The program graph is cached per process and checked against a stamp that the database
changes with every program change: a change made by another app process (simulated with
plain SQL, which no Python code of this process sees) is seen on the next read."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.toegang.factories import ProgramFactory
from toegang import selectors
from toegang.models import Program, ProgramGraphVersion


@pytest.fixture
def pamperbank(db):
    return ProgramFactory(name="Pamperbank")


@pytest.fixture
def babytheek(db):
    return ProgramFactory(name="Babytheek")


def stamp() -> str:
    return ProgramGraphVersion.objects.get(pk=1).stamp


def test_an_unchanged_graph_costs_one_tiny_query(pamperbank, babytheek):
    selectors.program_graph()
    with CaptureQueriesContext(connection) as queries:
        assert selectors.programs_opening(babytheek) == {babytheek.pk}
        assert [p.name for p in selectors.active_programs()] == ["Babytheek", "Pamperbank"]
    assert len(queries) == 2  # the stamp, once per call
    assert all("stamp" in query["sql"] for query in queries.captured_queries)


@pytest.mark.parametrize(
    "change",
    [
        lambda p, b: p.grants.add(b),
        lambda p, b: Program.objects.filter(pk=b.pk).update(is_active=False),
        lambda p, b: ProgramFactory(name="Fietsbib"),
        lambda p, b: Program.objects.filter(pk=b.pk).delete(),
    ],
    ids=["grant", "deactivate", "create", "delete"],
)
def test_every_kind_of_program_change_changes_the_stamp(pamperbank, babytheek, change):
    before = stamp()
    change(pamperbank, babytheek)
    assert stamp() != before


def test_a_grant_added_by_another_process_is_seen(pamperbank, babytheek):
    assert selectors.programs_opening(babytheek) == {babytheek.pk}  # cached now
    table = Program.grants.through._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (from_program_id, to_program_id) VALUES (%s, %s)",
            [pamperbank.pk, babytheek.pk],
        )
    assert selectors.programs_opening(babytheek) == {babytheek.pk, pamperbank.pk}


def test_a_program_switched_off_by_another_process_leaves_the_counter(pamperbank, babytheek):
    assert len(selectors.active_programs()) == 2
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Program._meta.db_table} SET is_active = %s WHERE id = %s",
            [False, babytheek.pk],
        )
    assert [p.name for p in selectors.active_programs()] == ["Pamperbank"]


def test_the_cache_is_rebuilt_when_only_the_stamp_changed(pamperbank):
    selectors.program_graph()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {ProgramGraphVersion._meta.db_table} SET stamp = 'elsewhere'")
    with CaptureQueriesContext(connection) as queries:
        graph = selectors.program_graph()
    assert graph.stamp == "elsewhere" and len(queries) > 1  # read the programs again


def test_a_rolled_back_change_does_not_stay_in_the_cache(pamperbank, babytheek):
    with pytest.raises(RuntimeError), transaction.atomic():
        pamperbank.grants.add(babytheek)
        assert selectors.programs_opening(babytheek) == {babytheek.pk, pamperbank.pk}
        raise RuntimeError("roll back")
    assert selectors.programs_opening(babytheek) == {babytheek.pk}


def test_programs_from_the_cache_are_copies(pamperbank):
    [program] = selectors.active_programs()
    program.name = "Changed here only"
    assert [p.name for p in selectors.active_programs()] == ["Pamperbank"]
