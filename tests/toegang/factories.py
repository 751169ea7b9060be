"""factory-boy factories of the toegang app.

``ReferralFactory`` writes the row directly (no audit entry, no checks): for screens and
reminders. Tests of the rules themselves go through ``toegang.services``."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from kern.roles import Role
from tests.factories import OrganisationFactory, UserFactory
from toegang.models import Child, Household, Program, Referral


class ProgramFactory(factory.django.DjangoModelFactory):
    """``ProgramFactory(name="Pamperbank", kind="pamperbank", quota_packs_per_child=8)``."""

    class Meta:
        model = Program
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Programma {n}")
    kind = Program.Kind.DIAPERS


class HouseholdFactory(factory.django.DjangoModelFactory):
    """``HouseholdFactory(children=[(2024, 5)])``: children as (birth year, birth month)."""

    class Meta:
        model = Household
        skip_postgeneration_save = True

    postcode = "9000"
    adults = 1

    @factory.post_generation
    def children(self, create, extracted, **kwargs):
        for year, month in extracted or []:
            Child.objects.create(household=self, birth_year=year, birth_month=month)


class ReferralFactory(factory.django.DjangoModelFactory):
    """``ReferralFactory(issued_by=worker, programs=[pamperbank], valid_until=...)``."""

    class Meta:
        model = Referral
        skip_postgeneration_save = True

    household = factory.SubFactory(HouseholdFactory)
    issued_by = factory.SubFactory(
        UserFactory,
        role=Role.SOCIAL_WORKER,
        organisation=factory.SubFactory(OrganisationFactory),
    )
    organisation = factory.LazyAttribute(lambda r: r.issued_by.organisation)
    valid_from = factory.LazyFunction(timezone.localdate)
    valid_until = factory.LazyAttribute(lambda r: r.valid_from + dt.timedelta(days=90))

    @factory.post_generation
    def programs(self, create, extracted, **kwargs):
        if extracted:
            self.programs.set(extracted)
