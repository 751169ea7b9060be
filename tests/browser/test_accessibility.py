"""Accessibility in a real browser: axe-core (pinned, from npm, read from a local file; see
tests/browser/axe.py) on the counter, its household panel after a check-in, the referral
form, the coordinator's dashboard, the shift planner and the public catalogue, each on a
tablet (768 × 1024) and a desktop: no serious or critical violation. And on the counter at
tablet width every visible target a finger may tap is at least 44 × 44 CSS px (WCAG 2.5.5).

The data is the demo of `make run`. Screenshots go to test-artifacts/."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from kern.models import Location
from tests.browser.axe import AXE_VERSION, axe_path, verify
from tests.browser.conftest import log_in, screenshot
from toegang.models import Household
from voorraad.models import Item, Product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 768, "height": 1024}
DESKTOP = {"width": 1280, "height": 860}
WIDTHS = {"tablet": TABLET, "desktop": DESKTOP}
BLOCKING = ("serious", "critical")
TOUCH_MIN = 44  # CSS px, WCAG 2.5.5 (AAA) and the counter's own rule

# The demo's volunteer works at this point, where Amina's family (a valid Pamperbank
# referral) can take diapers. Codes follow the ids, which a reused test database shifts.
CENTRUM = "Uitdeelpunt Centrum"


@pytest.fixture(scope="module")
def axe_source() -> str:
    path = axe_path()
    if not path.is_file():  # a skip, which fails in CI (tests/conftest.py)
        pytest.skip(
            f"axe-core is not at {path}: run `make test` (or `python -m tests.browser.axe`)"
        )
    return str(path)


@pytest.fixture
def axe_page(browser, live_server):
    """A page whose context ignores the app's Content-Security-Policy, for this test only:
    axe arrives as an inline script, which the strict policy (rightly) refuses in the app."""
    context = browser.new_context(locale="nl-BE", viewport=DESKTOP, bypass_csp=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()


def axe_violations(page, axe_source: str) -> list[dict]:
    """Run axe on the page as it is now; return its violations (every impact)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=axe_source)
    assert page.evaluate("() => axe.version") == AXE_VERSION, "stale axe.min.js: run make test"
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(' ')),
            }));
        }"""
    )


def assert_accessible(page, axe_source: str, screen: str) -> None:
    """On tablet and desktop: axe finds nothing serious or critical."""
    found = {}
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        violations = axe_violations(page, axe_source)
        screenshot(page, f"a11y-{screen}-{width}")
        blocking = [v for v in violations if v["impact"] in BLOCKING]
        if blocking:
            found[width] = blocking
    assert not found, f"axe {AXE_VERSION} on {screen}:\n" + json.dumps(found, indent=2)


def open_counter(page) -> None:
    log_in(page, "vrijwilliger")
    point = Location.objects.get(name=CENTRUM)
    page.goto(f"{page.base_url}/balie/{point.pk}/")
    page.wait_for_selector("[data-scan-input]")


def check_in_with_basket(page) -> None:
    """Check the family in (the household panel opens), put diapers in the basket and lend
    a stroller (a loan line with its checklist of accessories)."""
    household = Household.objects.get(first_name="Amina").code
    diapers = Product.objects.get(name="Luiers maat 1").code
    stroller = Item.objects.filter(
        name="Bugaboo Fox", status=Item.Status.AVAILABLE, location__name=CENTRUM
    ).first()
    assert stroller is not None, "the demo has an available stroller at the counter"
    page.keyboard.type(household, delay=8)
    page.keyboard.press("Enter")
    expect(page.locator(f'#scan-results [data-household="{household}"]').first).to_be_visible()
    for index, code in enumerate((diapers, stroller.code)):
        page.keyboard.type(code, delay=8)
        page.keyboard.press("Enter")
        expect(page.locator(f'#basket [data-line="{index}"]')).to_be_visible()


# --- axe on each screen ----------------------------------------------------------------


def test_the_counter_has_no_serious_accessibility_violations(axe_page, axe_source, demo):
    open_counter(axe_page)
    assert_accessible(axe_page, axe_source, "counter")


def test_the_household_panel_has_no_serious_accessibility_violations(axe_page, axe_source, demo):
    open_counter(axe_page)
    check_in_with_basket(axe_page)
    assert_accessible(axe_page, axe_source, "counter-household")


def test_the_referral_form_has_no_serious_accessibility_violations(axe_page, axe_source, demo):
    log_in(axe_page, "maatschappelijkwerker")
    axe_page.goto(axe_page.base_url + "/toegang/doorverwijzingen/nieuw/")
    expect(axe_page.locator("main form")).to_be_visible()
    assert_accessible(axe_page, axe_source, "referral-form")


def test_the_dashboard_has_no_serious_accessibility_violations(axe_page, axe_source, demo):
    log_in(axe_page, "coordinator")
    assert_accessible(axe_page, axe_source, "dashboard")


def test_the_shift_planner_has_no_serious_accessibility_violations(axe_page, axe_source, demo):
    log_in(axe_page, "coordinator")
    axe_page.goto(axe_page.base_url + "/vrijwilligers/planning/")
    assert_accessible(axe_page, axe_source, "shift-planner")


def test_the_public_catalogue_has_no_serious_accessibility_violations(axe_page, axe_source, demo):
    axe_page.goto(axe_page.base_url + "/catalogus/")
    expect(axe_page.locator("main h1")).to_be_visible()
    assert_accessible(axe_page, axe_source, "catalogue")


# --- touch targets ---------------------------------------------------------------------

# A checkbox or radio button inside its <label> is measured by that label: a tap anywhere
# on the label ticks it, so the label is the target (WCAG 2.5.5 measures the area that
# takes the tap). Off-screen and hidden elements are no target; the skip link is measured
# separately, when it has the focus and is on screen.
SMALL_TARGETS = """(minimum) => [...document.querySelectorAll(
        'a, button, input:not([type=hidden]), select, textarea, summary, [role=button]')]
    .map(el => el.matches('input[type=checkbox], input[type=radio]') && el.closest('label')
        ? [el, el.closest('label')] : [el, el])
    .filter(([el, target]) => {
        const box = target.getBoundingClientRect();
        return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== 'hidden'
            && box.right + window.scrollX > 0 && box.bottom + window.scrollY > 0
            && !el.closest('[hidden], [inert]');
    })
    .map(([el, target]) => {
        const box = target.getBoundingClientRect();
        return {html: el.outerHTML.slice(0, 100), width: Math.round(box.width * 10) / 10,
                height: Math.round(box.height * 10) / 10};
    })
    .filter(t => t.width < minimum || t.height < minimum)"""


def small_targets(page) -> list[dict]:
    return page.evaluate(SMALL_TARGETS, TOUCH_MIN)


def test_every_counter_target_on_a_tablet_is_at_least_44_px(axe_page, demo):
    axe_page.set_viewport_size(TABLET)
    open_counter(axe_page)
    small = {"empty": small_targets(axe_page)}
    axe_page.locator(".skip-link").focus()
    small["skip link"] = small_targets(axe_page)
    axe_page.locator(".account-menu summary").click()
    small["account menu"] = small_targets(axe_page)
    axe_page.locator(".account-menu summary").click()
    check_in_with_basket(axe_page)
    axe_page.evaluate("document.querySelectorAll('main details').forEach(d => d.open = true)")
    small["household and basket"] = small_targets(axe_page)
    screenshot(axe_page, "a11y-counter-tablet-targets")
    assert not any(small.values()), "targets under 44 × 44 px:\n" + json.dumps(small, indent=2)


def test_a_tarball_that_does_not_match_the_pinned_integrity_is_refused():
    with pytest.raises(SystemExit, match="integrity mismatch"):
        verify(b"not the axe-core tarball")


def test_the_checks_find_a_nameless_button_and_a_small_target(axe_page, axe_source):
    """The harness itself: a page with a critical violation and a 20 px button fails both
    checks (so a broken injection or selector cannot pass silently)."""
    axe_page.goto(axe_page.base_url + "/catalogus/")
    axe_page.evaluate(
        """() => {
            const button = document.createElement('button');
            button.style.cssText = 'width: 20px; height: 20px; padding: 0';
            document.querySelector('main').append(button);
        }"""
    )
    with pytest.raises(AssertionError, match='"id": "button-name"'):
        assert_accessible(axe_page, axe_source, "broken-on-purpose")
    axe_page.set_viewport_size(TABLET)
    assert [(t["width"], t["height"]) for t in small_targets(axe_page)] == [(20, 20)]
