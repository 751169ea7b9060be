"""The public catalogue: without login, counts per point and size, nothing about any
household, cacheable (public Cache-Control, no cookie, no Vary on Cookie)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.factories import OpeningHoursFactory
from tests.voorraad.factories import ItemFactory
from uitlening.services import checkout_loan, reserve_item
from voorraad.models import Item

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    # Ids repeat after a test's rollback, and with them the page's cache stamp.
    cache.clear()
    yield
    cache.clear()


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


def test_the_catalogue_takes_few_queries_and_fewer_when_cached(
    client, shelf, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):  # the stamp (2) and the page (6)
        client.get("/catalogus/")
    with django_assert_max_num_queries(2):
        client.get("/catalogus/")


def test_a_cached_catalogue_shows_a_change_at_once(client, shelf, volunteer, third_family_bike):
    before = client.get("/catalogus/").content.decode()
    assert 'data-size="20&quot;" data-available="1"' in before
    checkout_loan(
        actor=volunteer,
        location=shelf,
        household=third_family_bike,
        item=Item.objects.get(size='20"'),
        accessories=[],
        condition="goed",
        deposit_payment="cash",
    )
    after = client.get("/catalogus/").content.decode()
    assert 'data-size="20&quot;" data-available="0"' in after


@pytest.fixture
def third_family_bike(db, fietsbib):
    from tests.toegang.factories import HouseholdFactory, ReferralFactory

    household = HouseholdFactory()
    ReferralFactory(household=household, programs=[fietsbib])
    return household
