"""toegang.services.households and .uitpas: registering a household, opening one, linking
an UiTPAS card (the checks with UiTPAS are tested against the stand-in in the counter
and client tests)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from kern.errors import Conflict, DomainError, NotAllowed
from kern.models import AuditEntry
from toegang import services
from toegang.models import Household, UitpasCard

TODAY = timezone.localdate


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
        wrong = "1" if family.code.endswith("0") else "0"  # a check character that is wrong
        services.household_by_code(actor=volunteer, code=family.code[:-1] + wrong, source="x")


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
