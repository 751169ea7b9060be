"""Forms of the stock screens that are not tied to one model."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kern.models import Location
from voorraad.models import Item, ItemType, Product


def active_locations():
    return Location.objects.filter(is_active=True).order_by("name")


def units_from(product: Product, packs: int | None, loose: int | None) -> int:
    """Packs and loose units, as people count them, in units."""
    return (packs or 0) * product.pack_size + (loose or 0)


class PacksAndUnits(forms.Form):
    """One product row: how many packs and how many loose units."""

    packs = forms.IntegerField(label=_("packs"), min_value=0, required=False)
    loose = forms.IntegerField(label=_("loose units"), min_value=0, required=False)


class TransferStartForm(forms.Form):
    from_location = forms.ModelChoiceField(label=_("From"), queryset=active_locations())
    to_location = forms.ModelChoiceField(label=_("To"), queryset=active_locations())
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AdjustmentForm(forms.Form):
    KIND_CHOICES = [
        ("correction", _("Correction (up or down)")),
        ("write_off", _("Write-off (damaged, expired, recalled, lost)")),
    ]
    location = forms.ModelChoiceField(label=_("Location"), queryset=active_locations())
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.filter(is_active=True)
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=KIND_CHOICES, initial="correction")
    direction = forms.ChoiceField(
        label=_("Direction"), choices=[("-", _("less")), ("+", _("more"))], initial="-"
    )
    packs = forms.IntegerField(label=_("Packs"), min_value=0, required=False)
    loose = forms.IntegerField(label=_("Loose units"), min_value=0, required=False)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("Required: what happened, e.g. “water damage in the storeroom”."),
    )


class CountStartForm(forms.Form):
    location = forms.ModelChoiceField(label=_("Location"), queryset=active_locations())
    note = forms.CharField(label=_("Note"), required=False)


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class AsOfForm(forms.Form):
    location = forms.ModelChoiceField(label=_("Location"), queryset=active_locations())
    day = forms.DateField(label=_("At the end of"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean_day(self):
        from django.utils import timezone

        day = self.cleaned_data["day"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("Choose a day that has passed."))
        return day


class ItemFilter(forms.Form):
    """Narrow a list of items by type and status; lists add their own fields."""

    item_type = forms.ModelChoiceField(
        label=_("Type"),
        queryset=ItemType.objects.all(),
        required=False,
        empty_label=_("All types"),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *Item.Status.choices],
        required=False,
    )

    def apply(self, queryset: QuerySet[Item]) -> QuerySet[Item]:
        if not self.is_valid():
            return queryset
        for field in self.fields:
            value = self.cleaned_data.get(field)
            if value:
                queryset = self.narrow(queryset, field, value)
        return queryset

    def narrow(self, queryset: QuerySet[Item], field: str, value: object) -> QuerySet[Item]:
        return queryset.filter(**{field: value})
