"""Screens of the seasonal actions: for coordinators the list, a new action, an action
with its age bands and packages, who is entitled (counts per band), the progress and
the pick lists; at the counter the hand-out from the household panel (htmx)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kern import pdf, permissions
from kern.errors import DomainError
from kern.forms import show_domain_error
from kern.models import Location
from kern.permissions import role_required
from toegang import services as access
from toegang.models import Household, Program
from uitlening import navigation, services
from uitlening.documents_seasonal import pick_list_pdf
from uitlening.models import AgeBand, SeasonalAction
from uitlening.selectors.seasonal import (
    entitled_list,
    packages_handed_out,
    pick_list,
    seasonal_panel,
)
from uitlening.views.distributions import log_listed, posted_id
from voorraad.models import Product

MANAGE = "kern.manage_programs"


class ActionForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=SeasonalAction.Kind.choices)
    program = forms.ModelChoiceField(
        label=gettext_lazy("Program"),
        queryset=Program.objects.filter(kind=Program.Kind.SEASONAL).order_by("name"),
    )
    action_date = forms.DateField(
        label=gettext_lazy("Action date"),
        help_text=gettext_lazy("Access and the children's ages count on this day."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    handout_from = forms.DateField(
        label=gettext_lazy("Hand-out from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    handout_until = forms.DateField(
        label=gettext_lazy("Hand-out until"), widget=forms.DateInput(attrs={"type": "date"})
    )
    points = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Distribution points"),
        queryset=Location.objects.filter(
            kind=Location.Kind.DISTRIBUTION_POINT, is_active=True
        ).order_by("name"),
        widget=forms.CheckboxSelectMultiple,
    )


class BandForm(forms.Form):
    label = forms.CharField(label=gettext_lazy("Label"), max_length=40)
    age_from = forms.IntegerField(label=gettext_lazy("From age"), min_value=0, max_value=216)
    age_to = forms.IntegerField(
        label=gettext_lazy("Up to and including age"), min_value=0, max_value=216
    )
    unit = forms.ChoiceField(
        label=gettext_lazy("In"),
        choices=[("years", gettext_lazy("years")), ("months", gettext_lazy("months"))],
    )


class LineForm(forms.Form):
    band = forms.ModelChoiceField(label=gettext_lazy("Age band"), queryset=AgeBand.objects.none())
    product = forms.ModelChoiceField(
        label=gettext_lazy("Product"),
        queryset=Product.objects.filter(is_active=True).order_by("name"),
    )
    packs = forms.IntegerField(
        label=gettext_lazy("Packs (0 takes it out)"), min_value=0, max_value=100, initial=1
    )

    def __init__(self, *args, action: SeasonalAction, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["band"].queryset = action.bands.order_by("from_months")  # type: ignore[attr-defined]


def _see_other(name: str, **kwargs) -> object:
    response = redirect(name, **kwargs)
    response.status_code = 303
    return response


@role_required(MANAGE)
@require_GET
def action_list(request):
    actions = list(
        SeasonalAction.objects.select_related("program").order_by("-action_date", "name")
    )
    rows = [(action, packages_handed_out(action)) for action in actions]
    return render(
        request,
        "uitlening/seasonal_list.html",
        {"rows": rows, "sections": navigation.sections(request)},
    )


def _action_fields(data: dict) -> dict:
    return {
        "name": data["name"],
        "kind": data["kind"],
        "program": data["program"],
        "action_date": data["action_date"],
        "handout_from": data["handout_from"],
        "handout_until": data["handout_until"],
        "points": list(data["points"]),
    }


@role_required(MANAGE)
@require_http_methods(["GET", "POST"])
def action_create(request):
    form = ActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            action = services.create_action(actor=request.user, **_action_fields(form.cleaned_data))
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(
                request, gettext("The action is made: add its age bands and packages.")
            )
            return _see_other("uitlening:seasonal_detail", pk=action.pk)
    return render(
        request,
        "uitlening/seasonal_form.html",
        {"form": form, "sections": navigation.sections(request)},
    )


@role_required(MANAGE)
@require_http_methods(["GET", "POST"])
def action_detail(request, pk: int):
    """An action: its settings, age bands and packages (each changed by its own form),
    who is entitled per band, how many packages went out, and the pick lists."""
    action = get_object_or_404(SeasonalAction.objects.select_related("program"), pk=pk)
    what = request.POST.get("form", "")
    initial = {
        "name": action.name,
        "kind": action.kind,
        "program": action.program,
        "action_date": action.action_date,
        "handout_from": action.handout_from,
        "handout_until": action.handout_until,
        "points": list(action.points.all()),
    }
    action_form = ActionForm(request.POST if what == "action" else None, initial=initial)
    band_form = BandForm(request.POST if what == "band" else None, initial={"unit": "years"})
    line_form = LineForm(request.POST if what == "line" else None, action=action)
    if request.method == "POST":
        try:
            if what == "action" and action_form.is_valid():
                services.update_action(
                    actor=request.user, action=action, **_action_fields(action_form.cleaned_data)
                )
                messages.success(request, gettext("Saved."))
                return _see_other("uitlening:seasonal_detail", pk=action.pk)
            if what == "band" and band_form.is_valid():
                services.add_age_band(actor=request.user, action=action, **band_form.cleaned_data)
                messages.success(request, gettext("Age band added."))
                return _see_other("uitlening:seasonal_detail", pk=action.pk)
            if what == "line" and line_form.is_valid():
                services.set_package_line(actor=request.user, **line_form.cleaned_data)
                messages.success(request, gettext("Package changed."))
                return _see_other("uitlening:seasonal_detail", pk=action.pk)
            if what == "remove_band":
                band = get_object_or_404(AgeBand, pk=posted_id(request, "band"), action=action)
                services.remove_age_band(actor=request.user, band=band)
                messages.success(request, gettext("Age band removed."))
                return _see_other("uitlening:seasonal_detail", pk=action.pk)
        except DomainError as exc:
            form = {"action": action_form, "band": band_form, "line": line_form}.get(what)
            if form is None:
                messages.error(request, exc.message)
                return _see_other("uitlening:seasonal_detail", pk=action.pk)
            show_domain_error(form, exc)
    listed = entitled_list(action)
    return render(
        request,
        "uitlening/seasonal_detail.html",
        {
            "action": action,
            "listed": listed,
            "counts": listed.counts,
            "handed_out": packages_handed_out(action),
            "points": list(action.points.order_by("name")),
            "day": _day(request),
            "action_form": action_form,
            "band_form": band_form,
            "line_form": line_form,
            "sections": navigation.sections(request),
        },
    )


@role_required(MANAGE, "kern.use_counter")
@never_cache
@require_GET
def action_pick_list(request, pk: int, point: int):
    action = get_object_or_404(SeasonalAction, pk=pk)
    location = get_object_or_404(action.points.all(), pk=point)
    if not request.user.has_perm(MANAGE) and not request.user.can_act_at(location):
        raise PermissionDenied(gettext("You do not work at this distribution point."))
    day = _day(request)
    listed = pick_list(action, point=location, day=day)
    content = pick_list_pdf(listed)
    log_listed(
        request,
        (household.household_id for household in listed.households),
        list_name="seasonal pick list",
        action=listed.action.name,
        point=listed.point.name,
        day=day.isoformat(),
    )
    # Household codes with their children's age bands: personal, like a household page.
    return pdf.pdf_response(
        content, filename=f"picklijst-{action.pk}-{location.pk}-{day:%Y%m%d}.pdf", personal=True
    )


def _day(request) -> dt.date:
    """The day of the pick list (``?dag=``), today when none or not a date."""
    try:
        return dt.date.fromisoformat(request.GET.get("dag", ""))
    except ValueError:
        return timezone.localdate()


# --- At the counter -----------------------------------------------------------------------


def _counter_location(request, pk: int) -> Location:
    location = get_object_or_404(Location, pk=pk, kind=Location.Kind.DISTRIBUTION_POINT)
    try:
        permissions.require_location(request.user, location)
    except DomainError as exc:
        raise PermissionDenied(exc.message) from exc
    return location


@role_required("kern.use_counter")
@never_cache  # a family's panel: never kept by a browser or a proxy
@require_POST
def counter_hand_out(request, pk: int):
    """htmx, from the household panel: hand out one child's package (``child``) or every
    waiting one (``child=all``); answers with the panel section and what happened."""
    location = _counter_location(request, pk)
    household = get_object_or_404(
        Household, pk=posted_id(request, "household"), anonymised_at__isnull=True
    )
    action = get_object_or_404(SeasonalAction, pk=posted_id(request, "action"))
    child = request.POST.get("child", "all")
    message, level, receipt = "", "ok", None
    try:
        child_ids = None if child == "all" else [int(child)]
    except ValueError:
        child_ids = []
    try:
        result = services.hand_out_packages(
            actor=request.user,
            location=location,
            household=household,
            action=action,
            child_ids=child_ids,
            idempotency_key=request.POST.get("key", ""),
            source=request.path,
        )
    except DomainError as exc:
        message, level = exc.message, "error"
    else:
        message = gettext("Handed out: %(n)d package(s) of %(action)s.") % {
            "n": len(result.packages),
            "action": action.name,
        }
        receipt = reverse("uitlening:distribution_receipt", args=[result.distribution.pk])
    access.open_household(actor=request.user, household=household, source=request.path)
    section = seasonal_panel(household, location, timezone.localdate())
    context = (
        dict(section.context)
        if section
        else {"household": household, "location": location, "actions": []}
    )
    context.update(message=message, message_level=level, receipt_url=receipt)
    if not request.htmx:
        messages.info(request, message)
        return redirect(reverse("uitlening:counter", args=[location.pk]))
    # 200 also for a refusal: htmx swaps only a 2xx answer, and the section says why.
    return render(request, "uitlening/partials/panel_seasonal.html", {"section": context})


urlpatterns = [
    path("seizoensacties/", action_list, name="seasonal_list"),
    path("seizoensacties/nieuw/", action_create, name="seasonal_create"),
    path("seizoensacties/<int:pk>/", action_detail, name="seasonal_detail"),
    path(
        "seizoensacties/<int:pk>/picklijst/<int:point>/",
        action_pick_list,
        name="seasonal_pick_list",
    ),
    path("<int:pk>/seizoenspakket/", counter_hand_out, name="seasonal_hand_out"),
]
