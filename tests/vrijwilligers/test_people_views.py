"""The profile screens, thinly: who may open what, what a volunteer sees of others, the
note acknowledged on screen, the list's flags."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kern.models import AuditEntry
from kern.roles import Role
from tests.factories import UserFactory
from tests.vrijwilligers.factories_people import CompetenceFactory, NoteFactory, PersonFactory
from vrijwilligers.models import NoteAcknowledgement, VolunteerSkill

pytestmark = pytest.mark.django_db


@pytest.fixture
def sara(point):
    return PersonFactory(
        user=UserFactory(
            username="sara",
            first_name="Sara",
            last_name="Peeters",
            role=Role.VOLUNTEER,
            locations=[point],
        )
    )


@pytest.fixture
def bert(point):
    return PersonFactory(
        user=UserFactory(
            username="bert",
            first_name="Bert",
            last_name="Janssens",
            role=Role.VOLUNTEER,
            locations=[point],
        ),
        phone="0477 99 88 77",
    )


def test_a_volunteer_cannot_open_another_volunteers_page_or_contact_data(login, sara, bert):
    client = login(sara.user)
    for name in ("volunteer_detail", "volunteer_contact", "volunteer_edit"):
        assert client.get(reverse(f"vrijwilligers:{name}", args=[bert.pk])).status_code == 403
    assert client.get(reverse("vrijwilligers:volunteer_list")).status_code == 403


def test_the_own_profile_shows_only_the_volunteers_own_data(login, sara, bert):
    response = login(sara.user).get(reverse("vrijwilligers:my_profile"))
    text = response.content.decode()
    assert response.status_code == 200 and sara.phone in text
    assert "Janssens" not in text and "Bert" not in text and bert.phone not in text


def test_a_volunteer_saves_their_own_profile(login, sara):
    response = login(sara.user).post(
        reverse("vrijwilligers:my_profile"),
        {"phone": "0499 12 34 56", "available_weekdays": ["1", "5"], "preferences": "Balie"},
    )
    assert response.status_code == 302
    sara.refresh_from_db()
    assert (sara.phone, sara.available_weekdays) == ("0499 12 34 56", [1, 5])


def test_a_bad_phone_shows_the_message_beside_the_field(login, sara):
    response = login(sara.user).post(reverse("vrijwilligers:my_profile"), {"phone": "bel me"})
    assert response.status_code == 200 and "bel me" in response.content.decode()
    sara.refresh_from_db()
    assert sara.phone == "0470 12 34 56"


def test_the_list_flags_missing_acknowledgements_and_expiring_qualifications(
    login, coordinator, sara, bert
):
    note = NoteFactory()
    NoteAcknowledgement.objects.create(volunteer=bert, note=note, acknowledged_at=timezone.now())
    VolunteerSkill.objects.create(
        volunteer=bert,
        skill=CompetenceFactory(name="EHBO"),
        valid_until=timezone.localdate() + dt.timedelta(days=10),
    )
    text = login(coordinator).get(reverse("vrijwilligers:volunteer_list")).content.decode()
    assert text.count("data-not-acknowledged") == 1
    assert text.count("data-expiring") == 1 and "EHBO" in text
    assert "Sara Peeters" in text


def test_reading_contact_data_is_logged(login, coordinator, bert):
    response = login(coordinator).get(reverse("vrijwilligers:volunteer_contact", args=[bert.pk]))
    assert bert.phone in response.content.decode()
    assert AuditEntry.objects.filter(action="view", object_id=str(bert.pk)).exists()


def test_the_volunteer_receives_and_acknowledges_the_note_on_screen(login, sara):
    note = NoteFactory()
    client = login(sara.user)
    client.get(reverse("vrijwilligers:note_detail"))
    row = NoteAcknowledgement.objects.get(volunteer=sara, note=note)
    assert row.acknowledged_at is None
    client.post(reverse("vrijwilligers:note_detail"), {"version": note.version})
    row.refresh_from_db()
    assert row.acknowledged_at is not None


def test_the_volunteers_page_shows_the_note_history(login, coordinator, sara):
    note = NoteFactory()
    NoteAcknowledgement.objects.create(volunteer=sara, note=note, acknowledged_at=timezone.now())
    text = (
        login(coordinator)
        .get(reverse("vrijwilligers:volunteer_detail", args=[sara.pk]))
        .content.decode()
    )
    assert f'data-note-version="{note.version}"' in text


def test_a_coordinator_creates_a_volunteer_through_the_form(login, coordinator, point):
    response = login(coordinator).post(
        reverse("vrijwilligers:volunteer_create"),
        {"username": "lotte", "first_name": "Lotte", "locations": [point.pk], "is_active": "on"},
    )
    assert response.status_code == 302


def test_the_calendar_address_is_shown_once_after_making_it(login, sara):
    response = login(sara.user).post(reverse("vrijwilligers:my_calendar_token"))
    assert response.status_code == 200 and "/agenda/" in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"


def test_the_coordinators_forms_open_and_a_note_is_published(login, coordinator, sara):
    client = login(coordinator)
    for url in (
        reverse("vrijwilligers:volunteer_create"),
        reverse("vrijwilligers:volunteer_edit", args=[sara.pk]),
        reverse("vrijwilligers:note_publish"),
        reverse("vrijwilligers:note_detail"),
    ):
        assert client.get(url).status_code == 200, url
    response = client.post(
        reverse("vrijwilligers:note_publish"),
        {"aim": "Doel", "insurance": "Ethias", "allowance_scheme": "Forfait", "discretion": "Ja"},
    )
    assert response.status_code == 302
    assert "Versie 1" in client.get(reverse("vrijwilligers:note_detail")).content.decode()
