"""kern.middleware's two rules on their own, quickly: what a signed-in person gets is never
stored by a cache, and a refusal of a signed-in person lands in the audit log with ids only."""

from __future__ import annotations

import pytest

from kern.models import AuditEntry
from tests.api_client import bearer


def test_a_signed_in_page_without_its_own_cache_control_gets_private_no_store(login, coordinator):
    response = login(coordinator).get("/locaties/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_an_api_answer_to_a_token_gets_private_no_store(client, volunteer):
    response = client.get("/api/v1/whoami", **bearer(volunteer))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_the_anonymous_catalogue_keeps_its_public_caching(client, point):
    response = client.get("/catalogus/")
    assert response.status_code == 200
    assert "public" in response["Cache-Control"] and "no-store" not in response["Cache-Control"]


def test_an_anonymous_answer_is_left_alone(client):
    response = client.get("/gezond/")
    assert response.status_code == 200 and not response.has_header("Cache-Control")


def test_a_refused_page_is_logged_with_the_screen_and_ids_only(login, volunteer, point):
    response = login(volunteer).get(f"/locaties/{point.pk}/wijzigen/")
    assert response.status_code == 403
    entry = AuditEntry.objects.get(action="denied")
    assert entry.actor == volunteer
    assert entry.object_type == "kern:location_edit"
    assert entry.object_id == f"pk={point.pk}"
    assert entry.source == f"GET /locaties/{point.pk}/wijzigen/"
    assert entry.details == {"status": 403} and entry.object_repr == ""


def test_a_refused_api_call_by_token_is_logged(client, social_worker):
    response = client.get("/api/v1/voorraad/levels", **bearer(social_worker))
    assert response.status_code == 403
    entry = AuditEntry.objects.get(action="denied")
    assert entry.actor == social_worker
    assert entry.object_type == "api:stock_levels"
    assert entry.source == "GET /api/v1/voorraad/levels"


@pytest.mark.parametrize("url", ["/bestaat-niet/", "/balie/999999/"])
def test_anonymous_refusals_are_not_logged(db, client, url):
    client.get(url)
    assert not AuditEntry.objects.filter(action="denied").exists()


def test_a_missing_record_is_logged_as_denied_with_its_id(login, coordinator):
    response = login(coordinator).get("/voorraad/producten/999999/")
    assert response.status_code == 404
    entry = AuditEntry.objects.get(action="denied")
    assert entry.object_id == "pk=999999" and entry.details == {"status": 404}


def test_a_url_matching_nothing_is_not_logged(login, coordinator):
    assert login(coordinator).get("/bestaat-niet/").status_code == 404
    assert not AuditEntry.objects.filter(action="denied").exists()


def test_the_admin_sites_refusal_of_a_signed_in_non_staff_person_is_logged(login, volunteer):
    response = login(volunteer).get("/beheer/")
    assert response.status_code == 302 and response["Location"].startswith("/beheer/login/")
    entry = AuditEntry.objects.get(action="denied")
    assert entry.actor == volunteer and entry.object_type == "admin:index"


def test_a_failing_audit_write_leaves_the_refusal_a_refusal(login, volunteer, point):
    from tests.faults import fail_on

    client = login(volunteer)
    with fail_on("kern_auditentry"):
        response = client.get(f"/locaties/{point.pk}/wijzigen/")
    assert response.status_code == 403


def test_scanning_an_unknown_code_is_not_logged_as_denied(client, coordinator):
    response = client.post(
        "/api/v1/scan",
        {"code": "5400000000003"},
        content_type="application/json",
        **bearer(coordinator),
    )
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="denied").exists()
