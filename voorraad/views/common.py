"""What the donor, donation, drive and purchase screens share: the permission, page size,
money formats and the value of a line."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import DecimalField, F
from django.db.models.functions import Coalesce
from django.utils.formats import number_format

from voorraad.models import Donation

STOCK = "kern.manage_stock"
PAGE_SIZE = 50
POSTED = Donation.Status.POSTED
NUM = {"th": {"class": "num"}, "td": {"class": "num"}}

MONEY: DecimalField[Decimal, Decimal] = DecimalField(max_digits=14, decimal_places=2)
UNIT_VALUE = Coalesce(F("product__last_cost_per_unit"), F("product__value_per_unit"))


def date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def money(value: Decimal | int | None) -> str:
    return "€ " + number_format(value or 0, 2, force_grouping=True)


def cost(value: Decimal | None) -> str:
    """A cost per unit with as many decimals as it has (at least two): “€ 0,2345”."""
    value = value or Decimal(0)
    exponent = value.normalize().as_tuple().exponent
    places = max(2, -exponent if isinstance(exponent, int) else 2)
    return "€ " + number_format(value, places, force_grouping=True)


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """``form.fields[name]`` as the choice field it is (model choices included)."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField), name
    return field


def model_choice_field(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField), name
    return field
