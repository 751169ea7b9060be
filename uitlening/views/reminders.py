"""The reminders page for coordinators: how many reminders per kind and status, and the
ones not sent (waiting, being sent, given up) by household code and kind, with the
number of attempts and the short technical error. Never their contents or addresses."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from kern.permissions import role_required
from uitlening import navigation
from uitlening.models import Reminder
from uitlening.selectors.reminders import (
    OPEN_STATUSES,
    reminder_counts,
    reminders_not_sent,
    status_totals,
)
from uitlening.views.distributions import log_listed, private

PERMISSION = "kern.manage_programs"


@role_required(PERMISSION)
@require_GET
def reminder_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in OPEN_STATUSES:
        status = ""
    listed = reminders_not_sent(status=status)
    log_listed(request, (reminder.household_id for reminder in listed), list_name="reminders")
    response = render(
        request,
        "uitlening/reminder_list.html",
        {
            "counts": reminder_counts(),
            "totals": status_totals(),
            "reminders": listed,
            "status": status,
            "statuses": [(s.value, s.label) for s in OPEN_STATUSES],
            "status_labels": dict(Reminder.Status.choices),
            "sections": navigation.sections(request),
        },
    )
    return private(response)


urlpatterns = [path("herinneringen/", reminder_list, name="reminder_list")]
