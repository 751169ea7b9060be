"""The volunteer's screens: open shifts at their locations to sign up for, their own
shifts (waitlist positions, swap offers), a shift's detail with the co-volunteers' first
names; on the detail a coordinator assigns and removes with a reason.

The buttons post with htmx and get the shift's card back; without JavaScript the form
posts and the page comes back by a redirect with the message. Every write goes through
``vrijwilligers.services``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from kern.errors import DomainError, NotAllowed, NotFound
from kern.permissions import AuthenticatedHttpRequest, role_required
from vrijwilligers import services
from vrijwilligers.models import Shift, Signup, SwapRequest, Volunteer
from vrijwilligers.selectors import signups as selectors
from vrijwilligers.selectors.profiles import profile_of_user
from vrijwilligers.services.signups import MANAGE, WORK

# A volunteer reaching for a sign-up, swap or location that is not theirs is refused, not
# shown a message: the page answers 403 / 404 and the attempt is logged.
REFUSED = (NotAllowed, NotFound)


def _volunteer(request: AuthenticatedHttpRequest) -> Volunteer | None:
    """My profile, or None: a coordinator without one still sees the shifts (writes
    refuse through ``services.own_volunteer``)."""
    return profile_of_user(request.user.pk)


def _back(request: AuthenticatedHttpRequest, default: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = default
    return redirect(target)


def _row(shift: Shift, signup: Signup | None, now: dt.datetime) -> dict[str, Any]:
    """What a shift's card shows: the shift with its counts, my sign-up and waitlist
    number, whether I can still sign up or cancel myself, and whether it is full."""
    return {
        "shift": shift,
        "mine": signup,
        "rank": selectors.waitlist_rank(signup) if signup else None,
        "open": now < selectors.deadline(shift),
        "full": getattr(shift, "confirmed", 0) >= shift.max_volunteers,
        "short": getattr(shift, "confirmed", 0) < shift.min_volunteers,
    }


def _card(
    request: AuthenticatedHttpRequest,
    shift: Shift,
    *,
    message: str = "",
    error: str = "",
) -> HttpResponse:
    """The shift's card again, re-read after the write (htmx swaps it in place)."""
    fresh = selectors.with_counts(
        Shift.objects.select_related("location", "required_skill").filter(pk=shift.pk)
    ).get()
    volunteer = _volunteer(request)
    mine = (
        selectors.my_active_signups(volunteer=volunteer, shifts=[shift]).get(shift.pk)
        if volunteer
        else None
    )
    context = {
        "row": _row(fresh, mine, timezone.now()),
        "message": message,
        "error": error,
        "next": request.POST.get("next", ""),
    }
    # 200 also for a refusal: htmx swaps only a 2xx answer, and the card says why.
    return render(request, "vrijwilligers/partials/shift_card.html", context)


def _answer(
    request: AuthenticatedHttpRequest, shift: Shift, *, message: str, error: str
) -> HttpResponse:
    if request.htmx:
        return _card(request, shift, message=message, error=error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, message)
    return _back(request, reverse("vrijwilligers:shift_list"))


# --- Reading ----------------------------------------------------------------------------------


@role_required(WORK, MANAGE)
@never_cache
@require_GET
def shift_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The coming shifts at my locations, by day, each with a sign-up button."""
    now = timezone.now()
    until = now + dt.timedelta(weeks=settings.VOLUNTEER_SHIFT_WEEKS_AHEAD)
    shifts = list(
        selectors.upcoming_shifts(
            locations=selectors.locations_of(request.user), now=now, until=until
        )[:300]
    )
    volunteer = _volunteer(request)
    mine = selectors.my_active_signups(volunteer=volunteer, shifts=shifts) if volunteer else {}
    days: dict[dt.date, list[dict[str, Any]]] = {}
    for shift in shifts:
        signup = mine.get(shift.pk)
        days.setdefault(shift.day, []).append(_row(shift, signup, now))
    return render(
        request,
        "vrijwilligers/shift_list.html",
        {
            "days": sorted(days.items()),
            "volunteer": volunteer,
            "now": now,
            "next": request.get_full_path(),
        },
    )


@role_required(WORK, MANAGE)
@never_cache
@require_GET
def shift_mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    """My coming shifts and waitlist places, my open swap offers, and places others
    offer that I could take over."""
    volunteer = _volunteer(request)
    now = timezone.now()
    return render(
        request,
        "vrijwilligers/shift_mine.html",
        {
            "volunteer": volunteer,
            "rows": selectors.my_shifts(volunteer=volunteer, now=now) if volunteer else [],
            "offers": selectors.swap_offers_for(volunteer=volunteer, now=now) if volunteer else [],
            "now": now,
            "next": request.get_full_path(),
        },
    )


@role_required(WORK, MANAGE)
@never_cache
@require_GET
def shift_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A shift: when, where, who (first names for volunteers, full names for a
    coordinator) and who waits; a coordinator assigns and removes here."""
    shift = get_object_or_404(
        selectors.with_counts(Shift.objects.select_related("location", "required_skill")), pk=pk
    )
    coordinator = request.user.has_perm(MANAGE)
    locations = selectors.locations_of(request.user)
    if locations is not None and not locations.filter(pk=shift.location_id).exists():
        return render(request, "403.html", status=403)
    volunteer = _volunteer(request)
    mine = (
        selectors.my_active_signups(volunteer=volunteer, shifts=[shift]).get(shift.pk)
        if volunteer
        else None
    )
    context: dict[str, Any] = {
        "shift": shift,
        "roster": selectors.roster(shift=shift),
        "coordinator": coordinator,
        "row": _row(shift, mine, timezone.now()),
        "label": selectors.shift_label(shift),
        "next": request.get_full_path(),
    }
    if coordinator:
        context["candidates"] = selectors.assign_candidates(shift=shift)
    return render(request, "vrijwilligers/shift_detail.html", context)


