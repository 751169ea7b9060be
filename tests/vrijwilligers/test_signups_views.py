"""The volunteer's shift screens: sign up and cancel with and without htmx, first names
only for volunteers, the coordinator's assign and remove with a reason, the promoted mail."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from kern.models import AuditEntry
from tests.factories import UserFactory
from tests.vrijwilligers.factories import ShiftFactory, SignupFactory, VolunteerFactory
from vrijwilligers.models import Signup

pytestmark = pytest.mark.django_db


@pytest.fixture
def shift(point):
    return ShiftFactory(location=point, max_volunteers=1)


def test_open_shifts_show_my_locations_only_and_sign_up_without_js(
    login, point, other_point, shift
):
    ShiftFactory(location=other_point, role="Elders")
    sara = VolunteerFactory(locations=[point])
    client = login(sara.user)
    page = client.get("/vrijwilligers/diensten/")
    assert page.status_code == 200
    assert b"Elders" not in page.content and f'data-shift="{shift.pk}"'.encode() in page.content
    answer = client.post(
        f"/vrijwilligers/diensten/{shift.pk}/inschrijven/", {"next": "/vrijwilligers/diensten/"}
    )
    assert answer.status_code == 302 and answer["Location"] == "/vrijwilligers/diensten/"
    assert Signup.objects.get(volunteer=sara).status == "confirmed"
    assert "ingeschreven" in client.get("/vrijwilligers/diensten/").content.decode()


def test_a_full_shift_answers_the_card_with_the_waitlist_number_for_htmx(login, point, shift):
    SignupFactory(shift=shift)
    sara = VolunteerFactory(locations=[point])
    answer = login(sara.user).post(
        f"/vrijwilligers/diensten/{shift.pk}/inschrijven/", HTTP_HX_REQUEST="true"
    )
    assert answer.status_code == 200
    text = answer.content.decode()
    assert 'data-status="waitlisted"' in text
    assert "wachtlijst" in text and "nummer 1" in text


def test_a_refusal_is_shown_on_the_card_and_changes_nothing(login, point, other_point):
    elsewhere = ShiftFactory(location=other_point)
    sara = VolunteerFactory(locations=[point], user__first_name="Sara")
    answer = login(sara.user).post(
        f"/vrijwilligers/diensten/{elsewhere.pk}/inschrijven/", HTTP_HX_REQUEST="true"
    )
    assert "Sara werkt niet in" in answer.content.decode()
    assert not Signup.objects.exists()


def test_cancelling_from_my_shifts_promotes_the_next(login, point, shift):
    sara, tom = VolunteerFactory(locations=[point]), VolunteerFactory(locations=[point])
    mine = SignupFactory(shift=shift, volunteer=sara)
    SignupFactory(shift=shift, volunteer=tom, status="waitlisted")
    assert "nummer 1" in login(tom.user).get("/vrijwilligers/diensten/mijn/").content.decode()
    login(sara.user).post(f"/vrijwilligers/diensten/inschrijving/{mine.pk}/annuleren/")
    assert Signup.objects.get(volunteer=tom).status == "confirmed"


def test_volunteers_see_first_names_only_and_coordinators_full_names(
    login, point, coordinator, shift
):
    anna = VolunteerFactory(locations=[point], user__first_name="Anna", user__last_name="Peeters")
    SignupFactory(shift=shift, volunteer=anna)
    sara = VolunteerFactory(locations=[point])
    as_volunteer = login(sara.user).get(f"/vrijwilligers/diensten/{shift.pk}/").content.decode()
    assert "Anna" in as_volunteer and "Peeters" not in as_volunteer
    assert "toewijzen" not in as_volunteer.lower()
    as_coordinator = login(coordinator).get(f"/vrijwilligers/diensten/{shift.pk}/").content.decode()
    assert "Anna Peeters" in as_coordinator


def test_a_volunteer_cannot_open_a_shift_elsewhere(login, point, other_point):
    elsewhere = ShiftFactory(location=other_point)
    sara = VolunteerFactory(locations=[point])
    assert login(sara.user).get(f"/vrijwilligers/diensten/{elsewhere.pk}/").status_code == 403


def test_the_coordinator_assigns_and_removes_with_a_reason(login, point, coordinator, shift):
    sara = VolunteerFactory(locations=[point])
    client = login(coordinator)
    client.post(
        f"/vrijwilligers/diensten/{shift.pk}/toewijzen/", {"volunteer": sara.pk, "reason": ""}
    )
    assert not Signup.objects.exists()
    client.post(
        f"/vrijwilligers/diensten/{shift.pk}/toewijzen/", {"volunteer": sara.pk, "reason": "belde"}
    )
    signup = Signup.objects.get(volunteer=sara)
    client.post(
        f"/vrijwilligers/diensten/inschrijving/{signup.pk}/verwijderen/", {"reason": "ziek"}
    )
    assert Signup.objects.get(pk=signup.pk).status == "cancelled"
    assert AuditEntry.objects.filter(action="remove_from_shift").exists()


def test_a_volunteer_cannot_assign_or_cancel_anothers_signup(login, point, shift):
    sara, tom = VolunteerFactory(locations=[point]), VolunteerFactory(locations=[point])
    theirs = SignupFactory(shift=shift, volunteer=tom)
    client = login(sara.user)
    assert client.post(f"/vrijwilligers/diensten/{shift.pk}/toewijzen/").status_code == 403
    client.post(f"/vrijwilligers/diensten/inschrijving/{theirs.pk}/annuleren/")
    assert Signup.objects.get(pk=theirs.pk).status == "confirmed"


def test_the_swap_screens_offer_and_take(login, point, shift):
    sara, tom = VolunteerFactory(locations=[point]), VolunteerFactory(locations=[point])
    mine = SignupFactory(shift=shift, volunteer=sara)
    login(sara.user).post(
        f"/vrijwilligers/diensten/inschrijving/{mine.pk}/ruilen/", {"note": "ziek kind"}
    )
    page = login(tom.user).get("/vrijwilligers/diensten/mijn/").content.decode()
    assert "ziek kind" in page
    swap = mine.swap_requests.get()
    login(tom.user).post(f"/vrijwilligers/diensten/ruil/{swap.pk}/overnemen/")
    assert Signup.objects.get(shift=shift, status="confirmed").volunteer == tom


def test_my_shifts_is_in_the_navigation_for_volunteers_only(login, point, social_worker):
    sara = VolunteerFactory(locations=[point])
    assert "/vrijwilligers/diensten/mijn/" in login(sara.user).get("/").content.decode()
    assert "/vrijwilligers/diensten/mijn/" not in login(social_worker).get("/").content.decode()


def test_the_promoted_mail_reads_in_dutch(point, shift):
    user = UserFactory(first_name="Tom")
    with translation.override("nl-be"):
        subject = render_to_string(
            "vrijwilligers/reminders/promoted_subject.txt", {"shift": shift, "recipient": user}
        )
        body = render_to_string(
            "vrijwilligers/reminders/promoted_body.txt", {"shift": shift, "recipient": user}
        )
    assert "Balie" in subject and "doorgeschoven" in subject
    assert "Hallo Tom," in body and "wachtlijst" in body and "Uitdeelpunt Centrum" in body
