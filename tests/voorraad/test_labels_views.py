"""Label screens: the PDF holds exactly the chosen codes × copies, read back by zbar."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image

from kern.labels import A4_3X8, SINGLE_62X29, LabelLayout
from kern.models import Location
from tests.conftest import require_tool
from tests.factories import LocationFactory
from tests.voorraad.factories import ItemFactory, ItemTypeFactory, ProductFactory


def decode_labels(pdf: bytes, tmp_path: Path, layout: LabelLayout, dpi: int = 200) -> list[str]:
    """Every code on every label of the PDF. zbar reports a repeated code only once per
    image, so each label cell of each page is cut out and read on its own."""
    pdftoppm = require_tool("pdftoppm", "apt-get install poppler-utils")
    zbarimg = require_tool("zbarimg", "apt-get install zbar-tools")
    source = tmp_path / "labels.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [pdftoppm, "-r", str(dpi), "-gray", "-png", source, tmp_path / "page"], check=True
    )
    scale = dpi / 72
    cells = []
    for page in sorted(tmp_path.glob("page-*.png")):
        with Image.open(page) as image:
            for index in range(layout.per_page):
                x, y = layout.origin(index)
                top = layout.page_height - y - layout.label_height
                box = (x, top, x + layout.label_width, top + layout.label_height)
                cell = tmp_path / f"{page.stem}-cell-{index:02d}.png"
                image.crop(tuple(round(v * scale) for v in box)).save(cell)
                cells.append(cell)
    found = subprocess.run(
        [zbarimg, "--quiet", "--raw", "-Sdisable", "-Scode128.enable", *cells],
        capture_output=True,
        text=True,
    )
    return [line for line in found.stdout.splitlines() if line]


@pytest.mark.parametrize("name", ["label_products", "label_items", "label_locations"])
def test_label_pages_open_for_a_coordinator_only(login, coordinator, volunteer, point, name):
    ProductFactory()
    ItemFactory(location=point)
    url = reverse(f"voorraad:{name}")
    response = login(coordinator).get(url)
    assert response.status_code == 200
    assert 'id="label-form"' in response.content.decode()
    assert login(volunteer).get(url).status_code == 403
    assert login(volunteer).post(url, {"scope": "all"}).status_code == 403


def test_product_labels_pdf_holds_the_selected_codes_times_copies(login, coordinator, tmp_path):
    first, second, _unticked = ProductFactory(pack_size=44), ProductFactory(), ProductFactory()
    response = login(coordinator).post(
        reverse("voorraad:label_products"),
        {
            "selected": [first.pk, second.pk],
            f"copies-{first.pk}": "3",
            f"copies-{second.pk}": "",  # blank: one copy
            f"copies-{_unticked.pk}": "5",  # not ticked: not printed
            "layout": "a4-3x8",
            "skip": "2",
            "scope": "selected",
        },
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('inline; filename="labels-')
    assert response.content.startswith(b"%PDF")
    assert sorted(decode_labels(response.content, tmp_path, A4_3X8)) == sorted(
        [first.code] * 3 + [second.code]
    )


def test_item_labels_all_filtered_by_type_on_single_labels(login, coordinator, point, tmp_path):
    bikes = ItemTypeFactory(name="Kinderfiets")
    wanted = [ItemFactory(item_type=bikes, location=point, size='20"') for _ in range(2)]
    ItemFactory(location=point)  # another type: filtered out
    url = reverse("voorraad:label_items") + f"?item_type={bikes.pk}&days=7"
    response = login(coordinator).post(
        url, {"layout": "62x29", "skip": "0", "scope": "all", f"copies-{wanted[0].pk}": "2"}
    )
    assert response["Content-Type"] == "application/pdf"
    decoded = decode_labels(response.content, tmp_path, SINGLE_62X29, dpi=300)
    assert sorted(decoded) == sorted([wanted[0].code] * 2 + [wanted[1].code])


def test_location_labels_pdf(login, coordinator, point, tmp_path):
    warehouse = LocationFactory(name="Magazijn Noord", kind=Location.Kind.WAREHOUSE)
    response = login(coordinator).post(
        reverse("voorraad:label_locations") + "?kind=magazijn",
        {"selected": [warehouse.pk, point.pk], "layout": "a4-3x8", "scope": "selected"},
    )
    assert response["Content-Type"] == "application/pdf"
    assert decode_labels(response.content, tmp_path, A4_3X8) == [
        warehouse.code
    ]  # point is filtered out


def test_empty_selection_reshows_the_form_with_an_error(login, coordinator):
    product = ProductFactory(name="Luiers maat 4")
    response = login(coordinator).post(
        reverse("voorraad:label_products"),
        {"layout": "a4-3x8", "skip": "0", f"copies-{product.pk}": "4", "scope": "selected"},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert 'id="label-errors"' in html
    assert f'name="copies-{product.pk}" value="4"' in html


def test_wrong_number_of_copies_is_refused(login, coordinator):
    product = ProductFactory()
    response = login(coordinator).post(
        reverse("voorraad:label_products"),
        {"selected": [product.pk], f"copies-{product.pk}": "lots", "layout": "a4-3x8"},
    )
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert 'id="label-errors"' in html
    assert f'id="select-{product.pk}" checked' in html


def test_only_parameter_ticks_the_one_record(login, coordinator, point):
    item = ItemFactory(location=point)
    ItemFactory(location=point)
    html = login(coordinator).get(reverse("voorraad:label_items"), {"only": item.pk})
    html = html.content.decode()
    assert html.count('name="selected"') == 1
    assert f'id="select-{item.pk}" checked' in html
