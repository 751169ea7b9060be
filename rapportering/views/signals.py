"""Signals for policy: anonymous counts per period and municipality, each table
downloadable as CSV or XLSX with the same cells ("< 5" included)."""

from __future__ import annotations

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.http.response import FileResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kern import exports
from kern.models import Location, Municipality
from kern.permissions import AuthenticatedHttpRequest, role_required
from rapportering.selectors import signals as reads
from rapportering.selectors.filters import from_query

REPORTS = "kern.view_reports"


@role_required(REPORTS)
@never_cache
@require_GET
def signals(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = from_query(request.GET)
    query = urlencode(filters.as_query(), doseq=True)
    return render(
        request,
        "rapportering/signal_list.html",
        {
            "filters": filters,
            "tables": reads.signals(filters=filters),
            "query": query,
            "municipalities": Municipality.objects.order_by("name"),
            "points": Location.objects.filter(is_active=True).order_by("name"),
            "absent_weeks": reads.absent_weeks(),
            "regular_visits": reads.REGULAR_VISITS,
        },
    )


@role_required(REPORTS)
@never_cache
@require_GET
def signal_export(
    request: AuthenticatedHttpRequest, key: str, format: str
) -> StreamingHttpResponse | FileResponse:
    if key not in reads.KEYS or format not in exports.FORMATS:
        raise Http404
    filters = from_query(request.GET)
    table = reads.signal_table(key, filters=filters)
    name = f"signaal-{key}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}"
    return exports.response(format, name, table.columns, table.rows)


urlpatterns: list[URLPattern] = [
    path("signalen/", signals, name="signals"),
    path("signalen/<slug:key>.<str:format>", signal_export, name="signal_export"),
]
