"""Screens for coordinators: purchases from suppliers, with their cost."""

from __future__ import annotations

import uuid
from decimal import Decimal

import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import (
    ExpressionWrapper,
    F,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.forms import formset_factory
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_tables2 import RequestConfig

from kern import exports
from kern.errors import DomainError
from kern.fields import DecimalCommaField
from kern.forms import show_domain_error
from kern.models import Location
from kern.permissions import role_required
from voorraad import services
from voorraad.models import (
    Product,
    Purchase,
    PurchaseLine,
    Supplier,
)
from voorraad.views.common import (
    MONEY,
    NUM,
    PAGE_SIZE,
    STOCK,
    choice_field,
    date_widget,
    money,
)

MORE_LINES = 5
MAX_PURCHASE_LINES = 60


class PurchaseForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, max_length=60, required=False)
    supplier = forms.ModelChoiceField(
        label=gettext_lazy("Supplier"),
        queryset=Supplier.objects.order_by("name"),
        required=False,
    )
    new_supplier = forms.CharField(
        label=gettext_lazy("Or a new supplier"), max_length=150, required=False
    )
    location = forms.ModelChoiceField(
        label=gettext_lazy("Received at"),
        queryset=Location.objects.filter(is_active=True).order_by("name"),
    )
    received_on = forms.DateField(label=gettext_lazy("Received on"), widget=date_widget())
    reference = forms.CharField(
        label=gettext_lazy("Invoice or order number"), max_length=60, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()
        self.fields["key"].initial = uuid.uuid4().hex

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        new_name = (cleaned.get("new_supplier") or "").strip()
        if cleaned.get("supplier") and new_name:
            self.add_error("new_supplier", _("Choose a supplier or type a new one, not both."))
        elif not cleaned.get("supplier") and not new_name and "supplier" not in self.errors:
            self.add_error("supplier", _("Choose a supplier or type the name of a new one."))
        return cleaned


class PurchaseLineForm(forms.Form):
    product = forms.ChoiceField(label=gettext_lazy("Product"))
    packs = forms.IntegerField(
        label=gettext_lazy("Packs"), min_value=1, max_value=services.MAX_UNITS_PER_LINE
    )
    unit_cost = DecimalCommaField(
        label=gettext_lazy("Cost per unit (EUR)"),
        min_value=Decimal("0"),
        max_digits=9,
        decimal_places=4,
    )

    def __init__(self, *args, products: dict[str, Product], **kwargs):
        super().__init__(*args, **kwargs)
        self.products = products
        choice_field(self, "product").choices = [("", "---------")] + [
            (key, _("%(name)s (%(size)d per pack)") % {"name": p.name, "size": p.pack_size})
            if p.pack_size > 1
            else (key, p.name)
            for key, p in products.items()
        ]

    def clean_product(self) -> Product:
        return self.products[self.cleaned_data["product"]]


PurchaseLineFormSet = formset_factory(PurchaseLineForm, extra=6, max_num=MAX_PURCHASE_LINES)


class PurchaseTable(tables.Table):
    received_on = tables.DateColumn(
        short=True, linkify=lambda record: reverse("voorraad:purchase_detail", args=[record.pk])
    )
    units = tables.Column(verbose_name=gettext_lazy("Units"), attrs=NUM)
    total = tables.Column(verbose_name=gettext_lazy("Total cost"), attrs=NUM)

    class Meta:
        model = Purchase
        fields = ("received_on", "supplier", "location", "reference")
        sequence = ("received_on", "supplier", "location", "reference", "units", "total")
        attrs = {"class": "table", "id": "purchase-table"}
        row_attrs = {"data-purchase": lambda record: record.pk}

    def render_total(self, value):
        return money(value)


@role_required(STOCK)
def purchase_list(request):
    queryset = Purchase.objects.select_related("supplier", "location").annotate(
        units=Coalesce(Sum("lines__quantity"), 0),
        total=Coalesce(
            Sum(
                ExpressionWrapper(F("lines__quantity") * F("lines__unit_cost"), output_field=MONEY)
            ),
            Value(Decimal(0)),
            output_field=MONEY,
        ),
    )
    search = request.GET.get("q", "").strip()
    if search:
        queryset = queryset.filter(
            Q(supplier__name__icontains=search) | Q(reference__icontains=search)
        )
    table = PurchaseTable(queryset.order_by("-received_on", "-id"))
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    if exported := exports.table_export(request, table, name=_("purchases")):
        return exported
    return render(request, "voorraad/purchase_list.html", {"table": table, "search": search})


@role_required(STOCK)
@require_http_methods(["GET", "POST"])
def purchase_create(request):
    products = {str(p.pk): p for p in Product.objects.filter(is_active=True).order_by("name")}
    data = request.POST.copy() if request.method == "POST" else None
    adding_lines = data is not None and "more_lines" in data
    if data is not None and adding_lines:
        total_key = "lines-TOTAL_FORMS"
        current = int(data.get(total_key, 0)) if str(data.get(total_key, "")).isdigit() else 0
        data[total_key] = str(min(current + MORE_LINES, MAX_PURCHASE_LINES))
    form = PurchaseForm(data)
    formset = PurchaseLineFormSet(data, prefix="lines", form_kwargs={"products": products})
    if data is not None and not adding_lines and form.is_valid() and formset.is_valid():
        lines = [
            services.CostLine(
                product=line["product"],
                quantity=line["packs"] * line["product"].pack_size,
                unit_cost=line["unit_cost"],
            )
            for line in formset.cleaned_data
            if line
        ]
        try:
            with transaction.atomic():  # a new supplier is kept only with its purchase
                supplier = form.cleaned_data["supplier"] or services.supplier_named(
                    actor=request.user, name=form.cleaned_data["new_supplier"]
                )
                purchase = services.record_purchase(
                    actor=request.user,
                    supplier=supplier,
                    location=form.cleaned_data["location"],
                    lines=lines,
                    received_on=form.cleaned_data["received_on"],
                    reference=form.cleaned_data["reference"],
                    idempotency_key=(
                        f"purchase-form-{form.cleaned_data['key']}"
                        if form.cleaned_data["key"]
                        else None
                    ),
                )
        except DomainError as exc:
            if exc.field == "name":
                form.add_error("new_supplier", exc.message)
            else:
                show_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("The purchase from %(supplier)s is booked.") % {"supplier": supplier.name},
            )
            return redirect("voorraad:purchase_detail", pk=purchase.pk)
    return render(
        request,
        "voorraad/purchase_create.html",
        {
            "form": form,
            "formset": formset,
            "can_add_lines": formset.total_form_count() < MAX_PURCHASE_LINES,
        },
    )


@role_required(STOCK)
def purchase_detail(request, pk: int):
    purchase = get_object_or_404(
        Purchase.objects.select_related("supplier", "location", "created_by"), pk=pk
    )
    lines = list(
        PurchaseLine.objects.filter(purchase=purchase)
        .select_related("product")
        .annotate(line_total=ExpressionWrapper(F("quantity") * F("unit_cost"), output_field=MONEY))
        .order_by("product__name", "pk")
    )
    return render(
        request,
        "voorraad/purchase_detail.html",
        {
            "purchase": purchase,
            "lines": lines,
            "total_units": sum(line.quantity for line in lines),
            "total": money(sum((line.line_total for line in lines), Decimal(0))),
        },
    )


urlpatterns = [
    path("aankopen/", purchase_list, name="purchase_list"),
    path("aankopen/nieuw/", purchase_create, name="purchase_create"),
    path("aankopen/<int:pk>/", purchase_detail, name="purchase_detail"),
]
