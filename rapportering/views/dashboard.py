"""The home page and the coordinator's dashboard: what needs attention today, each card
linking to the list behind it. Anonymous aggregates only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.cache import never_cache

from kern import views as kern_views
from kern.navigation import items_for
from kern.permissions import AuthenticatedHttpRequest, role_required
from rapportering.selectors.dashboard import dashboard as build_dashboard

REPORTS = "kern.view_reports"


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The home page: the dashboard for who may see reports, the tiles for everyone else."""
    if request.user.has_perm(REPORTS):
        return _dashboard(request)
    return kern_views.home(request)


@role_required(REPORTS)
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _dashboard(request)


@never_cache
def _dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    tiles = [item for item in items_for(request.user) if item.url_name != "home"]
    return render(
        request,
        "rapportering/dashboard_detail.html",
        {"board": build_dashboard(), "tiles": tiles},
    )


urlpatterns: list[URLPattern] = [
    path("", dashboard, name="dashboard"),
]
