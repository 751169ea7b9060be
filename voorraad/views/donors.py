"""Screens for coordinators: donors, with what each gave."""

from __future__ import annotations

import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.db.models import (
    Count,
    ExpressionWrapper,
    F,
    Max,
    Prefetch,
    Q,
    Sum,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_tables2 import A, RequestConfig

from kern import exports
from kern.errors import DomainError
from kern.forms import show_domain_error
from kern.permissions import role_required
from voorraad import services
from voorraad.models import (
    DonationLine,
    Donor,
)
from voorraad.views.common import (
    MONEY,
    NUM,
    PAGE_SIZE,
    POSTED,
    STOCK,
    UNIT_VALUE,
    money,
)

HISTORY_SIZE = 100


class DonorForm(forms.ModelForm):
    class Meta:
        model = Donor
        fields = [
            "name",
            "kind",
            "contact_person",
            "email",
            "phone",
            "street",
            "postcode",
            "city",
            "wants_receipt",
            "notes",
            "is_active",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class DonorTable(tables.Table):
    name = tables.LinkColumn("voorraad:donor_detail", args=[A("pk")])
    donation_count = tables.Column(verbose_name=gettext_lazy("Donations"), attrs=NUM)
    units = tables.Column(verbose_name=gettext_lazy("Units received"), attrs=NUM)
    last_donation = tables.DateColumn(verbose_name=gettext_lazy("Last donation"), short=True)

    class Meta:
        model = Donor
        fields = ("name", "kind", "city")
        attrs = {"class": "table", "id": "donor-table"}
        row_attrs = {"data-donor": lambda record: record.pk}


@role_required(STOCK)
def donor_list(request):
    posted = Q(donations__status=POSTED)
    queryset = Donor.objects.annotate(
        donation_count=Count("donations", filter=posted, distinct=True),
        units=Coalesce(Sum("donations__lines__quantity", filter=posted), 0),
        last_donation=Max("donations__received_on", filter=posted),
    )
    kind = request.GET.get("kind", "")
    if kind in Donor.Kind.values:
        queryset = queryset.filter(kind=kind)
    search = request.GET.get("q", "").strip()
    if search:
        queryset = queryset.filter(
            Q(name__icontains=search)
            | Q(city__icontains=search)
            | Q(contact_person__icontains=search)
        )
    table = DonorTable(queryset.order_by("name"))
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    if exported := exports.table_export(request, table, name=_("donors")):
        return exported
    return render(
        request,
        "voorraad/donor_list.html",
        {"table": table, "kinds": Donor.Kind.choices, "kind": kind, "search": search},
    )


@role_required(STOCK)
@require_http_methods(["GET", "POST"])
def donor_edit(request, pk: int | None = None):
    donor = get_object_or_404(Donor, pk=pk) if pk else Donor()
    form = DonorForm(request.POST or None, instance=donor)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_donor(actor=request.user, donor=form.save(commit=False))
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": saved.name})
            return redirect("voorraad:donor_detail", pk=saved.pk)
    return render(request, "voorraad/donor_edit.html", {"form": form, "donor": donor})


@role_required(STOCK)
def donor_detail(request, pk: int):
    donor = get_object_or_404(Donor, pk=pk)
    totals = DonationLine.objects.filter(donation__donor=donor, donation__status=POSTED).aggregate(
        donations=Count("donation", distinct=True),
        units=Coalesce(Sum("quantity"), 0),
        value=Sum(ExpressionWrapper(F("quantity") * UNIT_VALUE, output_field=MONEY)),
    )
    history = (
        donor.donations.select_related("location", "drive")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=DonationLine.objects.select_related("product").order_by("product__name"),
            )
        )
        .order_by("-received_on", "-id")[:HISTORY_SIZE]
    )
    return render(
        request,
        "voorraad/donor_detail.html",
        {
            "donor": donor,
            "totals": totals,
            "value": money(totals["value"]),
            "history": history,
            "history_size": HISTORY_SIZE,
        },
    )


urlpatterns = [
    path("schenkers/", donor_list, name="donor_list"),
    path("schenkers/nieuw/", donor_edit, name="donor_create"),
    path("schenkers/<int:pk>/", donor_detail, name="donor_detail"),
    path("schenkers/<int:pk>/wijzigen/", donor_edit, name="donor_edit"),
]
