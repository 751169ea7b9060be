"""A token acts with the intersection of its owner's current rights and its scopes, on
every check: API operations, services, counter points."""

from typing import get_args

import pytest
from django.test import Client

from kern import services
from kern.errors import DomainError
from kern.models import ApiToken, AuditEntry
from kern.scopes import SCOPES, permissions_of
from tests.factories import LocationFactory


def bearer(plaintext):
    return {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}


def token_for(user, *scopes):
    return services.create_api_token(
        actor=user, owner=user, name="t", scopes=list(scopes)
    ).plaintext


def test_the_api_schema_names_exactly_the_scopes_of_kern_scopes():
    from kern.api import TokenScope

    assert set(get_args(TokenScope)) == set(SCOPES)


def test_every_scope_covers_real_permissions():
    from kern.roles import PERMISSIONS

    for scope, (_label, codenames) in SCOPES.items():
        assert codenames and set(codenames) <= set(PERMISSIONS), scope


# --- Scopes are a subset of what the owner holds ------------------------------------------


def test_a_volunteer_cannot_make_a_stock_token(volunteer):
    with pytest.raises(DomainError) as refused:
        services.create_api_token(actor=volunteer, owner=volunteer, name="x", scopes=["stock"])
    assert "mieke mag" in refused.value.message and "Voorraad" in refused.value.message
    assert refused.value.field == "scopes"
    assert ApiToken.objects.count() == 0


def test_an_unknown_scope_or_no_scope_is_refused(volunteer):
    for scopes in (["alles"], []):
        with pytest.raises(DomainError):
            services.create_api_token(actor=volunteer, owner=volunteer, name="x", scopes=scopes)
    assert ApiToken.objects.count() == 0


def test_without_scopes_a_token_gets_every_scope_its_owner_holds(volunteer, coordinator):
    assert services.create_api_token(actor=volunteer, owner=volunteer, name="x").token.scopes == [
        "counter",
        "shifts",
    ]
    coordinator_scopes = services.create_api_token(
        actor=coordinator, owner=coordinator, name="x"
    ).token.scopes
    assert {"counter", "stock", "reports", "shifts", "admin"} == set(coordinator_scopes)
    assert "referrals" not in coordinator_scopes


def test_an_admin_making_a_token_for_a_volunteer_is_bound_by_the_volunteers_rights(
    admin_user, volunteer
):
    with pytest.raises(DomainError):
        services.create_api_token(actor=admin_user, owner=volunteer, name="x", scopes=["admin"])
    issued = services.create_api_token(
        actor=admin_user, owner=volunteer, name="x", scopes=["counter"]
    )
    assert issued.token.scopes == ["counter"]
    entry = AuditEntry.objects.get(action="create", object_type="kern.apitoken")
    assert entry.details["scopes"] == ["counter"]


def test_a_token_cannot_make_tokens_so_none_outlives_its_revocation(client, coordinator):
    parent = token_for(coordinator, "counter")
    for body in ({"name": "breder", "scopes": ["stock"]}, {"name": "zelfde", "valid_days": 30}):
        answer = client.post(
            "/api/v1/tokens", body, content_type="application/json", **bearer(parent)
        )
        assert answer.status_code == 403
    assert ApiToken.objects.count() == 1


# --- A scoped token is refused outside its scope ------------------------------------------


def test_a_counter_token_of_a_coordinator_cannot_read_stock_levels_or_reports(
    client, coordinator, point
):
    counter = token_for(coordinator, "counter")
    assert client.get("/api/v1/voorraad/levels", **bearer(counter)).status_code == 403
    report = client.get("/api/v1/rapportering/summary", **bearer(counter))
    assert report.status_code in (403, 404, 422)
    if report.status_code == 403:
        assert report.json()["code"] == "forbidden"
    scan = client.post(
        "/api/v1/scan",
        {"code": point.code, "location_id": point.pk},
        content_type="application/json",
        **bearer(counter),
    )
    assert scan.status_code == 200


def test_a_stock_token_of_a_coordinator_cannot_work_the_counter(client, coordinator, point):
    stock = token_for(coordinator, "stock")
    assert client.get("/api/v1/voorraad/levels", **bearer(stock)).status_code == 200
    scan = client.post(
        "/api/v1/scan",
        {"code": point.code, "location_id": point.pk},
        content_type="application/json",
        **bearer(stock),
    )
    assert scan.status_code == 403


def test_whoami_lists_only_the_permissions_the_token_carries(client, coordinator):
    body = client.get("/api/v1/whoami", **bearer(token_for(coordinator, "reports"))).json()
    assert body["permissions"] == ["view_reports"]
    assert body["locations"] == []  # no counter scope: no points to act at


def test_a_token_loses_what_its_owner_loses(client, coordinator):
    from django.contrib.auth.models import Group

    from kern.roles import Role

    stock = token_for(coordinator, "stock")
    coordinator.groups.remove(Group.objects.get(name=Role.COORDINATOR))
    assert client.get("/api/v1/voorraad/levels", **bearer(stock)).status_code == 403


def test_narrowing_reaches_can_act_at_and_counter_locations(coordinator, point):
    other = LocationFactory(name="Uitdeelpunt Melle")
    user = services.authenticate_api_token(plaintext=token_for(coordinator, "reports"))
    assert user is not None
    assert not user.can_act_at(point) and not user.can_act_at(other)
    assert not user.counter_locations().exists()
    counter_user = services.authenticate_api_token(plaintext=token_for(coordinator, "counter"))
    assert counter_user is not None
    assert counter_user.can_act_at(point) and counter_user.can_act_at(other)


def test_narrowing_never_widens(coordinator):
    user = services.authenticate_api_token(plaintext=token_for(coordinator, "stock", "reports"))
    assert user is not None
    user.restrict(perms=permissions_of(["reports", "admin"]))
    assert user.has_perm("kern.view_reports")
    assert not user.has_perm("kern.manage_stock")
    assert not user.has_perm("kern.manage_users")


def test_expired_and_revoked_tokens_are_refused_on_api_operations(client, volunteer, point):
    import datetime as dt

    from django.utils import timezone

    expired = token_for(volunteer, "counter")
    ApiToken.objects.filter(user=volunteer).update(expires_at=timezone.now() - dt.timedelta(1))
    revoked_issue = services.create_api_token(
        actor=volunteer, owner=volunteer, name="r", scopes=["counter"]
    )
    services.revoke_api_token(actor=volunteer, token_id=revoked_issue.token.pk)
    for plaintext in (expired, revoked_issue.plaintext):
        answer = Client().post(
            "/api/v1/scan",
            {"code": point.code},
            content_type="application/json",
            **bearer(plaintext),
        )
        assert answer.status_code == 401
        assert answer.json()["code"] == "unauthenticated"
