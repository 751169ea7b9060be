"""Screens: the catalogue for coordinators — categories, products with their EAN codes and
minimum levels, item types, and lendable items with their history and status."""

from __future__ import annotations

import re
from decimal import Decimal

import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_tables2 import RequestConfig

from kern import barcodes
from kern.errors import DomainError
from kern.forms import show_domain_error
from kern.labels import barcode_svg
from kern.models import Location
from kern.permissions import role_required
from voorraad import services
from voorraad.models import (
    Category,
    Donor,
    Item,
    ItemType,
    MinimumLevel,
    Product,
    StockLevel,
)

PAGE_SIZE = 50
STOCK = "kern.manage_stock"

# CSS class of the status badge of an item (see .badge in deelpunt.css).
STATUS_BADGE = {
    Item.Status.AVAILABLE: "",
    Item.Status.ON_LOAN: "",
    Item.Status.RESERVED: "warn",
    Item.Status.IN_REPAIR: "warn",
    Item.Status.RETIRED: "danger",
}

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _euro(value: Decimal | None) -> str:
    if value is None:
        return "—"
    places = 2 if value == value.quantize(Decimal("0.01")) else 4
    return f"€ {number_format(value, places)}"


def _dedupe(values) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        value = str(value).strip()
        if value and value.casefold() not in {s.casefold() for s in seen}:
            seen[value] = None
    return list(seen)


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
        self.fields["pack_size"].min_value = 1
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
            try:
                gtin = barcodes.parse_gtin(match.group("code"))
            except DomainError as exc:
                errors.append(exc.message)
                continue
            units = int(match.group("units")) if match.group("units") else None
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
        cleaned = super().clean()
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


# --- Item types -------------------------------------------------------------------------


class ItemTypeForm(forms.ModelForm):
    default_accessories = forms.CharField(
        label=gettext_lazy("Default accessories"),
        required=False,
        help_text=gettext_lazy("Separated by commas, e.g. rain cover, charger."),
    )

    class Meta:
        model = ItemType
        fields = ["name", "category", "safety", "default_accessories"]

    def clean_default_accessories(self) -> list[str]:
        return _dedupe(self.cleaned_data.get("default_accessories", "").split(","))


