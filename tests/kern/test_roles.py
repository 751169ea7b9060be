"""The role-by-URL matrix: each role reaches its screens and API operations and gets 403
(or, logged out, a redirect to login / 401) everywhere else."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from kern.roles import (
    ADMIN_MODEL_PERMISSIONS,
    PERMISSIONS,
    ROLE_PERMISSIONS,
    Role,
    sync_role_groups,
)
from tests.conftest import client_for

V, S, C, A = Role.VOLUNTEER, Role.SOCIAL_WORKER, Role.COORDINATOR, Role.ADMIN
EVERYONE = {V, S, C, A}

# url (with {point} and {other} placeholders) -> roles that get 200
PAGES = {
    "/": EVERYONE,
    "/account/wachtwoord/": EVERYONE,
    "/account/api-sleutels/": EVERYONE,
    "/balie/{point}/": {V, C},
    "/balie/{other}/": {C},
    "/toegang/doorverwijzingen/": {S},
    "/toegang/doorverwijzingen/nieuw/": {S},
    "/toegang/doorverwijzingen/overzicht/": {C},
    "/toegang/programmas/": {C},
    "/toegang/programmas/nieuw/": {C},
    "/toegang/uitzonderingen/nieuw/": {C},
    "/toegang/gezinnen/": {A},
    "/balie/{point}/gezin/nieuw/": {V, C},
    "/voorraad/": {C},
    "/voorraad/bewegingen/": {C},
    "/voorraad/overboekingen/": {C},
    "/voorraad/overboekingen/nieuw/": {C},
    "/voorraad/correcties/nieuw/": {C},
    "/voorraad/tellingen/": {C},
    "/vrijwilligers/": {C},
    "/locaties/": {C, A},
    "/locaties/nieuw/": {C, A},
    "/locaties/{point}/": {C, A},
    "/locaties/{point}/wijzigen/": {C, A},
    "/organisaties/": {A},
    "/gebruikers/": {A},
    "/auditlog/": {A},
    "/beheer/": {A},
    "/beheer/kern/user/": {A},
}

# (method, path, JSON body) -> roles that get 2xx
API = {
    ("GET", "/api/v1/whoami", ""): EVERYONE,
    ("GET", "/api/v1/tokens", ""): EVERYONE,
    ("POST", "/api/v1/scan", '{"code": "{point_code}"}'): {V, S, C},
    ("POST", "/api/v1/scan", '{"code": "{point_code}", "location_id": {point}}'): {V, C},
    ("POST", "/api/v1/scan", '{"code": "{point_code}", "location_id": {other}}'): {C},
    ("GET", "/api/v1/voorraad/levels", ""): {C},
    # Allowed roles get past the role check to a 400/404 (nothing to look up): not 401/403.
    ("POST", "/api/v1/toegang/eligibility", '{"location_id": {point}}'): {V, C},
    ("POST", "/api/v1/toegang/referrals", '{"household_code": "G1", "program_ids": [999999]}'): {S},
    ("POST", "/api/v1/toegang/referrals/999999/revoke", ""): {S},
    # Allowed roles get past the role check to a 404 (no such product): not 401/403.
    (
        "POST",
        "/api/v1/voorraad/donations",
        '{"location_id": {point}, "lines": [{"product_id": 999999, "quantity": 1}]}',
    ): {C},
    (
        "POST",
        "/api/v1/voorraad/transfers",
        '{"from_location_id": {point}, "to_location_id": {other}, "lines": [{"product_id": 999999, "quantity": 1}]}',
    ): {C},
    (
        "POST",
        "/api/v1/voorraad/adjustments",
        '{"product_id": 999999, "location_id": {point}, "quantity": 1, "reason": "x"}',
    ): {C},
}


def fill(text, point, other):
    return (
        text.replace("{point}", str(point.pk))
        .replace("{other}", str(other.pk))
        .replace("{point_code}", point.code)
    )


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("url", list(PAGES))
def test_page_access_by_role(url, role, users_by_role, point, other_point):
    response = client_for(users_by_role[role]).get(fill(url, point, other_point))
    expected = 200 if role in PAGES[url] else 403
    if expected == 403 and url.startswith("/beheer/"):
        # the admin site sends non-staff people to its own login page
        assert response.status_code == 302 and "/beheer/login/" in response["Location"]
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("url", [u for u in PAGES if u != "/"] + ["/"])
def test_pages_send_anonymous_visitors_to_login(client, url, point, other_point):
    response = client.get(fill(url, point, other_point))
    assert response.status_code == 302
    assert "/aanmelden/" in response["Location"] or "/beheer/login/" in response["Location"]


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(
    "operation",
    list(API),
    ids=lambda op: f"{op[0]} {op[1]} {op[2]}".replace("{", "").replace("}", ""),
)
def test_api_access_by_role(operation, role, users_by_role, point, other_point):
    method, path, body = operation
    client = client_for(users_by_role[role])
    response = client.generic(
        method, path, fill(body, point, other_point), content_type="application/json"
    )
    if role in API[operation]:
        if "999999" in body + path or "toegang/eligibility" in path:
            assert response.status_code in (400, 404), response.content
        else:
            assert 200 <= response.status_code < 300, response.content
    else:
        assert response.status_code == 403, response.content
        assert response.json()["code"] == "forbidden"


@pytest.mark.parametrize("operation", list(API), ids=lambda op: f"{op[0]} {op[1]}")
def test_api_refuses_anonymous_callers_with_401(client, operation, point, other_point):
    method, path, body = operation
    response = client.generic(
        method, path, fill(body, point, other_point), content_type="application/json"
    )
    assert response.status_code == 401
    assert "API-sleutel" in response.json()["detail"]


@pytest.mark.django_db
def test_groups_hold_exactly_the_permissions_of_roles_py():
    for role, codenames in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role.value)
        custom = {p.codename for p in group.permissions.filter(codename__in=PERMISSIONS)}
        assert custom == set(codenames), role


@pytest.mark.django_db
def test_sync_role_groups_restores_a_tampered_group():
    group = Group.objects.get(name=Role.VOLUNTEER.value)
    group.permissions.clear()
    sync_role_groups(apps)
    assert {p.codename for p in group.permissions.all()} == {"use_counter", "work_shifts"}
    admin = Group.objects.get(name=Role.ADMIN.value)
    assert {p.codename for p in admin.permissions.all()} >= {
        codename for _app, codename in ADMIN_MODEL_PERMISSIONS
    }


def test_each_role_sees_only_its_navigation(users_by_role):
    expected = {
        V: {
            "home",
            "uitlening:counter_choose",
            "uitlening:overdue_choose",
            "vrijwilligers:shift_mine",
        },
        S: {"home", "toegang:referral_list", "uitlening:partner_list"},
        C: {
            "home",
            "uitlening:counter_choose",
            "uitlening:overdue_choose",
            "uitlening:repair_list",
            "voorraad:stock_overview",
            "vrijwilligers:volunteer_list",
            "vrijwilligers:shift_mine",
            "toegang:program_list",
            "kern:location_list",
            "uitlening:partner_list",
            "uitlening:seasonal_list",
            "rapportering:report",
            "rapportering:import_start",
        },
        A: {
            "home",
            "rapportering:report",
            "kern:location_list",
            "kern:organisation_list",
            "kern:user_list",
            "toegang:household_admin_list",
            "kern:audit_list",
        },
    }
    for role, user in users_by_role.items():
        html = client_for(user).get("/").content.decode()
        shown = {chunk.split('"')[0] for chunk in html.split('data-nav="')[1:]}
        assert shown == expected[role], role
