"""factory-boy factories shared by every test package."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth.models import Group

from kern.models import Location, Municipality, OpeningHours, Organisation, User
from kern.roles import Role

PASSWORD = "test-wachtwoord-123"


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Gemeente {n}")
    postcodes = factory.Sequence(lambda n: [str(9000 + n)])


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisatie {n}")
    kind = Organisation.Kind.CAW
    municipality = factory.SubFactory(MunicipalityFactory)


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    name = factory.Sequence(lambda n: f"Uitdeelpunt {n}")
    kind = Location.Kind.DISTRIBUTION_POINT
    municipality = factory.SubFactory(MunicipalityFactory)
    street = "Kerkstraat 1"
    postcode = "9000"
    city = "Gent"


class OpeningHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpeningHours

    location = factory.SubFactory(LocationFactory)
    weekday = 1
    opens = dt.time(9)
    closes = dt.time(12)


class UserFactory(factory.django.DjangoModelFactory):
    """``UserFactory(role=Role.VOLUNTEER, locations=[point])``; password is PASSWORD."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"gebruiker{n}")
    first_name = factory.Sequence(lambda n: f"Voornaam{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")

    @factory.post_generation
    def locations(self, create, extracted, **kwargs):
        if extracted:
            self.locations.set(extracted)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        role = kwargs.pop("role", None)
        kwargs.setdefault("is_staff", role == Role.ADMIN)
        user = super()._create(model_class, *args, **kwargs)
        user.set_password(PASSWORD)
        user.save()
        if role:
            user.groups.add(Group.objects.get(name=Role(role).value))
        return user
