"""kern.prepared.PreparedQuery answers what the same ORM query answers, for every value
it is run with, and refuses a parameter the compiled SQL does not carry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kern.models import IdempotencyRecord, Location, User
from kern.prepared import PreparedGet, PreparedInsert, PreparedQuery
from tests.factories import LocationFactory, UserFactory


def _locations(municipality_id, name, active):
    queryset = Location.objects.filter(municipality_id=municipality_id)
    if name is not None:
        queryset = queryset.filter(name=name)
    if active is not None:
        queryset = queryset.filter(is_active=active)
    return queryset.order_by("name").values_list("id", "name", "municipality__name", "is_active")


LOCATIONS = PreparedQuery(_locations)


@pytest.mark.django_db
def test_rows_match_the_orm_for_every_value_and_shape():
    first = LocationFactory(name="Aa")
    LocationFactory(name="Bb", municipality=first.municipality, is_active=False)
    other = LocationFactory(name="Cc")
    for municipality in (first.municipality_id, other.municipality_id, 0):
        for name in (None, "Aa", "Bb", "nothing"):
            for active in (None, True, False):
                expected = list(_locations(municipality, name, active))
                got = LOCATIONS.rows(municipality_id=municipality, name=name, active=active)
                assert got == expected, (municipality, name, active)


@pytest.mark.django_db
def test_limit_and_offset_page_like_slicing():
    first = LocationFactory(name="Aa")
    for name in ("Bb", "Cc", "Dd"):
        LocationFactory(name=name, municipality=first.municipality)
    expected = list(_locations(first.municipality_id, None, None))
    got = LOCATIONS.rows(
        municipality_id=first.municipality_id, name=None, active=None, limit=2, offset=1
    )
    assert got == expected[1:3]


@pytest.mark.django_db
def test_datetimes_are_parameters_and_values_are_converted():
    joined = PreparedQuery(
        lambda since: (
            User.objects.filter(date_joined__gte=since)
            .order_by("pk")
            .values_list("pk", "date_joined")
        )
    )
    now = timezone.now()
    old = UserFactory(date_joined=now - dt.timedelta(days=10))
    new = UserFactory(date_joined=now - dt.timedelta(days=1))
    assert [pk for pk, _ in joined.rows(since=now - dt.timedelta(days=5))] == [new.pk]
    rows = joined.rows(since=now - dt.timedelta(days=20))
    assert [pk for pk, _ in rows] == [old.pk, new.pk]
    assert rows[0][1] == User.objects.get(pk=old.pk).date_joined  # aware datetime back


@pytest.mark.django_db
def test_compiled_once_then_only_the_sql_runs():
    location = LocationFactory(name="Aa")
    query = PreparedQuery(lambda pk: Location.objects.filter(pk=pk).values_list("name"))
    assert query.rows(pk=location.pk) == [("Aa",)]
    with CaptureQueriesContext(connection) as queries:
        assert query.rows(pk=location.pk + 1000) == []
    assert len(queries) == 1


@pytest.mark.django_db
def test_a_parameter_the_orm_rewrote_is_refused():
    contains = PreparedQuery(lambda text: Location.objects.filter(name__icontains=text))
    with pytest.raises(ValueError, match="text"):
        contains.rows(text="centrum")


@pytest.mark.django_db
def test_prepared_get_gives_the_instance_the_orm_gives():
    location = LocationFactory(name="Aa", notes="achteringang")
    get = PreparedGet(Location)
    got = get.get(location.pk)
    expected = Location.objects.get(pk=location.pk)
    assert isinstance(got, Location)
    assert {f.attname: getattr(got, f.attname) for f in Location._meta.concrete_fields} == {
        f.attname: getattr(expected, f.attname) for f in Location._meta.concrete_fields
    }
    assert not got._state.adding  # saved like any loaded instance: an UPDATE
    assert get.get(location.pk + 1000) is None


@pytest.mark.django_db
def test_prepared_insert_writes_the_row_save_writes():
    user = UserFactory()
    moment = timezone.now().replace(microsecond=123456)
    values = dict(
        user=user,
        key="k",
        operation="adjust_stock",
        request_hash="h" * 64,
        status_code=201,
        response={"id": 7, "naam": "Luiers maat 4", "lijst": [1, None, True]},
        created_at=moment,
    )
    inserted = PreparedInsert(IdempotencyRecord).insert(IdempotencyRecord(**values))
    saved = IdempotencyRecord.objects.create(**{**values, "key": "k2"})
    assert inserted.pk is not None and not inserted._state.adding
    fields = [
        f.attname for f in IdempotencyRecord._meta.concrete_fields if f.name not in ("id", "key")
    ]
    got = IdempotencyRecord.objects.values(*fields).get(pk=inserted.pk)
    assert got == IdempotencyRecord.objects.values(*fields).get(pk=saved.pk)
    assert got["response"] == values["response"] and got["created_at"] == moment


@pytest.mark.django_db
def test_prepared_insert_fills_defaults_like_save():
    record = PreparedInsert(IdempotencyRecord).insert(
        IdempotencyRecord(
            user=UserFactory(), key="d", operation="x", request_hash="", status_code=0, response={}
        )
    )
    stored = IdempotencyRecord.objects.get(pk=record.pk)
    assert abs(stored.created_at - timezone.now()) < dt.timedelta(minutes=1)
