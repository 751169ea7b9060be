"""The coordinator's "Assign" list on a shift: every active volunteer of the shift's
location who is not in it yet; someone who once cancelled is offered again, someone on
the waitlist is offered and marked so (assigning takes them off the list)."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from tests.vrijwilligers.factories import ShiftFactory, SignupFactory, VolunteerFactory
from vrijwilligers import services
from vrijwilligers.models import Signup

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def dutch(settings):
    settings.LANGUAGE_CODE = "nl-be"
    with translation.override("nl-be"):
        yield


def options(page) -> dict[str, str]:
    select = re.search(r'<select id="assign-volunteer".*?</select>', page, re.S)
    assert select, page
    return dict(re.findall(r'<option value="(\d+)">([^<]*)</option>', select.group(0)))


def volunteer(point, first: str, **kwargs):
    return VolunteerFactory(
        locations=[point], user__first_name=first, user__last_name="Peeters", **kwargs
    )


def test_the_assign_list_offers_who_cancelled_and_who_waits_but_not_who_is_in(
    login, point, other_point, coordinator
):
    shift = ShiftFactory(location=point, max_volunteers=1)
    elsewhere = ShiftFactory(location=point, role="Sorteren", starts_at=shift.ends_at)
    annelies = volunteer(point, "Annelies")
    cancelled = services.sign_up(actor=annelies.user, shift=shift)
    services.cancel_signup(actor=annelies.user, signup=cancelled)
    services.sign_up(actor=annelies.user, shift=elsewhere)  # active somewhere else
    inside = volunteer(point, "Ilse")
    SignupFactory(shift=shift, volunteer=inside)
    mieke = volunteer(point, "Mieke")
    services.sign_up(actor=mieke.user, shift=shift)  # full: on the waitlist
    volunteer(other_point, "Elders")
    volunteer(point, "Stopte", is_active=False)

    page = login(coordinator).get(f"/vrijwilligers/diensten/{shift.pk}/").content.decode()

    offered = options(page)
    assert offered == {
        str(annelies.pk): "Annelies Peeters",
        str(mieke.pk): "Mieke Peeters (op de wachtlijst)",
    }


def test_assigning_from_the_waitlist_through_the_screen_confirms_them(login, point, coordinator):
    shift = ShiftFactory(location=point, max_volunteers=2)
    SignupFactory(shift=shift)
    SignupFactory(shift=shift)
    mieke = volunteer(point, "Mieke")
    waiting = services.sign_up(actor=mieke.user, shift=shift)
    shift.max_volunteers = 3
    shift.save()
    client = login(coordinator)
    client.post(
        f"/vrijwilligers/diensten/{shift.pk}/toewijzen/", {"volunteer": mieke.pk, "reason": "extra"}
    )
    waiting.refresh_from_db()
    assert waiting.status == Signup.Status.CONFIRMED
