"""Screens: lendable items for coordinators — item types, and items with their safety
data, history and status."""

from __future__ import annotations

import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_tables2 import RequestConfig

from kern import exports
from kern.errors import DomainError
from kern.forms import show_domain_error
from kern.labels import barcode_svg
from kern.models import Location
from kern.permissions import role_required
from voorraad import services
from voorraad.forms import ItemFilter
from voorraad.models import (
    Donor,
    Item,
    ItemType,
)
from voorraad.views.common import choice_field, model_choice_field

PAGE_SIZE = 50
STOCK = "kern.manage_stock"

# CSS class of the status badge of an item (see .badge in deelpunt.css).
STATUS_BADGE: dict[str, str] = {
    Item.Status.AVAILABLE: "",
    Item.Status.ON_LOAN: "",
    Item.Status.RESERVED: "warn",
    Item.Status.IN_REPAIR: "warn",
    Item.Status.RETIRED: "danger",
}

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _dedupe(values) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        value = str(value).strip()
        if value and value.casefold() not in {s.casefold() for s in seen}:
            seen[value] = None
    return list(seen)


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
        model_choice_field(self, "location").queryset = Location.objects.filter(
            Q(is_active=True) | Q(pk=item.location_id)
        ).order_by("name")
        model_choice_field(self, "donor").queryset = Donor.objects.filter(
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
        defaults: list[str] = []
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
        choice_field(self, "accessory_choices").choices = [(name, name) for name in choices]
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
        cleaned = super().clean() or self.cleaned_data
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


class ItemFilterForm(ItemFilter):
    location = forms.ModelChoiceField(
        label=gettext_lazy("Location"),
        queryset=Location.objects.all(),
        required=False,
        empty_label=gettext_lazy("All locations"),
    )


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
    if exported := exports.table_export(request, table, name=_("items")):
        return exported
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
        allowed = services.MANUAL_TRANSITIONS.get(item.status, set())
        choice_field(self, "status").choices = [
            (value, label) for value, label in Item.Status.choices if value in allowed
        ]


@role_required(STOCK)
def item_detail(request, pk: int):
    item = get_object_or_404(
        Item.objects.select_related("item_type", "item_type__category", "location", "donor"),
        pk=pk,
    )
    events = list(item.events.select_related("user"))
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
            "status_form": status_form if choice_field(status_form, "status").choices else None,
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
                messages.error(request, str(error))
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
    path("objecttypes/", itemtype_list, name="itemtype_list"),
    path("objecten/", item_list, name="item_list"),
    path("objecten/nieuw/", item_edit, name="item_create"),
    path("objecten/<int:pk>/", item_detail, name="item_detail"),
    path("objecten/<int:pk>/wijzigen/", item_edit, name="item_edit"),
    path("objecten/<int:pk>/status/", item_status, name="item_status"),
]
