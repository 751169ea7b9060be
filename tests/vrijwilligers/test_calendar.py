"""The personal calendar feed: parses with icalendar, holds the volunteer's confirmed
shifts (three months back and ahead) with role and place and no other person's name; a
regenerated token stops the old address; an unknown token is a bare 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from kern.roles import Role
from tests.factories import UserFactory
from tests.vrijwilligers.factories_people import DutyFactory, PersonFactory, confirm
from vrijwilligers import services
from vrijwilligers.models import Signup

pytestmark = pytest.mark.django_db


def person(name: str, last: str, point):
    return PersonFactory(
        user=UserFactory(
            username=name.lower(),
            first_name=name,
            last_name=last,
            role=Role.VOLUNTEER,
            locations=[point],
        )
    )


def fetch(token: str):
    return Client().get(reverse("vrijwilligers:calendar_feed", args=[token]))


def test_the_feed_parses_and_holds_only_the_volunteers_confirmed_shifts(point):
    sara = person("Sara", "Peeters", point)
    bert = person("Bert", "Janssens", point)
    now = timezone.now()
    soon = DutyFactory(location=point, role="Balie", starts_at=now + dt.timedelta(days=3))
    recent = DutyFactory(location=point, role="Sorteren", starts_at=now - dt.timedelta(days=30))
    old = DutyFactory(location=point, role="Oud", starts_at=now - dt.timedelta(days=200))
    other = DutyFactory(location=point, role="Fietsherstel", starts_at=now + dt.timedelta(days=4))
    cancelled = DutyFactory(location=point, role="Geschrapt", starts_at=now + dt.timedelta(days=5))
    for shift in (soon, recent, old, cancelled):
        confirm(sara, shift)
    confirm(bert, soon, place=2)
    confirm(bert, other)
    cancelled.cancelled_at = now
    cancelled.save()
    Signup.objects.create(
        shift=other, volunteer=sara, status=Signup.Status.WAITLISTED, waitlist_position=4
    )

    token = services.regenerate_calendar_token(user=sara.user)
    response = fetch(token)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    calendar = Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert sorted(str(event["summary"]) for event in events) == [
        "Balie in Uitdeelpunt Centrum",
        "Sorteren in Uitdeelpunt Centrum",
    ]
    first = min(events, key=lambda event: event.decoded("dtstart"))
    assert first.decoded("dtstart") == recent.starts_at.replace(microsecond=0)
    assert "Uitdeelpunt Centrum" in str(first["location"])
    text = response.content.decode()
    for name in ("Bert", "Janssens", "Peeters"):
        assert name not in text


def test_regenerating_the_token_makes_the_old_address_stop_working(point):
    sara = person("Sara", "Peeters", point)
    old = services.regenerate_calendar_token(user=sara.user)
    assert fetch(old).status_code == 200
    new = services.regenerate_calendar_token(user=sara.user)
    assert fetch(old).status_code == 404
    assert fetch(new).status_code == 200


def test_an_unknown_token_is_a_bare_404(point):
    person("Sara", "Peeters", point)
    response = fetch("niet-bestaand-token")
    assert response.status_code == 404
    assert b"Sara" not in response.content


def test_an_inactive_volunteer_has_no_feed(point):
    sara = person("Sara", "Peeters", point)
    token = services.regenerate_calendar_token(user=sara.user)
    sara.is_active = False
    sara.save()
    assert fetch(token).status_code == 404
