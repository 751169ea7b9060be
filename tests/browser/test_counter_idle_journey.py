"""An idle counter tablet in a real browser: once the server has signed the session out,
the next scan lands on the login page and nothing of the family stays on the screen or in
the tablet's storage."""

from __future__ import annotations

import time

import pytest
from django.apps import apps
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import expect

from kern.roles import Role, sync_role_groups
from kern.session_security import LAST_ACTIVITY
from tests.browser.test_counter_journeys import check_in, scan
from tests.factories import PASSWORD, UserFactory
from tests.uitlening import conftest as counter_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

pamperbank = counter_data.pamperbank
babytheek = counter_data.babytheek
fietsbib = counter_data.fietsbib
family = counter_data.family


@pytest.fixture(autouse=True)
def roles(transactional_db):
    sync_role_groups(apps)


def age_session(page, seconds: int) -> None:
    """Time travel: the session's last activity moved back on the server."""
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "sessionid"]
    session = SessionStore(session_key=cookie["value"])
    session[LAST_ACTIVITY] = int(time.time()) - seconds
    session.save()


def test_a_scan_after_the_idle_limit_lands_on_login_with_the_family_cleared(
    page, point, family, settings
):
    settings.SESSION_IDLE_MINUTES = 1
    settings.COUNTER_IDLE_MINUTES = 1
    coordinator = UserFactory(username="coordinator", role=Role.COORDINATOR)
    page.goto(page.base_url + "/aanmelden/")
    page.get_by_label("Gebruikersnaam").fill(coordinator.username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(page.base_url + "/")
    page.goto(f"{page.base_url}/balie/{point.pk}/")
    # the page clears itself at the same limit as the server
    expect(page.locator("[data-counter-form]")).to_have_attribute("data-idle-seconds", "60")
    check_in(page, family)

    age_session(page, 61)
    scan(page, family.code)

    page.wait_for_url(f"{page.base_url}/aanmelden/**")
    expect(page.get_by_label("Wachtwoord")).to_be_visible()
    assert family.code not in page.content()
    stored = page.evaluate("JSON.stringify(Object.assign({}, window.localStorage))")
    assert family.code not in stored
