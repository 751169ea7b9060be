"""factory-boy factories of the voorraad app (catalogue, items, donors)."""

from __future__ import annotations

from decimal import Decimal

import factory

from kern import barcodes
from tests.factories import LocationFactory
from voorraad.models import Category, Donor, Item, ItemType, Product


def ean13(body: str) -> str:
    """A valid EAN-13 from its first twelve digits."""
    return body + barcodes.gs1_check_digit(body)


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Categorie {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")
    category = factory.SubFactory(CategoryFactory)
    unit_name = "stuk"
    pack_size = 1
    value_per_unit = Decimal("0.25")


class ItemTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ItemType

    name = factory.Sequence(lambda n: f"Objecttype {n}")
    category = factory.SubFactory(CategoryFactory)
    safety = ItemType.Safety.NONE
    default_accessories = factory.LazyFunction(list)


class DonorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Donor

    name = factory.Sequence(lambda n: f"Schenker {n}")
    kind = Donor.Kind.RESIDENT


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    item_type = factory.SubFactory(ItemTypeFactory)
    name = factory.Sequence(lambda n: f"Object {n}")
    location = factory.SubFactory(LocationFactory)
    status = Item.Status.AVAILABLE
