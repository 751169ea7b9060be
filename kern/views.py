"""Screens of the shared app: home, health, locations, organisations, users, audit log,
personal API tokens."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tables2 import RequestConfig

from kern import exports, services, session_security
from kern.errors import DomainError
from kern.forms import ApiTokenForm, LocationForm, show_domain_error
from kern.models import ApiToken, AuditEntry, Location, Organisation, User
from kern.navigation import items_for
from kern.permissions import AuthenticatedHttpRequest, role_required
from kern.tables import AuditTable, LocationTable, OrganisationTable, UserTable

PAGE_SIZE = 50


@require_GET
def health(request: HttpRequest) -> HttpResponse:
    """For load balancers and the benchmark baseline: no database, no template."""
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico on pages without HTML (a PDF in a tab)."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    tiles = [item for item in items_for(request.user) if item.url_name != "home"]
    return render(
        request,
        "kern/home.html",
        {"tiles": tiles, "counter_locations": request.user.counter_locations()},
    )


@role_required("kern.manage_locations")
def location_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    queryset = Location.objects.select_related("municipality", "organisation")
    kind = request.GET.get("kind")
    if kind in Location.Kind.values:
        queryset = queryset.filter(kind=kind)
    table = LocationTable(queryset)
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    if exported := exports.table_export(request, table, name=_("locations")):
        return exported
    return render(
        request,
        "kern/location_list.html",
        {"table": table, "kinds": Location.Kind.choices, "kind": kind},
    )


@role_required("kern.manage_locations")
def location_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    location = get_object_or_404(
        Location.objects.select_related("municipality", "organisation"), pk=pk
    )
    return render(
        request,
        "kern/location_detail.html",
        {
            "location": location,
            "hours": location.opening_hours.all(),
            "volunteers": location.volunteers.filter(is_active=True).order_by("first_name"),
        },
    )


@role_required("kern.manage_locations")
@require_http_methods(["GET", "POST"])
def location_edit(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    location = get_object_or_404(Location, pk=pk) if pk else Location()
    form = LocationForm(request.POST or None, instance=location)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_location(
                actor=request.user,
                location=form.save(commit=False),
                hours=form.cleaned_data["hours"],
                source=request.path,
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": saved.name})
            return redirect("kern:location_detail", pk=saved.pk)
    return render(request, "kern/location_edit.html", {"form": form, "location": location})


@role_required("kern.manage_organisations")
def organisation_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    queryset = Organisation.objects.select_related("municipality").annotate(
        user_count=Count("users")
    )
    table = OrganisationTable(queryset)
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    if exported := exports.table_export(request, table, name=_("organisations")):
        return exported
    return render(request, "kern/organisation_list.html", {"table": table})


@role_required("kern.manage_users")
def user_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    queryset = User.objects.select_related("organisation").prefetch_related("groups")
    table = UserTable(queryset.order_by("username"))
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    if exported := exports.table_export(request, table, name=_("users")):
        return exported
    return render(request, "kern/user_list.html", {"table": table})


@role_required("kern.view_audit_log")
def audit_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    queryset = AuditEntry.objects.all()
    filters = {
        "actor_name": request.GET.get("who", "").strip(),
        "object_type": request.GET.get("type", "").strip(),
        "action": request.GET.get("action", "").strip(),
    }
    for field, value in filters.items():
        if value:
            queryset = queryset.filter(**{field: value})
    table = AuditTable(queryset)
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    if exported := exports.table_export(
        request, table, name=_("audit log"), log=partial(_log_audit_export, request, queryset)
    ):
        return exported
    return render(request, "kern/audit_list.html", {"table": table, "filters": filters})


#: The record type of a household in the audit log (the access app's model).
HOUSEHOLD_TYPE = "toegang.household"


def _log_audit_export(request: HttpRequest, queryset: QuerySet[AuditEntry], format: str) -> None:
    """The audit log names households (their codes): exporting it is a look at each."""
    households = queryset.filter(object_type=HOUSEHOLD_TYPE).values_list("object_id", flat=True)
    exports.log_exported(
        request,
        object_type=HOUSEHOLD_TYPE,
        object_ids=households.order_by().distinct().iterator(),
        list_name="audit log",
        format=format,
    )


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A person's own API tokens: make one (secret shown once) or revoke one."""
    form = ApiTokenForm(request.POST or None, user=request.user)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.create_api_token(
                actor=request.user,
                owner=request.user,
                name=form.cleaned_data["name"],
                valid_days=form.cleaned_data["valid_days"],
                scopes=form.cleaned_data["scopes"],
                source=request.path,
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            form = ApiTokenForm(user=request.user)
    tokens = ApiToken.objects.filter(user=request.user)
    template = "kern/partials/token_panel.html" if request.htmx else "kern/token_list.html"
    return render(request, template, {"form": form, "tokens": tokens, "issued": issued})


@login_required
@require_POST
def token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    try:
        services.revoke_api_token(actor=request.user, token_id=pk, source=request.path)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The API token is revoked."))
    return redirect("kern:token_list")


# --- Counter-tablet mode ----------------------------------------------------------------


@role_required("kern.use_counter")
@require_http_methods(["GET", "POST"])
def counter_mode_enter(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """Confirm, then bind this session to the counter of one distribution point."""
    location = get_object_or_404(Location, pk=pk, kind=Location.Kind.DISTRIBUTION_POINT)
    if not request.user.can_act_at(location):
        raise PermissionDenied(
            _("You do not work at %(location)s, so you cannot act there.")
            % {"location": location.name}
        )
    if request.method == "POST":
        try:
            session_security.enter_counter_mode(request, location)
        except DomainError as exc:
            raise PermissionDenied(exc.message) from exc
        messages.success(
            request,
            _("Counter mode: this session can only work the counter of %(location)s.")
            % {"location": location.name},
        )
        return redirect("uitlening:counter", pk=location.pk)
    return render(
        request,
        "kern/counter_mode_confirm.html",
        {
            "location": location,
            "idle_minutes": session_security.idle_minutes(counter_mode=True),
        },
    )


@require_POST
def counter_mode_leave(request: HttpRequest) -> HttpResponseBase:
    """Leave counter mode: sign out, so only a new sign-in opens the person's own rights."""
    session_security.leave_counter_mode(request, reason="leave")
    messages.info(request, _("Counter mode ended. Sign in again to continue."))
    return redirect("login")
