"""factory-boy factories of the toegang app, and ``family()`` for the privacy tests.

The factories write rows directly (no audit entry, no checks): for screens, reminders
and privacy. Tests of the rules themselves go through ``toegang.services``."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from kern.roles import Role
from tests.factories import OrganisationFactory, UserFactory
from toegang.models import Child, Evidence, Household, Program, Referral, UitpasCard


class ProgramFactory(factory.django.DjangoModelFactory):
    """``ProgramFactory(name="Pamperbank", kind="pamperbank", quota_packs_per_child=8)``."""

    class Meta:
        model = Program
        django_get_or_create = ("name",)
        skip_postgeneration_save = True

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


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child

    household = factory.SubFactory(HouseholdFactory)
    birth_year = factory.LazyFunction(lambda: timezone.localdate().year - 1)
    birth_month = 5
    diaper_size = 4


class UitpasCardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UitpasCard

    household = factory.SubFactory(HouseholdFactory)
    number_hash = factory.Sequence(lambda n: f"{n:064x}")
    last_digits = factory.Sequence(lambda n: f"{n % 10000:04d}")


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evidence

    household = factory.SubFactory(HouseholdFactory)
    kind = Evidence.Kind.UITPAS
    social_tariff = "ACTIVE"
    card_system_id = "1"
    card_system_name = "UiTPAS Gent"
    valid_until = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=200))
    checked_by = factory.SubFactory(UserFactory)


def family(*, children: int = 2, cards: int = 1, referrals: int = 1, **fields) -> Household:
    """A household with contact details (with consent), children, UiTPAS cards with a
    check each, and referrals."""
    now = timezone.now()
    fields = {
        "first_name": "Amina",
        "email": "amina@example.org",
        "phone": "0470 12 34 56",
        "consent_version": "2026-1",
        "consent_at": now,
        **fields,
    }
    household = HouseholdFactory(**fields)
    for number in range(children):
        ChildFactory(household=household, birth_month=number + 2)
    for _ in range(cards):
        card = UitpasCardFactory(household=household)
        EvidenceFactory(household=household, card=card)
    program = ProgramFactory(name="Pamperbank")
    for _ in range(referrals):
        ReferralFactory(household=household, programs=[program])
    return household


def social_workers_with_referrals_ending(
    program: Program,
    *,
    workers: int,
    in_days: tuple[int, ...],
    email: str = "werker{n}@example.org",
) -> list:
    """``workers`` social workers, each of another organisation and with an e-mail address,
    who each issued one referral for ``program`` ending in each of ``in_days`` days: what a
    referral-reminder run has to mail."""
    today = timezone.localdate()
    people = [
        UserFactory(
            username=f"werker{n}",
            role=Role.SOCIAL_WORKER,
            email=email.format(n=n),
            organisation=OrganisationFactory(),
        )
        for n in range(workers)
    ]
    for person in people:
        for days in in_days:
            ReferralFactory(
                issued_by=person,
                programs=[program],
                valid_from=today - dt.timedelta(days=30),
                valid_until=today + dt.timedelta(days=days),
            )
    return people
