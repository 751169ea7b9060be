"""The screens of a distribution: detail, receipt (print view and PDF) and the same-day
correction; only at the person's own points; every look at a household logged; never
cached."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kern.models import AuditEntry
from kern.roles import Role
from tests.factories import UserFactory
from tests.voorraad.helpers import balance, ledger_sum
from uitlening.codes import CONFIRM_CODE
from uitlening.models import Distribution
from uitlening.services import ProductLine, record_distribution

pytestmark = pytest.mark.django_db


@pytest.fixture
def handed_out(volunteer, point, family, diapers):
    return record_distribution(
        actor=volunteer, location=point, household=family, lines=[ProductLine(diapers, 3)]
    )


def url(name, pk):
    from django.urls import reverse

    return reverse(f"uitlening:{name}", kwargs={"pk": pk})


def views_of(household):
    return AuditEntry.objects.filter(
        action="view", object_type="toegang.household", object_id=str(household.pk)
    ).count()


def test_detail_shows_lines_receipt_links_and_is_private_and_logged(login, volunteer, handed_out):
    before = views_of(handed_out.household)

    response = login(volunteer).get(url("distribution_detail", handed_out.pk))

    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert "Luiers maat 4" in html and handed_out.household.code in html
    assert url("distribution_receipt", handed_out.pk) in html
    assert url("distribution_receipt_pdf", handed_out.pk) in html
    assert 'id="correction-form"' in html
    assert views_of(handed_out.household) == before + 1


def test_volunteer_of_another_point_is_refused_and_coordinator_is_not(
    login, handed_out, other_point, coordinator
):
    stranger = UserFactory(username="jamal", role=Role.VOLUNTEER, locations=[other_point])
    assert login(stranger).get(url("distribution_detail", handed_out.pk)).status_code == 403
    assert login(stranger).get(url("distribution_receipt_pdf", handed_out.pk)).status_code == 403
    assert login(coordinator).get(url("distribution_detail", handed_out.pk)).status_code == 200


def test_social_worker_cannot_open_a_distribution(login, social_worker, handed_out):
    assert login(social_worker).get(url("distribution_detail", handed_out.pk)).status_code == 403


def test_same_day_correction_books_the_stock_back_with_the_reason(
    login, volunteer, handed_out, diapers, point
):
    client = login(volunteer)
    response = client.post(url("distribution_detail", handed_out.pk), {"reason": "verkeerde maat"})

    assert response.status_code == 303
    handed_out.refresh_from_db()
    assert handed_out.correction_reason == "verkeerde maat"
    assert balance(diapers, point) == 20 * 44 == ledger_sum(diapers, point)
    html = client.get(response["Location"]).content.decode()
    assert "data-corrected" in html and "verkeerde maat" in html
    assert 'id="correction-form"' not in html


def test_correction_needs_a_reason(login, volunteer, handed_out):
    response = login(volunteer).post(url("distribution_detail", handed_out.pk), {"reason": "  "})

    assert response.status_code == 200
    assert "has-error" in response.content.decode()
    handed_out.refresh_from_db()
    assert handed_out.corrected_at is None


def test_a_distribution_of_yesterday_offers_no_correction_and_refuses_one(
    login, volunteer, handed_out
):
    Distribution.objects.filter(pk=handed_out.pk).update(
        created_at=timezone.now() - dt.timedelta(days=1)
    )
    client = login(volunteer)
    html = client.get(url("distribution_detail", handed_out.pk)).content.decode()
    assert "data-no-correction" in html

    response = client.post(url("distribution_detail", handed_out.pk), {"reason": "te laat gezien"})

    assert response.status_code == 200
    assert "op de dag zelf" in response.content.decode()
    handed_out.refresh_from_db()
    assert handed_out.corrected_at is None


def test_receipt_print_view_is_in_the_households_language_with_its_stylesheet(
    login, volunteer, handed_out
):
    household = handed_out.household
    household.language = "fr"
    household.save()

    response = login(volunteer).get(url("distribution_receipt", handed_out.pk))

    html = response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    assert '<html lang="fr">' in html
    assert "Reçu" in html and "Gratuit" in html and household.code in html
    assert "Luiers maat 4" in html
    stylesheet = login(volunteer).get("/balie/uitdelingen/bon.css")
    assert stylesheet["Content-Type"].startswith("text/css")
    assert "@media print" in stylesheet.content.decode()
    assert "/balie/uitdelingen/bon.css" in html


def test_receipt_pdf_is_a_private_pdf(login, volunteer, handed_out):
    response = login(volunteer).get(url("distribution_receipt_pdf", handed_out.pk))

    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"%PDF")


def test_confirm_card_is_a_pdf_for_anyone_at_a_counter(login, volunteer, social_worker):
    response = login(volunteer).get("/balie/bevestigkaart.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert login(social_worker).get("/balie/bevestigkaart.pdf").status_code == 403
    assert CONFIRM_CODE == "BEVESTIG"
