"""Screens of a distribution: its detail with the same-day correction, its receipt as a
print view and as a PDF (in the household's language), and the confirm card to print
for the counter.

A volunteer sees the distributions of the points they work at; a coordinator every
point's. Every page that shows a household goes through ``toegang``'s
``open_household`` (the audit log) and is never cached."""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from kern import audit, permissions
from kern.errors import DomainError
from kern.forms import show_domain_error
from kern.models import Location
from kern.pdf import opening_hours_lines, pdf_response
from kern.permissions import role_required
from toegang import services as access
from toegang.models import Household
from uitlening import documents, navigation, selectors, services
from uitlening.models import Distribution

COUNTER = "kern.use_counter"


def require_point(request, location: Location) -> None:
    """403 unless the person works at ``location`` (a coordinator works everywhere)."""
    try:
        permissions.require_location(request.user, location)
    except DomainError as exc:
        raise PermissionDenied(exc.message) from exc


def private(response: HttpResponse) -> HttpResponse:
    """A page about a household: kept by no cache, shared or not."""
    response["Cache-Control"] = "private, no-store"
    return response


@transaction.atomic
def log_listed(request, household_ids: Iterable[int], *, list_name: str, **details: str) -> None:
    """One audit entry per household a list shows (a look, not the family's activity:
    nothing else is touched), written in one transaction."""
    seen: set[int] = set()
    for pk in household_ids:
        if pk in seen:
            continue
        seen.add(pk)
        audit.record(
            actor=request.user,
            action="view",
            object_type=Household._meta.label_lower,
            object_id=str(pk),
            source=request.path,
            details={"list": list_name, **details},
        )


def posted_id(request, name: str) -> int:
    """The id a form posted under ``name``, or 0 (no row has it) when it is missing or
    not a plain whole number: a tampered form gets a 404 or the form's own message
    instead of a server error from the database."""
    value = (request.POST.get(name) or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else 0


class CorrectionForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is it cancelled?"),
        max_length=200,
        help_text=gettext_lazy(
            "For example: wrong size handed out, scanned twice. The stock goes back on the "
            "shelf and the packs no longer count for the household."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


def _distribution(request, pk: int) -> Distribution:
    distribution = selectors.distribution_record(pk)
    require_point(request, distribution.location)
    access.open_household(actor=request.user, household=distribution.household, source=request.path)
    return distribution


@role_required(COUNTER)
@require_http_methods(["GET", "POST"])
def distribution_detail(request, pk: int):
    """What was handed out, to whom, by whom; the receipt; and on the day itself a
    correction (with a reason) that books everything back."""
    distribution = _distribution(request, pk)
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.correct_distribution(
                actor=request.user,
                distribution=distribution,
                reason=form.cleaned_data["reason"],
                source=request.path,
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(
                request, _("The distribution is cancelled and the stock is booked back.")
            )
            response = redirect("uitlening:distribution_detail", pk=distribution.pk)
            response.status_code = 303
            return response
    with translation.override(documents.document_language(distribution.household)):
        receipt_language = translation.get_language()
    context = {
        "distribution": distribution,
        "receipt": documents.receipt(distribution),
        "form": form,
        "may_correct": selectors.may_correct_today(distribution),
        "receipt_language": receipt_language,
        "sections": navigation.sections(request),
    }
    return private(render(request, "uitlening/distribution_detail.html", context))


@role_required(COUNTER)
@require_GET
def distribution_receipt(request, pk: int):
    """The receipt as a page to print (Ctrl+P), in the household's language."""
    distribution = _distribution(request, pk)
    with translation.override(documents.document_language(distribution.household) or "nl-be"):
        context = {
            "distribution": distribution,
            "receipt": documents.receipt(distribution),
            "hours": opening_hours_lines(distribution.location),
            "language": translation.get_language(),
        }
        response = render(request, "uitlening/distribution_receipt.html", context)
    return private(response)


@role_required(COUNTER)
@require_GET
def distribution_receipt_pdf(request, pk: int):
    distribution = _distribution(request, pk)
    return pdf_response(
        documents.receipt_pdf(distribution),
        personal=True,
        filename=f"ontvangstbewijs-{distribution.pk}.pdf",
    )


def receipt_stylesheet(request):
    """The print view's stylesheet (a file of its own: the strict CSP allows no inline
    style). Nothing personal in it."""
    response = render(request, "uitlening/distribution_receipt.css", content_type="text/css")
    response["Cache-Control"] = "public, max-age=3600"
    return response


@role_required(COUNTER)
@require_GET
def confirm_card(request):
    """The confirm card to print and tape to the counter."""
    return pdf_response(documents.confirm_card_pdf(), personal=False, filename="bevestig.pdf")


urlpatterns = [
    path("uitdelingen/<int:pk>/", distribution_detail, name="distribution_detail"),
    path("uitdelingen/<int:pk>/bon/", distribution_receipt, name="distribution_receipt"),
    path("uitdelingen/<int:pk>/bon.pdf", distribution_receipt_pdf, name="distribution_receipt_pdf"),
    path("uitdelingen/bon.css", receipt_stylesheet, name="receipt_stylesheet"),
    path("bevestigkaart.pdf", confirm_card, name="confirm_card"),
]
