import pytest

from voorraad.navigation import sections


@pytest.mark.parametrize(
    ("path", "active"),
    [
        ("/voorraad/", "voorraad:stock_overview"),
        ("/voorraad/op-datum/", "voorraad:stock_overview"),
        ("/voorraad/labels/objecten/", "voorraad:label_products"),
        ("/voorraad/categorieen/", "voorraad:product_list"),
        ("/voorraad/objecttypes/", "voorraad:item_list"),
        ("/voorraad/correcties/nieuw/", "voorraad:movement_list"),
        ("/voorraad/schenkingen/3/", "voorraad:donation_list"),
    ],
)
def test_exactly_one_stock_section_is_active(path, active):
    marked = [section["name"] for section in sections(path) if section["active"]]
    assert marked == [active]
