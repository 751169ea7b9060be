"""Screens for the admin's GDPR tasks: the household list (codes only), the export of
everything held on a household (JSON and a readable PDF) and erasure on request."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from kern import barcodes
from kern.errors import DomainError, NotAllowed
from kern.forms import show_domain_error
from kern.pdf import pdf_response
from kern.permissions import role_required
from toegang import privacy
from toegang.models import Child, Evidence, Household, Referral, UitpasCard

PAGE_SIZE = 50
STATES = {
    "active": {"anonymised_at__isnull": True},
    "anonymised": {"anonymised_at__isnull": False},
}


@role_required("kern.manage_users")
@require_GET
def household_admin_list(request):
    """Households by code, with when they registered, were last active and were
    anonymised. Codes only: no contact details, so no audit entry per household."""
    households = Household.objects.only(
        "pk", "created_at", "last_activity_at", "anonymised_at"
    ).order_by("-pk")
    code = request.GET.get("code", "").strip()
    state = request.GET.get("state", "")
    error = ""
    if code:
        try:
            parsed = barcodes.decode(code, expect=barcodes.CodeType.HOUSEHOLD)
        except DomainError as exc:
            error = exc.message
            households = households.none()
        else:
            households = households.filter(pk=parsed.number)
    if state in STATES:
        households = households.filter(**STATES[state])
    page = Paginator(households, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "toegang/household_admin_list.html",
        {
            "page": page,
            "code": code,
            "state": state,
            "error": error,
            "retention_months": privacy.retention_months(),
        },
    )


def _no_store(response: HttpResponse, filename: str) -> HttpResponse:
    """Everything about one household: never cached, by a browser or by anything between."""
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@role_required("kern.manage_users")
@require_GET
def household_export(request, pk: int):
    household = get_object_or_404(Household, pk=pk)
    try:
        data = privacy.export_household(
            actor=request.user, household=household, source=request.path
        )
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    return _no_store(response, f"deelpunt-{household.code}.json")


@role_required("kern.manage_users")
@require_GET
def household_export_pdf(request, pk: int):
    household = get_object_or_404(Household, pk=pk)
    try:
        pdf = privacy.export_household_pdf(
            actor=request.user, household=household, source=request.path
        )
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    return pdf_response(
        pdf, filename=f"deelpunt-{household.code}.pdf", personal=True, attachment=True
    )


class EraseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=500,
        required=False,  # the service says why it is needed
        help_text=gettext_lazy(
            "How and when the family asked, e.g. “request by e-mail of 3 May”. It stays in "
            "the audit log: write nothing about the family's situation."
        ),
        widget=forms.Textarea(attrs={"rows": 2, "required": True, "maxlength": 500}),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand that this cannot be undone."),
        error_messages={"required": gettext_lazy("Tick the box to confirm.")},
    )


@role_required("kern.manage_users")
@require_http_methods(["GET", "POST"])
def household_erase(request, pk: int):
    """Confirm, with a reason, and erase a household's personal data on request."""
    household = get_object_or_404(Household, pk=pk)
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            privacy.erase_household(
                actor=request.user,
                household=household,
                reason=form.cleaned_data["reason"],
                source=request.path,
            )
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from None
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("The personal data of household %(code)s are erased.") % {"code": household.code},
            )
            return redirect("toegang:household_admin_list")
    held = {
        "children": Child.objects.filter(household=household).count(),
        "cards": UitpasCard.objects.filter(household=household).count(),
        "evidence": Evidence.objects.filter(household=household).count(),
        "referrals": Referral.objects.filter(household=household).count(),
    }
    return render(
        request,
        "toegang/household_erase.html",
        {"household": household, "form": form, "held": held},
    )


urlpatterns = [
    path("gezinnen/", household_admin_list, name="household_admin_list"),
    path("gezinnen/<int:pk>/export.json", household_export, name="household_export"),
    path("gezinnen/<int:pk>/export.pdf", household_export_pdf, name="household_export_pdf"),
    path("gezinnen/<int:pk>/wissen/", household_erase, name="household_erase"),
]
