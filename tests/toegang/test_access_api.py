"""API: issue_referral, revoke_referral (token auth). check_eligibility is the counter's:
tests/uitlening/test_api.py."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from kern.models import AuditEntry
from tests.api_client import bearer, post
from toegang import services
from toegang.models import Household, Program, Referral


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
    assert response.status_code == 422
    assert response.json()["field"] == "new_household.postcode"
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


def test_four_identical_referral_requests_with_one_key_make_one_referral(
    client, social_worker, pamperbank
):
    body = {
        "new_household": {"postcode": "9040", "adults": 2, "children": []},
        "program_ids": [pamperbank.pk],
    }
    headers = {**bearer(social_worker), "HTTP_IDEMPOTENCY_KEY": "brief-42"}
    answers = [post(client, "/api/v1/toegang/referrals", body, headers) for _ in range(4)]
    assert [a.status_code for a in answers] == [201] * 4
    assert len({a.content for a in answers}) == 1
    assert [a.get("Idempotent-Replay") for a in answers] == [None, "true", "true", "true"]
    assert Referral.objects.count() == 1 and Household.objects.count() == 1


def test_the_same_referral_key_for_other_programs_is_a_409(client, social_worker, pamperbank):
    other = Program.objects.create(name="Babytheek", kind="babytheek")
    headers = {**bearer(social_worker), "HTTP_IDEMPOTENCY_KEY": "brief-43"}
    household = {"new_household": {"postcode": "9040"}}
    first = post(
        client, "/api/v1/toegang/referrals", {**household, "program_ids": [pamperbank.pk]}, headers
    )
    second = post(
        client, "/api/v1/toegang/referrals", {**household, "program_ids": [other.pk]}, headers
    )
    assert first.status_code == 201
    assert second.status_code == 409 and second.json()["code"] == "idempotency_key_reused"
    assert Referral.objects.count() == 1


def test_revoking_a_referral_twice_with_one_key_replays_the_first_answer(
    client, social_worker, pamperbank
):
    household = services.register_household(actor=social_worker, postcode="9000", children=[])
    referral = services.issue_referral(
        actor=social_worker, household=household, programs=[pamperbank]
    )
    headers = {**bearer(social_worker), "HTTP_IDEMPOTENCY_KEY": "intrekken-1"}
    path = f"/api/v1/toegang/referrals/{referral.pk}/revoke"
    first, again = (post(client, path, {}, headers) for _ in range(2))
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() and first.json()["revoked"] is True
    assert again["Idempotent-Replay"] == "true"
    assert AuditEntry.objects.filter(action="revoke_referral").count() == 1


@pytest.mark.parametrize(
    "new_household",
    [
        {"postcode": "9000", "adults": "x"},
        {"postcode": "9000", "children": [{}]},
        {"postcode": "9000", "children": [1]},
        {"postcode": "9000", "children": "ab"},
        {"postcode": "9000", "children": [{"birth_year": 2024, "birth_month": 13}]},
        [1],
        "ab",
    ],
)
def test_a_malformed_new_household_is_a_422_and_creates_nothing(
    client, social_worker, pamperbank, new_household
):
    response = post(
        client,
        "/api/v1/toegang/referrals",
        {"new_household": new_household, "program_ids": [pamperbank.pk]},
        bearer(social_worker),
    )
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "validation"
    assert not Household.objects.exists() and not Referral.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"household_code": "G1", "program_ids": [2**63]},
        {"household_code": "G1", "program_ids": []},
        {"program_ids": [1]},
    ],
)
def test_referral_program_ids_are_bounded_and_a_household_is_required(client, social_worker, body):
    response = post(client, "/api/v1/toegang/referrals", body, bearer(social_worker))
    assert response.status_code == 422, response.content
