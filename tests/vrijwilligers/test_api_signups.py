"""The shift operations of the API, thinly: every rule is tested on the services."""

from __future__ import annotations

import pytest

from tests.api_client import bearer, post
from tests.vrijwilligers.factories import ShiftFactory, SignupFactory, VolunteerFactory
from vrijwilligers.models import Signup

pytestmark = pytest.mark.django_db

BASE = "/api/v1/vrijwilligers"


@pytest.fixture
def shift(point):
    return ShiftFactory(location=point, max_volunteers=1)


def test_list_shifts_shows_my_locations_with_counts_and_my_place(client, point, other_point, shift):
    ShiftFactory(location=other_point)
    sara = VolunteerFactory(locations=[point])
    SignupFactory(shift=shift)
    waiting = SignupFactory(shift=shift, volunteer=sara, status="waitlisted")
    answer = client.get(f"{BASE}/shifts", **bearer(sara.user))
    assert answer.status_code == 200, answer.content
    [row] = answer.json()
    assert (row["id"], row["confirmed"], row["waiting"]) == (shift.pk, 1, 1)
    assert (row["my_signup_id"], row["my_status"], row["my_waitlist_position"]) == (
        waiting.pk,
        "waitlisted",
        1,
    )


def test_sign_up_lands_on_the_waitlist_and_a_retry_with_the_key_is_replayed(client, point, shift):
    SignupFactory(shift=shift)
    sara = VolunteerFactory(locations=[point])
    headers = {**bearer(sara.user), "HTTP_IDEMPOTENCY_KEY": "inschrijving-1"}
    first = post(client, f"{BASE}/shifts/{shift.pk}/signups", None, headers)
    assert first.status_code == 201, first.content
    assert first.json()["status"] == "waitlisted"
    assert first.json()["waitlist_position"] == 1
    assert "wachtlijst" in first.json()["message"]
    again = post(client, f"{BASE}/shifts/{shift.pk}/signups", None, headers)
    assert again.status_code == 201 and again["Idempotent-Replay"] == "true"
    assert again.json() == first.json()
    assert Signup.objects.filter(volunteer=sara).count() == 1


def test_a_shift_at_a_location_not_yours_is_a_403_with_a_code(client, point, other_point):
    sara = VolunteerFactory(locations=[point])
    elsewhere = ShiftFactory(location=other_point)
    answer = post(client, f"{BASE}/shifts/{elsewhere.pk}/signups", None, bearer(sara.user))
    assert answer.status_code == 403
    assert answer.json()["code"] == "not_your_location"


def test_cancel_promotes_and_someone_elses_signup_is_404(client, point, shift):
    sara, tom = VolunteerFactory(locations=[point]), VolunteerFactory(locations=[point])
    mine = SignupFactory(shift=shift, volunteer=sara)
    waiting = SignupFactory(shift=shift, volunteer=tom, status="waitlisted")
    refused = post(client, f"{BASE}/signups/{mine.pk}/cancel", {}, bearer(tom.user))
    assert refused.status_code == 404  # as a missing one: ids reveal nothing
    answer = post(client, f"{BASE}/signups/{mine.pk}/cancel", {}, bearer(sara.user))
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "cancelled"
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"


def test_unknown_shift_is_404(client, point):
    sara = VolunteerFactory(locations=[point])
    answer = post(client, f"{BASE}/shifts/999999/signups", None, bearer(sara.user))
    assert answer.status_code == 404


def test_a_social_worker_cannot_list_shifts(client, social_worker):
    assert client.get(f"{BASE}/shifts", **bearer(social_worker)).status_code == 403
