"""Memberships: recording a payment (or a renewal) from the household panel at the
counter, and the coordinators' list per program (active, ending soon, lapsed; normal
and social fees counted).

The counter form posts with htmx and gets the panel section back, re-read after the
service ran (``record_membership``: the fee is decided there, never by the form)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kern.errors import DomainError
from kern.models import Location
from kern.pdf import format_day
from kern.permissions import role_required
from toegang import services as access
from toegang.models import Household, Program
from uitlening import navigation, services
from uitlening.selectors.memberships import (
    membership_offers,
    membership_overview,
    membership_programs,
)
from uitlening.views.distributions import COUNTER, log_listed, posted_id, private, require_point

PANEL_TEMPLATE = "uitlening/partials/panel_membership.html"


def _counter_point(request, pk: int) -> Location:
    location = get_object_or_404(Location, pk=pk, kind=Location.Kind.DISTRIBUTION_POINT)
    require_point(request, location)
    return location


def _section(request, location: Location, household: Household, **extra: object):
    if "error" in extra:
        # A refusal shows the household's memberships without a write that the service
        # logged: this look is logged instead.
        access.open_household(actor=request.user, household=household, source=request.path)
    offers = membership_offers(household=household, location=location, on=timezone.localdate())
    context = {
        "household": household,
        "location": location,
        "offers": offers,
        "form_key": uuid.uuid4().hex,
        **extra,
    }
    return private(render(request, PANEL_TEMPLATE, {"section": context}))


def _day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip()) if value and value.strip() else None
    except ValueError:
        return None


@role_required(COUNTER)
@require_POST
def membership_record(request, pk: int, household: int):
    """Record the membership fee of one program (cash, Payconiq, or waived by a
    coordinator with a reason)."""
    location = _counter_point(request, pk)
    family = get_object_or_404(Household, pk=household, anonymised_at__isnull=True)
    program = Program.objects.filter(pk=posted_id(request, "program")).first()
    if program is None:
        return _section(request, location, family, error=_("Choose a program."))
    try:
        membership = services.record_membership(
            actor=request.user,
            location=location,
            household=family,
            program=program,
            payment=request.POST.get("payment", ""),
            waive_reason=request.POST.get("waive_reason", ""),
            starts_on=_day(request.POST.get("starts_on", "")),
            idempotency_key=request.POST.get("idempotency_key") or None,
            source=request.path,
        )
    except DomainError as exc:
        return _section(request, location, family, error=exc.message, error_program=program.pk)
    return _section(
        request,
        location,
        family,
        message=_("%(program)s: household %(household)s is a member until %(until)s.")
        % {
            "program": program.name,
            "household": family.code,
            "until": format_day(membership.valid_until),
        },
    )


@role_required("kern.manage_programs")
@require_GET
def membership_list(request):
    """Per program: members (active, ending within 30 days) and lapsed memberships,
    with how many pay the normal and the social fee."""
    programs = membership_programs()
    chosen = next((p for p in programs if str(p.pk) == request.GET.get("program")), None)
    chosen = chosen or (programs[0] if programs else None)
    overview = membership_overview(program=chosen) if chosen else None
    if overview is not None:
        log_listed(
            request,
            (m.household_id for m in overview.members + overview.lapsed),
            list_name="memberships",
            program=overview.program.name,
        )
    context = {
        "programs": programs,
        "program": chosen,
        "overview": overview,
        "sections": navigation.sections(request),
    }
    return private(render(request, "uitlening/membership_list.html", context))


urlpatterns = [
    path(
        "<int:pk>/gezin/<int:household>/lidmaatschap/",
        membership_record,
        name="membership_record",
    ),
    path("lidmaatschappen/", membership_list, name="membership_list"),
]
