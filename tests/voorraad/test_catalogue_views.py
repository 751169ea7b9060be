"""Catalogue screens: categories, products, item types, items and their status."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.voorraad.factories import (
    CategoryFactory,
    ItemFactory,
    ItemTypeFactory,
    ProductFactory,
    ean13,
)
from voorraad.models import Category, Item, ItemEvent, ItemType, MinimumLevel, Product
from voorraad.services import describe_units

EAN_A = ean13("541001310123")
EAN_B = ean13("871234567890")


@pytest.fixture
def catalogue(db, point):
    product = ProductFactory(name="Luiers maat 4", pack_size=44)
    item = ItemFactory(name="Joolz Hub", location=point)
    return {"product": product, "item": item}


def pages(catalogue) -> list[str]:
    product, item = catalogue["product"], catalogue["item"]
    return [
        reverse("voorraad:category_list"),
        reverse("voorraad:product_list"),
        reverse("voorraad:product_create"),
        reverse("voorraad:product_detail", args=[product.pk]),
        reverse("voorraad:product_edit", args=[product.pk]),
        reverse("voorraad:itemtype_list"),
        reverse("voorraad:item_list"),
        reverse("voorraad:item_create"),
        reverse("voorraad:item_detail", args=[item.pk]),
        reverse("voorraad:item_edit", args=[item.pk]),
    ]


def test_every_catalogue_page_opens_for_a_coordinator(login, coordinator, catalogue):
    client = login(coordinator)
    for url in pages(catalogue):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert 'class="subnav"' in html, url
        assert "style=" not in html, url  # strict CSP: not even in the barcode SVG
        assert "<script>" not in html, url


def test_catalogue_pages_are_forbidden_for_a_volunteer(login, volunteer, catalogue):
    client = login(volunteer)
    for url in pages(catalogue):
        assert client.get(url).status_code == 403, url
    item = catalogue["item"]
    response = client.post(
        reverse("voorraad:item_status", args=[item.pk]), {"status": "herstelling"}
    )
    assert response.status_code == 403


def test_category_is_added_inline(login, coordinator):
    response = login(coordinator).post(reverse("voorraad:category_list"), {"name": " Luiers "})
    assert response.status_code == 302
    assert Category.objects.filter(name="Luiers").exists()


def product_post(category, point, **overrides) -> dict:
    data = {
        "name": "Luiers maat 5",
        "category": category.pk,
        "unit_name": "stuk",
        "pack_size": "44",
        "value_per_unit": "0,25",
        "is_active": "on",
        "notes": "",
        "gtins": f"{EAN_A}\n{EAN_B} x22\n",
        f"minimum_{point.pk}": "88",
    }
    data.update(overrides)
    return data


def test_product_is_created_with_two_eans_and_a_minimum(login, coordinator, point):
    category = CategoryFactory(name="Luiers")
    response = login(coordinator).post(
        reverse("voorraad:product_create"), product_post(category, point)
    )
    product = Product.objects.get(name="Luiers maat 5")
    assert response.status_code == 302
    assert response["Location"] == reverse("voorraad:product_detail", args=[product.pk])
    assert str(product.value_per_unit) == "0.2500"
    assert dict(product.barcodes.values_list("gtin", "units")) == {EAN_A: 44, EAN_B: 22}
    assert MinimumLevel.objects.get(product=product, location=point).minimum_units == 88


def test_editing_keeps_eans_in_the_textarea_and_replaces_them(login, coordinator, point):
    category = CategoryFactory(name="Luiers")
    client = login(coordinator)
    client.post(reverse("voorraad:product_create"), product_post(category, point))
    product = Product.objects.get(name="Luiers maat 5")
    edit = reverse("voorraad:product_edit", args=[product.pk])
    html = client.get(edit).content.decode()
    assert EAN_A in html and f"{EAN_B} x22" in html
    client.post(edit, product_post(category, point, gtins=EAN_B, **{f"minimum_{point.pk}": ""}))
    assert dict(product.barcodes.values_list("gtin", "units")) == {EAN_B: 44}
    assert not MinimumLevel.objects.filter(product=product).exists()


def test_invalid_ean_reshows_the_form_with_what_was_typed(login, coordinator, point):
    category = CategoryFactory(name="Luiers")
    wrong = EAN_A[:-1] + str((int(EAN_A[-1]) + 1) % 10)
    response = login(coordinator).post(
        reverse("voorraad:product_create"),
        product_post(category, point, name="Luiers maat 6 (test)", gtins=f"{EAN_B}\n{wrong}"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert not Product.objects.exists()
    assert 'value="Luiers maat 6 (test)"' in html
    assert wrong in html
    assert 'class="field has-error" data-field="gtins"' in html


def test_ean_of_another_product_is_refused_at_the_ean_field(login, coordinator, point):
    other = ProductFactory(name="Luiers maat 3")
    other.barcodes.create(gtin=EAN_A, units=1)
    category = CategoryFactory(name="Luiers")
    response = login(coordinator).post(
        reverse("voorraad:product_create"), product_post(category, point)
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="field has-error" data-field="gtins"' in html
    assert "Luiers maat 3" in html  # the service's message names the owner
    assert not Product.objects.filter(name="Luiers maat 5").exists()
    assert reverse("voorraad:product_list") in html  # still a "new product" form
    assert list(other.barcodes.values_list("gtin", flat=True)) == [EAN_A]


def test_product_list_filters_by_category_and_name(login, coordinator):
    diapers, wipes = CategoryFactory(name="Luiers"), CategoryFactory(name="Doekjes")
    ProductFactory(name="Luiers maat 4", category=diapers)
    ProductFactory(name="Luiers maat 5", category=diapers)
    ProductFactory(name="Vochtige doekjes", category=wipes)
    client = login(coordinator)
    html = client.get(reverse("voorraad:product_list"), {"category": wipes.pk}).content.decode()
    assert "Vochtige doekjes" in html and "Luiers maat 4" not in html
    html = client.get(reverse("voorraad:product_list"), {"q": "maat 5"}).content.decode()
    assert "Luiers maat 5" in html and "Luiers maat 4" not in html


def test_product_list_query_count_does_not_grow_with_products(
    login, coordinator, django_assert_max_num_queries
):
    client = login(coordinator)
    url = reverse("voorraad:product_list")
    client.get(url)  # warm up per-process caches

    def measure() -> int:
        with django_assert_max_num_queries(15) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    category = CategoryFactory()
    for n in range(5):
        product = ProductFactory(category=category)
        product.barcodes.create(gtin=ean13(f"54000000{n:04d}"))
    few = measure()
    for n in range(5, 40):
        product = ProductFactory(category=CategoryFactory())
        product.barcodes.create(gtin=ean13(f"54000000{n:04d}"))
    many = measure()
    assert few == many


def test_product_detail_shows_barcode_eans_and_stock(login, coordinator, point):
    from voorraad.models import StockLevel

    product = ProductFactory(name="Luiers maat 4", pack_size=44)
    product.barcodes.create(gtin=EAN_A, units=44)
    StockLevel.objects.create(product=product, location=point, on_hand=93)
    MinimumLevel.objects.create(product=product, location=point, minimum_units=100)
    html = login(coordinator).get(reverse("voorraad:product_detail", args=[product.pk]))
    html = html.content.decode()
    assert f'data-code="{product.code}"' in html and "<svg" in html
    assert f'data-gtin="{EAN_A}"' in html
    assert describe_units(product, 93) in html
    assert 'class="low"' in html  # 93 is under the minimum of 100
    assert f"?only={product.pk}" in html


def test_item_type_is_added_with_default_accessories(login, coordinator):
    category = CategoryFactory(name="Babytheek")
    response = login(coordinator).post(
        reverse("voorraad:itemtype_list"),
        {
            "name": "Autostoel groep 0+",
            "category": category.pk,
            "safety": ItemType.Safety.CAR_SEAT,
            "default_accessories": "zonnekap, , verkleinkussen",
        },
    )
    assert response.status_code == 302
    item_type = ItemType.objects.get(name="Autostoel groep 0+")
    assert item_type.safety == "autostoel"
    assert item_type.default_accessories == ["zonnekap", "verkleinkussen"]


def test_item_is_created_with_accessories_and_history(login, coordinator, point):
    item_type = ItemTypeFactory(
        safety=ItemType.Safety.CAR_SEAT, default_accessories=["zonnekap", "verkleinkussen"]
    )
    client = login(coordinator)
    html = client.get(reverse("voorraad:item_create"), {"item_type": item_type.pk})
    assert 'value="zonnekap"' in html.content.decode()
    response = client.post(
        reverse("voorraad:item_create"),
        {
            "item_type": item_type.pk,
            "name": "Maxi-Cosi Pebble",
            "size": "0–13 kg",
            "location": point.pk,
            "accessory_choices": ["zonnekap"],
            "accessory_extra": "handleiding, regenhoes",
            "approval": "R129",
            "manufactured_on": "2023-05-01",
            "end_of_life_on": "2033-05-01",
        },
    )
    item = Item.objects.get(name="Maxi-Cosi Pebble")
    assert response.status_code == 302
    assert item.accessories == ["zonnekap", "handleiding", "regenhoes"]
    assert item.status == Item.Status.AVAILABLE
    assert item.events.count() == 1


def test_accessories_follow_the_chosen_type_through_htmx(login, coordinator):
    item_type = ItemTypeFactory(default_accessories=["oplader"])
    response = login(coordinator).get(
        reverse("voorraad:item_create"),
        {"item_type": item_type.pk, "accessory_extra": "muis"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="accessories"')
    assert 'value="oplader"' in html and "checked" in html
    assert 'value="muis"' in html


def test_item_list_filters_by_status(login, coordinator, point):
    ItemFactory(name="Fiets 20 inch", location=point, status=Item.Status.ON_LOAN)
    ItemFactory(name="Buggy", location=point)
    html = login(coordinator).get(reverse("voorraad:item_list"), {"status": "uitgeleend"})
    html = html.content.decode()
    assert "Fiets 20 inch" in html and "Buggy" not in html
    assert 'data-status="uitgeleend"' in html


def test_status_change_through_the_view_writes_an_item_event(login, coordinator, point):
    item = ItemFactory(location=point)
    response = login(coordinator).post(
        reverse("voorraad:item_status", args=[item.pk]),
        {"status": Item.Status.IN_REPAIR, "note": "band plat"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("voorraad:item_detail", args=[item.pk])
    item.refresh_from_db()
    assert item.status == Item.Status.IN_REPAIR
    event = ItemEvent.objects.get(item=item)
    assert (event.from_status, event.to_status, event.note) == (
        "beschikbaar",
        "herstelling",
        "band plat",
    )
    assert event.user == coordinator


def test_crashed_car_seat_cannot_be_made_available(login, coordinator, point):
    car_seat = ItemTypeFactory(safety=ItemType.Safety.CAR_SEAT)
    item = ItemFactory(
        item_type=car_seat,
        location=point,
        status=Item.Status.IN_REPAIR,
        crashed=True,
        approval="R129",
    )
    client = login(coordinator)
    response = client.post(
        reverse("voorraad:item_status", args=[item.pk]),
        {"status": Item.Status.AVAILABLE},
        follow=True,
    )
    html = response.content.decode()
    assert 'class="message error"' in html
    assert 'id="safety-problem"' in html
    item.refresh_from_db()
    assert item.status == Item.Status.IN_REPAIR
    assert not ItemEvent.objects.filter(item=item).exists()
