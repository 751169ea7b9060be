"""Hours per volunteer per year: the coordinator's list with its CSV and XLSX export, and
one volunteer's year with the attestation PDF. A volunteer sees only their own (another
volunteer's hours answer 404, as if they did not exist)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import tablib
from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kern import audit
from kern.pdf import pdf_response
from kern.permissions import AuthenticatedHttpRequest, role_required
from vrijwilligers.documents import attestation_pdf, format_hours, month_name
from vrijwilligers.models import Volunteer
from vrijwilligers.selectors import hours as hours_selectors

COORDINATOR = "kern.manage_shifts"
VOLUNTEER = "kern.work_shifts"


def _year(request: AuthenticatedHttpRequest) -> int:
    try:
        year = int(request.GET.get("jaar", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _visible_volunteer(request: AuthenticatedHttpRequest, volunteer_id: int) -> Volunteer:
    volunteer = get_object_or_404(Volunteer.objects.select_related("user"), pk=volunteer_id)
    if not request.user.has_perm(COORDINATOR) and volunteer.user_id != request.user.pk:
        raise Http404(_("This volunteer is not known here."))
    return volunteer


@role_required(COORDINATOR, VOLUNTEER)
@never_cache
def hours_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Coordinators: every volunteer who worked in the year. Volunteers: their own year."""
    year = _year(request)
    if not request.user.has_perm(COORDINATOR):
        volunteer = Volunteer.objects.filter(user=request.user).first()
        if volunteer is None:
            raise Http404(_("You have no volunteer profile yet."))
        return redirect("vrijwilligers:hours_detail", volunteer_id=volunteer.pk, year=year)
    context = {
        "year": year,
        "rows": hours_selectors.hours_report(year=year),
        "years": range(timezone.localdate().year, timezone.localdate().year - 5, -1),
    }
    return render(request, "vrijwilligers/hours_list.html", context)


@role_required(COORDINATOR, VOLUNTEER)
@never_cache
def hours_detail(request: AuthenticatedHttpRequest, volunteer_id: int, year: int) -> HttpResponse:
    volunteer = _visible_volunteer(request, volunteer_id)
    worked = hours_selectors.hours_of_year(volunteer=volunteer, year=year)
    context = {
        "volunteer": volunteer,
        "worked": worked,
        "year": year,
        "months": [(month_name(m.month), m.shifts, format_hours(m.hours)) for m in worked.months],
        "total_hours": format_hours(worked.hours),
        "signups": hours_selectors.worked_signups(year=year, volunteer=volunteer),
        "is_coordinator": request.user.has_perm(COORDINATOR),
    }
    return render(request, "vrijwilligers/hours_detail.html", context)


@role_required(COORDINATOR, VOLUNTEER)
@never_cache
@require_GET
def hours_attestation(
    request: AuthenticatedHttpRequest, volunteer_id: int, year: int
) -> HttpResponse:
    volunteer = _visible_volunteer(request, volunteer_id)
    if volunteer.user_id != request.user.pk:
        audit.record(
            actor=request.user,
            action="print_attestation",
            obj=volunteer,
            source=request.path,
            details={"year": year},
        )
    return pdf_response(
        attestation_pdf(volunteer, year=year),
        filename=f"attest-vrijwilligerswerk-{year}-{volunteer.code}.pdf",
        personal=True,
    )


# --- Exports ----------------------------------------------------------------------------


def hours_table(year: int) -> Iterator[list[str | int | float]]:
    """Header and rows of the hours export (headers in Dutch, the site language): name,
    code, shifts, hours, then the hours per month."""
    with translation.override(settings.LANGUAGE_CODE):
        yield [
            _("Volunteer"),
            _("Volunteer code"),
            _("Shifts"),
            _("Hours"),
            *[month_name(m) for m in range(1, 13)],
        ]
    for row in hours_selectors.hours_report(year=year):
        yield [
            row.volunteer.full_name,
            row.volunteer.code,
            row.shifts,
            float(row.hours),
            *[float(month.hours) for month in row.months],
        ]


def _decimal_comma(value: str | int | float) -> str:
    if isinstance(value, float):
        return format_hours_float(value)
    return str(value)


def format_hours_float(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def _export_response(content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _log_export(request: AuthenticatedHttpRequest, year: int, fmt: str) -> None:
    audit.record(
        actor=request.user,
        action="export",
        object_type="vrijwilligers.hours",
        object_id=str(year),
        source=request.path,
        details={"format": fmt},
    )


@role_required(COORDINATOR)
@require_GET
def hours_csv(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    """For Excel in nl-BE: semicolons, decimal commas and a byte order mark."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for row in hours_table(year):
        writer.writerow([_decimal_comma(value) for value in row])
    _log_export(request, year, "csv")
    return _export_response(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"),
        content_type="text/csv; charset=utf-8",
        filename=f"uren-vrijwilligers-{year}.csv",
    )


@role_required(COORDINATOR)
@require_GET
def hours_xlsx(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    rows = list(hours_table(year))
    dataset = tablib.Dataset(*rows[1:], headers=rows[0], title=str(year))
    _log_export(request, year, "xlsx")
    return _export_response(
        dataset.export("xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=f"uren-vrijwilligers-{year}.xlsx",
    )


urlpatterns = [
    path("uren/", hours_list, name="hours_list"),
    path("uren/<int:year>.csv", hours_csv, name="hours_csv"),
    path("uren/<int:year>.xlsx", hours_xlsx, name="hours_xlsx"),
    path("uren/<int:volunteer_id>/<int:year>/", hours_detail, name="hours_detail"),
    path(
        "uren/<int:volunteer_id>/<int:year>/attest.pdf",
        hours_attestation,
        name="hours_attestation",
    ),
]
