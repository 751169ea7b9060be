"""Memberships and swap shop points at the counter, in a real browser as a volunteer
works: a family with a referral is refused a stroller until it is a member; the panel
offers the social fee, chosen automatically, and records the cash payment; the stroller
then goes in the basket. Clothes brought earn points (into stock at the point), clothes
taken spend them, and taking more than the family has is refused with its balance.
Codes are typed at scanner speed. Screenshots go to test-artifacts/."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.apps import apps
from playwright.sync_api import expect

from kern.roles import Role, sync_role_groups
from tests.browser.conftest import screenshot
from tests.browser.test_counter_journeys import (
    basket_line,
    check_in,
    message,
    open_counter,
    scan,
)
from tests.factories import UserFactory
from tests.uitlening import conftest as counter_data
from tests.voorraad.factories import CategoryFactory, ProductFactory
from toegang.models import Program
from uitlening.models import Membership, PointsEntry, PointsRate, PointsScheme
from uitlening.selectors.points import balance_of
from voorraad import selectors as stock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

stock_keeper = counter_data.stock_keeper
pamperbank = counter_data.pamperbank
babytheek = counter_data.babytheek
fietsbib = counter_data.fietsbib
family = counter_data.family
stroller_type = counter_data.stroller_type
stroller = counter_data.stroller


@pytest.fixture(autouse=True)
def roles(transactional_db):
    sync_role_groups(apps)


@pytest.fixture
def counter_volunteer(point):
    return UserFactory(username="balie", role=Role.VOLUNTEER, locations=[point])


@pytest.fixture
def babytheek_fee(babytheek):
    Program.objects.filter(pk=babytheek.pk).update(
        membership_fee_normal=Decimal("25"), membership_fee_social=Decimal("5")
    )
    return babytheek


@pytest.fixture
def clothes(transactional_db):
    program = Program.objects.create(name="Ruilwinkel", kind="ruilwinkel", open_to_all=True)
    PointsScheme.objects.create(program=program, expiry_days=180)
    category = CategoryFactory(name="Kleding")
    PointsRate.objects.create(category=category, earn_points=10, spend_points=12)
    return ProductFactory(name="Kledingpakket 1–2 jaar", pack_size=1, category=category)


def test_a_social_fee_membership_is_chosen_automatically_and_opens_the_loan(
    page, point, counter_volunteer, family, babytheek_fee, stroller
):
    open_counter(page, counter_volunteer, point)
    check_in(page, family)
    # Not a member yet: the stroller is refused, naming the program and the family.
    scan(page, stroller.code)
    expect(message(page)).to_have_class("counter-message error")
    expect(message(page)).to_contain_text("Babytheek")
    expect(message(page)).to_contain_text(family.code)
    expect(page.locator("#basket [data-line]")).to_have_count(0)

    section = page.locator('#scan-results [data-panel-section="membership"]').first
    row = section.locator('tr[data-membership-program="Babytheek"]')
    expect(row).to_have_attribute("data-membership-status", "none")
    expect(row).to_have_attribute("data-fee-kind", "sociaal")  # from the referral
    expect(row.locator("[data-fee-text]")).to_have_text("sociaal lidgeld")
    row.locator("[data-membership-payment]").select_option("cash")
    screenshot(page, "membership-1-social-fee-offered")
    row.locator("[data-membership-submit]").click()

    section = page.locator('#scan-results [data-panel-section="membership"]').first
    expect(section.locator("[data-membership-message]")).to_contain_text("lid tot")
    expect(section.locator('tr[data-membership-program="Babytheek"]')).to_have_attribute(
        "data-membership-status", "member"
    )
    membership = Membership.objects.get()
    assert (membership.fee_kind, membership.amount) == ("sociaal", Decimal("5.00"))
    assert membership.payment == "cash" and membership.household == family

    # A member now: the same scan starts the loan line.
    scan(page, stroller.code)
    expect(basket_line(page, 0)).to_have_attribute("data-kind", "loan")
    screenshot(page, "membership-2-member-lends")


def test_points_are_earned_and_spent_at_the_counter(
    page, point, counter_volunteer, family, clothes
):
    open_counter(page, counter_volunteer, point)
    check_in(page, family)
    section = page.locator('#scan-results [data-panel-section="points"]').first
    expect(section).to_have_attribute("data-points-balance", "0")

    earn = section.locator('[data-points-form="earn"]')
    earn.locator("[data-points-code]").fill(clothes.code)
    earn.locator("[data-points-quantity]").fill("3")
    earn.locator('[data-points-submit="earn"]').click()
    section = page.locator('#scan-results [data-panel-section="points"]').first
    expect(section).to_have_attribute("data-points-balance", "30")
    assert stock.level_of(product=clothes, location=point) == 3

    spend = section.locator('[data-points-form="spend"]')
    spend.locator("[data-points-product]").select_option(str(clothes.pk))
    spend.locator("[data-points-quantity]").fill("2")
    spend.locator('[data-points-submit="spend"]').click()
    section = page.locator('#scan-results [data-panel-section="points"]').first
    expect(section).to_have_attribute("data-points-balance", "6")
    screenshot(page, "points-1-earned-and-spent")

    # One more piece costs 12 of the 6 points left: refused, with the balance.
    spend = section.locator('[data-points-form="spend"]')
    spend.locator("[data-points-product]").select_option(str(clothes.pk))
    spend.locator("[data-points-quantity]").fill("1")
    spend.locator('[data-points-submit="spend"]').click()
    section = page.locator('#scan-results [data-panel-section="points"]').first
    expect(section.locator("[data-points-error]")).to_contain_text("6 punten")
    expect(section.locator("[data-points-error]")).to_contain_text(family.code)
    screenshot(page, "points-2-refused-over-the-balance")
    assert balance_of(family) == 6
    assert stock.level_of(product=clothes, location=point) == 1
    assert PointsEntry.objects.count() == 2
    assert not page.console_errors, page.console_errors
