"""The catalogue: EAN codes mapped to products, what a scanned code stands for, and the
checks on categories and products."""

from __future__ import annotations

import pytest

from kern import barcodes
from kern.errors import Conflict, DomainError, NotFound
from tests.voorraad.factories import (
    DonorFactory,
    ItemFactory,
    ProductFactory,
    ean13,
)
from voorraad import services
from voorraad.models import (
    Product,
    ProductBarcode,
    StockMovement,
)

pytestmark = pytest.mark.django_db

Kind = StockMovement.Kind


# --- Barcodes ---------------------------------------------------------------------------


def test_map_gtin_ties_an_ean_to_a_product_with_its_pack_size_by_default(coordinator, diapers):
    mapping = services.map_gtin(actor=coordinator, gtin=ean13("541234500001"), product=diapers)
    assert (mapping.product, mapping.units) == (diapers, 44)
    again = services.map_gtin(actor=coordinator, gtin=ean13("541234500001"), product=diapers)
    assert again.pk == mapping.pk
    assert ProductBarcode.objects.count() == 1


def test_map_gtin_of_an_ean_that_belongs_to_another_product_is_refused(coordinator, diapers, wipes):
    code = ean13("541234500001")
    services.map_gtin(actor=coordinator, gtin=code, product=diapers)
    with pytest.raises(Conflict) as excinfo:
        services.map_gtin(actor=coordinator, gtin=code, product=wipes)
    assert "Luiers maat 4" in str(excinfo.value)
    assert ProductBarcode.objects.get().product == diapers


def _wrong_check_digit(code: str) -> str:
    return code[:-1] + str((int(code[-1]) + 1) % 10)


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(_wrong_check_digit(ean13("541234500001")), id="wrong-check-digit"),
        pytest.param("12345", id="too-short"),
        pytest.param("5412345ABC001", id="letters"),
    ],
)
def test_map_gtin_of_an_invalid_ean_raises_barcode_error(coordinator, diapers, bad):
    with pytest.raises(barcodes.BarcodeError):
        services.map_gtin(actor=coordinator, gtin=bad, product=diapers)
    assert not ProductBarcode.objects.exists()


def test_product_for_code_of_a_product_label_is_one_pack(diapers):
    scanned = services.product_for_code(diapers.code)
    assert (scanned.product, scanned.units) == (diapers, 44)


def test_product_for_code_of_a_mapped_ean_is_its_mapped_units(coordinator, diapers):
    code = ean13("541234500001")
    services.map_gtin(actor=coordinator, gtin=code, product=diapers, units=22)
    scanned = services.product_for_code(code)
    assert (scanned.product, scanned.units) == (diapers, 22)


def test_product_for_code_of_an_unknown_valid_ean_is_not_found_as_unknown_gtin(db):
    with pytest.raises(NotFound) as excinfo:
        services.product_for_code(ean13("871234500009"))
    assert excinfo.value.code == "unknown_gtin"


def test_product_for_code_of_an_item_code_is_a_domain_error(coordinator, point):
    item = ItemFactory(location=point)
    with pytest.raises(DomainError) as excinfo:
        services.product_for_code(item.code)
    assert not isinstance(excinfo.value, NotFound)


def test_product_for_code_of_an_inactive_product_is_not_found(db):
    product = ProductFactory(is_active=False)
    with pytest.raises(NotFound):
        services.product_for_code(product.code)


# --- Catalogue and input checks found in review -----------------------------------------


def test_create_category_refuses_a_name_that_differs_only_in_case(coordinator):
    services.create_category(actor=coordinator, name="Luiers")
    with pytest.raises(Conflict):
        services.create_category(actor=coordinator, name="luiers")
    with pytest.raises(DomainError):
        services.create_category(actor=coordinator, name="x" * 101)


def test_save_product_with_a_taken_name_is_a_domain_error_not_a_crash(coordinator):
    first = ProductFactory(name="Billendoekjes")
    with pytest.raises(Conflict) as caught:
        services.save_product(
            actor=coordinator, product=Product(name="billendoekjes", category=first.category)
        )
    assert caught.value.field == "name"


def test_save_product_reports_a_bad_ean_on_the_ean_field(coordinator):
    product = ProductFactory.build(category=ProductFactory().category)
    with pytest.raises(DomainError) as caught:
        services.save_product(actor=coordinator, product=product, gtins=[("5410013101238", 1)])
    assert caught.value.field == "gtins"


def test_map_gtin_again_with_other_units_corrects_the_units(coordinator):
    product = ProductFactory(pack_size=44)
    gtin = "541001310123" + barcodes.gs1_check_digit("541001310123")
    services.map_gtin(actor=coordinator, gtin=gtin, product=product, units=44)
    assert services.map_gtin(actor=coordinator, gtin=gtin, product=product, units=40).units == 40


def test_an_inactive_product_is_not_found_by_its_ean(coordinator):
    product = ProductFactory(pack_size=10)
    gtin = "541001310124" + barcodes.gs1_check_digit("541001310124")
    services.map_gtin(actor=coordinator, gtin=gtin, product=product)
    product.is_active = False
    product.save()
    with pytest.raises(NotFound):
        services.product_for_code(gtin)


def test_scanning_an_absurd_number_of_packs_into_a_new_line_is_refused(coordinator, point):
    product = ProductFactory(pack_size=44)
    donation = services.start_donation(actor=coordinator, donor=DonorFactory(), location=point)
    with pytest.raises(DomainError):
        services.scan_into_donation(
            actor=coordinator, donation=donation, code=product.code, packs=100_000
        )
    assert not donation.lines.exists()
