"""API: check_eligibility (token auth), the same check-in as the counter screen, with the
UiTPAS path against the local stand-in."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from kern.models import AuditEntry
from tests.api_client import bearer, post
from toegang import services
from toegang.models import Evidence, Referral


def test_check_eligibility_by_referral_code_tells_what_without_why(
    client, volunteer, social_worker, pamperbank, gent_point
):
    household = services.register_household(
        actor=social_worker,
        postcode="9000",
        children=[services.ChildIn(timezone.localdate().year, 1)],
    )
    referral = services.issue_referral(
        actor=social_worker, household=household, programs=[pamperbank]
    )
    response = post(
        client,
        "/api/v1/toegang/eligibility",
        {"location_id": gent_point.pk, "referral_code": referral.code},
        bearer(volunteer),
    )
    assert response.status_code == 200, response.content
    [row] = response.json()["entitlements"]
    assert row["allowed"] is True
    assert row["quota_remaining"] == pamperbank.quota_packs_per_child
    text = json.dumps(response.json()).lower()
    assert "doorverwijzing" not in text and "referral" not in text
    assert AuditEntry.objects.filter(
        action="view", object_id=str(household.pk), actor=volunteer
    ).exists()


def test_check_eligibility_at_another_point_is_refused(
    client, volunteer, other_point, social_worker, pamperbank
):
    household = services.register_household(actor=social_worker, postcode="9000", children=[])
    response = post(
        client,
        "/api/v1/toegang/eligibility",
        {"location_id": other_point.pk, "household_code": household.code},
        bearer(volunteer),
    )
    assert response.status_code == 403


@pytest.fixture
def linked(social_worker, volunteer):
    household = services.register_household(
        actor=social_worker,
        postcode="9000",
        children=[services.ChildIn(timezone.localdate().year, 1)],
    )
    services.link_uitpas_card(actor=volunteer, household=household, number="0900000067513")
    return household


def test_check_eligibility_by_uitpas_asks_uitpas_once_and_reuses_the_check(
    client, volunteer, pamperbank, gent_point, uitpas, linked
):
    body = {"location_id": gent_point.pk, "uitpas_number": "0900000067513"}
    headers = bearer(volunteer)
    first = post(client, "/api/v1/toegang/eligibility", body, headers)
    assert first.status_code == 200, first.content
    assert first.json()["entitlements"][0]["allowed"] is True
    second = post(client, "/api/v1/toegang/eligibility", body, headers)
    assert second.status_code == 200
    assert Evidence.objects.filter(kind="uitpas").count() == 1  # the recent check was reused


def test_uitpas_down_is_an_error_to_retry_not_a_warning_and_writes_no_evidence(
    client, volunteer, pamperbank, gent_point, uitpas, linked
):
    uitpas.down()
    response = post(
        client,
        "/api/v1/toegang/eligibility",
        {"location_id": gent_point.pk, "uitpas_number": "0900000067513"},
        bearer(volunteer),
    )
    assert response.status_code in (502, 503, 504), response.content
    assert response.json()["code"] in ("unavailable", "timeout", "unauthorized", "rate_limited")
    assert response.json()["detail"]
    assert not Evidence.objects.exists()


def test_an_unlinked_uitpas_card_asks_to_register_the_family(
    client, volunteer, pamperbank, gent_point, uitpas
):
    response = post(
        client,
        "/api/v1/toegang/eligibility",
        {"location_id": gent_point.pk, "uitpas_number": "0900000095902"},
        bearer(volunteer),
    )
    assert response.status_code == 404 and response.json()["code"] == "uitpas_not_linked"


def test_an_expired_referral_date_math_uses_today(
    client, volunteer, social_worker, pamperbank, gent_point
):
    household = services.register_household(actor=social_worker, postcode="9000", children=[])
    referral = services.issue_referral(
        actor=social_worker,
        household=household,
        programs=[pamperbank],
        valid_until=timezone.localdate() + dt.timedelta(days=1),
    )
    response = post(
        client,
        "/api/v1/toegang/eligibility",
        {"location_id": gent_point.pk, "referral_code": referral.code},
        bearer(volunteer),
    )
    assert response.json()["entitlements"][0]["until"] == referral.valid_until.isoformat()


def test_check_eligibility_by_referral_marks_it_used_like_the_counter_screen(
    client, volunteer, social_worker, pamperbank, gent_point
):
    household = services.register_household(actor=social_worker, postcode="9000", children=[])
    referral = services.issue_referral(
        actor=social_worker, household=household, programs=[pamperbank]
    )
    body = {"location_id": gent_point.pk, "referral_code": referral.code}
    assert post(client, "/api/v1/toegang/eligibility", body, bearer(volunteer)).status_code == 200
    first_use = Referral.objects.get(pk=referral.pk).first_used_at
    assert first_use is not None
    post(client, "/api/v1/toegang/eligibility", body, bearer(volunteer))
    assert Referral.objects.get(pk=referral.pk).first_used_at == first_use


def test_check_eligibility_reuses_a_check_as_long_as_the_programs_allow(
    client, volunteer, pamperbank, gent_point, uitpas, linked
):
    pamperbank.uitpas_check_reuse_hours = 2
    pamperbank.save()
    Evidence.objects.create(
        household=linked,
        kind=Evidence.Kind.UITPAS,
        card=linked.uitpas_cards.get(),
        social_tariff="ACTIVE",
        card_system_id="1",
        card_system_postcodes=["9000"],
        valid_until=timezone.localdate() + dt.timedelta(days=30),
        checked_by=volunteer,
        checked_at=timezone.now() - dt.timedelta(hours=3),  # older than the program allows
    )
    body = {"location_id": gent_point.pk, "uitpas_number": "0900000067513"}
    assert post(client, "/api/v1/toegang/eligibility", body, bearer(volunteer)).status_code == 200
    assert uitpas.requests_seen.get("/passes") == 1
    assert Evidence.objects.filter(household=linked).count() == 2


@pytest.mark.parametrize(
    "body",
    [
        {"location_id": 2**63, "household_code": "G1"},
        {"location_id": 0, "household_code": "G1"},
        {"location_id": 1, "household_code": "G1", "program_ids": [2**63]},
        {"location_id": 1, "household_code": "G1", "program_ids": [-1]},
        {"location_id": 1, "household_code": "G1", "program_ids": list(range(1, 200))},
        {"location_id": 1, "household_code": "G" * 41},
    ],
    ids=[
        "huge-location",
        "zero-location",
        "huge-program",
        "negative-program",
        "long-list",
        "long-code",
    ],
)
def test_check_eligibility_refuses_out_of_range_input_with_422(client, volunteer, body):
    response = post(client, "/api/v1/toegang/eligibility", body, bearer(volunteer))
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "validation"


def test_check_eligibility_keeps_its_path_and_declares_its_error_answers(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/toegang/eligibility"]["post"]
    assert operation["operationId"] == "check_eligibility"
    assert {"200", "400", "401", "403", "404", "409", "422", "502", "503", "504"} <= set(
        operation["responses"]
    )
    body = schema["components"]["schemas"]["EligibilityIn"]["properties"]
    assert body["location_id"]["maximum"] == 2**31 - 1
    assert body["program_ids"]["maxItems"] == 100


def test_a_blocked_uitpas_card_answers_with_a_warning_and_the_familys_other_evidence(
    client, volunteer, social_worker, pamperbank, gent_point, uitpas
):
    household = services.register_household(
        actor=social_worker,
        postcode="9000",
        children=[services.ChildIn(timezone.localdate().year, 1)],
    )
    services.issue_referral(actor=social_worker, household=household, programs=[pamperbank])
    services.link_uitpas_card(actor=volunteer, household=household, number="0900000002312")

    response = post(
        client,
        "/api/v1/toegang/eligibility",
        {"location_id": gent_point.pk, "uitpas_number": "0900000002312"},
        {**bearer(volunteer), "HTTP_ACCEPT_LANGUAGE": "nl"},
    )

    assert response.status_code == 200, response.content
    answer = response.json()
    [warning] = answer["warnings"]
    assert warning["code"] == "passholder_blocked" and warning["about_uitpas"] is True
    assert "geblokkeerd" in warning["message"]
    assert answer["entitlements"][0]["allowed"] is True  # the referral still counts
    assert not Evidence.objects.filter(kind="uitpas").exists()


def test_a_revoked_referral_answers_with_a_warning(
    client, volunteer, social_worker, pamperbank, gent_point
):
    household = services.register_household(actor=social_worker, postcode="9000", children=[])
    referral = services.issue_referral(
        actor=social_worker, household=household, programs=[pamperbank]
    )
    services.revoke_referral(actor=social_worker, referral=referral)

    response = post(
        client,
        "/api/v1/toegang/eligibility",
        {"location_id": gent_point.pk, "referral_code": referral.code},
        bearer(volunteer),
    )

    assert response.status_code == 200
    assert [w["code"] for w in response.json()["warnings"]] == ["referral_revoked"]
    assert response.json()["entitlements"][0]["allowed"] is False
