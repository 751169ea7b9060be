"""factory-boy factories for volunteers and shifts, shared by every vrijwilligers test.

``VolunteerFactory(locations=[point])`` makes a user in the volunteer role group with a
profile that acknowledged the current organisation note (version 1 is published when none
is), so it can be scheduled at once. ``ShiftFactory(location=point)`` starts tomorrow at
9:00 local time and lasts three hours. ``SignupFactory(shift=..., volunteer=...)`` is a
confirmed sign-up in the next free place (or pass ``status``/``waitlist_position``)."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from kern.roles import Role
from tests.factories import LocationFactory, UserFactory
from vrijwilligers.models import (
    NoteAcknowledgement,
    OrganisationNote,
    Shift,
    ShiftTemplate,
    Signup,
    Skill,
    Volunteer,
    VolunteerSkill,
)


def publish_note(version: int | None = None) -> OrganisationNote:
    """Publish a new version of the organisation note (the next one when not given)."""
    if version is None:
        last = OrganisationNote.objects.order_by("-version").first()
        version = (last.version + 1) if last else 1
    return OrganisationNote.objects.create(
        version=version,
        aim="Sociaal Huis Deelpunt, vzw: materiële hulp aan gezinnen.",
        insurance="Burgerlijke aansprakelijkheid en lichamelijke ongevallen bij Ethias.",
        allowance_scheme="Forfaitaire onkostenvergoeding binnen de wettelijke plafonds.",
        discretion="Wat je over gezinnen hoort, blijft binnen het huis.",
    )


def current_or_first_note() -> OrganisationNote:
    return OrganisationNote.objects.order_by("-version").first() or publish_note(1)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """An aware datetime at ``hour:minute`` local time on ``day``."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def tomorrow_at(hour: int, minute: int = 0) -> dt.datetime:
    return local(timezone.localdate() + dt.timedelta(days=1), hour, minute)


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"vaardigheid-{n}")
    name = factory.LazyAttribute(lambda s: s.code.replace("-", " ").capitalize())


class VolunteerFactory(factory.django.DjangoModelFactory):
    """A volunteer who can be scheduled: role group, profile, acknowledged current note.

    ``locations=[point]`` sets the user's locations; ``skills=[skill]`` gives skills
    without expiry; ``acknowledged=False`` leaves the note unacknowledged."""

    class Meta:
        model = Volunteer
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        locations = kwargs.pop("locations", None)
        skills = kwargs.pop("skills", None)
        acknowledged = kwargs.pop("acknowledged", True)
        volunteer = super()._create(model_class, *args, **kwargs)
        user = volunteer.user
        user.groups.add(Group.objects.get(name=Role.VOLUNTEER.value))
        if locations:
            user.locations.set(locations)
        for skill in skills or []:
            VolunteerSkill.objects.create(volunteer=volunteer, skill=skill)
        if acknowledged:
            NoteAcknowledgement.objects.create(
                volunteer=volunteer, note=current_or_first_note(), acknowledged_at=timezone.now()
            )
        return volunteer


class ShiftTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShiftTemplate

    location = factory.SubFactory(LocationFactory)
    role = "Balie"
    recurrence = ShiftTemplate.Recurrence.WEEKLY
    weekday = 5
    starts_on = factory.LazyFunction(timezone.localdate)
    start_time = dt.time(9)
    end_time = dt.time(12)
    min_volunteers = 2
    max_volunteers = 4


class ShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shift

    location = factory.SubFactory(LocationFactory)
    role = "Balie"
    starts_at = factory.LazyFunction(lambda: tomorrow_at(9))
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + dt.timedelta(hours=3))
    min_volunteers = 1
    max_volunteers = 3


class SignupFactory(factory.django.DjangoModelFactory):
    """A confirmed sign-up in the lowest free place; ``status=WAITLISTED`` puts it at the
    end of the waitlist instead."""

    class Meta:
        model = Signup

    shift = factory.SubFactory(ShiftFactory)
    volunteer = factory.SubFactory(VolunteerFactory)
    status = Signup.Status.CONFIRMED
    confirmed_at = factory.LazyAttribute(
        lambda s: timezone.now() if s.status == Signup.Status.CONFIRMED else None
    )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        shift = kwargs["shift"]
        taken = Signup.objects.filter(shift=shift)
        if kwargs["status"] == Signup.Status.CONFIRMED and kwargs.get("place") is None:
            used = set(taken.filter(status="confirmed").values_list("place", flat=True))
            kwargs["place"] = next(n for n in range(1, 1000) if n not in used)
        if kwargs["status"] == Signup.Status.WAITLISTED and kwargs.get("waitlist_position") is None:
            last = taken.exclude(waitlist_position=None).order_by("-waitlist_position").first()
            kwargs["waitlist_position"] = (
                last.waitlist_position + 1 if last else shift.max_volunteers + 1
            )
        return super()._create(model_class, *args, **kwargs)
