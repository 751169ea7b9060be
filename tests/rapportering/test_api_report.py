"""The ``report_summary`` API operation: key figures of a period, with the "< 5" rule."""

from __future__ import annotations

import pytest

from tests.api_client import bearer
from tests.rapportering.factories import march_world

pytestmark = pytest.mark.django_db

URL = "/api/v1/rapportering/summary"
MARCH = {"from_day": "2026-03-01", "to_day": "2026-03-31"}


@pytest.fixture
def world():
    return march_world()


def figures_of(answer) -> dict[str, dict]:
    return {figure["key"]: figure for figure in answer.json()["key_figures"]}


def test_a_coordinator_gets_the_key_figures_of_the_period(client, world):
    answer = client.get(URL, MARCH, **bearer(world.user))
    assert answer.status_code == 200
    body = answer.json()
    assert (body["from_day"], body["to_day"]) == ("2026-03-01", "2026-03-31")
    found = figures_of(answer)
    assert found["households_reached"] == {
        "key": "households_reached",
        "label": "Bereikte gezinnen",
        "value": 12,
        "display": "12",
        "masked": False,
        "unit": "",
    }
    assert found["estimated_value"]["value"] == 167
    assert found["estimated_value"]["unit"] == "EUR"
    assert found["volunteer_hours"]["value"] == 6.5
    assert found["donated_value"]["value"] == 42.5


def test_a_figure_about_fewer_than_five_households_has_no_value(client, world):
    found = figures_of(client.get(URL, MARCH, **bearer(world.user)))
    for key in ("loans_started", "points_earned"):
        assert found[key]["value"] is None
        assert found[key]["display"] == "< 5"
        assert found[key]["masked"] is True


def test_filters_narrow_the_figures(client, world):
    query = {**MARCH, "municipality_id": world.municipalities["Melle"].pk}
    found = figures_of(client.get(URL, query, **bearer(world.user)))
    assert found["households_reached"]["value"] == 5
    query = {**MARCH, "program_id": world.programs["Pamperbank"].pk}
    assert (
        figures_of(client.get(URL, query, **bearer(world.user)))["households_reached"]["value"]
        == 11
    )
    query = {**MARCH, "location_id": world.points["Melle"].pk}
    assert (
        figures_of(client.get(URL, query, **bearer(world.user)))["units_distributed"]["value"]
        == 401
    )


def test_one_day_given_takes_the_rest_of_its_month(client, world):
    body = client.get(URL, {"from_day": "2026-03-10"}, **bearer(world.user)).json()
    assert (body["from_day"], body["to_day"]) == ("2026-03-10", "2026-03-31")


def test_a_period_ending_before_it_starts_is_refused_in_dutch(client, world):
    answer = client.get(
        URL, {"from_day": "2026-03-31", "to_day": "2026-03-01"}, **bearer(world.user)
    )
    # 400: the schema cannot say "to after from" (the API's convention, see the fuzz test).
    assert answer.status_code == 400
    assert answer.json()["detail"] == (
        "De laatste dag (01/03/2026) valt vóór de eerste dag (31/03/2026)."
    )
    assert answer.json()["field"] == "to_day"


def test_a_period_longer_than_ten_years_is_refused(client, world):
    answer = client.get(
        URL, {"from_day": "2001-01-01", "to_day": "2026-03-01"}, **bearer(world.user)
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "period_too_long"


def test_an_unreadable_date_or_an_id_out_of_range_does_not_match_the_schema(client, world):
    headers = bearer(world.user)
    assert client.get(URL, {"from_day": "2026-13-01"}, **headers).status_code == 422
    assert client.get(URL, {"program_id": 2**31}, **headers).status_code == 422
    assert client.get(URL, {"location_id": 0}, **headers).status_code == 422


def test_an_unknown_program_is_a_404_naming_it(client, world):
    answer = client.get(URL, {**MARCH, "program_id": 999999}, **bearer(world.user))
    assert answer.status_code == 404
    assert "999999" in answer.json()["detail"]


def test_a_volunteer_is_refused_and_without_a_token_nobody_is_let_in(client, volunteer):
    assert client.get(URL, **bearer(volunteer)).status_code == 403
    assert client.get(URL).status_code == 401


def test_the_schema_declares_every_answer(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"][URL]["get"]
    assert operation["operationId"] == "report_summary"
    assert set(operation["responses"]) == {"200", "400", "401", "403", "404", "422"}
