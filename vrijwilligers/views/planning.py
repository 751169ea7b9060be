"""The coordinator's planning screens: the week grid and the list of a location, who is
where on a day, generating shifts, one shift (message its volunteers, cancel it), a
one-off shift, the templates and the closing days. Every change goes through
``vrijwilligers.services``; the reads come from ``vrijwilligers.selectors.planning``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kern.errors import DomainError
from kern.forms import show_domain_error
from kern.models import Location
from kern.permissions import AuthenticatedHttpRequest, role_required
from vrijwilligers import services
from vrijwilligers.forms import (
    CancelShiftForm,
    ClosingDayForm,
    GenerateForm,
    ShiftForm,
    ShiftMessageForm,
    TemplateForm,
)
from vrijwilligers.models import ClosingDay, Shift, ShiftTemplate
from vrijwilligers.selectors import planning as reads

MANAGE = "kern.manage_shifts"
LIST_WEEKS = 4


def _see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _day(raw: str | None, default: dt.date) -> dt.date:
    """A date from the address, or ``default`` when it is missing, malformed or absurd."""
    try:
        day = dt.date.fromisoformat(raw) if raw else default
    except ValueError:
        return default
    return day if 2000 <= day.year <= 2999 else default


def _location(request: AuthenticatedHttpRequest) -> Location | None:
    """The location asked for (?locatie=), else the first one planned for."""
    locations = reads.planning_locations()
    raw = request.GET.get("locatie", "")
    if raw.isdigit():
        found = locations.filter(pk=int(raw)).first()
        if found is not None:
            return found
    return locations.first()


def _week_url(location: Location, day: dt.date) -> str:
    query = urlencode({"locatie": str(location.pk), "week": day.isoformat()})
    return f"{reverse('vrijwilligers:planning_week')}?{query}"


@role_required(MANAGE)
@never_cache
@require_GET
def planning_week(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The week grid of one location: a column per day, under-staffed shifts marked."""
    location = _location(request)
    today = timezone.localdate()
    context: dict[str, Any] = {"locations": reads.planning_locations(), "today": today}
    if location is not None:
        grid = reads.week_grid(location=location, day=_day(request.GET.get("week"), today))
        context.update(location=location, grid=grid)
    return render(request, "vrijwilligers/planning_week.html", context)


@role_required(MANAGE)
@never_cache
@require_GET
def planning_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The shifts of a location for four weeks, in time order."""
    location = _location(request)
    start = _day(request.GET.get("van"), timezone.localdate())
    end = start + dt.timedelta(weeks=LIST_WEEKS) - dt.timedelta(days=1)
    rows = reads.shift_rows(start=start, end=end, location=location) if location else []
    return render(
        request,
        "vrijwilligers/planning_list.html",
        {
            "locations": reads.planning_locations(),
            "location": location,
            "rows": rows,
            "start": start,
            "end": end,
            "previous": start - dt.timedelta(weeks=LIST_WEEKS),
            "next": end + dt.timedelta(days=1),
        },
    )


@role_required(MANAGE)
@never_cache
@require_GET
def planning_who(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Who works where on a day, per location (full names: coordinators only)."""
    day = _day(request.GET.get("dag"), timezone.localdate())
    return render(
        request,
        "vrijwilligers/planning_who.html",
        {
            "day": day,
            "places": reads.who_is_where(day=day),
            "previous": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1),
        },
    )


