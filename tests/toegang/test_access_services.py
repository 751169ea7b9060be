"""Access services: households, referrals, exceptions, eligibility (without UiTPAS calls;
those are tested against the stand-in in the counter and client tests)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kern.errors import Conflict, DomainError, NotAllowed, NotFound
from kern.models import AuditEntry
from tests.factories import MunicipalityFactory, OrganisationFactory, UserFactory
from toegang import selectors, services
from toegang.models import Evidence, Household, Program, Referral, UitpasCard

TODAY = timezone.localdate


@pytest.fixture
def gent(db):
    return MunicipalityFactory(name="Gent", postcodes=["9000", "9040", "9050"])


@pytest.fixture
def gent_point(point, gent):
    point.municipality = gent
    point.postcode = "9000"
    point.save()
    return point


@pytest.fixture
def pamperbank(db):
    return Program.objects.create(
        name="Pamperbank",
        kind="pamperbank",
        quota_packs_per_child=8,
        referral_default_days=90,
        referral_max_days=180,
    )


@pytest.fixture
def babytheek(db):
    return Program.objects.create(
        name="Babytheek",
        kind="babytheek",
        membership_fee_normal=Decimal("25"),
        membership_fee_social=Decimal("5"),
    )


@pytest.fixture
def speelotheek(db):
    return Program.objects.create(
        name="Speelotheek",
        kind="speelotheek",
        open_to_all=True,
        membership_fee_normal=Decimal("15"),
        membership_fee_social=Decimal("3"),
    )


def months_ago(n: int) -> tuple[int, int]:
    today = TODAY()
    total = today.year * 12 + (today.month - 1) - n
    return total // 12, total % 12 + 1


@pytest.fixture
def family(social_worker, gent):
    year, month = months_ago(10)
    old_year, old_month = months_ago(60)
    return services.register_household(
        actor=social_worker,
        postcode="9040",
        children=[services.ChildIn(year, month), services.ChildIn(old_year, old_month)],
        adults=2,
    )


# --- Households -------------------------------------------------------------------------


def test_register_household_keeps_the_minimum_and_logs_it(family, social_worker, gent):
    assert family.municipality == gent
    assert family.first_name == "" and family.consent_at is None
    assert family.children.count() == 2
    entry = AuditEntry.objects.get(action="create", object_type="toegang.household")
    assert entry.actor == social_worker and entry.object_id == str(family.pk)


def test_contact_details_without_consent_are_refused_and_nothing_is_written(social_worker):
    with pytest.raises(DomainError) as caught:
        services.register_household(
            actor=social_worker, postcode="9000", children=[], first_name="Amina", consent=False
        )
    assert caught.value.field == "consent"
    assert not Household.objects.exists()


def test_contact_details_with_consent_record_the_privacy_text_version(social_worker):
    household = services.register_household(
        actor=social_worker, postcode="9090", children=[], first_name="Amina", consent=True
    )
    assert household.first_name == "Amina"
    assert household.consent_version == services.CONSENT_VERSION and household.consent_at


@pytest.mark.parametrize("postcode", ["900", "09000", "abcd", "0999", ""])
def test_a_postcode_that_is_not_belgian_is_refused(social_worker, postcode):
    with pytest.raises(DomainError) as caught:
        services.register_household(actor=social_worker, postcode=postcode, children=[])
    assert caught.value.field == "postcode"


@pytest.mark.parametrize(
    ("year", "month"), [(2025, 13), (2025, 0), (1990, 5), (TODAY().year + 2, 1)]
)
def test_an_impossible_birth_month_is_refused(social_worker, year, month):
    with pytest.raises(DomainError):
        services.register_household(
            actor=social_worker, postcode="9000", children=[services.ChildIn(year, month)]
        )
    assert not Household.objects.exists()


def test_a_coordinator_without_counter_or_referral_role_cannot_register(admin_user):
    with pytest.raises(NotAllowed):
        services.register_household(actor=admin_user, postcode="9000", children=[])


def test_household_by_code_logs_the_view_and_rejects_typos(family, volunteer):
    found = services.household_by_code(actor=volunteer, code=family.code, source="/balie/1/")
    assert found == family
    assert (
        AuditEntry.objects.filter(action="view", object_id=str(family.pk), actor=volunteer).count()
        == 1
    )
    with pytest.raises(DomainError):
        services.household_by_code(actor=volunteer, code=family.code[:-1] + "0", source="x")


def test_an_uitpas_card_is_kept_as_a_keyed_hash_and_the_last_four_digits(family, volunteer):
    card = services.link_uitpas_card(actor=volunteer, household=family, number="0900000067513")
    assert card.last_digits == "7513"
    assert "0900000067513" not in card.number_hash
    assert (
        services.household_by_uitpas(actor=volunteer, number="0900000067513", source="x") == family
    )


def test_an_uitpas_card_of_another_household_cannot_be_linked(family, volunteer, social_worker):
    services.link_uitpas_card(actor=volunteer, household=family, number="0900000067513")
    other = services.register_household(actor=social_worker, postcode="9000", children=[])
    with pytest.raises(Conflict):
        services.link_uitpas_card(actor=volunteer, household=other, number="0900000067513")
    assert UitpasCard.objects.count() == 1


def test_a_mistyped_uitpas_number_is_refused(family, volunteer):
    with pytest.raises(DomainError, match="0900000067514"):
        services.link_uitpas_card(actor=volunteer, household=family, number="0900000067514")


# --- Referrals --------------------------------------------------------------------------


def test_issue_referral_defaults_to_the_program_validity(family, social_worker, pamperbank):
    referral = services.issue_referral(actor=social_worker, household=family, programs=[pamperbank])
    assert referral.valid_until == TODAY() + dt.timedelta(days=90)
    assert referral.organisation == social_worker.organisation
    assert not hasattr(referral, "reason")


def test_a_referral_longer_than_the_program_allows_is_refused(family, social_worker, pamperbank):
    with pytest.raises(DomainError, match="180"):
        services.issue_referral(
            actor=social_worker,
            household=family,
            programs=[pamperbank],
            valid_until=TODAY() + dt.timedelta(days=181),
        )
    assert not Referral.objects.exists()


def test_a_referral_for_a_program_that_refuses_referrals_is_refused(family, social_worker):
    open_only = Program.objects.create(
        name="Ruilwinkel", kind="ruilwinkel", accepts_referral=False, open_to_all=True
    )
    with pytest.raises(DomainError, match="Ruilwinkel"):
        services.issue_referral(actor=social_worker, household=family, programs=[open_only])


def test_a_social_worker_without_organisation_cannot_refer(family, pamperbank):
    from kern.roles import Role

    loose = UserFactory(username="los", role=Role.SOCIAL_WORKER)
    with pytest.raises(NotAllowed):
        services.issue_referral(actor=loose, household=family, programs=[pamperbank])


def test_only_the_issuer_revokes_or_renews(family, social_worker, pamperbank):
    from kern.roles import Role

    colleague = UserFactory(
        username="collega", role=Role.SOCIAL_WORKER, organisation=OrganisationFactory()
    )
    referral = services.issue_referral(actor=social_worker, household=family, programs=[pamperbank])
    with pytest.raises(NotAllowed):
        services.revoke_referral(actor=colleague, referral=referral)
    with pytest.raises(NotAllowed):
        services.renew_referral(actor=colleague, referral=referral)
    assert Referral.objects.get(pk=referral.pk).revoked_at is None


def test_renewing_makes_a_new_referral_once(family, social_worker, pamperbank):
    referral = services.issue_referral(actor=social_worker, household=family, programs=[pamperbank])
    new = services.renew_referral(actor=social_worker, referral=referral)
    assert new.renews == referral and list(new.programs.all()) == [pamperbank]
    with pytest.raises(Conflict):
        services.renew_referral(actor=social_worker, referral=referral)


def test_unknown_referral_code_is_not_found(volunteer):
    from kern.barcodes import CodeType, encode

    with pytest.raises(NotFound):
        services.referral_by_code(actor=volunteer, code=encode(CodeType.REFERRAL, 4242), source="x")


# --- Eligibility ------------------------------------------------------------------------


def test_without_evidence_there_is_no_access(family, pamperbank, gent_point):
    result = selectors.entitlement(household=family, program=pamperbank, location=gent_point)
    assert not result.allowed and result.quota_remaining is None


def test_a_valid_referral_gives_access_with_a_quota_for_children_under_three(
    family, social_worker, pamperbank, gent_point
):
    referral = services.issue_referral(actor=social_worker, household=family, programs=[pamperbank])
    result = selectors.entitlement(household=family, program=pamperbank, location=gent_point)
    assert result.allowed and result.social
    assert result.until == referral.valid_until
    assert (result.quota_packs, result.quota_remaining) == (8, 8)  # one child under 36 months
    assert referral.valid_until.strftime("%d/%m/%Y") in result.explanation


def test_a_revoked_or_expired_referral_gives_no_access(
    family, social_worker, pamperbank, gent_point
):
    referral = services.issue_referral(actor=social_worker, household=family, programs=[pamperbank])
    services.revoke_referral(actor=social_worker, referral=referral)
    assert not selectors.entitlement(
        household=family, program=pamperbank, location=gent_point
    ).allowed
    later = services.issue_referral(actor=social_worker, household=family, programs=[pamperbank])
    after_end = later.valid_until + dt.timedelta(days=1)
    assert not selectors.entitlement(
        household=family, program=pamperbank, location=gent_point, on=after_end
    ).allowed


def test_a_right_in_one_program_opens_the_programs_it_grants(
    family, social_worker, pamperbank, babytheek, gent_point
):
    pamperbank.grants.add(babytheek)
    services.issue_referral(actor=social_worker, household=family, programs=[pamperbank])
    result = selectors.entitlement(household=family, program=babytheek, location=gent_point)
    assert result.allowed and result.membership_fee == Decimal("5")


def test_an_open_program_admits_everyone_at_the_normal_fee(family, speelotheek, gent_point):
    result = selectors.entitlement(household=family, program=speelotheek, location=gent_point)
    assert result.allowed and not result.social and result.membership_fee == Decimal("15")


def make_check(
    family, volunteer, *, status="ACTIVE", postcodes=("9000", "9050"), system="1", hours_ago=0
):
    card = services.link_uitpas_card(actor=volunteer, household=family, number="0900000067513")
    return Evidence.objects.create(
        household=family,
        kind=Evidence.Kind.UITPAS,
        card=card,
        social_tariff=status,
        card_system_id=system,
        card_system_name="UiTPAS Regio Gent",
        card_system_postcodes=list(postcodes),
        valid_until=TODAY() + dt.timedelta(days=200),
        checked_by=volunteer,
        checked_at=timezone.now() - dt.timedelta(hours=hours_ago),
    )


def test_an_active_social_tariff_in_the_region_of_the_point_gives_access(
    family, volunteer, pamperbank, gent_point
):
    make_check(family, volunteer)
    result = selectors.entitlement(household=family, program=pamperbank, location=gent_point)
    assert (
        result.allowed and "UiTPAS" not in result.explanation and "Gent" not in result.explanation
    )


def test_social_tariff_of_another_region_does_not_count(family, volunteer, pamperbank, gent_point):
    make_check(family, volunteer, postcodes=("9300",), system="7")
    assert not selectors.entitlement(
        household=family, program=pamperbank, location=gent_point
    ).allowed


def test_a_coordinator_can_choose_which_card_systems_count(
    family, volunteer, pamperbank, gent_point
):
    make_check(family, volunteer, postcodes=("9300",), system="7")
    pamperbank.uitpas_card_systems = ["7"]
    pamperbank.save()
    assert selectors.entitlement(household=family, program=pamperbank, location=gent_point).allowed


def test_an_expired_social_tariff_gives_no_access(family, volunteer, pamperbank, gent_point):
    make_check(family, volunteer, status="EXPIRED")
    assert not selectors.entitlement(
        household=family, program=pamperbank, location=gent_point
    ).allowed


def test_an_old_uitpas_check_asks_for_a_new_scan(family, volunteer, pamperbank, gent_point):
    make_check(family, volunteer, hours_ago=48)
    result = selectors.entitlement(household=family, program=pamperbank, location=gent_point)
    assert not result.allowed and result.needs_uitpas_check


def test_a_coordinator_exception_needs_a_reason_and_gives_access(
    family, coordinator, pamperbank, gent_point
):
    with pytest.raises(DomainError):
        services.grant_exception(
            actor=coordinator, household=family, program=pamperbank, reason=" ", valid_until=TODAY()
        )
    services.grant_exception(
        actor=coordinator,
        household=family,
        program=pamperbank,
        reason="UiTPAS onbereikbaar",
        valid_until=TODAY() + dt.timedelta(days=7),
    )
    assert selectors.entitlement(household=family, program=pamperbank, location=gent_point).allowed
    evidence = Evidence.objects.get(kind=Evidence.Kind.EXCEPTION)
    assert evidence.reason == "UiTPAS onbereikbaar"
    assert AuditEntry.objects.filter(
        action="grant_exception", details__evidence=evidence.pk
    ).exists()


def test_a_volunteer_cannot_grant_an_exception(family, volunteer, pamperbank):
    with pytest.raises(NotAllowed):
        services.grant_exception(
            actor=volunteer, household=family, program=pamperbank, reason="x", valid_until=TODAY()
        )
