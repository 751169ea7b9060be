"""In a real browser: each demo account logs in, sees its role's navigation, and the
counter takes scans."""

import pytest

from kern.models import Location
from tests.browser.conftest import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXPECTED_NAV = {
    "vrijwilliger": ["Start", "Balie", "Te laat terug", "Mijn diensten"],
    "maatschappelijkwerker": ["Start", "Doorverwijzingen", "Partneraanvragen"],
    "coordinator": [
        "Start",
        "Balie",
        "Te laat terug",
        "Herstellingen",
        "Partneraanvragen",
        "Seizoensacties",
        "Voorraad",
        "Vrijwilligers",
        "Mijn diensten",
        "Rapporten",
        "Importeren",
        "Programma's",
        "Locaties",
    ],
    "beheerder": [
        "Start",
        "Rapporten",
        "Locaties",
        "Organisaties",
        "Gebruikers",
        "Gezinnen",
        "Auditlog",
    ],
}


@pytest.mark.parametrize("username", list(EXPECTED_NAV))
def test_demo_account_logs_in_and_sees_its_navigation(page, demo, username):
    page.goto(page.base_url + "/")
    assert page.url.startswith(page.base_url + "/aanmelden/")
    assert page.locator("html").get_attribute("lang") == "nl-be"
    log_in(page, username)
    nav = page.locator(".mainnav a").all_inner_texts()
    assert nav == EXPECTED_NAV[username]
    screenshot(page, f"home-{username}")
    assert page.console_errors == []


def test_wrong_password_shows_a_dutch_error_and_keeps_the_username(page, demo):
    page.goto(page.base_url + "/aanmelden/")
    page.get_by_label("Gebruikersnaam").fill("vrijwilliger")
    page.get_by_label("Wachtwoord").fill("fout")
    page.get_by_role("button", name="Aanmelden").click()
    assert page.get_by_role("alert").inner_text().startswith("Je gebruikersnaam en wachtwoord")
    assert page.get_by_label("Gebruikersnaam").input_value() == "vrijwilliger"


def test_volunteer_cannot_open_another_points_counter(page, demo):
    log_in(page, "vrijwilliger")
    melle = Location.objects.get(name="Uitdeelpunt Melle")
    response = page.goto(f"{page.base_url}/balie/{melle.pk}/")
    assert response.status == 403
    assert "Uitdeelpunt Melle" in page.locator("main").inner_text()


def test_counter_takes_fast_scans_in_order_even_when_focus_is_elsewhere(page, demo):
    log_in(page, "vrijwilliger")
    page.get_by_role("navigation").get_by_role("link", name="Balie").click()
    page.wait_for_selector("[data-scan-input]")
    centrum = Location.objects.get(name="Uitdeelpunt Centrum")
    melle = Location.objects.get(name="Uitdeelpunt Melle")
    # Like a USB scanner: keystrokes ending in Enter, three codes in a row, no pause.
    page.keyboard.type(centrum.code + "\n", delay=5)
    page.locator("h1").click()  # focus leaves the scan bar
    page.keyboard.type(melle.code + "\n", delay=5)
    page.keyboard.type("0900000095903\n", delay=5)  # a typo in an UiTPAS number
    cards = page.locator(".scan-card")
    cards.nth(2).wait_for()
    texts = cards.all_inner_texts()
    assert len(texts) == 3
    # newest first
    assert "controlecijfer" in texts[0]
    assert "Uitdeelpunt Melle" in texts[1]
    assert "Uitdeelpunt Centrum" in texts[2]
    assert page.locator("[data-scan-input]").input_value() == ""
    screenshot(page, "counter-scans")
