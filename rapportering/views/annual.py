"""The annual report for the municipal council: a page to choose the year (and, if
wanted, one municipality) and the PDF itself."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from kern.models import Municipality
from kern.pdf import pdf_response
from kern.permissions import AuthenticatedHttpRequest, role_required
from rapportering.documents import annual_report_pdf
from rapportering.selectors.filters import parse_id, parse_number
from uitlening.models import Distribution

REPORTS = "kern.view_reports"
#: The earliest year the page offers (Deelpunt holds nothing older).
FIRST_YEAR = 2000


def _years() -> list[int]:
    """From the year of the first distribution (or this year) to this year, newest first."""
    this_year = timezone.localdate().year
    first = Distribution.objects.order_by("created_at").values_list("created_at", flat=True).first()
    start = timezone.localtime(first).year if first else this_year
    return list(range(this_year, max(FIRST_YEAR, min(start, this_year)) - 1, -1))


def _municipality(request: AuthenticatedHttpRequest) -> Municipality | None:
    raw = request.GET.get("gemeente", "")
    if not raw:
        return None
    pk = parse_id(raw)
    if pk is None:
        raise Http404(_("That municipality does not exist."))
    return get_object_or_404(Municipality, pk=pk)


@never_cache
@role_required(REPORTS)
def annual(request: AuthenticatedHttpRequest) -> HttpResponse:
    years = _years()
    asked = parse_number(request.GET.get("jaar", ""))
    default = years[1] if len(years) > 1 else years[0]  # the last whole year
    year = asked if asked in years else default
    municipality = _municipality(request)
    return render(
        request,
        "rapportering/annual_detail.html",
        {
            "years": years,
            "year": year,
            "municipalities": Municipality.objects.order_by("name"),
            "municipality": municipality,
        },
    )


@never_cache
@role_required(REPORTS)
def annual_pdf(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    if not FIRST_YEAR <= year <= timezone.localdate().year:
        raise Http404(_("There is no annual report of that year."))
    municipality = _municipality(request)
    content = annual_report_pdf(year=year, municipality=municipality)
    suffix = f"-{municipality.pk}" if municipality else ""
    return pdf_response(content, filename=f"jaarverslag-{year}{suffix}.pdf", personal=False)


urlpatterns: list[URLPattern] = [
    path("jaarverslag/", annual, name="annual"),
    path("jaarverslag/<int:year>.pdf", annual_pdf, name="annual_pdf"),
]
