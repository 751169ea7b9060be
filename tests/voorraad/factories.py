"""factory-boy factories of the voorraad app.

Balances are never made by a factory: stock is booked through ``voorraad.services`` so
the ledger and the running balance always agree. The document factories (draft
donation, purchase) make records for screens only, without ledger rows.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from kern import barcodes
from kern.models import Location
from tests.factories import LocationFactory, UserFactory
from voorraad.models import (
    Category,
    CollectionDrive,
    Donation,
    DonationLine,
    Donor,
    Item,
    ItemType,
    Product,
    Purchase,
    PurchaseLine,
    Supplier,
)


def ean13(body: str) -> str:
    """A valid EAN-13 from its first twelve digits."""
    return body + barcodes.gs1_check_digit(body)


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

    name = factory.Sequence(lambda n: f"Objecttype {n}")
    category = factory.SubFactory(CategoryFactory)
    safety = ItemType.Safety.NONE
    default_accessories = factory.LazyFunction(list)


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    item_type = factory.SubFactory(ItemTypeFactory)
    name = factory.Sequence(lambda n: f"Object {n}")
    status = Item.Status.AVAILABLE
    location = factory.SubFactory(LocationFactory)


class CollectionPointFactory(LocationFactory):
    name = factory.Sequence(lambda n: f"Inzamelpunt {n}")
    kind = Location.Kind.COLLECTION_POINT


class DriveFactory(factory.django.DjangoModelFactory):
    """A drive running today."""

    class Meta:
        model = CollectionDrive

    name = factory.Sequence(lambda n: f"Inzamelactie {n}")
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=7))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=7))
    target_units = 1000


class DraftDonationFactory(factory.django.DjangoModelFactory):
    """A draft donation; ``lines=[(product, units), ...]`` adds lines (not booked)."""

    class Meta:
        model = Donation
        skip_postgeneration_save = True

    donor = factory.SubFactory(DonorFactory, kind=Donor.Kind.SCHOOL)
    location = factory.SubFactory(LocationFactory)
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def lines(self, create, extracted, **kwargs):
        for product, units in extracted or []:
            DonationLine.objects.create(donation=self, product=product, quantity=units)


class PurchaseFactory(factory.django.DjangoModelFactory):
    """A purchase record with its lines (no ledger rows: for screens only)."""

    class Meta:
        model = Purchase
        skip_postgeneration_save = True

    supplier = factory.SubFactory(SupplierFactory)
    location = factory.SubFactory(LocationFactory)
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def lines(self, create, extracted, **kwargs):
        for product, units, cost in extracted or []:
            PurchaseLine.objects.create(
                purchase=self, product=product, quantity=units, unit_cost=Decimal(cost)
            )
