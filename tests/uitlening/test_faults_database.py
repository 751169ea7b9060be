"""The database failing in the middle of a counter write: a hand-out of several lines and
a loan exchange (a return and a loan in one go). Whatever fails, nothing is half-written
(ledger, balances, loans, items, visits, idempotency records as before), the person gets
a Dutch "nothing was saved" instead of a server error, the counter keeps its basket, and
trying again records it once. The fault is injected with ``tests.faults.fail_on``: the
third ledger INSERT (or the new loan's INSERT) raises ``OperationalError``, as a lost
connection or a full disk would."""

from __future__ import annotations

import json

import pytest
from django.db import OperationalError

from kern.models import AuditEntry, IdempotencyRecord
from tests.api_client import bearer, post
from tests.faults import fail_on
from tests.uitlening.test_api_counter import key, lent
from tests.uitlening.test_counter_views import HX, basket, counter, product_line, state_of
from tests.voorraad.factories import CategoryFactory, ProductFactory
from tests.voorraad.helpers import book
from uitlening.models import Distribution, DistributionLine, Loan, Visit
from uitlening.selectors import ProductLine
from uitlening.services import confirm_visit
from voorraad.models import Item, StockLevel, StockMovement

pytestmark = pytest.mark.django_db
__all__ = ["counter"]  # the fixture of the counter view tests, used here too

API = "/api/v1/uitlening"
NOTHING_SAVED = "niets bewaard"


def snapshot() -> dict:
    """Everything a counter write may touch, to compare before and after a failure."""
    return {
        "movements": StockMovement.objects.count(),
        "balances": sorted(StockLevel.objects.values_list("product_id", "location_id", "on_hand")),
        "visits": Visit.objects.count(),
        "distributions": Distribution.objects.count(),
        "lines": DistributionLine.objects.count(),
        "loans": sorted(
            Loan.objects.values_list("pk", "item_id", "returned_at", "exchanged_from_id")
        ),
        "items": sorted(Item.objects.values_list("pk", "status", "location_id")),
        "idempotency": IdempotencyRecord.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


@pytest.fixture
def three_products(point, stock_keeper, diapers, pamperbank):
    """Three products of the pamperbank in stock: a hand-out of three ledger lines."""
    more = [
        ProductFactory(name=name, pack_size=1, category=CategoryFactory(name="Luiers"))
        for name in ("Billendoekjes", "Zalf")
    ]
    for product in more:
        book(stock_keeper, point, (product, 10))
    return [diapers, *more]


def test_the_third_ledger_write_of_a_hand_out_failing_writes_nothing(
    volunteer, point, family, three_products
):
    before = snapshot()
    with (
        fail_on("voorraad_stockmovement", nth=3) as fault,
        pytest.raises(OperationalError) as caught,
    ):
        confirm_visit(
            actor=volunteer,
            location=point,
            household=family,
            lines=[ProductLine(product=p, packs=1) for p in three_products],
            idempotency_key="hand-out-1",
            source="test",
        )
    assert fault.raised == 1 and "injected fault" in str(caught.value)
    assert snapshot() == before


def test_a_hand_out_failing_at_the_counter_is_a_dutch_503_and_the_retry_records_once(
    counter, point, family, three_products
):
    before = snapshot()
    posted = {
        "basket": basket(family, [product_line(p, 1) for p in three_products], key="basket-7")
    }
    with fail_on("voorraad_stockmovement", nth=3):
        failed = counter.post(f"/balie/{point.pk}/bevestig/", posted, **HX)
    # 503: the counter's script keeps the basket in the browser and tries again itself.
    assert failed.status_code == 503
    assert NOTHING_SAVED in failed.content.decode()
    assert failed["Retry-After"] and "no-store" in failed["Cache-Control"]
    assert snapshot() == before

    again = counter.post(f"/balie/{point.pk}/bevestig/", posted, **HX)
    assert again.status_code == 200
    assert 'data-scan-outcome="confirmed"' in again.content.decode()
    assert state_of(again)["lines"] == []
    assert Distribution.objects.count() == 1 and DistributionLine.objects.count() == 3
    assert StockMovement.objects.count() == before["movements"] + 3


def test_a_hand_out_failing_through_the_api_is_a_503_and_the_same_key_records_once(
    client, volunteer, point, family, three_products
):
    body = {
        "location_id": point.pk,
        "household_code": family.code,
        "products": [{"product_id": p.pk, "packs": 1} for p in three_products],
    }
    headers = key(bearer(volunteer), "api-basket-1")
    before = snapshot()
    with fail_on("voorraad_stockmovement", nth=3):
        failed = post(client, f"{API}/visits", body, headers)
    assert failed.status_code == 503
    assert failed.json()["code"] == "database_error"
    assert NOTHING_SAVED in failed.json()["detail"]
    assert snapshot() == before

    again = post(client, f"{API}/visits", body, headers)
    assert again.status_code == 201, again.content
    assert Distribution.objects.count() == 1 and Visit.objects.count() == 1


@pytest.mark.parametrize(("table", "nth"), [("uitlening_loan", 1), ("voorraad_itemevent", 2)])
def test_a_loan_exchange_failing_halfway_keeps_the_old_loan_open_and_the_items_as_they_were(
    client, volunteer, point, family, small_bike, big_bike, table, nth
):
    old = lent(volunteer, point, family, small_bike)
    body = {
        "location_id": point.pk,
        "back": {"condition": "goed"},
        "out": {"item_id": big_bike.pk, "condition": "goed", "deposit_payment": "cash"},
    }
    headers = key(bearer(volunteer), f"swap-{table}")
    before = snapshot()
    # The return is written first; the failure comes with the new loan (or its history).
    with fail_on(table, nth=nth) as fault:
        failed = post(client, f"{API}/loans/{old.pk}/exchange", body, headers)
    assert fault.raised == 1
    assert failed.status_code == 503 and failed.json()["code"] == "database_error"
    assert snapshot() == before
    old.refresh_from_db()
    assert old.returned_at is None
    assert Item.objects.get(pk=small_bike.pk).status == Item.Status.ON_LOAN
    assert Item.objects.get(pk=big_bike.pk).status == Item.Status.AVAILABLE

    again = post(client, f"{API}/loans/{old.pk}/exchange", body, headers)
    assert again.status_code == 201, again.content
    assert Loan.objects.filter(returned_at__isnull=True).get().item_id == big_bike.pk


def test_a_loan_exchange_at_the_counter_failing_keeps_the_basket_for_the_retry(
    counter, volunteer, point, family, small_bike, big_bike
):
    lent(volunteer, point, family, small_bike)
    lines = [
        {"kind": "return", "id": small_bike.pk, "label": small_bike.name, "condition": "goed"},
        {
            "kind": "loan",
            "id": big_bike.pk,
            "label": big_bike.name,
            "condition": "goed",
            "payment": "cash",
            "replaces": small_bike.pk,
        },
    ]
    posted = {"basket": basket(family, lines, key="swap-basket")}
    before = snapshot()
    with fail_on("uitlening_loan", nth=1):
        failed = counter.post(f"/balie/{point.pk}/bevestig/", posted, **HX)
    assert failed.status_code == 503 and NOTHING_SAVED in failed.content.decode()
    assert snapshot() == before
    again = counter.post(f"/balie/{point.pk}/bevestig/", posted, **HX)
    assert again.status_code == 200, again.content.decode()[:2000]
    assert Loan.objects.filter(returned_at__isnull=True).get().item_id == big_bike.pk
    assert json.loads(posted["basket"])["key"] == "swap-basket"
