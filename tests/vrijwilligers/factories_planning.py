"""Factories for the planning tests (templates, shifts, confirmed sign-ups). The shared
ones live in factories.py; these stay small so the two never collide."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from kern.roles import Role
from tests.factories import LocationFactory, UserFactory
from vrijwilligers.models import Shift, ShiftTemplate, Signup, Skill, Volunteer

BRUSSELS = timezone.get_default_timezone()


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)), BRUSSELS)


class PlanningSkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"vaardigheid-{n}")
    name = factory.Sequence(lambda n: f"Vaardigheid {n}")


class PlanningVolunteerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Volunteer

    user = factory.SubFactory(
        UserFactory,
        role=Role.VOLUNTEER,
        first_name=factory.Sequence(lambda n: f"Sara{n}"),
        last_name="Peeters",
    )


class TemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShiftTemplate

    location = factory.SubFactory(LocationFactory)
    role = "Balie"
    recurrence = ShiftTemplate.Recurrence.WEEKLY
    weekday = 5
    starts_on = dt.date(2030, 1, 1)
    start_time = dt.time(9)
    end_time = dt.time(12)
    min_volunteers = 2
    max_volunteers = 4


class PlanningShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shift

    location = factory.SubFactory(LocationFactory)
    role = "Balie"
    starts_at = factory.LazyFunction(lambda: local(dt.date(2030, 3, 9), 9))
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + dt.timedelta(hours=3))
    min_volunteers = 2
    max_volunteers = 3


def confirm(shift: Shift, volunteer: Volunteer | None = None, place: int | None = None) -> Signup:
    """A confirmed sign-up in the next free place."""
    volunteer = volunteer or PlanningVolunteerFactory()
    if place is None:
        place = (
            max(shift.signups.filter(status="confirmed").values_list("place", flat=True), default=0)
            + 1
        )
    return Signup.objects.create(
        shift=shift,
        volunteer=volunteer,
        status=Signup.Status.CONFIRMED,
        place=place,
        confirmed_at=timezone.now(),
    )


def waitlist(shift: Shift, volunteer: Volunteer | None = None, position: int = 100) -> Signup:
    return Signup.objects.create(
        shift=shift,
        volunteer=volunteer or PlanningVolunteerFactory(),
        status=Signup.Status.WAITLISTED,
        waitlist_position=position,
    )
