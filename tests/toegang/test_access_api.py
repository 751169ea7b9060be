"""API: issue_referral, revoke_referral (token auth). check_eligibility is the counter's:
tests/uitlening/test_api.py."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from kern import services as kern_services
from tests.factories import MunicipalityFactory
from toegang import services
from toegang.models import Household, Program, Referral


@pytest.fixture
def gent_point(point):
    point.municipality = MunicipalityFactory(
        name="Gent", postcodes=["9000", "9040", "9050", "9090"]
    )
    point.postcode = "9000"
    point.save()
    return point


@pytest.fixture
def pamperbank(db):
    return Program.objects.create(name="Pamperbank", kind="pamperbank", quota_packs_per_child=8)


def bearer(user):
    token = kern_services.create_api_token(actor=user, owner=user, name="t").plaintext
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post(client, path, body, headers):
    return client.post(path, json.dumps(body), content_type="application/json", **headers)


def test_social_worker_issues_a_referral_for_a_new_household_through_the_api(
    client, social_worker, pamperbank
):
    year = timezone.localdate().year
    response = post(
        client,
        "/api/v1/toegang/referrals",
        {
            "new_household": {
                "postcode": "9040",
                "children": [{"birth_year": year, "birth_month": 1}],
            },
            "program_ids": [pamperbank.pk],
        },
        bearer(social_worker),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["programs"] == ["Pamperbank"] and body["code"].startswith("D")
    assert "reason" not in json.dumps(body)
    assert Household.objects.count() == 1


def test_issue_referral_with_a_bad_household_creates_nothing(client, social_worker, pamperbank):
    response = post(
        client,
        "/api/v1/toegang/referrals",
        {"new_household": {"postcode": "90"}, "program_ids": [pamperbank.pk]},
        bearer(social_worker),
    )
    assert response.status_code == 400
    assert not Household.objects.exists() and not Referral.objects.exists()


def test_revoke_referral_by_its_issuer_only(client, social_worker, coordinator, pamperbank):
    household = services.register_household(actor=social_worker, postcode="9000", children=[])
    referral = services.issue_referral(
        actor=social_worker, household=household, programs=[pamperbank]
    )
    refused = post(
        client, f"/api/v1/toegang/referrals/{referral.pk}/revoke", {}, bearer(coordinator)
    )
    assert refused.status_code == 403
    done = post(
        client, f"/api/v1/toegang/referrals/{referral.pk}/revoke", {}, bearer(social_worker)
    )
    assert done.status_code == 200 and done.json()["revoked"] is True
