"""Waitlists: the counter's panel section (join a waitlist for the family checked in,
cancel one) and the coordinators' queues per item type (reorder with a reason, cancel).
Every write goes through ``uitlening.services.holds``."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from kern import permissions
from kern.errors import DomainError
from kern.models import Location
from kern.permissions import role_required
from toegang import services as access
from uitlening import navigation, services
from uitlening.models import Reservation
from uitlening.selectors import holds as selectors
from voorraad.models import ItemType

MANAGE = "kern.manage_programs"


def _point(request, pk: int) -> Location:
    location = get_object_or_404(Location, pk=pk, kind=Location.Kind.DISTRIBUTION_POINT)
    try:
        permissions.require_location(request.user, location)
    except DomainError as exc:
        raise PermissionDenied(exc.message) from exc
    return location


def _panel(request, location, household, *, message: str = "", error: str = ""):
    context = {
        "section": selectors.panel_context(household=household, location=location),
        "message": message,
        "error": error,
    }
    return render(request, "uitlening/partials/panel_holds.html", context)


@role_required("kern.use_counter")
@never_cache  # a family's reservations: never kept by a browser or a proxy
@require_POST
def reservation_join(request, pk: int):
    """htmx, from the household panel: put the family on the waitlist of the chosen
    item type and size at this point; answers with the panel section again."""
    location = _point(request, pk)
    try:
        household = access.household_by_code(
            actor=request.user, code=request.POST.get("household", ""), source=request.path
        )
    except DomainError as exc:
        return render(
            request, "uitlening/partials/panel_holds.html", {"error": exc.message}, status=400
        )
    type_id, _sep, size = request.POST.get("wish", "").partition("|")
    item_type = ItemType.objects.filter(pk=int(type_id) if type_id.isdigit() else 0).first()
    if item_type is None:
        return _panel(
            request, location, household, error=gettext("Choose what the family waits for.")
        )
    try:
        reservation = services.reserve_item(
            actor=request.user,
            household=household,
            item_type=item_type,
            size=size,
            location=location,
            source=request.path,
        )
    except DomainError as exc:
        return _panel(request, location, household, error=exc.message)
    if reservation.status == Reservation.Status.HELD and reservation.held_item is not None:
        done = gettext("%(item)s (%(code)s) is held for the family: it can take it now.") % {
            "item": reservation.held_item.name,
            "code": reservation.held_item.code,
        }
    else:
        done = gettext("The family waits for a %(type)s%(size)s.") % {
            "type": item_type.name,
            "size": f" {reservation.size}" if reservation.size else "",
        }
    return _panel(request, location, household, message=done)


@role_required("kern.use_counter", MANAGE)
@never_cache
@require_POST
def reservation_cancel(request, pk: int):
    """Cancel a reservation: from the counter's panel (htmx, answers with the section)
    or from a coordinator's queue (back to the queue)."""
    reservation = get_object_or_404(
        Reservation.objects.select_related("household", "location", "item_type"), pk=pk
    )
    error = ""
    try:
        services.cancel_reservation(
            actor=request.user,
            reservation=reservation,
            reason=request.POST.get("reason", ""),
            source=request.path,
        )
    except DomainError as exc:
        error = exc.message
    if request.POST.get("from") == "queue":
        if error:
            messages.error(request, error)
        else:
            messages.success(request, gettext("The reservation is cancelled."))
        return redirect("uitlening:reservation_queue", pk=reservation.item_type_id)
    location = _point(request, int(request.POST.get("location") or reservation.location_id))
    return _panel(
        request,
        location,
        reservation.household,
        message="" if error else gettext("The reservation is cancelled."),
        error=error,
    )


@role_required(MANAGE)
@require_GET
def reservation_list(request):
    """The waitlists per item type: how many wait and how many items are held."""
    rows = selectors.waitlist_overview()
    return render(
        request,
        "uitlening/reservation_list.html",
        {"rows": rows, "sections": navigation.sections(request)},
    )


class ReorderForm(forms.Form):
    rank = forms.IntegerField(label=gettext_lazy("New place"), min_value=1, max_value=10_000)
    reason = forms.CharField(label=gettext_lazy("Why?"), max_length=200)


@role_required(MANAGE)
@never_cache  # names households
def reservation_queue(request, pk: int):
    """The queue of one item type, per point: reorder a family with a reason, cancel."""
    item_type = get_object_or_404(ItemType, pk=pk)
    form = ReorderForm()
    if request.method == "POST":
        form = ReorderForm(request.POST)
        reservation = get_object_or_404(
            Reservation, pk=int(request.POST.get("reservation") or 0), item_type=item_type
        )
        if form.is_valid():
            try:
                services.reorder_reservation(
                    actor=request.user,
                    reservation=reservation,
                    rank=form.cleaned_data["rank"],
                    reason=form.cleaned_data["reason"],
                    source=request.path,
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, gettext("The queue is changed; the reason is kept."))
                return redirect("uitlening:reservation_queue", pk=item_type.pk)
        else:
            messages.error(request, gettext("Give the new place and a reason."))
    queue = selectors.item_type_queue(item_type=item_type)
    return render(
        request,
        "uitlening/reservation_queue.html",
        {
            "item_type": item_type,
            "queue": queue,
            "form": form,
            "sections": navigation.sections(request),
        },
    )


urlpatterns = [
    path("<int:pk>/wachtlijst/", reservation_join, name="reservation_join"),
    path("wachtlijsten/", reservation_list, name="reservation_list"),
    path("wachtlijsten/<int:pk>/", reservation_queue, name="reservation_queue"),
    path("reservaties/<int:pk>/annuleer/", reservation_cancel, name="reservation_cancel"),
]
