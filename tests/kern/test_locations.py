import datetime as dt

import pytest

from kern import services
from kern.errors import DomainError, NotAllowed
from kern.models import AuditEntry, Location, OpeningHours
from kern.services import HoursLine
from tests.factories import MunicipalityFactory

T = dt.time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9:00-12:00", [(T(9), T(12))]),
        ("9u-12u, 13u30-16u", [(T(9), T(12)), (T(13, 30), T(16))]),
        ("9.00–12.30", [(T(9), T(12, 30))]),
        ("", []),
        (" , ", []),
    ],
)
def test_parse_hours_reads_the_ways_people_write_times(text, expected):
    lines = services.parse_hours(text, weekday=2)
    assert [(line.opens, line.closes) for line in lines] == expected
    assert all(line.weekday == 2 for line in lines)


@pytest.mark.parametrize("text", ["9:00", "9:00-12:00-13:00", "negen-twaalf", "25:00-26:00"])
def test_parse_hours_rejects_what_is_no_time_range(text):
    with pytest.raises(DomainError):
        services.parse_hours(text, weekday=0)


def test_set_opening_hours_replaces_the_week_and_is_logged(coordinator, point):
    services.set_opening_hours(
        actor=coordinator,
        location=point,
        hours=[HoursLine(1, T(9), T(12)), HoursLine(3, T(14), T(17))],
    )
    services.set_opening_hours(actor=coordinator, location=point, hours=[HoursLine(4, T(9), T(11))])
    assert [(h.weekday, h.opens) for h in point.opening_hours.all()] == [(4, T(9))]
    assert AuditEntry.objects.filter(object_type="kern.location", action="update").count() == 2


def test_set_opening_hours_refuses_closing_before_opening_and_keeps_old_hours(coordinator, point):
    OpeningHours.objects.create(location=point, weekday=0, opens=T(9), closes=T(12))
    with pytest.raises(DomainError, match="Uitdeelpunt Centrum"):
        services.set_opening_hours(
            actor=coordinator, location=point, hours=[HoursLine(1, T(12), T(9))]
        )
    assert point.opening_hours.count() == 1


def test_set_opening_hours_refuses_overlapping_ranges(coordinator, point):
    with pytest.raises(DomainError, match="overlappen"):
        services.set_opening_hours(
            actor=coordinator,
            location=point,
            hours=[HoursLine(1, T(9), T(12)), HoursLine(1, T(11), T(14))],
        )
    assert point.opening_hours.count() == 0


def test_volunteer_may_not_change_a_location(volunteer, point):
    with pytest.raises(NotAllowed):
        services.set_opening_hours(actor=volunteer, location=point, hours=[])
    point.name = "Iets anders"
    with pytest.raises(NotAllowed):
        services.save_location(actor=volunteer, location=point)
    assert Location.objects.get(pk=point.pk).name == "Uitdeelpunt Centrum"


def test_save_location_creates_with_hours(coordinator):
    location = Location(
        name="Uitdeelpunt Noord",
        kind=Location.Kind.DISTRIBUTION_POINT,
        municipality=MunicipalityFactory(),
    )
    saved = services.save_location(
        actor=coordinator, location=location, hours=[HoursLine(0, T(9), T(12))]
    )
    assert saved.pk and saved.opening_hours.count() == 1
    assert AuditEntry.objects.filter(action="create", object_id=str(saved.pk)).exists()


def test_location_code_decodes_to_the_location(point):
    assert services.location_by_code(code=point.code) == point


def test_location_edit_form_shows_error_and_keeps_what_was_typed(login, coordinator, point):
    client = login(coordinator)
    response = client.post(
        f"/locaties/{point.pk}/wijzigen/",
        {
            "name": "Nieuwe naam",
            "kind": point.kind,
            "municipality": point.municipality_id,
            "street": "Kerkstraat 1",
            "hours_1": "9:00-12:00, 11:00-13:00",
        },
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "overlappen" in content
    assert "Nieuwe naam" in content and "11:00-13:00" in content
    assert Location.objects.get(pk=point.pk).name == "Uitdeelpunt Centrum"


def test_location_edit_form_saves(login, coordinator, point):
    client = login(coordinator)
    response = client.post(
        f"/locaties/{point.pk}/wijzigen/",
        {
            "name": "Uitdeelpunt Zuid",
            "kind": point.kind,
            "municipality": point.municipality_id,
            "is_active": "on",
            "hours_2": "13u-16u",
        },
    )
    assert response.status_code == 302
    point.refresh_from_db()
    assert point.name == "Uitdeelpunt Zuid"
    assert [(h.weekday, h.opens, h.closes) for h in point.opening_hours.all()] == [
        (2, T(13), T(16))
    ]
