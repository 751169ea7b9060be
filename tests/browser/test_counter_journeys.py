"""The counter in a real browser, driven as a volunteer does: codes typed at scanner speed
(8 ms a key, then Enter), wherever the focus is. Check in by card; hand out diapers
within the quota and be refused over it; a scan while the cursor is in the registration
form or on the language menu, and one during page load, lands in the scan field; lend a
stroller with its checklist; refuse a car seat past its end of life; take an item back
with damage (a repair ticket); exchange a bike; reload mid-basket and find the basket;
confirm while the server is unreachable (and when the answer is lost), then again, and
find one distribution; on a 768 px tablet every button is at least 44 px.

The data is built here with the factories (not the demo). Screenshots go to
test-artifacts/."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from kern.roles import Role, sync_role_groups
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD, UserFactory
from tests.uitlening import conftest as counter_data
from tests.uitlening.factories import LoanFactory
from uitlening.codes import CONFIRM_CODE
from uitlening.models import Distribution, DistributionLine, Loan, RepairTicket, Visit
from voorraad.models import Item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The counter's records, made by the fixtures of the counter tests: a point with diapers
# (20 packs of 44), programs linked to categories, a family with a baby of 10 months
# (4 packs a period) and a referral for the pamperbank, babytheek and fietsbib.
stock_keeper = counter_data.stock_keeper
pamperbank = counter_data.pamperbank
babytheek = counter_data.babytheek
fietsbib = counter_data.fietsbib
family = counter_data.family
other_family = counter_data.other_family
diapers = counter_data.diapers
stroller_type = counter_data.stroller_type
stroller = counter_data.stroller
car_seat = counter_data.car_seat
bike_type = counter_data.bike_type
small_bike = counter_data.small_bike
big_bike = counter_data.big_bike

SCANNER_DELAY = 8  # ms between keys, like a USB scanner


@pytest.fixture(autouse=True)
def roles(transactional_db):
    # A transactional test empties every table afterwards, the role groups included.
    sync_role_groups(apps)


@pytest.fixture
def counter_volunteer(point):
    return UserFactory(username="balie", role=Role.VOLUNTEER, locations=[point])


def open_counter(page, user, point) -> None:
    page.goto(page.base_url + "/aanmelden/")
    page.get_by_label("Gebruikersnaam").fill(user.username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(page.base_url + "/")
    page.goto(f"{page.base_url}/balie/{point.pk}/")
    page.wait_for_selector("[data-scan-input]")


def scan(page, code: str) -> None:
    """Type a code like a scanner: fast keys, then Enter, wherever the focus is."""
    page.keyboard.type(code, delay=SCANNER_DELAY)
    page.keyboard.press("Enter")


def message(page):
    return page.locator("[data-counter-message]")


def basket_line(page, index: int):
    return page.locator(f'#basket [data-line="{index}"]')


def check_in(page, household) -> None:
    scan(page, household.code)
    expect(page.locator(f'#scan-results [data-household="{household.code}"]').first).to_be_visible()
    expect(page.locator("#basket [data-basket-household]")).to_have_attribute(
        "data-basket-household", household.code
    )


def confirm_button(page):
    return page.locator('#basket [data-action="confirm"]')


def expect_focus_in_scan_field(page) -> None:
    expect(page.locator("[data-scan-input]")).to_be_focused()


# --- Check-in and distributions -------------------------------------------------------


def test_check_in_by_card_and_hand_out_diapers_within_the_quota(
    page, point, counter_volunteer, family, diapers
):
    open_counter(page, counter_volunteer, point)
    check_in(page, family)
    panel = page.locator("#scan-results [data-scan-outcome=checkin]").first
    expect(panel.locator('tr[data-program="Pamperbank"]')).to_have_attribute(
        "data-quota-remaining", "4"
    )
    expect(panel.locator("[data-open-loans]")).to_have_attribute("data-open-loans", "0")

    scan(page, diapers.code)
    expect(basket_line(page, 0).locator("[data-packs]")).to_have_attribute("data-packs", "1")
    scan(page, diapers.code)
    expect(basket_line(page, 0).locator("[data-packs]")).to_have_attribute("data-packs", "2")
    basket_line(page, 0).locator('[data-action="more"]').click()
    expect(basket_line(page, 0).locator("[data-packs]")).to_have_attribute("data-packs", "3")
    expect_focus_in_scan_field(page)
    quota = page.locator('#basket [data-quota-program="Pamperbank"]')
    expect(quota).to_have_attribute("data-remaining-after", "1")
    screenshot(page, "counter-1-diapers-basket")

    page.keyboard.press("F9")
    confirmed = page.locator("#scan-results [data-scan-outcome=confirmed]")
    expect(confirmed).to_have_count(1)
    expect(confirmed.locator("[data-handed-out] li")).to_have_attribute("data-packs", "3")
    expect(confirmed.locator('[data-left-program="Pamperbank"]')).to_have_attribute(
        "data-left", "1"
    )
    expect(page.locator("#basket [data-basket-empty]")).to_be_visible()
    expect_focus_in_scan_field(page)
    line = DistributionLine.objects.get()
    assert (line.product, line.packs, line.units) == (diapers, 3, 3 * 44)
    assert line.distribution.household == family
    screenshot(page, "counter-2-diapers-confirmed")


def test_over_the_quota_is_refused_and_the_basket_is_kept(
    page, point, counter_volunteer, family, diapers
):
    open_counter(page, counter_volunteer, point)
    check_in(page, family)
    for packs in range(1, 5):
        scan(page, diapers.code)
        expect(basket_line(page, 0).locator("[data-packs]")).to_have_attribute(
            "data-packs", str(packs)
        )
    scan(page, diapers.code)  # a fifth pack: 4 a period
    expect(message(page)).to_contain_text("4 pakken over")
    expect(message(page)).to_contain_text("coördinator")
    expect(basket_line(page, 0).locator("[data-packs]")).to_have_attribute("data-packs", "4")
    basket_line(page, 0).locator('[data-action="more"]').click()
    expect(message(page)).to_contain_text("4 pakken over")
    expect(basket_line(page, 0).locator("[data-packs]")).to_have_attribute("data-packs", "4")
    expect(confirm_button(page)).to_be_enabled()
    screenshot(page, "counter-3-over-quota")
    assert not Distribution.objects.exists()


def test_a_product_before_a_family_and_an_unknown_code_are_refused(
    page, point, counter_volunteer, family, diapers
):
    open_counter(page, counter_volunteer, point)
    scan(page, diapers.code)
    expect(message(page)).to_contain_text("eerst")
    expect(page.locator("#basket [data-line]")).to_have_count(0)
    scan(page, "P0000999")  # a mistyped product code
    expect(page.locator("#scan-results [data-scan-outcome=error]").first).to_be_visible()
    expect_focus_in_scan_field(page)


# --- Scans wherever the focus is ------------------------------------------------------


def test_a_scan_while_the_cursor_is_in_the_registration_form_lands_in_the_scan_field(
    page, point, counter_volunteer, family, diapers
):
    open_counter(page, counter_volunteer, point)
    page.locator("[data-register-link]").click()
    page.wait_for_selector("[data-register-form]")
    page.goto(f"{page.base_url}/balie/{point.pk}/")
    page.wait_for_selector("[data-scan-input]")
    # The registration form in a card, as after scanning a new UiTPAS card.
    page.evaluate(
        """url => fetch(url, {headers: {'HX-Request': 'true'}}).then(r => r.text()).then(html => {
            const box = document.createElement('div');
            box.innerHTML = html;
            document.getElementById('scan-results').prepend(box.firstElementChild);
            htmx.process(document.getElementById('scan-results'));
        })""",
        f"/balie/{point.pk}/gezin/nieuw/",
    )
    postcode = page.locator("[data-register-form] [name=postcode]")
    postcode.click()
    page.keyboard.type("90", delay=120)  # a person typing: stays in the field
    expect(postcode).to_have_value("90")
    scan(page, family.code)  # a scanner burst: goes to the counter, not the field
    expect(
        page.locator(f'#scan-results [data-scan-outcome=checkin][data-household="{family.code}"]')
    ).to_have_count(1)
    expect(postcode).to_have_value("90")
    expect(page.locator("[data-register-form]")).to_have_count(1)  # not submitted
    postcode.click()
    page.keyboard.type("00", delay=120)
    expect(postcode).to_have_value("9000")

    language = page.locator("#language-select")
    language.focus()
    scan(page, diapers.code)  # on the language menu: not a change of language
    expect(basket_line(page, 0)).to_have_attribute("data-kind", "product")
    assert f"/balie/{point.pk}/" in page.url, page.url  # the language form was not sent
    assert page.locator("#language-select").input_value() == "nl-be"

    page.locator("h1").click()
    scan(page, diapers.code)  # focus nowhere
    expect(basket_line(page, 0).locator("[data-packs]")).to_have_attribute("data-packs", "2")
    page.locator('#basket [data-action="clear"]').focus()
    scan(page, diapers.code)  # on a button: Enter does not press it
    expect(basket_line(page, 0).locator("[data-packs]")).to_have_attribute("data-packs", "3")
    screenshot(page, "counter-4-scan-from-anywhere")


def test_a_scan_during_page_load_is_not_lost(page, point, counter_volunteer, family):
    open_counter(page, counter_volunteer, point)
    # Hold the page's main script back: the keys arrive while the page is still loading.
    held = []
    page.route("**/static/js/counter.js*", lambda route: held.append(route))
    page.goto(f"{page.base_url}/balie/{point.pk}/", wait_until="commit")
    page.locator("[data-scan-input]").wait_for(state="attached")
    scan(page, family.code)
    assert held, "the counter script was not requested yet"
    held[0].continue_()
    expect(page.locator(f'#scan-results [data-household="{family.code}"]')).to_have_count(1)
    expect(page.locator("[data-scan-input]")).to_have_value("")
    expect(page.locator("#basket [data-basket-household]")).to_have_attribute(
        "data-basket-household", family.code
    )


# --- Loans, returns, exchanges --------------------------------------------------------


def test_lend_a_stroller_with_its_checklist(page, point, counter_volunteer, family, stroller):
    open_counter(page, counter_volunteer, point)
    check_in(page, family)
    scan(page, stroller.code)
    line = basket_line(page, 0)
    expect(line).to_have_attribute("data-kind", "loan")
    expect(line.locator("[data-deposit]")).to_have_attribute("data-deposit", "5.00")  # social
    expect(confirm_button(page)).to_be_disabled()
    line.get_by_label("regenhoes").check()
    expect(line.locator('[data-refusal="accessories_missing"]')).to_contain_text("voetenzak")
    expect(confirm_button(page)).to_be_disabled()
    line.get_by_label("voetenzak").check()
    expect(line.locator('[data-refusal="accessories_missing"]')).to_have_count(0)
    line.locator('[data-field="condition"]').fill("goed, kleine kras")
    line.locator('[data-field="condition"]').press("Tab")
    line.locator('[data-field="payment"]').select_option("cash")
    expect(confirm_button(page)).to_be_enabled()
    screenshot(page, "counter-5-stroller-checklist")
    confirm_button(page).click()
    expect(
        page.locator("#scan-results [data-scan-outcome=confirmed] [data-lent] li")
    ).to_have_count(1)
    loan = Loan.objects.get()
    assert loan.item == stroller and loan.household == family
    assert sorted(loan.accessories_out) == ["regenhoes", "voetenzak"]
    assert loan.deposit == Decimal("5") and loan.deposit_payment == "cash"
    assert loan.condition_out == "goed, kleine kras"


def test_a_car_seat_past_its_end_of_life_is_refused(
    page, point, counter_volunteer, family, car_seat
):
    Item.objects.filter(pk=car_seat.pk).update(
        end_of_life_on=timezone.localdate() - dt.timedelta(days=1)
    )
    open_counter(page, counter_volunteer, point)
    check_in(page, family)
    scan(page, car_seat.code)
    expect(message(page)).to_have_class("counter-message error")
    expect(message(page)).to_contain_text(car_seat.name)
    expect(page.locator("#basket [data-line]")).to_have_count(0)
    screenshot(page, "counter-6-car-seat-refused")
    assert not Loan.objects.exists()


def test_take_an_item_back_with_damage_opens_a_repair_ticket(
    page, point, counter_volunteer, family, stroller, babytheek
):
    LoanFactory(
        item=stroller,
        household=family,
        program=babytheek,
        location=point,
        accessories_out=["regenhoes", "voetenzak"],
        deposit=Decimal("5"),
    )
    Item.objects.filter(pk=stroller.pk).update(status=Item.Status.ON_LOAN)
    open_counter(page, counter_volunteer, point)
    check_in(page, family)
    expect(page.locator(f'#scan-results [data-open-loan="{stroller.code}"]').first).to_be_visible()
    scan(page, stroller.code)
    line = basket_line(page, 0)
    expect(line).to_have_attribute("data-kind", "return")
    line.locator('[data-field="condition"]').fill("vuil")
    line.get_by_label("voetenzak").check()
    line.locator('[data-field="damage"]').fill("wiel verbogen")
    line.locator('[data-field="damage"]').press("Tab")
    expect(line.locator("[data-repair-ticket]")).to_be_visible()
    line.locator('[data-field="outcome"]').select_option("gehouden")
    line.locator('[data-field="reason"]').fill("wiel vervangen")
    line.locator('[data-field="reason"]').press("Tab")
    expect(confirm_button(page)).to_be_enabled()
    screenshot(page, "counter-7-return-damage")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#scan-results [data-repair-opened]")).to_have_count(1)
    loan = Loan.objects.get()
    assert loan.returned_at is not None and loan.damage == "wiel verbogen"
    assert loan.missing_accessories == ["voetenzak"] and loan.deposit_outcome == "gehouden"
    ticket = RepairTicket.objects.get(item=stroller)
    assert ticket.status == RepairTicket.Status.ASSESS
    stroller.refresh_from_db()
    assert stroller.status == Item.Status.IN_REPAIR


def test_exchange_a_bike_the_deposit_carries_over(
    page, point, counter_volunteer, family, small_bike, big_bike, fietsbib
):
    LoanFactory(
        item=small_bike, household=family, program=fietsbib, location=point, deposit=Decimal("10")
    )
    Item.objects.filter(pk=small_bike.pk).update(status=Item.Status.ON_LOAN)
    open_counter(page, counter_volunteer, point)
    check_in(page, family)
    scan(page, small_bike.code)
    scan(page, big_bike.code)
    back, out = basket_line(page, 0), basket_line(page, 1)
    expect(out).to_have_attribute("data-kind", "loan")
    expect(out.locator('[data-field="replaces"]')).to_have_value(str(small_bike.pk))
    expect(out.locator("[data-deposit-carried]")).to_have_attribute("data-deposit-carried", "10.00")
    expect(back.locator("[data-exchanged]")).to_be_visible()
    back.locator('[data-field="condition"]').fill("goed")
    back.locator('[data-field="condition"]').press("Tab")
    out.locator('[data-field="condition"]').fill("nieuw")
    out.locator('[data-field="condition"]').press("Tab")
    out.locator('[data-field="payment"]').select_option("cash")
    expect(confirm_button(page)).to_be_enabled()
    screenshot(page, "counter-8-exchange")
    scan(page, CONFIRM_CODE)  # the printed confirm card
    expect(page.locator("#scan-results [data-scan-outcome=confirmed]")).to_have_count(1)
    old = Loan.objects.get(item=small_bike)
    new = Loan.objects.get(item=big_bike)
    assert old.returned_at is not None and new.exchanged_from == old
    assert new.deposit_carried == Decimal("10")


# --- The basket survives ---------------------------------------------------------------


def test_reload_mid_basket_finds_the_basket(page, point, counter_volunteer, family, diapers):
    open_counter(page, counter_volunteer, point)
    check_in(page, family)
    scan(page, diapers.code)
    scan(page, diapers.code)
    expect(basket_line(page, 0).locator("[data-packs]")).to_have_attribute("data-packs", "2")
    page.reload()
    expect(basket_line(page, 0).locator("[data-packs]")).to_have_attribute("data-packs", "2")
    expect(page.locator(f'#scan-results [data-household="{family.code}"]')).to_have_count(1)
    expect_focus_in_scan_field(page)
    screenshot(page, "counter-9-after-reload")


def test_confirm_while_the_server_is_unreachable_records_one_distribution(
    page, point, counter_volunteer, family, diapers
):
    open_counter(page, counter_volunteer, point)
    check_in(page, family)
    scan(page, diapers.code)
    expect(basket_line(page, 0)).to_be_visible()

    page.route("**/bevestig/", lambda route: route.abort("internetdisconnected"))
    page.keyboard.press("F9")
    expect(page.locator("[data-net-status]")).to_be_visible()
    expect(message(page)).to_contain_text("opnieuw")
    page.keyboard.press("F9")  # pressed again while down
    expect(basket_line(page, 0)).to_be_visible()  # kept
    screenshot(page, "counter-10-offline-confirm")
    assert not Distribution.objects.exists()

    # Back, but the answer of the first confirm that gets through is lost on the way.
    def recorded_but_lost(route):
        route.fetch()  # the server records it
        route.abort("connectionreset")

    page.unroute("**/bevestig/")
    page.route("**/bevestig/", recorded_but_lost, times=1)
    page.keyboard.press("F9")
    expect(page.locator("#scan-results [data-scan-outcome=confirmed]")).to_have_count(
        1, timeout=20_000
    )
    page.keyboard.press("F9")  # confirm pressed twice after it was done: nothing to confirm
    expect(page.locator("[data-net-status]")).to_be_hidden()
    assert Distribution.objects.count() == 1 and Visit.objects.count() == 1
    assert DistributionLine.objects.get().packs == 1


def test_scans_without_a_connection_are_kept_and_sent_when_it_is_back(
    page, point, counter_volunteer, family, diapers
):
    open_counter(page, counter_volunteer, point)
    check_in(page, family)
    page.route("**/scan/", lambda route: route.abort("internetdisconnected"))
    scan(page, diapers.code)
    scan(page, diapers.code)
    expect(message(page)).to_contain_text(f"{diapers.code}, {diapers.code}")
    expect(basket_line(page, 0)).to_have_count(0)
    page.reload()  # the waiting scans survive a reload too
    page.wait_for_selector("[data-scan-input]")
    page.unroute("**/scan/")
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(basket_line(page, 0).locator("[data-packs]")).to_have_attribute("data-packs", "2")


def test_a_tablet_has_44_px_touch_targets(
    page, point, counter_volunteer, family, diapers, stroller
):
    page.set_viewport_size({"width": 768, "height": 1024})
    open_counter(page, counter_volunteer, point)
    check_in(page, family)
    scan(page, diapers.code)
    scan(page, stroller.code)
    expect(basket_line(page, 1)).to_be_visible()
    small = page.evaluate(
        """() => [...document.querySelectorAll(
              'button, a, input:not([type=hidden]), select, textarea, summary, label.check')]
            .filter(el => el.offsetParent !== null && !el.closest('.skip-link'))
            .filter(el => !(el.matches('input[type=checkbox], input[type=radio]')))
            .map(el => [el.outerHTML.slice(0, 80), el.getBoundingClientRect().height])
            .filter(([, height]) => height < 44)"""
    )
    screenshot(page, "counter-11-tablet-768")
    assert small == []
