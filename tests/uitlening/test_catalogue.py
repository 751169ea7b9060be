"""The public catalogue: without login, counts per point and size, nothing about any
household, cacheable (public Cache-Control, no cookie, no Vary on Cookie)."""

from __future__ import annotations

import pytest

from tests.factories import OpeningHoursFactory
from tests.voorraad.factories import ItemFactory
from uitlening.services import checkout_loan, reserve_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(volunteer, point, family, other_family, bike_type, small_bike):
    bike_type.description = "Een kinderfiets die meegroeit."
    bike_type.save()
    ItemFactory(item_type=bike_type, name='Cortina 20"', size='20"', location=point)
    checkout_loan(
        actor=volunteer,
        location=point,
        household=family,
        item=small_bike,
        accessories=[],
        condition="goed",
        deposit_payment="cash",
    )
    reserve_item(
        actor=volunteer, household=other_family, item_type=bike_type, size='16"', location=point
    )
    OpeningHoursFactory(location=point)
    return point


def test_the_catalogue_shows_without_login_what_is_there_and_what_comes_back(client, shelf):
    response = client.get("/catalogus/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Een kinderfiets die meegroeit." in html
    assert 'data-size="20&quot;" data-available="1"' in html
    assert 'data-size="16&quot;" data-available="0" data-waiting="1"' in html
    assert "Fietsbib" in html


def test_the_catalogue_names_no_household_and_no_date_of_a_loan(
    client, shelf, family, other_family
):
    html = client.get(f"/catalogus/{shelf.pk}/").content.decode()
    assert family.code not in html
    assert other_family.code not in html
    loan_due = family.loans.get().due_on
    assert loan_due.strftime("%d/%m/%Y") not in html
    assert loan_due.isoformat() not in html


def test_the_catalogue_is_cacheable_by_anyone(client, shelf):
    response = client.get("/catalogus/")
    assert "public" in response["Cache-Control"]
    assert "max-age=" in response["Cache-Control"]
    assert "Cookie" not in response.get("Vary", "")
    assert not response.cookies
    assert "<script" not in response.content.decode()


def test_the_catalogue_of_an_unknown_point_is_a_404(client, db):
    assert client.get("/catalogus/999999/").status_code == 404


def test_the_catalogue_takes_few_queries(client, shelf, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        client.get("/catalogus/")
