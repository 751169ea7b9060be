"""Volunteer allowances for coordinators: the ceilings per calendar year, recording a
payment (or a negative correction), the payments of a year, and the yearly named list
(volunteer, day, amount) as CSV."""

from __future__ import annotations

import csv
import io

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from kern import audit
from kern.errors import DomainError
from kern.forms import show_domain_error
from kern.pdf import format_day
from kern.permissions import AuthenticatedHttpRequest, role_required
from vrijwilligers import services
from vrijwilligers.models import AllowancePayment, Volunteer
from vrijwilligers.selectors import allowances as allowance_selectors
from vrijwilligers.services.allowances import euro

COORDINATOR = "kern.manage_shifts"


class CeilingForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("year"), min_value=2000, max_value=2100)
    per_day = forms.DecimalField(
        label=gettext_lazy("ceiling per day"), min_value=0, max_digits=7, decimal_places=2
    )
    per_year = forms.DecimalField(
        label=gettext_lazy("ceiling per year"), min_value=0, max_digits=8, decimal_places=2
    )


class VolunteerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Volunteer) -> str:
        return obj.full_name


class PaymentForm(forms.Form):
    volunteer = VolunteerChoiceField(
        label=gettext_lazy("volunteer"),
        queryset=Volunteer.objects.select_related("user").order_by(
            "user__first_name", "user__last_name"
        ),
    )
    day = forms.DateField(label=gettext_lazy("day"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(
        label=gettext_lazy("amount"),
        max_digits=7,
        decimal_places=2,
        help_text=gettext_lazy("A negative amount corrects an earlier payment (note required)."),
    )
    kind = forms.ChoiceField(label=gettext_lazy("kind"), choices=AllowancePayment.Kind)
    note = forms.CharField(label=gettext_lazy("note"), max_length=200, required=False)


def _year(request: AuthenticatedHttpRequest) -> int:
    try:
        year = int(request.GET.get("jaar", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@role_required(COORDINATOR)
@never_cache
@require_http_methods(["GET", "POST"])
def allowance_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The year's ceiling and payments, and the form to record a payment."""
    year = _year(request)
    form = PaymentForm(request.POST or None, initial={"day": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            payment = services.record_payment(
                actor=request.user,
                volunteer_id=data["volunteer"].pk,
                day=data["day"],
                amount=data["amount"],
                kind=data["kind"],
                note=data["note"],
                source=request.path,
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("Recorded: %(amount)s for %(name)s on %(day)s.")
                % {
                    "amount": euro(payment.amount),
                    "name": payment.volunteer.full_name,
                    "day": format_day(payment.day),
                },
            )
            url = reverse("vrijwilligers:allowance_list")
            return redirect(f"{url}?jaar={payment.day.year}")
    context = {
        "year": year,
        "ceiling": allowance_selectors.ceiling_for(year),
        "payments": allowance_selectors.payments_of_year(year=year),
        "form": form,
    }
    return render(request, "vrijwilligers/allowance_list.html", context)


@role_required(COORDINATOR)
@never_cache
@require_http_methods(["GET", "POST"])
def allowance_ceilings(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The ceilings per calendar year (indexed every year): list and set."""
    form = CeilingForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.set_ceiling(
                actor=request.user,
                year=data["year"],
                per_day=data["per_day"],
                per_year=data["per_year"],
                source=request.path,
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(
                request, _("The ceilings for %(year)d are saved.") % {"year": data["year"]}
            )
            return redirect("vrijwilligers:allowance_ceilings")
    context = {"ceilings": allowance_selectors.ceilings(), "form": form}
    return render(request, "vrijwilligers/allowance_ceilings.html", context)


@role_required(COORDINATOR)
@require_GET
def allowance_named_list_csv(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    """The yearly named list: volunteer, day, kind, amount (net of corrections)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    with translation.override(settings.LANGUAGE_CODE):
        writer.writerow([_("Volunteer"), _("Volunteer code"), _("Day"), _("Kind"), _("Amount")])
        for row in allowance_selectors.named_list(year=year):
            writer.writerow(
                [
                    row.volunteer.full_name,
                    row.volunteer.code,
                    format_day(row.day),
                    str(AllowancePayment.Kind(row.kind).label),
                    f"{row.amount:.2f}".replace(".", ","),
                ]
            )
    audit.record(
        actor=request.user,
        action="export",
        object_type="vrijwilligers.allowances",
        object_id=str(year),
        source=request.path,
        details={"format": "csv"},
    )
    response = HttpResponse(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="vergoedingen-{year}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("vergoedingen/", allowance_list, name="allowance_list"),
    path("vergoedingen/plafonds/", allowance_ceilings, name="allowance_ceilings"),
    path("vergoedingen/<int:year>.csv", allowance_named_list_csv, name="allowance_named_list"),
]
