"""Factories for the people and reminders tests (profiles, the organisation note, shifts
with confirmed sign-ups). The sign-up helper keeps its own ``factories.py``."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from kern.roles import Role
from tests.factories import LocationFactory, UserFactory
from vrijwilligers.models import (
    NoteAcknowledgement,
    OrganisationNote,
    Shift,
    Signup,
    Skill,
    Volunteer,
)


class PersonFactory(factory.django.DjangoModelFactory):
    """A volunteer profile with its user account in the volunteer role."""

    class Meta:
        model = Volunteer

    user = factory.SubFactory(UserFactory, role=Role.VOLUNTEER)
    phone = "0470 12 34 56"


class CompetenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"vaardigheid-{n}")
    name = factory.Sequence(lambda n: f"Vaardigheid {n}")


class NoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganisationNote

    version = factory.Sequence(lambda n: n + 1)
    aim = "Sociaal Huis, vzw: materiële hulp aan gezinnen."
    insurance = "Burgerlijke aansprakelijkheid en lichamelijke ongevallen bij Ethias."
    allowance_scheme = "Forfaitaire onkostenvergoeding binnen de wettelijke plafonds."
    discretion = "Wat je over gezinnen hoort, blijft binnen het Sociaal Huis."


def acknowledge(volunteer: Volunteer, note: OrganisationNote) -> NoteAcknowledgement:
    return NoteAcknowledgement.objects.create(
        volunteer=volunteer, note=note, acknowledged_at=timezone.now()
    )


class DutyFactory(factory.django.DjangoModelFactory):
    """A shift, by default two days from now, 9:00–12:00 local time."""

    class Meta:
        model = Shift

    location = factory.SubFactory(LocationFactory)
    role = "Balie"
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=2))
    ends_at = factory.LazyAttribute(lambda shift: shift.starts_at + dt.timedelta(hours=3))
    min_volunteers = 1
    max_volunteers = 3


def confirm(volunteer: Volunteer, shift: Shift, *, place: int = 1, at=None) -> Signup:
    """A confirmed sign-up in ``place``, confirmed ``at`` (default now)."""
    moment = at or timezone.now()
    return Signup.objects.create(
        shift=shift,
        volunteer=volunteer,
        status=Signup.Status.CONFIRMED,
        place=place,
        created_at=moment,
        confirmed_at=moment,
    )
