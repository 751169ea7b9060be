"""Every URL pattern and API operation against the table in tests/security/matrix.py: one
request per role and row, on the demo data. Failures are collected and reported together,
each naming the row, the role and what came back."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import Any

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.test import Client
from django.utils.http import urlencode

from kern.models import AuditEntry
from tests.security import data
from tests.security.matrix import (
    ADMIN_SITE,
    ANON,
    OPERATIONS,
    PAGES,
    ROLES,
    Op,
    Page,
    api_operations,
    resolve,
    url_patterns,
)

ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>")
LOGIN_PATHS = (resolve_url(settings.LOGIN_URL), "/beheer/login/")


HOW_TO = (
    "  with the roles that may use it (ANON, VOL, SW, COORD, ADMIN; or SIGNED_IN, EVERYONE,\n"
    "  NOBODY); post=True for a POST-only view; the format is explained at the top of\n"
    "  matrix.py. Then run: .venv/bin/pytest -q tests/security"
)


def test_every_url_pattern_has_a_row_and_every_row_a_pattern():
    patterns = {p.route: p for p in url_patterns()}
    missing = [route for route in patterns if route not in PAGES]
    gone = [route for route in PAGES if route not in patterns]
    messages = [
        f"URL pattern {route!r} ({patterns[route].name or 'unnamed'}) has no row in the "
        "access-control matrix. Add to PAGES in tests/security/matrix.py:\n"
        f"    {route!r}: page(roles(VOL, COORD)"
        + "".join(
            f', {arg}="@<record in tests/security/data.py>"' for arg in patterns[route].arguments
        )
        + "),\n"
        + HOW_TO
        for route in missing
    ] + [
        f"Row {route!r} in PAGES (tests/security/matrix.py) names a URL pattern that no "
        "longer exists: remove it or correct the route."
        for route in gone
    ]
    assert not messages, "\n".join(messages)


def test_every_api_operation_has_a_row_and_every_row_an_operation():
    operations = api_operations()
    missing = [key for key in operations if key not in OPERATIONS]
    gone = [key for key in OPERATIONS if key not in operations]
    messages = [
        f"API operation {key!r} ({operations[key]}) has no row in the access-control matrix. "
        "Add to OPERATIONS in tests/security/matrix.py:\n"
        f"    {key!r}: op(roles(VOL, COORD)"
        + "".join(f', {arg}="@<record>"' for arg in re.findall(r"\{(\w+)\}", key))
        + ", body={...a valid JSON body...}),  # or query={...} for a GET\n"
        + HOW_TO
        for key in missing
    ] + [
        f"Row {key!r} in OPERATIONS (tests/security/matrix.py) names an API operation that "
        "no longer exists: remove it or correct it."
        for key in gone
    ]
    assert not messages, "\n".join(messages)


# --- Requesting every row as every role -------------------------------------------------------


def clients(context: Mapping[str, Any]) -> dict[str, Client]:
    found = {ANON: Client()}
    for role, user in context["users"].items():
        client = Client()
        client.force_login(user)
        found[role] = client
    return found


def page_url(route: str, row: Page, context: Mapping[str, Any]) -> str:
    if route == ADMIN_SITE:
        return "/beheer/"
    kwargs = {name: resolve(value, context) for name, value in row.kwargs.items()}
    url = "/" + ARGUMENT.sub(lambda m: str(kwargs[m.group(1)]), route)
    return f"{url}?{row.query}" if row.query else url


def to_login(response: HttpResponse) -> bool:
    location = response.get("Location", "")
    return response.status_code in (301, 302) and any(
        location.startswith(path) for path in LOGIN_PATHS
    )


def page_verdict(response: HttpResponse, row: Page, role: str) -> bool | None:
    """True: let through; False: refused; None: neither (a server error, a wrong id)."""
    status = response.status_code
    if status == 405 and row.post:
        return True
    if 200 <= status < 400:
        return not to_login(response)
    if status in (403, 404):
        return False
    return None


def headers_problems(response: HttpResponse, role: str, public: bool) -> list[str]:
    problems = []
    if role != ANON and not public:
        # "private, no-store" from kern.middleware unless the view chose its own; a view may
        # only choose something at least as strict (kern.pdf's bare "no-store" for documents
        # without personal data: the confirm card, a pick list, a count sheet).
        cache = {part.strip() for part in response.get("Cache-Control", "").split(",")}
        if "no-store" not in cache or "public" in cache:
            problems.append(f"Cache-Control is {response.get('Cache-Control')!r}, not no-store")
    if response.get("Content-Type", "").startswith("text/html"):
        policy = response.get("Content-Security-Policy", "")
        if "script-src 'self'" not in policy or "unsafe-inline" in policy:
            problems.append(f"Content-Security-Policy is {policy!r}")
    return problems


def check_pages(context, by_role, observed) -> list[str]:
    failures = []
    ordered = sorted(PAGES.items(), key=lambda item: item[1].send)
    for route, row in ordered:
        url = page_url(route, row, context)
        for role in ROLES:
            denied_before = AuditEntry.objects.filter(action="denied").count()
            send = by_role[role].post if row.send else by_role[role].get
            response = send(url)
            verdict = page_verdict(response, row, role)
            observed.setdefault(("page", route), {})[role] = (verdict, response.status_code)
            method = "POST" if row.send else "GET"
            where = f"{route!r} as {role} ({method} {url} -> {response.status_code})"
            expected = role in row.allowed
            if verdict is None:
                failures.append(f"{where}: neither allowed nor refused")
            elif verdict != expected:
                failures.append(
                    f"{where}: {'let through' if verdict else 'refused'}, the matrix says "
                    f"{'allowed' if expected else 'refused'}"
                )
            elif verdict:
                failures += [
                    f"{where}: {p}"
                    for p in headers_problems(response, role, row.public)
                    if not (row.post and response.status_code == 405)
                ]
            elif (
                role != ANON and AuditEntry.objects.filter(action="denied").count() == denied_before
            ):
                failures.append(f"{where}: refused, but no 'denied' entry in the audit log")
            elif role == ANON and not to_login(response) and response.status_code != 404:
                failures.append(f"{where}: anonymous refused without a redirect to login")
    return failures


def api_verdict(response: HttpResponse) -> bool | None:
    status = response.status_code
    if status in (401, 403, 404):
        return False
    if status == 422 or status >= 500:
        return None  # a body the row should have made valid, or a server error
    return True


def api_url(path: str, row: Op, context: Mapping[str, Any]) -> str:
    kwargs = {name: resolve(value, context) for name, value in row.kwargs.items()}
    url = re.sub(r"\{(\w+)\}", lambda m: str(kwargs[m.group(1)]), path)
    query = resolve(dict(row.query or {}), context)
    return f"{url}?{urlencode(query)}" if query else url


def check_operations(context, by_role, observed) -> list[str]:
    failures = []
    for key, row in OPERATIONS.items():
        method, path = key.split(" ", 1)
        url = api_url(path, row, context)
        for role in ROLES:
            extra: dict[str, Any] = {}
            if row.body is not None:
                extra = {
                    "data": json.dumps(resolve(dict(row.body), context)),
                    "content_type": "application/json",
                }
            response = by_role[role].generic(method, url, **extra)
            verdict = api_verdict(response)
            observed.setdefault(("op", key), {})[role] = (verdict, response.status_code)
            where = f"{key!r} as {role} ({method} {url} -> {response.status_code})"
            expected = role in row.allowed
            if verdict is None:
                failures.append(f"{where}: neither allowed nor refused: {response.content[:200]!r}")
            elif verdict != expected:
                failures.append(
                    f"{where}: {'let through' if verdict else 'refused'}, the matrix says "
                    f"{'allowed' if expected else 'refused'}"
                )
            elif verdict:
                failures += [f"{where}: {p}" for p in headers_problems(response, role, row.public)]
            elif role == ANON and response.status_code != 401:
                failures.append(f"{where}: anonymous refused without 401")
    return failures


def print_observed(observed) -> None:
    """MATRIX_DISCOVER=1: print what each role got, as the allowed sets, to review."""
    for (kind, key), results in observed.items():
        allowed = [role for role in ROLES if results[role][0]]
        statuses = " ".join(f"{role[:5]}={results[role][1]}" for role in ROLES)
        print(f"{kind} {key!r}: {allowed}  # {statuses}")


@pytest.mark.django_db
def test_every_role_gets_exactly_what_the_matrix_allows():
    context = data.load()
    by_role = clients(context)
    observed: dict[tuple[str, str], dict[str, tuple[bool | None, int]]] = {}
    failures = check_pages(context, by_role, observed)
    failures += check_operations(context, by_role, observed)
    if os.environ.get("MATRIX_DISCOVER"):
        print_observed(observed)
    checks = sum(len(results) for results in observed.values())
    print(f"\nmatrix: {len(PAGES)} page rows, {len(OPERATIONS)} API rows, {checks} checks")
    assert not failures, f"{len(failures)} of {checks} checks failed:\n" + "\n".join(failures)
