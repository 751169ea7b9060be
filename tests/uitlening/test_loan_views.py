"""The screens of loans: detail with renewal and the agreement PDF, and the overdue list
per point with its CSV for Excel (semicolons, UTF-8 BOM, Dutch headers); only at the
person's own points, every household shown logged, never cached."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from kern.models import AuditEntry
from kern.roles import Role
from tests.factories import UserFactory
from tests.uitlening.factories import LoanFactory
from uitlening.models import Loan
from uitlening.services import checkout_loan

pytestmark = pytest.mark.django_db


def url(name, pk):
    return reverse(f"uitlening:{name}", kwargs={"pk": pk})


@pytest.fixture
def loan(volunteer, point, family, stroller):
    return checkout_loan(
        actor=volunteer,
        location=point,
        household=family,
        item=stroller,
        accessories=stroller.accessories,
        condition="goed",
        deposit_payment=Loan.DepositPayment.CASH,
    )


def overdue(point, days, **kwargs):
    return LoanFactory(
        location=point, due_on=timezone.localdate() - dt.timedelta(days=days), **kwargs
    )


def test_loan_detail_shows_item_household_due_date_and_deposit_privately_and_logged(
    login, volunteer, loan
):
    response = login(volunteer).get(url("loan_detail", loan.pk))

    html = response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    assert "Bugaboo Fox" in html and loan.household.code in html
    assert loan.due_on.strftime("%d/%m/%Y") in html or str(loan.due_on.day) in html
    assert "€ 5,00, betaald door het gezin in contant geld." in html
    assert url("loan_agreement", loan.pk) in html
    assert AuditEntry.objects.filter(
        action="view", object_type="toegang.household", object_id=str(loan.household.pk)
    ).exists()


def test_loan_agreement_is_a_private_pdf(login, volunteer, loan):
    response = login(volunteer).get(url("loan_agreement", loan.pk))
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"


def test_renewal_moves_the_due_date_and_says_so(login, volunteer, loan):
    due = loan.due_on
    client = login(volunteer)

    response = client.post(url("loan_renew", loan.pk))

    assert response.status_code == 303
    loan.refresh_from_db()
    assert loan.renewals == 1 and loan.due_on == due + dt.timedelta(days=30)
    assert "Verlengd" in client.get(response["Location"]).content.decode()


def test_renewal_refused_while_another_household_waits_shows_why(login, volunteer, loan):
    client = login(volunteer)
    with mock.patch("uitlening.services.loans.households_waiting", return_value=1):
        response = client.post(url("loan_renew", loan.pk), follow=True)

    loan.refresh_from_db()
    assert loan.renewals == 0
    assert "wacht" in response.content.decode()


def test_another_points_volunteer_cannot_see_or_renew_the_loan(login, loan, other_point):
    stranger = UserFactory(username="jamal", role=Role.VOLUNTEER, locations=[other_point])
    client = login(stranger)
    assert client.get(url("loan_detail", loan.pk)).status_code == 403
    assert client.post(url("loan_renew", loan.pk)).status_code == 403
    assert client.get(url("loan_agreement", loan.pk)).status_code == 403


def test_overdue_list_shows_code_item_due_date_and_days_overdue_longest_first(
    login, volunteer, point, other_point
):
    late = overdue(point, 3)
    later = overdue(point, 10)
    overdue(other_point, 5)  # lent elsewhere
    LoanFactory(location=point)  # not due yet

    response = login(volunteer).get(url("overdue_list", point.pk))

    html = response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    rows = html.split('data-loan="')[1:]
    assert [int(row.split('"')[0]) for row in rows] == [later.pk, late.pk]
    assert late.household.code in html and late.item.name in html
    assert ">10</td>" in html and ">3</td>" in html
    logged = set(
        AuditEntry.objects.filter(action="view", object_type="toegang.household").values_list(
            "object_id", flat=True
        )
    )
    assert logged == {str(late.household.pk), str(later.household.pk)}


def test_overdue_csv_opens_in_excel_nl_be(login, volunteer, point):
    late = overdue(point, 4)

    response = login(volunteer).get(url("overdue_csv", point.pk))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    header, row = body[1:].splitlines()
    assert (
        header
        == "Gezin;Object;Objectcode;Programma;Uitgeleend op;Terug tegen;Dagen te laat;Waarborg (EUR)"
    )
    fields = row.split(";")
    assert fields[0] == late.household.code and fields[2] == late.item.code
    assert fields[5] == late.due_on.strftime("%d/%m/%Y") and fields[6] == "4"


def test_overdue_list_only_at_own_points(login, volunteer, other_point, coordinator):
    assert login(volunteer).get(url("overdue_list", other_point.pk)).status_code == 403
    assert login(volunteer).get(url("overdue_csv", other_point.pk)).status_code == 403
    assert login(coordinator).get(url("overdue_list", other_point.pk)).status_code == 200


def test_overdue_entry_goes_straight_to_the_volunteers_point(login, volunteer, point):
    response = login(volunteer).get(reverse("uitlening:overdue_choose"))
    assert response.status_code == 302
    assert response["Location"] == url("overdue_list", point.pk)


def test_navigation_offers_overdue_loans_to_the_counter_and_repairs_to_coordinators(
    login, volunteer, coordinator, point
):
    volunteer_html = login(volunteer).get("/").content.decode()
    coordinator_html = login(coordinator).get("/").content.decode()
    assert 'data-nav="uitlening:overdue_choose"' in volunteer_html
    assert 'data-nav="uitlening:repair_list"' not in volunteer_html
    assert 'data-nav="uitlening:repair_list"' in coordinator_html
