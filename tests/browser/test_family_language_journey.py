"""A French-speaking family at the counter: the volunteer lends a stroller on a Dutch
screen, and the loan agreement the family takes home (the PDF behind the screen's
link) is in French, while the counter stays in Dutch."""

from __future__ import annotations

import pytest
from django.apps import apps
from playwright.sync_api import expect

from kern.roles import Role, sync_role_groups
from tests.browser.conftest import screenshot
from tests.browser.test_counter_journeys import (
    basket_line,
    check_in,
    confirm_button,
    open_counter,
    scan,
)
from tests.factories import OpeningHoursFactory, UserFactory
from tests.uitlening import conftest as counter_data
from tests.uitlening.test_documents import pdf_text
from uitlening.models import Loan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

babytheek = counter_data.babytheek
pamperbank = counter_data.pamperbank
fietsbib = counter_data.fietsbib
family = counter_data.family
stroller_type = counter_data.stroller_type
stroller = counter_data.stroller


@pytest.fixture(autouse=True)
def roles(transactional_db):
    sync_role_groups(apps)


def test_a_french_speaking_familys_loan_agreement_is_in_french(
    page, point, family, stroller, tmp_path
):
    family.language = "fr"
    family.save()
    OpeningHoursFactory(location=point, weekday=2)
    volunteer = UserFactory(username="balie", role=Role.VOLUNTEER, locations=[point])

    open_counter(page, volunteer, point)
    check_in(page, family)
    scan(page, stroller.code)
    line = basket_line(page, 0)
    line.get_by_label("regenhoes").check()
    line.get_by_label("voetenzak").check()
    line.locator('[data-field="condition"]').fill("goed")
    line.locator('[data-field="condition"]').press("Tab")
    line.locator('[data-field="payment"]').select_option("cash")
    confirm_button(page).click()

    link = page.locator("#scan-results [data-scan-outcome=confirmed] [data-agreement-link]")
    expect(link).to_have_count(1)
    # The counter stays Dutch: the volunteer's language.
    expect(link).to_have_text("Uitleenovereenkomst")
    expect(page.locator("html")).to_have_attribute("lang", "nl-be")
    screenshot(page, "family-language-1-counter-dutch")

    response = page.request.get(page.base_url + link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.body(), tmp_path, "agreement-fr")

    loan = Loan.objects.get()
    assert "Contrat de prêt" in text and "Uitleenovereenkomst" not in text
    assert "Ce que nous convenons" in text
    assert "mercredi" in text.lower()  # the point's opening hours, in French
    assert stroller.code in text and family.code in text
    assert loan.due_on.strftime("%d/%m/%Y") in text

    # Back on the counter screen, still Dutch.
    page.reload()
    page.wait_for_selector("[data-scan-input]")
    expect(page.locator("html")).to_have_attribute("lang", "nl-be")
