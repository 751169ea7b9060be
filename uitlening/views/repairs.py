"""Screens of repair tickets for coordinators: the list (open ones first) and a ticket,
moved on from assess to repair to ready, or retired with a reason, through the repair
services. Tickets are about items; they show no household."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from kern.errors import Conflict, DomainError
from kern.forms import show_domain_error
from kern.permissions import role_required
from uitlening import navigation, selectors, services
from uitlening.models import RepairTicket

STOCK = "kern.manage_stock"
Status = RepairTicket.Status


class NotesForm(forms.Form):
    notes = forms.CharField(
        label=gettext_lazy("Notes (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RetireForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is it retired?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


#: action in the form → (its form, what the coordinator is told when done)
ACTIONS: dict[str, tuple[type[forms.Form], str | Promise]] = {
    "herstellen": (NotesForm, gettext_lazy("Being repaired.")),
    "klaar": (NotesForm, gettext_lazy("Ready: the item can be lent again.")),
    "afvoeren": (RetireForm, gettext_lazy("The item is retired.")),
}


def _act(request, ticket: RepairTicket, action: str, data: dict) -> None:
    if action == "herstellen":
        services.start_repair(actor=request.user, ticket=ticket, notes=data["notes"])
    elif action == "klaar":
        services.mark_repaired(actor=request.user, ticket=ticket, notes=data["notes"])
    else:
        services.retire_from_repair(actor=request.user, ticket=ticket, reason=data["reason"])


@role_required(STOCK)
@require_GET
def repair_list(request):
    status = request.GET.get("status", "")
    if status not in Status.values:
        status = ""
    tickets = selectors.repair_tickets(status=status)[:200]
    return render(
        request,
        "uitlening/repair_list.html",
        {
            "tickets": tickets,
            "status": status,
            "statuses": Status.choices,
            "sections": navigation.sections(request),
        },
    )


@role_required(STOCK)
@require_http_methods(["GET", "POST"])
def repair_detail(request, pk: int):
    """A ticket and the next steps it may take."""
    ticket = selectors.repair_ticket(pk)
    forms_by_action = {name: form(prefix=name) for name, (form, _done) in ACTIONS.items()}
    action = request.POST.get("action", "")
    if request.method == "POST" and action in ACTIONS:
        form_class, done = ACTIONS[action]
        form = form_class(request.POST, prefix=action)
        forms_by_action[action] = form
        if form.is_valid():
            try:
                _act(request, ticket, action, form.cleaned_data)
            except Conflict as exc:
                # The ticket moved on meanwhile (another tab, a colleague): say so above.
                messages.error(request, exc.message)
                response = redirect("uitlening:repair_detail", pk=ticket.pk)
                response.status_code = 303
                return response
            except DomainError as exc:
                show_domain_error(form, exc)
            else:
                messages.success(request, str(done))
                response = redirect("uitlening:repair_detail", pk=ticket.pk)
                response.status_code = 303
                return response
    is_open = ticket.status in RepairTicket.OPEN_STATUSES
    context = {
        "ticket": ticket,
        "is_open": is_open,
        "start_form": forms_by_action["herstellen"] if ticket.status == Status.ASSESS else None,
        "ready_form": forms_by_action["klaar"] if is_open else None,
        "retire_form": forms_by_action["afvoeren"] if is_open else None,
        "notes": [line for line in ticket.notes.splitlines() if line.strip()],
        "sections": navigation.sections(request),
    }
    return render(request, "uitlening/repair_detail.html", context)


urlpatterns = [
    path("herstellingen/", repair_list, name="repair_list"),
    path("herstellingen/<int:pk>/", repair_detail, name="repair_detail"),
]