@role_required(MANAGE)
@never_cache
@require_http_methods(["GET", "POST"])
def planning_generate(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    initial = {
        "start": today,
        "end": today + dt.timedelta(weeks=settings.VOLUNTEER_SHIFT_WEEKS_AHEAD),
    }
    form = GenerateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.generate_shifts(
                actor=request.user, start=data["start"], end=data["end"], location=data["location"]
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, result.message)
            location = data["location"] or reads.planning_locations().first()
            if location is None:
                return _see_other(reverse("vrijwilligers:planning_week"))
            return _see_other(_week_url(location, result.start))
    return render(
        request,
        "vrijwilligers/planning_generate.html",
        {"form": form, "templates": reads.templates().filter(is_active=True)},
    )


@role_required(MANAGE)
@never_cache
@require_http_methods(["GET", "POST"])
def planning_shift(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One shift for the coordinator: its volunteers (full names), waitlist, the messages
    sent, and the forms to write to its volunteers or cancel it."""
    try:
        row = reads.shift_for_planning(pk=pk)
    except Shift.DoesNotExist as exc:
        raise Http404 from exc
    shift = row.shift
    what = request.POST.get("form", "")
    message_form = ShiftMessageForm(request.POST if what == "message" else None)
    cancel_form = CancelShiftForm(request.POST if what == "cancel" else None)
    if request.method == "POST":
        try:
            if what == "message" and message_form.is_valid():
                sent = services.send_shift_message(
                    actor=request.user, shift=shift, **message_form.cleaned_data
                )
                messages.success(
                    request,
                    _("Message sent to %(count)d volunteers.") % {"count": sent.recipients},
                )
                return _see_other(request.path)
            if what == "cancel" and cancel_form.is_valid():
                count = services.cancel_shift(
                    actor=request.user, shift=shift, reason=cancel_form.cleaned_data["reason"]
                )
                messages.success(
                    request,
                    _("Shift cancelled; %(count)d volunteers are told by e-mail.")
                    % {"count": count},
                )
                return _see_other(request.path)
        except DomainError as exc:
            show_domain_error(message_form if what == "message" else cancel_form, exc)
    return render(
        request,
        "vrijwilligers/planning_shift.html",
        {
            "row": row,
            "shift": shift,
            "waitlist": reads.waitlist(shift=shift),
            "sent": reads.messages_of(shift=shift),
            "message_form": message_form,
            "cancel_form": cancel_form,
            "week_url": _week_url(shift.location, shift.day),
            "started": shift.starts_at <= timezone.now(),
        },
    )


@role_required(MANAGE)
@never_cache
@require_http_methods(["GET", "POST"])
def planning_shift_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A one-off shift, outside the templates."""
    initial = {"location": _location(request), "min_volunteers": 1, "max_volunteers": 2}
    form = ShiftForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            shift = services.create_shift(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("Shift added."))
            return _see_other(_week_url(shift.location, shift.day))
    return render(request, "vrijwilligers/planning_shift_form.html", {"form": form})


@role_required(MANAGE)
@never_cache
@require_GET
def template_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "vrijwilligers/template_list.html", {"templates": reads.templates()})


@role_required(MANAGE)
@never_cache
@require_http_methods(["GET", "POST"])
def template_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    initial = {
        "starts_on": timezone.localdate(),
        "min_volunteers": 2,
        "max_volunteers": 4,
        "location": _location(request),
    }
    form = TemplateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_template(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(
                request, _("Template saved. Generate the shifts to put it in the planning.")
            )
            return _see_other(reverse("vrijwilligers:planning_generate"))
    return render(request, "vrijwilligers/template_form.html", {"form": form})


@role_required(MANAGE)
@never_cache
@require_http_methods(["GET", "POST"])
def template_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(ShiftTemplate.objects.select_related("location"), pk=pk)
    form = TemplateForm(
        request.POST or None, initial=TemplateForm.initial_for(template), editing=True
    )
    if request.method == "POST" and form.is_valid():
        try:
            change = services.update_template(
                actor=request.user, template=template, **form.cleaned_data
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Template saved: %(replaced)d future shifts follow the change; "
                    "%(kept)d with sign-ups stay as they were (change or cancel them one "
                    "by one)."
                )
                % {"replaced": change.replaced, "kept": change.kept},
            )
            return _see_other(reverse("vrijwilligers:template_list"))
    return render(request, "vrijwilligers/template_form.html", {"form": form, "template": template})


@role_required(MANAGE)
@never_cache
@require_http_methods(["GET", "POST"])
def closingday_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The coming closing days and holidays, and a form to add one."""
    form = ClosingDayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            added = services.add_closing_day(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("Closing day saved; %(count)d shifts that day are cancelled.")
                % {"count": added.cancelled_shifts},
            )
            return _see_other(request.path)
    return render(
        request,
        "vrijwilligers/closingday_list.html",
        {"form": form, "days": reads.upcoming_closing_days(since=timezone.localdate())},
    )


@role_required(MANAGE)
@never_cache
@require_POST
def closingday_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    closing_day = get_object_or_404(ClosingDay, pk=pk)
    services.remove_closing_day(actor=request.user, closing_day=closing_day)
    messages.success(request, _("Closing day removed."))
    return redirect("vrijwilligers:closingday_list")


urlpatterns = [
    path("planning/", planning_week, name="planning_week"),
    path("planning/lijst/", planning_list, name="planning_list"),
    path("planning/wie-waar/", planning_who, name="planning_who"),
    path("planning/genereren/", planning_generate, name="planning_generate"),
    path("planning/diensten/nieuw/", planning_shift_create, name="planning_shift_create"),
    path("planning/diensten/<int:pk>/", planning_shift, name="planning_shift"),
    path("sjablonen/", template_list, name="template_list"),
    path("sjablonen/nieuw/", template_create, name="template_create"),
    path("sjablonen/<int:pk>/", template_edit, name="template_edit"),
    path("sluitingsdagen/", closingday_list, name="closingday_list"),
    path("sluitingsdagen/<int:pk>/verwijderen/", closingday_delete, name="closingday_delete"),
]
