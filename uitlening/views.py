"""The counter (balie): pick a distribution point, then scan."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from kern import permissions, scanning
from kern.errors import DomainError
from kern.models import Location
from kern.permissions import role_required


@role_required("kern.use_counter")
def counter_choose(request):
    locations = list(request.user.counter_locations().select_related("municipality"))
    if len(locations) == 1:
        return redirect("uitlening:counter", pk=locations[0].pk)
    return render(request, "uitlening/counter_choose.html", {"locations": locations})


def _counter_location(request, pk: int) -> Location:
    location = get_object_or_404(Location, pk=pk, kind=Location.Kind.DISTRIBUTION_POINT)
    try:
        permissions.require_location(request.user, location)
    except DomainError as exc:
        raise PermissionDenied(exc.message) from exc
    return location


@role_required("kern.use_counter")
def counter(request, pk: int):
    location = _counter_location(request, pk)
    return render(request, "uitlening/counter_detail.html", {"location": location})


@role_required("kern.use_counter")
@require_POST
def counter_scan(request, pk: int):
    """htmx: resolve one scan and answer with the result card (or the error)."""
    location = _counter_location(request, pk)
    raw = request.POST.get("code", "")
    result, error = None, None
    try:
        result = scanning.resolve(user=request.user, raw=raw)
    except DomainError as exc:
        error = exc.message
    context = {"location": location, "result": result, "error": error, "raw": raw}
    if request.htmx:
        return render(request, "uitlening/partials/scan_result.html", context)
    return render(request, "uitlening/counter_detail.html", context)
