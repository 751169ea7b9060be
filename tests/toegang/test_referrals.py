"""toegang.services.referrals: issuing, revoking and renewing referrals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kern.errors import Conflict, DomainError, NotAllowed, NotFound
from kern.roles import Role
from tests.factories import OrganisationFactory, UserFactory
from toegang import services
from toegang.models import Program, Referral

TODAY = timezone.localdate


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

    loose = UserFactory(username="los", role=Role.SOCIAL_WORKER)
    with pytest.raises(NotAllowed):
        services.issue_referral(actor=loose, household=family, programs=[pamperbank])


def test_only_the_issuer_revokes_or_renews(family, social_worker, pamperbank):

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
