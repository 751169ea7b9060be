"""In a real browser, a coordinator imports a CSV of products: the preview refuses one
row and says why, the coordinator confirms, and the other products exist. Also at tablet
width (768 px). Screenshots are kept in test-artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from rapportering.models import ImportBatch
from tests.browser.conftest import log_in, screenshot
from tests.voorraad.factories import ean13
from voorraad.models import Product, ProductBarcode

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_EAN = ean13("209999000001")


@pytest.mark.parametrize("width", [1280, 768])
def test_coordinator_imports_products_with_a_refused_row_explained(page, demo, tmp_path, width):
    page.set_viewport_size({"width": width, "height": 900})
    taken = ProductBarcode.objects.select_related("product").first()
    csv_file = tmp_path / "producten.csv"
    csv_file.write_text(
        "naam;categorie;eenheid;stuks_per_pak;waarde_per_stuk;ean\n"
        f"Zwemluiers maat 5;Luiers;stuk;12;0,45;{NEW_EAN}:12\n"
        f"Luiers proefpak;Luiers;stuk;10;0,30;{taken.gtin}\n"
        "Babyshampoo reisformaat;Verzorging;fles;1;3,20;\n",
        encoding="utf-8",
    )
    log_in(page, "coordinator")
    page.goto(page.base_url + "/rapporten/import/")
    form = page.locator("#import-form")
    form.get_by_label("Producten").check()
    form.locator("input[type=file]").set_input_files(str(csv_file))
    form.get_by_role("button", name="Opladen en controleren").click()

    # The progress bar checks the rows and then shows the preview.
    expect(page.locator("#import-summary")).to_contain_text("2 nieuw", timeout=20_000)
    expect(page.locator("#import-summary")).to_contain_text("1 geweigerd")
    refused = page.locator('#import-rows tr[data-row="3"]')
    expect(refused).to_contain_text("Geweigerd")
    expect(refused).to_contain_text(f"EAN {taken.gtin} hoort al bij {taken.product.name}")
    assert not Product.objects.filter(name="Zwemluiers maat 5").exists()
    screenshot(page, f"import-1-preview-{width}")

    page.locator("#show-refused").click()
    expect(page.locator("#import-rows tbody tr")).to_have_count(1)

    page.locator("#import-confirm").click()
    expect(page.locator("#import-result")).to_be_visible()
    expect(page.locator("#count-created")).to_have_text("2")
    expect(page.locator("#count-refused")).to_have_text("1")
    screenshot(page, f"import-2-result-{width}")

    swim = Product.objects.get(name="Zwemluiers maat 5")
    assert list(swim.barcodes.values_list("gtin", "units")) == [(NEW_EAN, 12)]
    assert Product.objects.get(name="Babyshampoo reisformaat").unit_name == "fles"
    assert not Product.objects.filter(name="Luiers proefpak").exists()
    assert ImportBatch.objects.get().status == ImportBatch.Status.APPLIED
    # The result links to what was created.
    page.locator('#import-rows tr[data-row="2"] a').click()
    expect(page.locator("h1")).to_contain_text("Zwemluiers maat 5")
    assert page.console_errors == []