@role_required(STOCK)
@require_http_methods(["GET", "POST"])
def itemtype_list(request):
    form = ItemTypeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            item_type = services.save_item_type(
                actor=request.user, item_type=form.save(commit=False)
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": item_type.name})
            return redirect("voorraad:itemtype_list")
    item_types = ItemType.objects.select_related("category").annotate(item_count=Count("items"))
    return render(request, "voorraad/itemtype_list.html", {"form": form, "item_types": item_types})


# --- Items ------------------------------------------------------------------------------


class ItemForm(forms.ModelForm):
    """An item; its accessories are checkboxes (the type's defaults) plus free text."""

    accessory_choices = forms.MultipleChoiceField(
        label=gettext_lazy("Accessories"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    accessory_extra = forms.CharField(
        label=gettext_lazy("Other accessories"),
        required=False,
        help_text=gettext_lazy("Separated by commas."),
    )

    CAR_SEAT_FIELDS = ("approval", "manufactured_on", "end_of_life_on", "crashed")
    LAPTOP_FIELDS = ("serial_number", "wiped_on")

    class Meta:
        model = Item
        fields = [
            "item_type",
            "name",
            "size",
            "location",
            "condition",
            "acquired_on",
            "donor",
            "approval",
            "manufactured_on",
            "end_of_life_on",
            "crashed",
            "serial_number",
            "wiped_on",
        ]
        widgets = {
            "condition": forms.Textarea(attrs={"rows": 3}),
            "acquired_on": DATE_WIDGET,
            "manufactured_on": DATE_WIDGET,
            "end_of_life_on": DATE_WIDGET,
            "wiped_on": DATE_WIDGET,
        }

    def __init__(self, *args, accessories_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        item = self.instance
        self.fields["location"].queryset = Location.objects.filter(
            Q(is_active=True) | Q(pk=item.location_id)
        ).order_by("name")
        self.fields["donor"].queryset = Donor.objects.filter(
            Q(is_active=True) | Q(pk=item.donor_id)
        ).order_by("name")
        if accessories_url:  # htmx: a changed type brings its default accessories
            self.fields["item_type"].widget.attrs.update(
                {
                    "hx-get": accessories_url,
                    "hx-target": "#accessories",
                    "hx-swap": "outerHTML",
                    "hx-include": "#id_accessory_extra",
                }
            )
        if self.is_bound:
            type_id = self.data.get(self.add_prefix("item_type"))
        else:
            type_id = self.initial.get("item_type")
        type_id = str(type_id or "")
        defaults = []
        if type_id.isdigit():
            defaults = (
                ItemType.objects.filter(pk=int(type_id))
                .values_list("default_accessories", flat=True)
                .first()
            ) or []
        current = list(item.accessories or []) if item.pk else []
        posted = []
        if self.is_bound and hasattr(self.data, "getlist"):
            posted = self.data.getlist(self.add_prefix("accessory_choices"))
        choices = _dedupe([*defaults, *current, *posted])
        self.fields["accessory_choices"].choices = [(name, name) for name in choices]
        same_type = item.pk and type_id == str(item.item_type_id)
        self.fields["accessory_choices"].initial = current if same_type else _dedupe(defaults)

    @property
    def main_fields(self):
        skip = {*self.CAR_SEAT_FIELDS, *self.LAPTOP_FIELDS, "accessory_choices", "accessory_extra"}
        return [field for field in self.visible_fields() if field.name not in skip]

    @property
    def car_seat_fields(self):
        return [self[name] for name in self.CAR_SEAT_FIELDS]

    @property
    def laptop_fields(self):
        return [self[name] for name in self.LAPTOP_FIELDS]

    def clean(self):
        cleaned = super().clean()
        cleaned["accessories"] = _dedupe(
            [*cleaned.get("accessory_choices", []), *cleaned.get("accessory_extra", "").split(",")]
        )
        return cleaned

    def save(self, commit: bool = True) -> Item:
        item = super().save(commit=False)
        item.accessories = self.cleaned_data["accessories"]
        if commit:
            item.save()
        return item


class ItemFilterForm(forms.Form):
    item_type = forms.ModelChoiceField(
        label=gettext_lazy("Type"),
        queryset=ItemType.objects.all(),
        required=False,
        empty_label=gettext_lazy("All types"),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("All statuses")), *Item.Status.choices],
        required=False,
    )
    location = forms.ModelChoiceField(
        label=gettext_lazy("Location"),
        queryset=Location.objects.all(),
        required=False,
        empty_label=gettext_lazy("All locations"),
    )

    def apply(self, queryset):
        if not self.is_valid():
            return queryset
        for field in ("item_type", "status", "location"):
            if self.cleaned_data.get(field):
                queryset = queryset.filter(**{field: self.cleaned_data[field]})
        return queryset


class ItemTable(tables.Table):
    code = tables.Column(
        verbose_name=gettext_lazy("Code"), accessor="pk", orderable=False, empty_values=()
    )
    name = tables.Column(linkify=("voorraad:item_detail", [tables.A("pk")]))

    class Meta:
        model = Item
        fields = ("code", "name", "item_type", "size", "status", "location")
        sequence = ("code", "name", "item_type", "size", "status", "location")
        attrs = {"class": "table", "id": "item-table"}

    def render_code(self, record):
        return format_html("<code>{}</code>", record.code)

    def render_status(self, record):
        return format_html(
            '<span class="badge {}" data-status="{}">{}</span>',
            STATUS_BADGE.get(record.status, ""),
            record.status,
            record.get_status_display(),
        )


@role_required(STOCK)
def item_list(request):
    filters = ItemFilterForm(request.GET or None)
    queryset = filters.apply(Item.objects.select_related("item_type", "location"))
    table = ItemTable(queryset)
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    return render(request, "voorraad/item_list.html", {"table": table, "filters": filters})


@role_required(STOCK)
@require_http_methods(["GET", "POST"])
def item_edit(request, pk: int | None = None):
    item = get_object_or_404(Item, pk=pk) if pk else Item()
    heading = item.name
    if request.htmx and request.method == "GET" and "item_type" in request.GET:
        # The type changed: its default accessories as checkboxes, the typed extras kept.
        form = ItemForm(
            instance=item,
            initial={
                "item_type": request.GET["item_type"],
                "accessory_extra": request.GET.get("accessory_extra", ""),
            },
        )
        return render(request, "voorraad/partials/item_accessories.html", {"form": form})
    initial = {}
    if not pk and request.GET.get("item_type", "").isdigit():
        initial["item_type"] = request.GET["item_type"]
    form = ItemForm(
        request.POST or None, instance=item, initial=initial, accessories_url=request.path
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_item(actor=request.user, item=form.save(commit=False))
        except DomainError as exc:
            if pk is None:  # rolled back: the item does not exist
                item.pk = None
                item._state.adding = True
            show_domain_error(form, exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": saved.name})
            return redirect("voorraad:item_detail", pk=saved.pk)
    return render(
        request, "voorraad/item_edit.html", {"form": form, "item": item, "heading": heading}
    )


class ItemStatusForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("New status"))
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=500)

    def __init__(self, *args, item: Item, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = services.ITEM_TRANSITIONS.get(item.status, set()) & services.MANUAL_STATUSES
        self.fields["status"].choices = [
            (value, label) for value, label in Item.Status.choices if value in allowed
        ]


@role_required(STOCK)
def item_detail(request, pk: int):
    item = get_object_or_404(
        Item.objects.select_related("item_type", "item_type__category", "location", "donor"),
        pk=pk,
    )
    labels = dict(Item.Status.choices)
    events = list(item.events.select_related("user"))
    for event in events:
        event.from_label = labels.get(event.from_status, event.from_status)
        event.to_label = labels.get(event.to_status, event.to_status)
    status_form = ItemStatusForm(item=item)
    return render(
        request,
        "voorraad/item_detail.html",
        {
            "item": item,
            "barcode": barcode_svg(item.code),
            "badge": STATUS_BADGE.get(item.status, ""),
            "problem": services.item_safety_problem(item),
            "events": events,
            "status_form": status_form if status_form.fields["status"].choices else None,
            "is_car_seat": item.item_type.safety == ItemType.Safety.CAR_SEAT,
            "is_laptop": item.item_type.safety == ItemType.Safety.LAPTOP,
        },
    )


@role_required(STOCK)
@require_POST
def item_status(request, pk: int):
    item = get_object_or_404(Item, pk=pk)
    form = ItemStatusForm(request.POST, item=item)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("voorraad:item_detail", pk=item.pk)
    try:
        changed = services.change_item_status(
            actor=request.user,
            item=item,
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(item)s is now %(status)s.")
            % {"item": changed.name, "status": changed.get_status_display()},
        )
    return redirect("voorraad:item_detail", pk=item.pk)


urlpatterns = [
    path("categorieen/", category_list, name="category_list"),
    path("producten/", product_list, name="product_list"),
    path("producten/nieuw/", product_edit, name="product_create"),
    path("producten/<int:pk>/", product_detail, name="product_detail"),
    path("producten/<int:pk>/wijzigen/", product_edit, name="product_edit"),
    path("objecttypes/", itemtype_list, name="itemtype_list"),
    path("objecten/", item_list, name="item_list"),
    path("objecten/nieuw/", item_edit, name="item_create"),
    path("objecten/<int:pk>/", item_detail, name="item_detail"),
    path("objecten/<int:pk>/wijzigen/", item_edit, name="item_edit"),
    path("objecten/<int:pk>/status/", item_status, name="item_status"),
]
