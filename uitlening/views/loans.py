"""Screens of loans: a loan's detail with its renewal, the loan agreement PDF, and the
overdue loans of a distribution point with their CSV.

A volunteer sees the loans of the points they work at (where the loan went out or came
back); a coordinator every point's. A page that shows a household is logged through
``toegang``'s ``open_household``; the overdue list logs a view of every household it
lists. None of them is cached."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.conf import settings
from django.contrib import messages
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kern.errors import DomainError
from kern.models import Location
from kern.pdf import format_day, pdf_response
from kern.permissions import role_required
from toegang import services as access
from uitlening import documents, navigation, selectors, services
from uitlening.models import Loan
from uitlening.views.distributions import COUNTER, log_listed, private, require_point


def _loan(request, pk: int) -> Loan:
    loan = selectors.loan_record(pk)
    points = [loan.location] + ([loan.return_location] if loan.return_location else [])
    if not any(request.user.can_act_at(point) for point in points):
        require_point(request, loan.location)  # raises with the reason
    access.open_household(actor=request.user, household=loan.household, source=request.path)
    return loan


@role_required(COUNTER)
@require_GET
def loan_detail(request, pk: int):
    """The loan: item, household, dates, deposit, what went out and what came back,
    the agreement, and a renewal while it is out."""
    loan = _loan(request, pk)
    today = timezone.localdate()
    context = {
        "loan": loan,
        "deposit": documents.deposit_text(loan),
        "household_name": documents.welcome_name(loan.household),
        "overdue_days": max(0, (today - loan.due_on).days) if loan.is_open else 0,
        "may_renew": loan.is_open and loan.renewals < selectors.MAX_RENEWALS,
        "max_renewals": selectors.MAX_RENEWALS,
        "next": selectors.loan_after(loan),
        "tickets": list(loan.repair_tickets.order_by("-opened_at")),
        "sections": navigation.sections(request),
    }
    return private(render(request, "uitlening/loan_detail.html", context))


@role_required(COUNTER)
@require_POST
def loan_renew(request, pk: int):
    loan = _loan(request, pk)
    try:
        loan = services.renew_loan(
            actor=request.user, location=loan.location, loan=loan, source=request.path
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Renewed: %(item)s is due back on %(day)s.")
            % {"item": loan.item.name, "day": format_day(loan.due_on)},
        )
    response = redirect("uitlening:loan_detail", pk=loan.pk)
    response.status_code = 303
    return response


@role_required(COUNTER)
@require_GET
def loan_agreement(request, pk: int):
    """The loan agreement, in the household's language."""
    loan = _loan(request, pk)
    return pdf_response(
        documents.loan_agreement_pdf(loan),
        personal=True,
        filename=f"uitleenovereenkomst-{loan.item.code}-{loan.pk}.pdf",
    )


# --- Overdue loans ----------------------------------------------------------------------


def _point(request, pk: int) -> Location:
    location = get_object_or_404(
        Location.objects.select_related("municipality"),
        pk=pk,
        kind=Location.Kind.DISTRIBUTION_POINT,
    )
    require_point(request, location)
    return location


@role_required(COUNTER)
def overdue_choose(request):
    """Which point's overdue loans: straight there when the person works at one."""
    locations = list(request.user.counter_locations().select_related("municipality"))
    if len(locations) == 1:
        return redirect("uitlening:overdue_list", pk=locations[0].pk)
    return render(
        request,
        "uitlening/overdue_choose.html",
        {"locations": locations, "sections": navigation.sections(request)},
    )


@role_required(COUNTER)
@require_GET
def overdue_list(request, pk: int):
    """Loans lent at this point that are past their due date, longest overdue first."""
    location = _point(request, pk)
    overdue = selectors.overdue_loans(location=location)
    log_listed(request, (row.loan.household_id for row in overdue), list_name="overdue loans")
    context = {
        "location": location,
        "overdue": overdue,
        "today": timezone.localdate(),
        "sections": navigation.sections(request),
    }
    return private(render(request, "uitlening/overdue_list.html", context))


class _Echo:
    """A file-like object whose write returns the line, for a streamed csv.writer."""

    def write(self, value: str) -> str:
        return value


def overdue_rows(overdue: list[selectors.OpenLoan]) -> Iterator[list[str]]:
    """The CSV's rows, headers in Dutch (the site language) whatever the screen's."""
    with translation.override(settings.LANGUAGE_CODE):
        yield [
            _("Household"),
            _("Item"),
            _("Item code"),
            _("Program"),
            _("Lent on"),
            _("Due"),
            _("Days overdue"),
            _("Deposit (EUR)"),
        ]
    for row in overdue:
        loan = row.loan
        yield [
            loan.household.code,
            loan.item.name,
            loan.item.code,
            loan.program.name,
            format_day(loan.lent_at),
            format_day(loan.due_on),
            str(row.days_overdue),
            f"{loan.deposit:.2f}".replace(".", ","),
        ]


@role_required(COUNTER)
@require_http_methods(["GET"])
def overdue_csv(request, pk: int):
    """The overdue list as CSV for Excel in nl-BE: semicolons, decimal commas, and a
    UTF-8 byte order mark so accents open right."""
    location = _point(request, pk)
    overdue = selectors.overdue_loans(location=location)
    log_listed(request, (row.loan.household_id for row in overdue), list_name="overdue loans")
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    lines = (writer.writerow(row) for row in overdue_rows(overdue))

    def content() -> Iterator[str]:
        yield "\ufeff"
        yield from lines

    response = StreamingHttpResponse(content(), content_type="text/csv; charset=utf-8")
    day = f"{timezone.localdate():%Y-%m-%d}"
    response["Content-Disposition"] = f'attachment; filename="te-laat-{location.pk}-{day}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("uitleningen/<int:pk>/", loan_detail, name="loan_detail"),
    path("uitleningen/<int:pk>/verlengen/", loan_renew, name="loan_renew"),
    path("uitleningen/<int:pk>/overeenkomst.pdf", loan_agreement, name="loan_agreement"),
    path("te-laat/", overdue_choose, name="overdue_choose"),
    path("<int:pk>/te-laat/", overdue_list, name="overdue_list"),
    path("<int:pk>/te-laat.csv", overdue_csv, name="overdue_csv"),
]
