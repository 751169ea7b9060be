"""Screens of the partner requests: a partner's social worker asks for goods and follows
their organisation's requests; a coordinator approves (with other quantities and a note)
or refuses; at the pick-up point a volunteer prints the pick list and hands the goods
over once."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from kern.errors import DomainError, NotFound
from kern.forms import show_domain_error
from kern.models import Location
from kern.permissions import role_required
from uitlening import navigation, services
from uitlening.models import PartnerRequest
from uitlening.selectors.partners import request_for, visible_requests
from uitlening.services import RequestedLine
from voorraad.models import Product

REQUEST = "kern.manage_referrals"
DECIDE = "kern.manage_stock"
COUNTER = "kern.use_counter"
LINES = 8

Status = PartnerRequest.Status


class RequestForm(forms.Form):
    pickup_location = forms.ModelChoiceField(
        label=gettext_lazy("Pick-up point"),
        queryset=Location.objects.filter(
            kind=Location.Kind.DISTRIBUTION_POINT, is_active=True
        ).order_by("name"),
    )
    pickup_date = forms.DateField(
        label=gettext_lazy("Pick-up day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    households_served = forms.IntegerField(
        label=gettext_lazy("Households served"), min_value=1, max_value=100_000
    )
    children_served = forms.IntegerField(
        label=gettext_lazy("Children served"), min_value=0, max_value=100_000
    )
    note = forms.CharField(
        label=gettext_lazy("Note (no names)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        products = Product.objects.filter(is_active=True).order_by("name")
        for i in range(LINES):
            self.fields[f"product_{i}"] = forms.ModelChoiceField(
                label=gettext_lazy("Product"), queryset=products, required=False
            )
            self.fields[f"packs_{i}"] = forms.IntegerField(
                label=gettext_lazy("Packs"), min_value=1, max_value=10_000, required=False
            )

    def requested_lines(self) -> list[RequestedLine]:
        data = self.cleaned_data
        return [
            RequestedLine(data[f"product_{i}"], data[f"packs_{i}"])
            for i in range(LINES)
            if data.get(f"product_{i}") and data.get(f"packs_{i}")
        ]

    def request_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "pickup_location": data["pickup_location"],
            "pickup_date": data["pickup_date"],
            "households_served": data["households_served"],
            "children_served": data["children_served"],
            "note": data["note"],
            "lines": self.requested_lines(),
        }


def _see_other(name: str, **kwargs):
    response = redirect(name, **kwargs)
    response.status_code = 303
    return response


def _request(request, pk: int) -> PartnerRequest:
    try:
        return request_for(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc


@role_required(REQUEST, DECIDE, COUNTER)
@require_GET
def request_list(request):
    status = request.GET.get("status", "")
    requests = visible_requests(request.user)
    if status in Status.values:
        requests = requests.filter(status=status)
    return render(
        request,
        "uitlening/partner_list.html",
        {
            "requests": requests[:200],
            "status": status,
            "statuses": Status.choices,
            "may_request": request.user.has_perm(REQUEST) and request.user.organisation_id,
            "sections": navigation.sections(request),
        },
    )


@role_required(REQUEST)
@require_http_methods(["GET", "POST"])
def request_create(request):
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.submit_partner_request(actor=request.user, **form.request_fields())
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, gettext("Your request is sent: a coordinator looks at it."))
            return _see_other("uitlening:partner_detail", pk=made.pk)
    return render(
        request,
        "uitlening/partner_form.html",
        {"form": form, "rows": _rows(form), "sections": navigation.sections(request)},
    )


def _rows(form: RequestForm) -> list[tuple]:
    return [(form[f"product_{i}"], form[f"packs_{i}"]) for i in range(LINES)]


@role_required(REQUEST)
@require_http_methods(["GET", "POST"])
def request_edit(request, pk: int):
    partner_request = _request(request, pk)
    initial = {
        "pickup_location": partner_request.pickup_location,
        "pickup_date": partner_request.pickup_date,
        "households_served": partner_request.households_served,
        "children_served": partner_request.children_served,
        "note": partner_request.note,
    }
    for i, line in enumerate(partner_request.lines.select_related("product")[:LINES]):
        initial[f"product_{i}"] = line.product
        initial[f"packs_{i}"] = line.requested_packs
    form = RequestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_partner_request(
                actor=request.user, request=partner_request, **form.request_fields()
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, gettext("Saved."))
            return _see_other("uitlening:partner_detail", pk=partner_request.pk)
    return render(
        request,
        "uitlening/partner_form.html",
        {
            "form": form,
            "rows": _rows(form),
            "partner_request": partner_request,
            "sections": navigation.sections(request),
        },
    )


@role_required(REQUEST, DECIDE, COUNTER)
@require_http_methods(["GET", "POST"])
def request_detail(request, pk: int):
    """A request; a coordinator decides here, a volunteer at the pick-up point hands it
    over here."""
    partner_request = _request(request, pk)
    lines = list(partner_request.lines.select_related("product"))
    what = request.POST.get("form", "")
    if request.method == "POST":
        try:
            if what == "approve":
                approved = {}
                for line in lines:
                    raw = request.POST.get(f"approved_{line.product_id}", "").strip()
                    if raw:
                        try:
                            approved[line.product_id] = int(raw)
                        except ValueError as exc:
                            raise DomainError(
                                gettext("%(product)s: give a whole number of packs.")
                                % {"product": line.product.name}
                            ) from exc
                services.approve_partner_request(
                    actor=request.user,
                    request=partner_request,
                    approved_packs=approved,
                    note=request.POST.get("decision_note", ""),
                )
                messages.success(request, gettext("Approved."))
            elif what == "refuse":
                services.refuse_partner_request(
                    actor=request.user,
                    request=partner_request,
                    note=request.POST.get("decision_note", ""),
                )
                messages.success(request, gettext("Refused."))
            elif what == "hand_over":
                services.hand_over_partner_request(
                    actor=request.user,
                    request=partner_request,
                    idempotency_key=request.POST.get("key", ""),
                    source=request.path,
                )
                messages.success(request, gettext("Handed over: the goods left the stock."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return _see_other("uitlening:partner_detail", pk=partner_request.pk)
    user = request.user
    is_own = user.has_perm(REQUEST) and partner_request.organisation_id == user.organisation_id
    return render(
        request,
        "uitlening/partner_detail.html",
        {
            "partner_request": partner_request,
            "lines": lines,
            "may_edit": is_own and partner_request.status == Status.SUBMITTED,
            "may_decide": user.has_perm(DECIDE) and partner_request.status == Status.SUBMITTED,
            "may_hand_over": partner_request.status == Status.APPROVED
            and user.has_perm(COUNTER)
            and user.can_act_at(partner_request.pickup_location),
            "key": f"overhandig-{partner_request.pk}-{timezone.now().timestamp():.0f}",
            "sections": navigation.sections(request),
        },
    )


@role_required(DECIDE, COUNTER)
@require_GET
def request_pick_list(request, pk: int):
    """A printable pick list of an approved request: products and packs, no names."""
    partner_request = _request(request, pk)
    if partner_request.status not in (Status.APPROVED, Status.HANDED_OVER):
        raise Http404
    return render(
        request,
        "uitlening/partner_picklist.html",
        {
            "partner_request": partner_request,
            "lines": [
                line
                for line in partner_request.lines.select_related("product")
                if line.approved_packs
            ],
            "printed_at": timezone.localtime(),
        },
    )


urlpatterns = [
    path("partneraanvragen/", request_list, name="partner_list"),
    path("partneraanvragen/nieuw/", request_create, name="partner_create"),
    path("partneraanvragen/<int:pk>/", request_detail, name="partner_detail"),
    path("partneraanvragen/<int:pk>/wijzigen/", request_edit, name="partner_edit"),
    path("partneraanvragen/<int:pk>/picklijst/", request_pick_list, name="partner_pick_list"),
]
