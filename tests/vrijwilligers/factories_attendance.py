"""Factories for the attendance and allowance tests (the shared ones are in factories.py,
written in parallel; these stay small and independent of it)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kern.roles import Role
from tests.factories import LocationFactory, UserFactory
from vrijwilligers.models import Shift, Signup, Volunteer


def make_volunteer(*, username: str | None = None, first_name: str = "Sara", locations=(), **kw):
    user = UserFactory(
        **({"username": username} if username else {}),
        first_name=first_name,
        last_name=kw.pop("last_name", "Peeters"),
        role=kw.pop("role", Role.VOLUNTEER),
        locations=list(locations),
    )
    return Volunteer.objects.create(user=user, **kw)


def make_shift(
    *,
    location=None,
    starts_at: dt.datetime | None = None,
    hours: float = 3,
    role: str = "Balie",
    max_volunteers: int = 4,
) -> Shift:
    starts_at = starts_at or timezone.now().replace(microsecond=0)
    return Shift.objects.create(
        location=location or LocationFactory(),
        role=role,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=hours),
        min_volunteers=1,
        max_volunteers=max_volunteers,
    )


def make_signup(*, shift: Shift, volunteer: Volunteer, **kw) -> Signup:
    place = kw.pop("place", None) or (shift.signups.filter(status="confirmed").count() + 1)
    return Signup.objects.create(
        shift=shift,
        volunteer=volunteer,
        status=Signup.Status.CONFIRMED,
        place=place,
        confirmed_at=timezone.now(),
        **kw,
    )


def local(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute))
