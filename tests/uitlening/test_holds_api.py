"""The waitlist API (reserve_item, cancel_reservation, list_reservations,
reservation_queue): inputs, answers, status codes and the Idempotency-Key; the rules
themselves are tested on the services (test_holds.py)."""

from __future__ import annotations

import pytest

from tests.api_client import bearer, post
from uitlening.models import Reservation
from uitlening.services import checkout_loan

pytestmark = pytest.mark.django_db

API = "/api/v1/uitlening"


def body(family, bike_type, point, size='16"'):
    return {
        "household_code": family.code,
        "item_type_id": bike_type.pk,
        "size": size,
        "location_id": point.pk,
    }


def test_reserve_item_holds_a_bike_on_the_shelf_and_a_retry_gets_the_first_answer(
    client, volunteer, point, family, bike_type, small_bike
):
    headers = {**bearer(volunteer), "HTTP_IDEMPOTENCY_KEY": "wacht-1"}

    first = post(client, f"{API}/reservations", body(family, bike_type, point), headers)
    again = post(client, f"{API}/reservations", body(family, bike_type, point), headers)

    assert first.status_code == 201, first.content
    answer = first.json()
    assert answer["status"] == "vastgehouden"
    assert answer["held_item_code"] == small_bike.code
    assert answer["held_until"]
    assert again.status_code == 201
    assert again["Idempotent-Replay"] == "true"
    assert again.json()["id"] == answer["id"]
    assert Reservation.objects.count() == 1


def test_reserve_item_refuses_a_type_on_loan_in_dutch(
    client, volunteer, point, family, bike_type, small_bike
):
    checkout_loan(
        actor=volunteer,
        location=point,
        household=family,
        item=small_bike,
        accessories=[],
        condition="goed",
        deposit_payment="cash",
    )
    response = post(
        client, f"{API}/reservations", body(family, bike_type, point), bearer(volunteer)
    )
    assert response.status_code == 409
    assert response.json()["code"] == "type_on_loan"
    assert "Kinderfiets" in response.json()["detail"]


def test_list_reservations_shows_the_place_and_cancel_takes_the_family_off(
    client, volunteer, point, family, other_family, bike_type
):
    headers = bearer(volunteer)
    post(client, f"{API}/reservations", body(other_family, bike_type, point), headers)
    made = post(client, f"{API}/reservations", body(family, bike_type, point), headers).json()

    listed = client.get(f"{API}/reservations", {"household_code": family.code}, **headers)
    assert listed.status_code == 200
    assert [(r["id"], r["place"]) for r in listed.json()] == [(made["id"], 2)]

    cancelled = post(
        client, f"{API}/reservations/{made['id']}/cancel", {"reason": "verhuisd"}, headers
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "geannuleerd"
    assert (
        client.get(f"{API}/reservations", {"household_code": family.code}, **headers).json() == []
    )


def test_the_queue_is_for_coordinators_only(
    client, volunteer, coordinator, point, family, bike_type
):
    post(client, f"{API}/reservations", body(family, bike_type, point), bearer(volunteer))

    refused = client.get(f"{API}/item-types/{bike_type.pk}/queue", **bearer(volunteer))
    shown = client.get(f"{API}/item-types/{bike_type.pk}/queue", **bearer(coordinator))

    assert refused.status_code == 403
    assert shown.status_code == 200
    assert [r["household_code"] for r in shown.json()] == [family.code]
    assert shown.json()[0]["place"] == 1


def test_an_unknown_item_type_or_reservation_is_a_404(client, volunteer, point, family):
    headers = bearer(volunteer)
    missing_type = post(
        client,
        f"{API}/reservations",
        {"household_code": family.code, "item_type_id": 999999, "location_id": point.pk},
        headers,
    )
    missing = post(client, f"{API}/reservations/999999/cancel", {}, headers)
    assert (missing_type.status_code, missing.status_code) == (404, 404)


def test_the_public_catalogue_as_json_needs_no_login_and_names_nobody(
    client, volunteer, point, family, bike_type, small_bike
):
    post(client, f"{API}/reservations", body(family, bike_type, point), bearer(volunteer))

    response = client.get(f"{API}/catalogue", {"location_id": point.pk})

    assert response.status_code == 200
    [entry] = response.json()
    [bikes] = entry["types"]
    assert bikes["name"] == "Kinderfiets"
    assert bikes["sizes"] == [{"size": '16"', "available": 0, "out": 1, "waiting": 0}]
    assert family.code not in response.content.decode()
