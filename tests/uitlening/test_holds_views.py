"""The waitlist screens: the counter panel's join and cancel (htmx answers with the
section again), the coordinators' queues (reorder with a reason, cancel)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from uitlening.models import Reservation
from uitlening.services import checkout_loan, reserve_item

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def lent_bike(volunteer, point, other_family, small_bike):
    return checkout_loan(
        actor=volunteer,
        location=point,
        household=other_family,
        item=small_bike,
        accessories=[],
        condition="goed",
        deposit_payment="cash",
    )


def test_the_counter_puts_the_family_on_a_waitlist_from_its_panel(
    login, volunteer, point, family, bike_type, lent_bike
):
    client = login(volunteer)
    url = reverse("uitlening:reservation_join", kwargs={"pk": point.pk})

    response = client.post(url, {"household": family.code, "wish": f'{bike_type.pk}|16"'}, **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert "data-panel-holds" in html
    assert "nummer 1" in html or "number 1" in html
    reservation = Reservation.objects.get()
    assert (reservation.household, reservation.size) == (family, '16"')
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_refusal_is_shown_in_the_section(
    login, volunteer, point, other_family, bike_type, lent_bike
):
    response = login(volunteer).post(
        reverse("uitlening:reservation_join", kwargs={"pk": point.pk}),
        {"household": other_family.code, "wish": f"{bike_type.pk}|"},
        **HTMX,
    )
    assert "data-holds-error" in response.content.decode()
    assert not Reservation.objects.exists()


def test_the_counter_cancels_a_reservation_from_the_panel(
    login, volunteer, point, family, bike_type, lent_bike
):
    reservation = reserve_item(
        actor=volunteer, household=family, item_type=bike_type, location=point
    )
    response = login(volunteer).post(
        reverse("uitlening:reservation_cancel", kwargs={"pk": reservation.pk}),
        {"location": point.pk},
        **HTMX,
    )
    assert response.status_code == 200
    assert "data-no-reservations" in response.content.decode()
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.CANCELLED


def test_a_coordinator_sees_and_reorders_the_queue_with_a_reason(
    login, volunteer, coordinator, point, family, third_party_family, bike_type, lent_bike
):
    first = reserve_item(actor=volunteer, household=family, item_type=bike_type, location=point)
    second = reserve_item(
        actor=volunteer, household=third_party_family, item_type=bike_type, location=point
    )
    client = login(coordinator)
    overview = client.get(reverse("uitlening:reservation_list"))
    assert 'data-waitlist="Kinderfiets"' in overview.content.decode()
    url = reverse("uitlening:reservation_queue", kwargs={"pk": bike_type.pk})

    response = client.post(url, {"reservation": second.pk, "rank": 1, "reason": "dringend"})

    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.position < first.position
    assert "dringend" in client.get(url).content.decode()


def test_a_volunteer_does_not_see_the_queues(login, volunteer):
    response = login(volunteer).get(reverse("uitlening:reservation_list"))
    assert response.status_code == 403


@pytest.fixture
def third_party_family(db, pamperbank, babytheek, fietsbib):
    from tests.toegang.factories import HouseholdFactory, ReferralFactory
    from tests.uitlening.conftest import months_ago

    household = HouseholdFactory(children=[months_ago(50)])
    ReferralFactory(household=household, programs=[fietsbib])
    return household
