"""The demand forecast of diapers and its purchase advice (CSV/XLSX)."""

from __future__ import annotations

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.http.response import FileResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kern import exports
from kern.models import Location, Municipality
from kern.permissions import AuthenticatedHttpRequest, role_required
from rapportering.selectors import forecast as reads
from rapportering.selectors.filters import from_query
from toegang.selectors.children import DIAPER_SIZES_BY_AGE

REPORTS = "kern.view_reports"


@role_required(REPORTS)
@never_cache
@require_GET
def forecast(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = from_query(request.GET)
    result = reads.forecast(filters=filters)
    query = {}
    if filters.locations:
        query["punt"] = [str(pk) for pk in filters.locations]
    if filters.municipalities:
        query["gemeente"] = [str(pk) for pk in filters.municipalities]
    return render(
        request,
        "rapportering/forecast_detail.html",
        {
            "result": result,
            "filters": filters,
            "query": urlencode(query, doseq=True),
            "uptake_months": reads.UPTAKE_MONTHS,
            "bands": DIAPER_SIZES_BY_AGE,
            "municipalities": Municipality.objects.order_by("name"),
            "points": Location.objects.filter(
                kind=Location.Kind.DISTRIBUTION_POINT, is_active=True
            ).order_by("name"),
        },
    )


@role_required(REPORTS)
@never_cache
@require_GET
def forecast_export(
    request: AuthenticatedHttpRequest, format: str
) -> StreamingHttpResponse | FileResponse:
    if format not in exports.FORMATS:
        raise Http404
    result = reads.forecast(filters=from_query(request.GET))
    header = [
        _("Size"),
        _("Product"),
        _("Need, three months (packs)"),
        _("At the points (packs)"),
        _("In the warehouse (packs)"),
        _("Expected from collection drives (packs)"),
        _("To buy (packs)"),
    ]
    name = f"aankoopadvies-luiers-{result.today:%Y%m%d}"
    return exports.response(format, name, header, reads.advice_cells(result))


urlpatterns: list[URLPattern] = [
    path("prognose/", forecast, name="forecast"),
    path("prognose/aankoopadvies.<str:format>", forecast_export, name="forecast_export"),
]
