"""In a real browser, the coordinator's stock journey: build the catalogue, take in a
donation by scanning, print labels that scan back, move stock, count it and see the
overview. Screenshots of each step are kept in test-artifacts/."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kern.barcodes import gs1_check_digit
from kern.models import Location
from tests.browser.conftest import log_in, screenshot
from tests.conftest import require_tool
from voorraad import services
from voorraad.models import (
    Category,
    Donation,
    Product,
    StockCount,
    StockMovement,
    Transfer,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CATEGORY = "Luiers testreeks"
PRODUCT = "Luiers maat 8 test"
PACK = 30
DONOR = "Familie Testschenker"
WAREHOUSE = "Magazijn Wiedauwkaai"
CENTRUM = "Uitdeelpunt Centrum"
# An in-store EAN (prefix 20) that the demo catalogue does not use.
EAN = "209876543210" + gs1_check_digit("209876543210")


def submit(page, form_selector):
    """Click the (first) submit button of a form and wait for the page it leads to."""
    with page.expect_navigation():
        page.locator(f"{form_selector} button[type=submit]").first.click()


def accept_next_dialog(page):
    page.once("dialog", lambda dialog: dialog.accept())


# --- The steps --------------------------------------------------------------------------


def build_catalogue(page) -> Product:
    page.goto(page.base_url + "/voorraad/categorieen/")
    page.locator("#category-form #id_name").fill(CATEGORY)
    submit(page, "#category-form")
    category = Category.objects.get(name=CATEGORY)
    expect(page.locator(f'#category-table tr[data-category="{category.pk}"]')).to_contain_text(
        CATEGORY
    )

    page.goto(page.base_url + "/voorraad/producten/nieuw/")
    form = page.locator("#product-form")
    form.locator("#id_name").fill(PRODUCT)
    form.locator("#id_category").select_option(label=CATEGORY)
    form.locator("#id_pack_size").fill(str(PACK))
    form.locator("#id_gtins").fill(EAN)
    submit(page, "#product-form")

    product = Product.objects.get(name=PRODUCT)
    assert page.url == f"{page.base_url}/voorraad/producten/{product.pk}/"
    assert product.category == category
    assert product.pack_size == PACK
    assert list(product.barcodes.values_list("gtin", "units")) == [(EAN, PACK)]
    expect(page.locator("h1")).to_contain_text(PRODUCT)
    barcode = page.locator("#product-barcode")
    expect(barcode).to_have_attribute("data-code", product.code)
    expect(barcode.locator("svg")).to_be_visible()
    expect(page.locator(f'#gtin-table tr[data-gtin="{EAN}"]')).to_be_visible()
    screenshot(page, "stock-1-product")
    return product


def take_in_donation(page, product, warehouse) -> None:
    page.goto(page.base_url + "/voorraad/schenkingen/nieuw/")
    form = page.locator("#donation-start-form")
    form.locator("#id_nieuw-name").fill(DONOR)
    form.locator("#id_location").select_option(label=WAREHOUSE)
    submit(page, "#donation-start-form")

    donation = Donation.objects.get(donor__name=DONOR)
    assert page.url == f"{page.base_url}/voorraad/schenkingen/{donation.pk}/"
    assert donation.location == warehouse
    page.wait_for_selector("[data-scan-input]")
    # Like a USB scanner: the product label twice, then the EAN on a pack.
    page.keyboard.type(product.code + "\n", delay=5)
    page.locator("h1").click()  # focus leaves the scan bar: keys still go to it
    page.keyboard.type(product.code + "\n", delay=5)
    page.keyboard.type(EAN + "\n", delay=5)

    cards = page.locator("#scan-results .scan-card")
    expect(cards).to_have_count(3)
    outcomes = [cards.nth(i).get_attribute("data-scan-outcome") for i in range(3)]
    assert outcomes == ["added"] * 3, cards.all_inner_texts()
    expect(page.locator("[data-scan-input]")).to_have_value("")
    line = page.locator(f'#donation-lines tr[data-line="{product.pk}"]')
    expect(line.locator("[data-quantity]")).to_have_attribute("data-quantity", str(3 * PACK))
    expect(page.locator("#donation-lines [data-total-units]")).to_have_attribute(
        "data-total-units", str(3 * PACK)
    )
    screenshot(page, "stock-2-donation-intake")

    accept_next_dialog(page)  # "Book this donation? …"
    submit(page, "#donation-post-form")
    assert page.url == f"{page.base_url}/voorraad/schenkingen/{donation.pk}/detail/"
    donation.refresh_from_db()
    assert donation.status == Donation.Status.POSTED
    assert services.level_of(product=product, location=warehouse) == 3 * PACK


def print_labels(page, product) -> None:
    pdftoppm = require_tool("pdftoppm", "apt-get install poppler-utils")
    zbarimg = require_tool("zbarimg", "apt-get install zbar-tools")

    page.goto(f"{page.base_url}/voorraad/producten/{product.pk}/")
    with page.expect_navigation():
        page.locator("#print-label").click()
    form = page.locator("#label-form")
    row = form.locator(f'#label-rows tr[data-pk="{product.pk}"]')
    expect(row).to_contain_text(product.code)
    expect(form.locator("#label-rows tbody tr")).to_have_count(1)
    checkbox = row.locator(f"#select-{product.pk}")
    checkbox.check()
    expect(checkbox).to_be_checked()
    row.locator(f'[name="copies-{product.pk}"]').fill("3")
    screenshot(page, "stock-3-labels")

    # The view answers the PDF inline: post the same form with the page's cookies and
    # CSRF token, exactly as the button does.
    action = form.evaluate("form => form.action")
    fields = form.evaluate(
        "form => Object.fromEntries(new FormData(form, "
        "form.querySelector('button[name=scope][value=selected]')))"
    )
    assert fields["scope"] == "selected" and fields["selected"] == str(product.pk)
    response = page.request.post(action, form=fields, headers={"Referer": page.url})
    assert response.status == 200, response.text()[:500]
    assert response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    assert pdf.startswith(b"%PDF")

    with tempfile.TemporaryDirectory() as tmp:
        pdf_path = Path(tmp) / "labels.pdf"
        pdf_path.write_bytes(pdf)
        subprocess.run(
            [pdftoppm, "-r", "200", "-gray", "-png", str(pdf_path), str(Path(tmp) / "page")],
            check=True,
            timeout=60,
        )
        images = sorted(Path(tmp).glob("page*.png"))
        assert images
        decoded = subprocess.run(
            [zbarimg, "--quiet", "--raw", *map(str, images)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    # zbar reports a code that repeats on an image only once.
    assert {value for value in decoded.stdout.split() if value} == {product.code}


def move_stock(page, product, warehouse, centrum) -> None:
    page.goto(page.base_url + "/voorraad/overboekingen/nieuw/")
    form = page.locator("#transfer-form")
    form.locator("#id_from_location").select_option(str(warehouse.pk))
    form.locator("#id_to_location").select_option(str(centrum.pk))
    submit(page, "#transfer-form")
    form.locator(f'[name="p{product.pk}-packs"]').fill("1")
    submit(page, "#transfer-form")

    transfer = Transfer.objects.get(lines__product=product)
    assert page.url == f"{page.base_url}/voorraad/overboekingen/{transfer.pk}/"
    assert list(transfer.lines.values_list("product_id", "quantity")) == [(product.pk, PACK)]

    picklist = page.locator("[data-picklist]")
    response = page.request.get(page.base_url + picklist.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    submit(page, 'form[action$="/uitvoeren/"]')
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.DONE
    expect(page.locator(".facts [data-status]")).to_have_attribute("data-status", transfer.status)
    assert services.level_of(product=product, location=warehouse) == 2 * PACK
    assert services.level_of(product=product, location=centrum) == PACK
    screenshot(page, "stock-4-transfer")


def count_stock(page, product, centrum) -> None:
    page.goto(page.base_url + "/voorraad/tellingen/")
    page.locator("#id_location").select_option(str(centrum.pk))
    submit(page, "form:has(#id_location)")
    count = StockCount.objects.filter(location=centrum).latest("pk")
    assert page.url == f"{page.base_url}/voorraad/tellingen/{count.pk}/"

    row = page.locator(f"#count-row-{product.pk}")
    row.locator(f'[name="p{product.pk}-packs"]').fill("0")
    loose = row.locator(f'[name="p{product.pk}-loose"]')
    loose.fill("25")
    loose.press("Enter")
    # htmx swaps the row: the counted quantity and the difference appear.
    variance = page.locator(f"#count-row-{product.pk} [data-variance]")
    expect(variance).to_have_attribute("data-variance", str(25 - PACK))
    expect(page.locator(f"#count-row-{product.pk} [data-counted]")).to_be_visible()

    accept_next_dialog(page)  # "Close the count and book the differences?"
    submit(page, 'form[action$="/afsluiten/"]')
    count.refresh_from_db()
    assert count.status == StockCount.Status.FINALISED
    expect(page.locator(".lead [data-status]")).to_have_attribute("data-status", count.status)
    assert services.level_of(product=product, location=centrum) == 25
    corrections = StockMovement.objects.filter(
        product=product, location=centrum, kind=StockMovement.Kind.COUNT
    )
    assert list(corrections.values_list("quantity", "document_id")) == [(25 - PACK, count.pk)]
    screenshot(page, "stock-5-count")


def see_overview(page, product, centrum) -> None:
    page.goto(f"{page.base_url}/voorraad/?location={centrum.pk}")
    row = page.locator(f'#stock-table tr[data-product="{product.pk}"]')
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-location", str(centrum.pk))
    expect(row).to_contain_text(PRODUCT)
    expect(row.locator("[data-on-hand]")).to_have_attribute("data-on-hand", "25")
    # Only Centrum's rows are listed.
    locations = page.locator("#stock-table tbody tr").evaluate_all(
        "rows => [...new Set(rows.map(row => row.dataset.location))]"
    )
    assert locations == [str(centrum.pk)]
    row.scroll_into_view_if_needed()
    screenshot(page, "stock-6-overview")


# --- The journey ------------------------------------------------------------------------


def test_coordinator_builds_catalogue_takes_in_labels_moves_counts_and_sees_stock(page, demo):
    warehouse = Location.objects.get(name=WAREHOUSE)
    centrum = Location.objects.get(name=CENTRUM)
    log_in(page, "coordinator")

    product = build_catalogue(page)
    take_in_donation(page, product, warehouse)
    print_labels(page, product)
    move_stock(page, product, warehouse, centrum)
    count_stock(page, product, centrum)
    see_overview(page, product, centrum)

    assert services.level_of(product=product, location=warehouse) == 2 * PACK
    assert services.reconcile() == []
    assert page.console_errors == []


def test_the_movements_page_fits_1280_pixels_and_names_documents_in_dutch(page, demo):
    """The ledger with the demo's movements (donations, transfers, demo distributions) at
    1280 px wide: no sideways scrolling, and every document type in Dutch words."""
    log_in(page, "coordinator")
    page.set_viewport_size({"width": 1280, "height": 860})
    page.goto(page.base_url + "/voorraad/bewegingen/")
    screenshot(page, "stock-movements-1280")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    # Distributions: the counter's (uitlening's demo) and voorraad's simulated ones, and
    # goods taken for swap points; intakes: donations and goods brought for swap points.
    for kind, label in (
        ("uitdeling", ("uitdeling ", "demogegevens", "ruilwinkel ")),
        ("schenking", ("schenking", "ruilwinkel ")),
    ):
        page.goto(page.base_url + f"/voorraad/bewegingen/?kind={kind}")
        documents = page.locator("table td.document").all_inner_texts()
        assert documents and all(text.startswith(label) for text in documents), documents
    page.goto(page.base_url + "/voorraad/bewegingen/?kind=overboeking_uit")
    assert page.locator("table td.document").first.inner_text().startswith("overboeking ")