# --- Writing ----------------------------------------------------------------------------------


@role_required(WORK)
@never_cache
@require_POST
def shift_signup(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    shift = get_object_or_404(Shift.objects.select_related("location"), pk=pk)
    try:
        signup = services.sign_up(actor=request.user, shift=shift, source=request.path)
    except REFUSED:
        raise  # not theirs: 403 / 404, logged by kern.middleware
    except DomainError as exc:
        return _answer(request, shift, message="", error=exc.message)
    message = selectors.signup_message(signup, selectors.waitlist_rank(signup))
    return _answer(request, shift, message=message, error="")


@role_required(WORK, MANAGE)
@never_cache
@require_POST
def shift_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Cancel my sign-up (or leave the waitlist)."""
    signup = get_object_or_404(Signup.objects.select_related("shift__location"), pk=pk)
    try:
        services.cancel_signup(
            actor=request.user,
            signup=signup,
            reason=request.POST.get("reason", ""),
            source=request.path,
        )
    except REFUSED:
        raise  # not theirs: 403 / 404, logged by kern.middleware
    except DomainError as exc:
        return _answer(request, signup.shift, message="", error=exc.message)
    message = _("Your sign-up for %(shift)s is cancelled.") % {
        "shift": selectors.shift_label(signup.shift)
    }
    return _answer(request, signup.shift, message=message, error="")


def _after(request: AuthenticatedHttpRequest, error: str, done: str) -> HttpResponseRedirect:
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return _back(request, reverse("vrijwilligers:shift_mine"))


@role_required(WORK)
@never_cache
@require_POST
def shift_swap_offer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    signup = get_object_or_404(Signup.objects.select_related("shift__location"), pk=pk)
    error = ""
    try:
        services.offer_swap(
            actor=request.user,
            signup=signup,
            note=request.POST.get("note", ""),
            source=request.path,
        )
    except REFUSED:
        raise  # not theirs: 403 / 404, logged by kern.middleware
    except DomainError as exc:
        error = exc.message
    return _after(
        request,
        error,
        _("Your place is offered: someone who can work that shift may take it over."),
    )


@role_required(WORK, MANAGE)
@never_cache
@require_POST
def shift_swap_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    swap = get_object_or_404(SwapRequest.objects.select_related("signup__volunteer"), pk=pk)
    error = ""
    try:
        services.withdraw_swap(actor=request.user, swap=swap, source=request.path)
    except REFUSED:
        raise  # not theirs: 403 / 404, logged by kern.middleware
    except DomainError as exc:
        error = exc.message
    return _after(request, error, _("Your swap offer is withdrawn: you keep your place."))


@role_required(WORK)
@never_cache
@require_POST
def shift_swap_take(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    swap = get_object_or_404(SwapRequest.objects.select_related("signup__shift__location"), pk=pk)
    error = ""
    try:
        signup = services.take_swap(actor=request.user, swap=swap, source=request.path)
    except REFUSED:
        raise  # not theirs: 403 / 404, logged by kern.middleware
    except DomainError as exc:
        error = exc.message
        signup = None
    done = (
        _("You took over the place in %(shift)s.") % {"shift": selectors.shift_label(signup.shift)}
        if signup
        else ""
    )
    return _after(request, error, done)


@role_required(MANAGE)
@never_cache
@require_POST
def shift_assign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    shift = get_object_or_404(Shift.objects.select_related("location"), pk=pk)
    raw = request.POST.get("volunteer", "")
    volunteer = (
        Volunteer.objects.select_related("user").filter(pk=int(raw)).first()
        if raw.isdigit() and len(raw) < 10
        else None
    )
    if volunteer is None:
        messages.error(request, _("Choose a volunteer."))
    else:
        try:
            services.assign_to_shift(
                actor=request.user,
                volunteer=volunteer,
                shift=shift,
                reason=request.POST.get("reason", ""),
                source=request.path,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("%(name)s is in %(shift)s.")
                % {"name": volunteer.full_name, "shift": selectors.shift_label(shift)},
            )
    return redirect("vrijwilligers:shift_detail", pk=shift.pk)


@role_required(MANAGE)
@never_cache
@require_POST
def shift_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    signup = get_object_or_404(Signup.objects.select_related("shift", "volunteer__user"), pk=pk)
    try:
        services.remove_from_shift(
            actor=request.user,
            signup=signup,
            reason=request.POST.get("reason", ""),
            source=request.path,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(name)s is no longer in this shift.") % {"name": signup.volunteer.full_name},
        )
    return redirect("vrijwilligers:shift_detail", pk=signup.shift_id)


urlpatterns = [
    path("diensten/", shift_list, name="shift_list"),
    path("diensten/mijn/", shift_mine, name="shift_mine"),
    path("diensten/<int:pk>/", shift_detail, name="shift_detail"),
    path("diensten/<int:pk>/inschrijven/", shift_signup, name="shift_signup"),
    path("diensten/<int:pk>/toewijzen/", shift_assign, name="shift_assign"),
    path("diensten/inschrijving/<int:pk>/annuleren/", shift_cancel, name="shift_cancel"),
    path("diensten/inschrijving/<int:pk>/verwijderen/", shift_remove, name="shift_remove"),
    path("diensten/inschrijving/<int:pk>/ruilen/", shift_swap_offer, name="shift_swap_offer"),
    path("diensten/ruil/<int:pk>/intrekken/", shift_swap_withdraw, name="shift_swap_withdraw"),
    path("diensten/ruil/<int:pk>/overnemen/", shift_swap_take, name="shift_swap_take"),
]
