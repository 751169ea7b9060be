"""Screens: the catalogue for coordinators — categories, and products with their EAN codes
and minimum levels."""

from __future__ import annotations

import re
from decimal import Decimal

import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_tables2 import RequestConfig

from kern import barcodes, exports
from kern.errors import DomainError
from kern.forms import show_domain_error
from kern.labels import barcode_svg
from kern.models import Location
from kern.permissions import role_required
from voorraad import services
from voorraad.models import (
    Category,
    MinimumLevel,
    Product,
    StockLevel,
)

PAGE_SIZE = 50
STOCK = "kern.manage_stock"


def _euro(value: Decimal | None) -> str:
    if value is None:
        return "—"
    places = 2 if value == value.quantize(Decimal("0.01")) else 4
    return f"€ {number_format(value, places)}"


# --- Categories -------------------------------------------------------------------------


class CategoryForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("New category"), max_length=100)


@role_required(STOCK)
@require_http_methods(["GET", "POST"])
def category_list(request):
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            category = services.create_category(actor=request.user, name=form.cleaned_data["name"])
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": category.name})
            return redirect("voorraad:category_list")
    categories = Category.objects.annotate(
        product_count=Count("products", distinct=True),
        item_type_count=Count("item_types", distinct=True),
    ).order_by("name")
    return render(request, "voorraad/category_list.html", {"form": form, "categories": categories})


# --- Products ---------------------------------------------------------------------------

_GTIN_LINE = re.compile(r"(?P<code>.+?)(?:\s*[xX×*]\s*(?P<units>\d+))?")


class ProductForm(forms.ModelForm):
    """A product, its EAN codes (one per line, “5410013101239 x44” for the units one scan
    stands for) and a minimum level per active location."""

    gtins = forms.CharField(
        label=gettext_lazy("EAN codes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": "mono"}),
        help_text=gettext_lazy(
            "One per line. Add “x44” when one scan stands for 44 units; "
            "without it, one scan is one pack."
        ),
    )

    class Meta:
        model = Product
        fields = [
            "name",
            "category",
            "unit_name",
            "pack_size",
            "value_per_unit",
            "is_active",
            "notes",
        ]
        localized_fields = ["value_per_unit"]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            "value_per_unit": forms.TextInput(attrs={"inputmode": "decimal"}),
        }

    def __init__(self, *args, locations: list[Location], **kwargs):
        super().__init__(*args, **kwargs)
        pack_size = self.fields["pack_size"]
        assert isinstance(pack_size, forms.IntegerField)
        pack_size.min_value = 1
        self.fields["pack_size"].widget.attrs["min"] = 1
        self.locations = locations
        minimums: dict[int, int] = {}
        if self.instance.pk:
            codes = self.instance.barcodes.order_by("gtin")
            self.fields["gtins"].initial = "\n".join(
                code.gtin if code.units == self.instance.pack_size else f"{code.gtin} x{code.units}"
                for code in codes
            )
            minimums = dict(
                self.instance.minimum_levels.values_list("location_id", "minimum_units")
            )
        for location in locations:
            self.fields[f"minimum_{location.pk}"] = forms.IntegerField(
                label=location.name,
                required=False,
                min_value=0,
                max_value=services.MAX_UNITS_PER_LINE,
                initial=minimums.get(location.pk),
                widget=forms.NumberInput(attrs={"class": "qty-input"}),
            )

    @property
    def minimum_fields(self):
        return [self[f"minimum_{location.pk}"] for location in self.locations]

    def clean_gtins(self) -> list[tuple[str, int | None]]:
        found: list[tuple[str, int | None]] = []
        errors = []
        for line in self.cleaned_data.get("gtins", "").splitlines():
            line = line.strip()
            if not line:
                continue
            match = _GTIN_LINE.fullmatch(line)
            code, times = (match.group("code"), match.group("units")) if match else (line, None)
            try:
                gtin = barcodes.parse_gtin(code)
            except DomainError as exc:
                errors.append(exc.message)
                continue
            units = int(times) if times else None
            if units is not None and not 1 <= units <= services.MAX_UNITS_PER_LINE:
                errors.append(
                    _("%(gtin)s: one scan must stand for 1 to %(max)d units.")
                    % {"gtin": gtin, "max": services.MAX_UNITS_PER_LINE}
                )
                continue
            found.append((gtin, units))
        if errors:
            raise forms.ValidationError(errors)
        return found

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        pack_size = cleaned.get("pack_size") or 1
        cleaned["gtins"] = [(gtin, units or pack_size) for gtin, units in cleaned.get("gtins", [])]
        return cleaned

    def minimums(self) -> dict[Location, int]:
        return {
            location: self.cleaned_data.get(f"minimum_{location.pk}") or 0
            for location in self.locations
        }


class ProductFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search by name"), required=False)
    category = forms.ModelChoiceField(
        label=gettext_lazy("Category"),
        queryset=Category.objects.all(),
        required=False,
        empty_label=gettext_lazy("All categories"),
    )


class ProductTable(tables.Table):
    name = tables.Column(linkify=("voorraad:product_detail", [tables.A("pk")]))
    value_per_unit = tables.Column(
        verbose_name=gettext_lazy("Value per unit"), attrs={"td": {"class": "num"}}
    )
    pack_size = tables.Column(attrs={"td": {"class": "num"}})
    ean_count = tables.Column(
        verbose_name=gettext_lazy("EAN codes"), attrs={"td": {"class": "num"}}
    )

    class Meta:
        model = Product
        fields = ("name", "category", "pack_size", "value_per_unit", "ean_count", "is_active")
        sequence = ("name", "category", "pack_size", "value_per_unit", "ean_count", "is_active")
        attrs = {"class": "table", "id": "product-table"}

    def render_value_per_unit(self, value):
        return _euro(value)


@role_required(STOCK)
def product_list(request):
    filters = ProductFilterForm(request.GET or None)
    queryset = Product.objects.select_related("category").annotate(ean_count=Count("barcodes"))
    if filters.is_valid():
        if filters.cleaned_data["q"]:
            queryset = queryset.filter(name__icontains=filters.cleaned_data["q"].strip())
        if filters.cleaned_data["category"]:
            queryset = queryset.filter(category=filters.cleaned_data["category"])
    table = ProductTable(queryset)
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    if exported := exports.table_export(request, table, name=_("products")):
        return exported
    return render(request, "voorraad/product_list.html", {"table": table, "filters": filters})


@role_required(STOCK)
@require_http_methods(["GET", "POST"])
def product_edit(request, pk: int | None = None):
    product = get_object_or_404(Product, pk=pk) if pk else Product()
    heading = product.name
    locations = list(Location.objects.filter(is_active=True).order_by("name"))
    form = ProductForm(request.POST or None, instance=product, locations=locations)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_product(
                actor=request.user,
                product=form.save(commit=False),
                gtins=form.cleaned_data["gtins"],
                minimums=form.minimums(),
            )
        except DomainError as exc:
            if pk is None:  # the transaction was rolled back: the product does not exist
                product.pk = None
                product._state.adding = True
            default = "gtins" if isinstance(exc, barcodes.BarcodeError) else None
            show_domain_error(form, exc, default)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": saved.name})
            return redirect("voorraad:product_detail", pk=saved.pk)
    return render(
        request,
        "voorraad/product_edit.html",
        {"form": form, "product": product, "heading": heading},
    )


def _stock_rows(product: Product) -> list[dict]:
    """Stock and minimum per location, for the product's detail page (two queries)."""
    rows: dict[int, dict] = {}
    for level in StockLevel.objects.filter(product=product).select_related("location"):
        rows[level.location_id] = {
            "location": level.location,
            "on_hand": level.on_hand,
            "minimum": None,
        }
    for minimum in MinimumLevel.objects.filter(product=product).select_related("location"):
        row = rows.setdefault(
            minimum.location_id, {"location": minimum.location, "on_hand": 0, "minimum": None}
        )
        row["minimum"] = minimum.minimum_units
    for row in rows.values():
        row["low"] = row["minimum"] is not None and row["on_hand"] < row["minimum"]
        row["scale"] = max(row["on_hand"], 2 * (row["minimum"] or 0), 1)
    return sorted(rows.values(), key=lambda row: row["location"].name)


@role_required(STOCK)
def product_detail(request, pk: int):
    product = get_object_or_404(Product.objects.select_related("category"), pk=pk)
    rows = _stock_rows(product)
    return render(
        request,
        "voorraad/product_detail.html",
        {
            "product": product,
            "barcode": barcode_svg(product.code),
            "gtins": product.barcodes.order_by("gtin"),
            "rows": rows,
            "total": sum(row["on_hand"] for row in rows),
            "value": _euro(product.value_per_unit),
            "last_cost": _euro(product.last_cost_per_unit),
        },
    )


urlpatterns = [
    path("categorieen/", category_list, name="category_list"),
    path("producten/", product_list, name="product_list"),
    path("producten/nieuw/", product_edit, name="product_create"),
    path("producten/<int:pk>/", product_detail, name="product_detail"),
    path("producten/<int:pk>/wijzigen/", product_edit, name="product_edit"),
]
