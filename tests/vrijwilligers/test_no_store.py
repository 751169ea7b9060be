"""Every vrijwilligers page carries volunteer personal data (names, contact data, hours,
allowances, attendance), so none may be kept by a browser or proxy cache: each URL of the
namespace answers with ``Cache-Control: no-store``, for whoever may open it. A new URL
fails ``test_every_vrijwilligers_url_is_in_the_table`` until it is added here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from kern.models import User
from kern.roles import Role
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.vrijwilligers.factories import (
    ShiftFactory,
    ShiftTemplateFactory,
    SignupFactory,
    VolunteerFactory,
)
from vrijwilligers import services
from vrijwilligers.models import ClosingDay, SwapRequest, Volunteer
from vrijwilligers.urls import urlpatterns

pytestmark = pytest.mark.django_db

YEAR = dt.date.today().year


@dataclass
class World:
    coordinator: User
    volunteer: Volunteer
    objects: dict[str, Any]


@pytest.fixture
def world(point):
    coordinator = UserFactory(username="karim", role=Role.COORDINATOR, locations=[point])
    sara = VolunteerFactory(locations=[point])
    shift = ShiftFactory(location=point)
    signup = SignupFactory(shift=shift, volunteer=sara)
    swap = SwapRequest.objects.create(signup=signup)
    template = ShiftTemplateFactory(location=point)
    closing = ClosingDay.objects.create(day=dt.date(YEAR + 1, 12, 25), reason="Kerstmis")
    token = services.regenerate_calendar_token(user=sara.user)
    return World(
        coordinator=coordinator,
        volunteer=sara,
        objects={
            "shift": shift,
            "signup": signup,
            "swap": swap,
            "template": template,
            "closing": closing,
            "token": token,
        },
    )


Kwargs = Callable[[World], dict[str, object]]


def none(w: World) -> dict[str, object]:
    return {}


def pk_of(name: str) -> Kwargs:
    return lambda w: {"pk": w.objects[name].pk}


def volunteer_pk(w: World) -> dict[str, object]:
    return {"pk": w.volunteer.pk}


# url name -> (who opens it, its arguments). "volunteer" for pages only a volunteer may
# open; POST-only views answer GET with 405, and that answer must not be stored either,
# except those in POSTED, whose POST answer is the page (they set their own header).
URLS: dict[str, tuple[str, Kwargs]] = {
    # volunteers.py
    "volunteer_list": ("coordinator", none),
    "volunteer_create": ("coordinator", none),
    "volunteer_detail": ("coordinator", volunteer_pk),
    "volunteer_edit": ("coordinator", volunteer_pk),
    "volunteer_contact": ("coordinator", volunteer_pk),
    "volunteer_skill": ("coordinator", volunteer_pk),
    "volunteer_paper_note": ("coordinator", volunteer_pk),
    "my_profile": ("volunteer", none),
    "my_calendar_token": ("volunteer", none),  # POSTed: it shows the new secret address
    "note_detail": ("coordinator", none),
    "note_publish": ("coordinator", none),
    # shifts.py
    "shift_list": ("volunteer", none),
    "shift_mine": ("volunteer", none),
    "shift_detail": ("volunteer", pk_of("shift")),
    "shift_signup": ("volunteer", pk_of("shift")),
    "shift_assign": ("coordinator", pk_of("shift")),
    "shift_cancel": ("volunteer", pk_of("signup")),
    "shift_remove": ("coordinator", pk_of("signup")),
    "shift_swap_offer": ("volunteer", pk_of("signup")),
    "shift_swap_withdraw": ("volunteer", pk_of("swap")),
    "shift_swap_take": ("volunteer", pk_of("swap")),
    # planning.py
    "planning_week": ("coordinator", none),
    "planning_list": ("coordinator", none),
    "planning_who": ("coordinator", none),
    "planning_generate": ("coordinator", none),
    "planning_shift_create": ("coordinator", none),
    "planning_shift": ("coordinator", pk_of("shift")),
    "template_list": ("coordinator", none),
    "template_create": ("coordinator", none),
    "template_edit": ("coordinator", pk_of("template")),
    "closingday_list": ("coordinator", none),
    "closingday_delete": ("coordinator", pk_of("closing")),
    # attendance.py
    "attendance_mine": ("volunteer", none),
    "attendance_check_in": ("volunteer", lambda w: {"signup_id": w.objects["signup"].pk}),
    "attendance_overview": ("coordinator", none),
    "attendance_shift": ("coordinator", lambda w: {"shift_id": w.objects["shift"].pk}),
    "attendance_mark_no_shows": ("coordinator", none),
    "attendance_lift_pause": ("coordinator", lambda w: {"volunteer_id": w.volunteer.pk}),
    "volunteer_card": ("volunteer", lambda w: {"volunteer_id": w.volunteer.pk}),
    # hours.py
    "hours_list": ("coordinator", none),
    "hours_csv": ("coordinator", lambda w: {"year": YEAR}),
    "hours_xlsx": ("coordinator", lambda w: {"year": YEAR}),
    "hours_detail": ("coordinator", lambda w: {"volunteer_id": w.volunteer.pk, "year": YEAR}),
    "hours_attestation": (
        "coordinator",
        lambda w: {"volunteer_id": w.volunteer.pk, "year": YEAR},
    ),
    # allowances.py
    "allowance_list": ("coordinator", none),
    "allowance_ceilings": ("coordinator", none),
    "allowance_named_list": ("coordinator", lambda w: {"year": YEAR}),
    # calendar.py (sets "private, no-store" itself)
    "calendar_feed": ("anonymous", lambda w: {"token": w.objects["token"]}),
}

POSTED = {"my_calendar_token"}


def test_every_vrijwilligers_url_is_in_the_table():
    names = {p.name for p in urlpatterns if isinstance(p, URLPattern)}
    assert names == set(URLS), "add the new URL to URLS (and give its view @never_cache)"


@pytest.mark.parametrize("name", list(URLS))
def test_every_vrijwilligers_page_is_sent_no_store(world, name):
    who, kwargs = URLS[name]
    if who == "coordinator":
        client = client_for(world.coordinator)
    elif who == "volunteer":
        client = client_for(world.volunteer.user)
    else:
        client = Client()

    url = reverse(f"vrijwilligers:{name}", kwargs=kwargs(world))
    response = client.post(url) if name in POSTED else client.get(url)

    assert response.status_code in (200, 405), (name, response.status_code)
    assert "no-store" in response.get("Cache-Control", ""), (name, response.get("Cache-Control"))
