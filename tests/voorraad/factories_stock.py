"""factory-boy factories for the stock app (catalogue, donors, suppliers, items).

Balances are never made by a factory: stock is booked through ``voorraad.services`` so
the ledger and the running balance always agree.
"""

from __future__ import annotations

from decimal import Decimal

import factory

from tests.factories import LocationFactory
from voorraad.models import Category, Donor, Item, ItemType, Product, Supplier


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Categorie {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    """``ProductFactory(name="Luiers maat 4", pack_size=44)``."""

    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")
    category = factory.SubFactory(CategoryFactory)
    unit_name = "stuk"
    pack_size = 1
    value_per_unit = Decimal("0.25")


class DonorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Donor

    name = factory.Sequence(lambda n: f"Schenker {n}")
    kind = Donor.Kind.RESIDENT


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    name = factory.Sequence(lambda n: f"Leverancier {n}")


class ItemTypeFactory(factory.django.DjangoModelFactory):
    """``ItemTypeFactory(safety=ItemType.Safety.CAR_SEAT)`` for car seats."""

    class Meta:
        model = ItemType

    name = factory.Sequence(lambda n: f"Type {n}")
    category = factory.SubFactory(CategoryFactory)
    safety = ItemType.Safety.NONE


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    item_type = factory.SubFactory(ItemTypeFactory)
    name = factory.Sequence(lambda n: f"Object {n}")
    status = Item.Status.AVAILABLE
    location = factory.SubFactory(LocationFactory)
