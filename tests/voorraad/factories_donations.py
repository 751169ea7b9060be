"""factory-boy factories for the donation, drive and purchase screens' tests.

Stock balances are never made here: they are booked through ``voorraad.services``.
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
    Product,
    Purchase,
    PurchaseLine,
    Supplier,
)


def ean13(body: str) -> str:
    """A valid EAN-13 from its first twelve digits."""
    return body + barcodes.gs1_check_digit(body)


class DonationCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("name",)

    name = "Verzorging"


class DonationProductFactory(factory.django.DjangoModelFactory):
    """``DonationProductFactory(name="Luiers maat 4", pack_size=44)``."""

    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Schenkproduct {n}")
    category = factory.SubFactory(DonationCategoryFactory)
    pack_size = 1
    value_per_unit = Decimal("0.25")


class DonationDonorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Donor

    name = factory.Sequence(lambda n: f"Schenker {n}")
    kind = Donor.Kind.SCHOOL
    city = "Gent"


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

    donor = factory.SubFactory(DonationDonorFactory)
    location = factory.SubFactory(LocationFactory)
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def lines(self, create, extracted, **kwargs):
        for product, units in extracted or []:
            DonationLine.objects.create(donation=self, product=product, quantity=units)


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    name = factory.Sequence(lambda n: f"Leverancier {n}")


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
