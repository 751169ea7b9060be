"""The swap shop API, thinly: points_balance, earn_points and spend_points call the same
services as the counter; the Idempotency-Key replays; refusals are the services' Dutch
messages with a stable code."""

from __future__ import annotations

import pytest

from tests.api_client import bearer, post
from tests.voorraad.factories import CategoryFactory, ProductFactory
from toegang.models import Program
from uitlening.models import PointsEntry, PointsRate, PointsScheme

pytestmark = pytest.mark.django_db

API = "/api/v1/uitlening/points"


@pytest.fixture
def clothes(db):
    program = Program.objects.create(name="Ruilwinkel", kind="ruilwinkel", open_to_all=True)
    PointsScheme.objects.create(program=program, spend_cap=50, expiry_days=30)
    category = CategoryFactory(name="Kleding")
    PointsRate.objects.create(category=category, earn_points=10, spend_points=12)
    return ProductFactory(name="Kledingpakket", pack_size=1, category=category)


def body(point, family, product, quantity):
    return {
        "location_id": point.pk,
        "household_code": family.code,
        "product_id": product.pk,
        "quantity": quantity,
    }


def test_earn_spend_and_read_the_balance_with_replays(client, volunteer, point, family, clothes):
    headers = bearer(volunteer)
    earned = post(
        client,
        f"{API}/earn",
        body(point, family, clothes, 3),
        {**headers, "HTTP_IDEMPOTENCY_KEY": "e-1"},
    )
    assert earned.status_code == 201, earned.content
    assert earned.json()["balance_after"] == 30 and earned.json()["kind"] == "verdiend"
    replay = post(
        client,
        f"{API}/earn",
        body(point, family, clothes, 3),
        {**headers, "HTTP_IDEMPOTENCY_KEY": "e-1"},
    )
    assert replay["Idempotent-Replay"] == "true" and replay.json()["id"] == earned.json()["id"]
    spent = post(client, f"{API}/spend", body(point, family, clothes, 1), headers)
    assert spent.status_code == 201 and spent.json()["balance_after"] == 18
    read = client.get(API, {"location_id": point.pk, "household_code": family.code}, **headers)
    assert read.status_code == 200
    assert read.json() == {
        "household_code": family.code,
        "balance": 18,
        "usable": 18,
        "expiring_soon": 18,
        "expiring_on": read.json()["expiring_on"],
        "spend_cap": 50,
        "spend_cap_left": 38,
    }
    assert PointsEntry.objects.count() == 2


def test_spending_more_than_the_balance_is_a_409_in_dutch(
    client, volunteer, point, family, clothes
):
    answer = post(client, f"{API}/spend", body(point, family, clothes, 1), bearer(volunteer))
    assert answer.status_code == 409
    assert answer.json()["code"] == "points_insufficient"
    assert family.code in answer.json()["detail"] and "0 punten" in answer.json()["detail"]


def test_a_volunteer_reads_points_only_at_their_own_point(
    client, volunteer, other_point, family, clothes
):
    read = client.get(
        API, {"location_id": other_point.pk, "household_code": family.code}, **bearer(volunteer)
    )
    assert read.status_code == 403
