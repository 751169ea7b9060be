"""Fixtures the stock tests share: three products, a donor and a supplier."""

from __future__ import annotations

import pytest

from tests.voorraad.factories import DonorFactory, ProductFactory, SupplierFactory
from voorraad.models import Donor


@pytest.fixture
def diapers(db):
    return ProductFactory(name="Luiers maat 4", pack_size=44)


@pytest.fixture
def wipes(db):
    return ProductFactory(name="Billendoekjes", pack_size=1)


@pytest.fixture
def formula(db):
    return ProductFactory(name="Flesvoeding 1", pack_size=6)


@pytest.fixture
def donor(db):
    return DonorFactory(name="Basisschool De Regenboog", kind=Donor.Kind.SCHOOL)


@pytest.fixture
def supplier(db):
    return SupplierFactory(name="Groothandel Baby")
