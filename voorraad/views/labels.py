"""Screens: printing barcode labels for products, items and locations.

Each screen is a filterable list with a checkbox and a number of copies per row; posting
it returns a PDF (A4 sheet of 3 × 8 labels or single 62 × 29 mm labels). The three views
only say what to list and how a row becomes a label; ``_label_screen`` does the rest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.db.models import Model, QuerySet
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from kern.labels import A4_3X8, LAYOUTS, SINGLE_62X29, Label, labels_pdf
from kern.models import Location
from kern.pdf import pdf_response
from kern.permissions import role_required
from voorraad.forms import ItemFilter
from voorraad.models import Category, Item, Product

STOCK = "kern.manage_stock"
SHOWN_ROWS = 300  # rows listed on screen; "all filtered" prints beyond them
MAX_COPIES = 50
MAX_LABELS = 100 * A4_3X8.per_page  # a hundred sheets per PDF


# --- Forms ------------------------------------------------------------------------------


class PrintForm(forms.Form):
    layout = forms.ChoiceField(
        label=gettext_lazy("Layout"),
        choices=[
            (A4_3X8.name, gettext_lazy("A4 sheet, 3 × 8 labels of 70 × 37 mm")),
            (SINGLE_62X29.name, gettext_lazy("Single labels of 62 × 29 mm (label printer)")),
        ],
        initial=A4_3X8.name,
    )
    skip = forms.IntegerField(
        label=gettext_lazy("Skip the first labels"),
        help_text=gettext_lazy("For a sheet that was partly used already."),
        min_value=0,
        max_value=A4_3X8.per_page - 1,
        initial=0,
        required=False,
        widget=forms.NumberInput(attrs={"class": "qty-input"}),
    )


class ProductLabelFilter(forms.Form):
    category = forms.ModelChoiceField(
        label=gettext_lazy("Category"),
        queryset=Category.objects.all(),
        required=False,
        empty_label=gettext_lazy("All categories"),
    )

    def apply(self, queryset: QuerySet) -> QuerySet:
        if self.is_valid() and self.cleaned_data["category"]:
            queryset = queryset.filter(category=self.cleaned_data["category"])
        return queryset


class ItemLabelFilter(ItemFilter):
    days = forms.IntegerField(
        label=gettext_lazy("Added in the last … days"),
        min_value=1,
        max_value=3650,
        required=False,
        widget=forms.NumberInput(attrs={"class": "qty-input"}),
    )

    def narrow(self, queryset: QuerySet, field: str, value: object) -> QuerySet:
        if field == "days":
            assert isinstance(value, int)
            return queryset.filter(created_at__gte=timezone.now() - dt.timedelta(days=value))
        return super().narrow(queryset, field, value)


class LocationLabelFilter(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=[("", gettext_lazy("All kinds")), *Location.Kind.choices],
        required=False,
    )

    def apply(self, queryset: QuerySet) -> QuerySet:
        if self.is_valid() and self.cleaned_data["kind"]:
            queryset = queryset.filter(kind=self.cleaned_data["kind"])
        return queryset


# --- The shared screen ------------------------------------------------------------------


def _whole_numbers(values: list[str]) -> set[int]:
    return {int(value) for value in values if value.strip().isdigit()}


def _copies(raw: str | None) -> int | None:
    """The number of copies typed for a row (blank: 1), or None when it is no valid one."""
    raw = (raw or "").strip()
    if not raw:
        return 1
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_COPIES:
        return None
    return int(raw)


_M = TypeVar("_M", bound=Model)


def _label_screen(
    request,
    *,
    kind: str,
    heading: str,
    filters,
    queryset: QuerySet[_M],
    make_label: Callable[[_M], Label],
):
    """List ``queryset`` (filtered by ``filters``) with a checkbox and copies per row; on
    POST, print the ticked rows (or every filtered row) as a PDF of labels.

    ``?only=<pk>`` narrows the list to one record and ticks it (the "print label" links
    on detail pages). The POST goes to the same query string, so the filters hold."""
    queryset = filters.apply(queryset)
    only = request.GET.get("only", "")
    if only.isdigit():
        queryset = queryset.filter(pk=int(only))
    print_form = PrintForm(request.POST or None, initial={"layout": A4_3X8.name, "skip": 0})
    selected = (
        _whole_numbers(request.POST.getlist("selected")) if request.method == "POST" else set()
    )
    if request.method == "GET" and only.isdigit():
        selected = {int(only)}
    if request.method == "POST" and print_form.is_valid():
        chosen = queryset
        if request.POST.get("scope") != "all":
            chosen = queryset.filter(pk__in=selected)
        labels: list[Label] = []
        wrong_copies = False
        for record in chosen:
            copies = _copies(request.POST.get(f"copies-{record.pk}"))
            if copies is None:
                wrong_copies = True
                continue
            labels += [make_label(record)] * copies
        if wrong_copies:
            print_form.add_error(
                None,
                _("The number of copies must be a whole number from 1 to %(max)d.")
                % {"max": MAX_COPIES},
            )
        elif not labels:
            print_form.add_error(None, _("Tick at least one row to print labels for."))
        elif len(labels) > MAX_LABELS:
            print_form.add_error(
                None,
                _("That is %(count)d labels; print at most %(max)d at once.")
                % {"count": len(labels), "max": MAX_LABELS},
            )
        else:
            pdf = labels_pdf(
                labels,
                layout=LAYOUTS[print_form.cleaned_data["layout"]],
                skip=print_form.cleaned_data["skip"] or 0,
                title=f"Deelpunt: {heading}",
            )
            stamp = f"{timezone.localtime():%Y%m%d-%H%M}"
            return pdf_response(pdf, filename=f"labels-{kind}-{stamp}.pdf", personal=False)

    records = list(queryset[: SHOWN_ROWS + 1])
    truncated = len(records) > SHOWN_ROWS
    records = records[:SHOWN_ROWS]
    rows = [
        {
            "pk": record.pk,
            "label": make_label(record),
            "checked": record.pk in selected,
            "copies": request.POST.get(f"copies-{record.pk}", "1"),
        }
        for record in records
    ]
    return render(
        request,
        "voorraad/label_print.html",
        {
            "kind": kind,
            "heading": heading,
            "filters": filters,
            "print_form": print_form,
            "rows": rows,
            "truncated": truncated,
            "total": queryset.count() if truncated else len(rows),
            "max_copies": MAX_COPIES,
            "kinds": [
                ("producten", _("Products"), "voorraad:label_products"),
                ("objecten", _("Items"), "voorraad:label_items"),
                ("locaties", _("Locations"), "voorraad:label_locations"),
            ],
        },
    )


# --- The three screens ------------------------------------------------------------------


DEFAULT_UNIT = Product._meta.get_field("unit_name").get_default()


def _product_label(product: Product) -> Label:
    if product.pack_size > 1 and product.unit_name == DEFAULT_UNIT:
        # The unit in the right number (“64 stuks per pak”), which a free-text unit lacks.
        subtitle = ngettext(
            "%(count)d unit per pack", "%(count)d units per pack", product.pack_size
        ) % {"count": product.pack_size}
    elif product.pack_size > 1:
        subtitle = _("%(count)d %(unit)s per pack") % {
            "count": product.pack_size,
            "unit": product.unit_name,
        }
    else:
        subtitle = _("per %(unit)s") % {"unit": product.unit_name}
    return Label(product.code, title=product.name, subtitle=subtitle)


def _item_label(item: Item) -> Label:
    subtitle = " · ".join(part for part in (item.item_type.name, item.size) if part)
    return Label(item.code, title=item.name, subtitle=subtitle)


def _location_label(location: Location) -> Label:
    return Label(location.code, title=location.name, subtitle=capfirst(location.get_kind_display()))


@role_required(STOCK)
@require_http_methods(["GET", "POST"])
def label_products(request):
    return _label_screen(
        request,
        kind="producten",
        heading=_("Product labels"),
        filters=ProductLabelFilter(request.GET or None),
        queryset=Product.objects.filter(is_active=True).select_related("category"),
        make_label=_product_label,
    )


@role_required(STOCK)
@require_http_methods(["GET", "POST"])
def label_items(request):
    return _label_screen(
        request,
        kind="objecten",
        heading=_("Item labels"),
        filters=ItemLabelFilter(request.GET or None),
        queryset=Item.objects.select_related("item_type").order_by("-created_at", "-id"),
        make_label=_item_label,
    )


@role_required(STOCK)
@require_http_methods(["GET", "POST"])
def label_locations(request):
    return _label_screen(
        request,
        kind="locaties",
        heading=_("Location labels"),
        filters=LocationLabelFilter(request.GET or None),
        queryset=Location.objects.filter(is_active=True).order_by("name"),
        make_label=_location_label,
    )


urlpatterns = [
    path("labels/producten/", label_products, name="label_products"),
    path("labels/objecten/", label_items, name="label_items"),
    path("labels/locaties/", label_locations, name="label_locations"),
]
