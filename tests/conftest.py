"""Shared fixtures, and the rule that in CI (CI set) a skipped test is a failure."""

from __future__ import annotations

import os
import shutil

import pytest
from django.test import Client

from kern.roles import Role
from tests.factories import (
    PASSWORD,
    LocationFactory,
    MunicipalityFactory,
    OrganisationFactory,
    UserFactory,
)
from toegang.models import Program

IN_CI = bool(os.environ.get("CI"))


def require_tool(path_or_name: str, why: str) -> str:
    """Return the executable's path, or skip (outside CI) with a message saying what to
    install. In CI the skip is turned into a failure by the hook below."""
    found = shutil.which(path_or_name)
    if not found:
        pytest.skip(f"{path_or_name} is not installed: {why}")
    return found


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"Skipped in CI, which must run every test: {reason}"


# --- People and places ------------------------------------------------------------------


@pytest.fixture
def point(db):
    return LocationFactory(name="Uitdeelpunt Centrum")


@pytest.fixture
def other_point(db):
    return LocationFactory(name="Uitdeelpunt Melle")


@pytest.fixture
def organisation(db):
    return OrganisationFactory(name="CAW Oost-Vlaanderen")


@pytest.fixture
def volunteer(db, point):
    return UserFactory(username="mieke", role=Role.VOLUNTEER, locations=[point])


@pytest.fixture
def social_worker(db, organisation):
    return UserFactory(username="sofie", role=Role.SOCIAL_WORKER, organisation=organisation)


@pytest.fixture
def coordinator(db):
    return UserFactory(username="karim", role=Role.COORDINATOR)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="an", role=Role.ADMIN)


@pytest.fixture
def users_by_role(volunteer, social_worker, coordinator, admin_user):
    return {
        Role.VOLUNTEER: volunteer,
        Role.SOCIAL_WORKER: social_worker,
        Role.COORDINATOR: coordinator,
        Role.ADMIN: admin_user,
    }


def client_for(user) -> Client:
    """A client logged in as ``user``. Client.login() cannot be used: it authenticates
    without a request, which django-axes' lockout backend refuses; the login form itself
    is tested in tests/kern/test_login_protection.py."""
    assert user.check_password(PASSWORD)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def login():
    return client_for


def pytest_configure(config):
    """Compile the translation catalogues when a .po is newer than its .mo, so a plain
    `pytest` run sees the Dutch interface too (`make test` compiles them anyway)."""
    from pathlib import Path

    import polib

    root = Path(__file__).resolve().parents[1] / "locale"
    for po_path in root.glob("*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))


# --- The local UiTPAS stand-in ------------------------------------------------------------


@pytest.fixture(scope="session")
def standin():
    """publiq's test passes on a real HTTP server on 127.0.0.1, for the whole run."""
    from toegang.uitpas.standin import start_standin

    server = start_standin()
    yield server
    server.stop()


@pytest.fixture
def uitpas(standin, settings):
    """Point the UiTPAS client at the stand-in, with no fault mode and no cached token."""
    from toegang.uitpas.client import clear_token_cache

    settings.UITPAS_API_URL = standin.url
    settings.UITPAS_TOKEN_URL = standin.token_url
    settings.UITPAS_CLIENT_ID = "deelpunt-demo"
    settings.UITPAS_CLIENT_SECRET = "demo-secret"
    settings.UITPAS_TIMEOUT = 2.0
    standin.reset()
    clear_token_cache()
    yield standin
    standin.reset()
    clear_token_cache()


# --- Gent, its distribution point and the pamperbank ---------------------------------------


@pytest.fixture
def gent(db):
    return MunicipalityFactory(name="Gent", postcodes=["9000", "9040", "9050", "9090"])


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
