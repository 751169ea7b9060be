"""In a real browser, the access journeys: a social worker refers a new family and prints
the letter (whose Code 128 and QR code scan back to the referral code); a volunteer checks
the family in at the counter with that referral code, and with UiTPAS cards against the
UiTPAS stand-in (an active card, a blocked card, and UiTPAS down: the family's referral
still counts, with a warning about the card), a revoked referral letter that says so, and
a new card UiTPAS refuses before any form is shown. A check-in card never
shows the evidence or contact details, and every household opened is in the audit log.
Screenshots of each step are kept in test-artifacts/."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from kern.models import AuditEntry, User
from tests.browser.conftest import log_in, screenshot
from tests.conftest import require_tool
from toegang import services
from toegang.models import Evidence, Household, Program, Referral, UitpasCard

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SOCIAL_WORKER = "maatschappelijkwerker"  # CAW Oost-Vlaanderen
VOLUNTEER = "vrijwilliger"  # Uitdeelpunt Centrum, Gent
CENTRUM = "Uitdeelpunt Centrum"
ACTIVE_GENT = "0900000067513"
EXPIRED = "0900000031618"
BLOCKED = "0900000002312"
# Words that would give away why a family may use a program.
EVIDENCE_WORDS = re.compile(r"doorverwijz|referral|uitpas|kansentarief|sociaal tarief", re.I)


# --- Fixtures and helpers ---------------------------------------------------------------


def months_ago(n: int) -> services.ChildIn:
    today = timezone.localdate()
    index = today.year * 12 + today.month - 1 - n
    return services.ChildIn(birth_year=index // 12, birth_month=index % 12 + 1)


def open_counter(page) -> None:
    page.locator(".mainnav").get_by_role("link", name=re.compile(r"^(Balie|Counter)$")).click()
    page.wait_for_selector("[data-scan-input]")
    assert CENTRUM in page.locator("h1").inner_text()


def scan(page, code: str, count_before: int):
    """Type a code like a USB scanner (keys, then Enter) and return the new card."""
    page.keyboard.type(code + "\n", delay=5)
    cards = page.locator("#scan-results .scan-card")
    expect(cards).to_have_count(count_before + 1)
    return cards.first  # newest first


def text_without_refused_rows(card) -> str:
    """The card's text, without the rows of programs the family may not use (these say
    generically what would give access, which is not evidence about this family)."""
    return card.evaluate(
        """card => {
            const copy = card.cloneNode(true);
            copy.querySelectorAll('tr[data-allowed="false"]').forEach(row => row.remove());
            document.body.appendChild(copy);
            const text = copy.innerText;
            copy.remove();
            return text;
        }"""
    )


def views_by(username: str) -> set[int]:
    return {
        int(pk)
        for pk in AuditEntry.objects.filter(
            action="view", object_type="toegang.household", actor__username=username
        ).values_list("object_id", flat=True)
    }


def decode(pdf: bytes, symbology: str) -> set[str]:
    """What zbarimg reads in the PDF (rendered at 200 dpi, grey) with only ``symbology``."""
    pdftoppm = require_tool("pdftoppm", "apt-get install poppler-utils")
    zbarimg = require_tool("zbarimg", "apt-get install zbar-tools")
    with tempfile.TemporaryDirectory() as tmp:
        pdf_path = Path(tmp) / "letter.pdf"
        pdf_path.write_bytes(pdf)
        subprocess.run(
            [pdftoppm, "-r", "200", "-gray", "-png", str(pdf_path), str(Path(tmp) / "page")],
            check=True,
            timeout=60,
        )
        images = sorted(Path(tmp).glob("page*.png"))
        assert images
        decoded = subprocess.run(
            [
                zbarimg,
                "--quiet",
                "--raw",
                "-Sdisable",
                f"-S{symbology}.enable",
                *map(str, images),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    return {value for value in decoded.stdout.split() if value}


# --- 1. The social worker refers a new family -------------------------------------------


def test_social_worker_refers_a_new_family_and_prints_the_letter(page, demo):
    pamperbank = Program.objects.get(name="Pamperbank")
    laptops = Program.objects.get(name="Laptops")
    households_before = set(Household.objects.values_list("pk", flat=True))
    child = months_ago(6)
    assert views_by(SOCIAL_WORKER) == set()

    log_in(page, SOCIAL_WORKER)
    nav = page.locator(".mainnav")
    nav.get_by_role("link", name=re.compile(r"^(Doorverwijzingen|Referrals)$")).click()
    page.wait_for_url(page.base_url + reverse("toegang:referral_list"))
    page.locator('[data-action="create"]').click()
    page.wait_for_url(page.base_url + reverse("toegang:referral_create"))

    form = page.locator("#referral-form")
    # Professional secrecy: nowhere to type why the family is referred.
    names = form.locator("[name]").evaluate_all("fields => fields.map(field => field.name)")
    assert "postcode" in names and "programs" in names
    assert not [name for name in names if re.search(r"reason|reden", name, re.I)], names

    form.locator(f'input[name="programs"][value="{pamperbank.pk}"]').check()
    form.locator(f'input[name="programs"][value="{laptops.pk}"]').check()
    form.locator("#id_postcode").fill("9000")
    form.locator('[name="child_1_month"]').select_option(str(child.birth_month))
    form.locator('[name="child_1_year"]').fill(str(child.birth_year))
    screenshot(page, "access-1-referral-form")
    with page.expect_navigation():
        form.locator("button[type=submit].primary").click()

    referral = Referral.objects.select_related("household").get(
        issued_by__username=SOCIAL_WORKER,
        household__in=Household.objects.exclude(pk__in=households_before),
    )
    household = referral.household
    assert page.url == page.base_url + reverse("toegang:referral_detail", args=[referral.pk])
    assert household.postcode == "9000" and household.adults == 1
    assert household.first_name == household.email == household.phone == ""
    assert list(household.children.values_list("birth_year", "birth_month")) == [
        (child.birth_year, child.birth_month)
    ]
    assert set(referral.programs.values_list("name", flat=True)) == {"Pamperbank", "Laptops"}
    assert referral.organisation.name == "CAW Oost-Vlaanderen"
    assert referral.valid_from == timezone.localdate()

    facts = page.locator(f'[data-referral="{referral.code}"]')
    expect(facts).to_have_attribute("data-status", "active")
    expect(facts).to_have_attribute("data-used", "no")
    expect(facts.locator(f'[data-household="{household.code}"]')).to_be_visible()
    expect(facts).to_contain_text(f"{referral.valid_until:%d/%m/%Y}")
    expect(facts).to_contain_text("Pamperbank")
    expect(facts).to_contain_text("Laptops")
    expect(page.get_by_role("heading", level=1)).to_contain_text(referral.code)
    screenshot(page, "access-2-referral-detail")

    # The letter for the family, fetched with the page's cookies as the link would.
    href = page.locator('[data-action="letter"]').get_attribute("href")
    assert href == reverse("toegang:referral_letter", args=[referral.pk])
    response = page.request.get(page.base_url + href)
    assert response.status == 200, response.text()[:500]
    assert response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    assert pdf.startswith(b"%PDF")
    # Both the Code 128 (USB scanner) and the QR code (phone) carry the referral code.
    assert decode(pdf, "code128") == {referral.code}
    assert decode(pdf, "qrcode") == {referral.code}

    assert household.pk in views_by(SOCIAL_WORKER)
    assert page.console_errors == []


# --- 2. The volunteer checks the family in with the referral code -----------------------


def test_volunteer_checks_in_a_family_by_referral_code(page, demo):
    worker = User.objects.get(username=SOCIAL_WORKER)
    pamperbank = Program.objects.get(name="Pamperbank")
    laptops = Program.objects.get(name="Laptops")
    until = timezone.localdate() + dt.timedelta(days=45)
    # What step 1 created through the screens, here through the services: a new family
    # (this time with contact details, which the counter must never show).
    household = services.register_household(
        actor=worker,
        postcode="9000",
        children=[months_ago(6)],
        email="gezin.test@example.org",
        phone="0499 11 22 33",
        consent=True,
    )
    referral = services.issue_referral(
        actor=worker, household=household, programs=[pamperbank, laptops], valid_until=until
    )

    assert views_by(VOLUNTEER) == set()

    log_in(page, VOLUNTEER)
    open_counter(page)
    card = scan(page, referral.code, 0)

    expect(card).to_have_attribute("data-scan-outcome", "checkin")
    expect(card).to_have_attribute("data-household", household.code)
    expect(card.locator("[data-children]")).to_have_attribute("data-children", "1")
    expect(card.locator('[data-child-months="6"]')).to_have_count(1)
    row = card.locator('tr[data-program="Pamperbank"]')
    expect(row).to_have_attribute("data-allowed", "true")
    expect(row).to_have_attribute("data-until", f"{until:%Y-%m-%d}")
    expect(row).to_have_attribute("data-quota-remaining", "8")  # one baby × 8 packs
    expect(row).to_contain_text(f"{until:%d/%m/%Y}")
    expect(row.locator("td.num")).to_contain_text(re.compile(r"\b8\b.*\b8\b"))
    expect(card.locator('tr[data-program="Laptops"]')).to_have_attribute("data-allowed", "true")
    expect(card.locator('tr[data-program="Fietsbib"]')).to_have_attribute("data-allowed", "false")
    screenshot(page, "access-3-checkin-referral")

    # No evidence: not that a referral gives access, not who issued it; no contact details.
    shown = text_without_refused_rows(card)
    assert not EVIDENCE_WORDS.search(shown), shown
    full = card.inner_text() + card.inner_html()
    for secret in (
        "CAW Oost-Vlaanderen",
        worker.get_full_name() or worker.first_name,
        "Sofie",
        referral.code,
        "gezin.test@example.org",
        "0499 11 22 33",
        "0499",
    ):
        assert secret not in full, secret

    referral.refresh_from_db()
    assert referral.first_used_at is not None
    assert household.pk in views_by(VOLUNTEER)
    assert page.console_errors == []


# --- 3. The volunteer checks families in with their UiTPAS card -------------------------


def test_volunteer_checks_in_by_uitpas_card_against_the_standin(page, demo, uitpas):
    # ``uitpas`` (tests/conftest.py): the stand-in for the whole run, settings pointed at it
    # (the live server thread reads the same settings object), no fault, no cached token.
    def household_of(number: str) -> Household:
        return UitpasCard.objects.get(number_hash=services.uitpas_hash(number)).household

    active, blocked, expired = (household_of(n) for n in (ACTIVE_GENT, BLOCKED, EXPIRED))
    assert not Evidence.objects.exists()
    assert views_by(VOLUNTEER) == set()

    log_in(page, VOLUNTEER)
    open_counter(page)

    # An active social tariff in Gent: checked with UiTPAS, the family may come in.
    card = scan(page, ACTIVE_GENT, 0)
    expect(card).to_have_attribute("data-scan-outcome", "checkin")
    expect(card).to_have_attribute("data-household", active.code)
    for program in ("Pamperbank", "Fietsbib", "Babytheek"):
        expect(card.locator(f'tr[data-program="{program}"]')).to_have_attribute(
            "data-allowed", "true"
        )
    shown = text_without_refused_rows(card)
    assert not EVIDENCE_WORDS.search(shown), shown
    assert ACTIVE_GENT not in card.inner_html()
    assert "0470" not in card.inner_text()  # the demo family's phone number
    assert Evidence.objects.filter(household=active, social_tariff="ACTIVE").count() == 1
    evidence_count = Evidence.objects.count()
    assert uitpas.requests_seen.get("/passes") == 1

    # A blocked pass: the family's valid referral still counts, with a red warning about
    # the card; nothing is written.
    card = scan(page, BLOCKED, 1)
    expect(card).to_have_attribute("data-scan-outcome", "checkin")
    expect(card).to_have_attribute("data-household", blocked.code)
    expect(card.locator('tr[data-program="Pamperbank"]')).to_have_attribute("data-allowed", "true")
    warning = card.locator("[data-checkin-warnings]")
    expect(warning).to_have_attribute("role", "alert")
    expect(warning.locator('[data-uitpas-error="passholder_blocked"]')).to_be_visible()
    expect(warning).to_contain_text(re.compile(r"geblokkeerd|blocked", re.I))
    expect(warning.locator("[data-other-evidence]")).to_be_visible()
    red = warning.evaluate("w => getComputedStyle(w).color")
    r, g, b = map(int, re.findall(r"\d+", red)[:3])
    assert r > 150 and g < 100 and b < 100, red
    assert BLOCKED not in card.inner_html()  # the last digits at most
    assert "Nadia" not in card.inner_text()  # UiTPAS's name for the passholder
    assert Evidence.objects.count() == evidence_count
    assert not Evidence.objects.filter(household=blocked).exists()

    # UiTPAS down: the family's valid referral still counts, with a clear "cannot be
    # reached" warning; nothing is written.
    uitpas.down()
    card = scan(page, EXPIRED, 2)
    expect(card).to_have_attribute("data-scan-outcome", "checkin")
    expect(card).to_have_attribute("data-household", expired.code)
    expect(card.locator('tr[data-program="Fietsbib"]')).to_have_attribute("data-allowed", "true")
    warning = card.locator('[data-uitpas-error="unavailable"]')
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(
        re.compile(r"niet (be)?reikbaar|onbereikbaar|cannot be reached|unavailable", re.I)
    )
    assert Evidence.objects.count() == evidence_count
    assert not Evidence.objects.filter(household=expired).exists()
    expect(page.locator("#scan-results .scan-card")).to_have_count(3)
    expect(page.locator("[data-scan-input]")).to_have_value("")
    screenshot(page, "access-4-checkin-uitpas")

    assert {active.pk, blocked.pk, expired.pk} <= views_by(VOLUNTEER)
    assert page.console_errors == []


# --- 4. What was scanned gives no access: the counter says so ---------------------------


def test_volunteer_is_warned_by_a_revoked_letter_and_a_card_uitpas_refuses(page, demo, uitpas):
    revoked = Referral.objects.filter(revoked_at__isnull=False).select_related("household")[0]
    log_in(page, VOLUNTEER)
    open_counter(page)

    # A revoked letter: the family's panel opens with a prominent warning and the date.
    card = scan(page, revoked.code, 0)
    expect(card).to_have_attribute("data-scan-outcome", "checkin")
    expect(card).to_have_attribute("data-household", revoked.household.code)
    warning = card.locator('[data-checkin-warning="referral_revoked"]')
    expect(warning).to_be_visible()
    day = timezone.localtime(revoked.revoked_at)
    expect(warning).to_contain_text(re.compile(rf"ingetrokken op {day:%d/%m/%Y}|revoked on"))
    expect(card.locator('tr[data-program="Laptops"]')).to_have_attribute("data-allowed", "true")
    revoked.refresh_from_db()
    assert revoked.first_used_at is None

    # A new card that is not registered yet: refused at the scan, no form to fill in.
    households = Household.objects.count()
    card = scan(page, "0900000074519", 1)
    expect(card).to_have_attribute("data-scan-outcome", "error")
    expect(card).to_have_attribute("data-uitpas-error", "invalid_card_status")
    expect(card.locator("[data-end-user-message]")).to_contain_text("nog niet geregistreerd")
    expect(page.locator("[data-register-form]")).to_have_count(0)
    assert Household.objects.count() == households
    screenshot(page, "access-5-checkin-warnings")
    assert page.console_errors == []


# --- 5. Registering a family at the counter: once, however often the page reloads ------


def test_volunteer_registers_a_family_and_a_reload_registers_nothing(page, demo):
    households = Household.objects.count()
    log_in(page, VOLUNTEER)
    open_counter(page)
    page.locator("[data-register-link]").click()
    form = page.locator("[data-register-form]")
    form.locator('[name="postcode"]').fill("9000")
    child = months_ago(3)
    form.locator('[name="child_1_month"]').select_option(str(child.birth_month))
    form.locator('[name="child_1_year"]').fill(str(child.birth_year))
    form.get_by_role("button").click()
    card = page.locator('#scan-results [data-scan-outcome="checkin"]')
    expect(card).to_have_attribute("data-new-household", "")
    code = card.get_attribute("data-household")
    assert "ingeschreven=" in page.url  # redirected after the POST
    assert Household.objects.count() == households + 1

    page.reload()
    expect(page.locator('#scan-results [data-scan-outcome="checkin"]')).to_have_attribute(
        "data-household", code or ""
    )
    page.go_back()
    page.go_forward()
    assert Household.objects.count() == households + 1
    assert page.console_errors == []
