"""``Idempotency-Key`` under real concurrency: 16 threads send one request (same key,
same body) through the whole Django stack against the configured database (SQLite file in
WAL mode with BEGIN IMMEDIATE, or PostgreSQL when DATABASE_URL is set), each thread on its
own connection. Every answer must be the first one, and the work must be done once."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from kern import idempotency
from kern import services as kern_services
from kern.errors import Conflict
from kern.models import IdempotencyRecord
from kern.roles import Role, sync_role_groups
from tests.factories import LocationFactory, UserFactory
from tests.voorraad.factories import DonorFactory, ProductFactory
from voorraad import services
from voorraad.models import StockMovement

THREADS = 16
ROUNDS = 5
JOIN_TIMEOUT = 90


def together(work: Callable[[], Any], count: int) -> list[Any]:
    """Run ``work()`` in ``count`` threads that start at once; return what each gave
    back (or the exception it raised), in thread order."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def body(index: int) -> None:
        try:
            barrier.wait(timeout=JOIN_TIMEOUT)
            results[index] = work()
        except BaseException as exc:  # asserted on by the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a request thread hangs"
    return results


@pytest.mark.django_db(transaction=True)
def test_sixteen_concurrent_retries_of_taking_the_last_packs_all_get_the_first_answer():
    # A transactional test empties every table afterwards, the role groups included.
    sync_role_groups(apps)
    coordinator = UserFactory(username="coordinator-retries", role=Role.COORDINATOR)
    token = kern_services.create_api_token(
        actor=coordinator, owner=coordinator, name="balie"
    ).plaintext
    store = LocationFactory(name="Uitdeelpunt Centrum")
    diapers = ProductFactory(name="Luiers maat 4", pack_size=44)

    for round_number in range(ROUNDS):
        services.receive_donation(
            actor=coordinator,
            donor=DonorFactory(),
            location=store,
            lines=[services.Line(diapers, 3 * 44)],
        )
        key = f"take-last-packs-{round_number}"
        body = json.dumps(
            {
                "product_id": diapers.pk,
                "location_id": store.pk,
                "quantity": -3,
                "unit": "pack",
                "reason": "uitdeling",
            }
        )

        def take_the_last_packs(body: str = body, key: str = key) -> tuple[int, Any, str | None]:
            response = Client().post(
                "/api/v1/voorraad/adjustments",
                body,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
                HTTP_IDEMPOTENCY_KEY=key,
            )
            return response.status_code, response.json(), response.get("Idempotent-Replay")

        answers = together(take_the_last_packs, THREADS)

        crashed = [a for a in answers if isinstance(a, BaseException)]
        assert not crashed, f"round {round_number}: {crashed[:3]}"
        firsts = [a for a in answers if a[2] is None]
        assert len(firsts) == 1, f"round {round_number}: {len(firsts)} answers are not replays"
        status, first_body, _replay = firsts[0]
        assert status == 201, f"round {round_number}: {first_body}"
        assert all((a[0], a[1]) == (status, first_body) for a in answers), (
            f"round {round_number}: {sorted({(a[0], json.dumps(a[1])) for a in answers})}"
        )
        assert sum(a[2] == "true" for a in answers) == THREADS - 1
        assert services.level_of(product=diapers, location=store) == 0
        assert StockMovement.objects.filter(product=diapers, quantity=-3 * 44).count() == (
            round_number + 1
        )
    assert IdempotencyRecord.objects.filter(user=coordinator).count() == ROUNDS
    assert services.reconcile() == []


# --- run_once on its own ----------------------------------------------------------------


def test_a_retry_gets_the_first_answer_and_does_nothing(db, coordinator):
    calls = []

    def perform():
        calls.append(1)
        return 201, {"n": len(calls)}

    first = idempotency.run_once(
        user=coordinator, key="k", operation="op", payload={"a": 1}, perform=perform
    )
    again = idempotency.run_once(
        user=coordinator, key=" k ", operation="op", payload={"a": 1}, perform=perform
    )
    assert first == (201, {"n": 1}, False)
    assert again == (201, {"n": 1}, True)
    assert len(calls) == 1


def test_the_same_key_for_another_request_is_a_conflict(db, coordinator):
    idempotency.run_once(
        user=coordinator, key="k", operation="op", payload={"a": 1}, perform=lambda: (200, {})
    )
    with pytest.raises(Conflict) as refused:
        idempotency.run_once(
            user=coordinator, key="k", operation="op", payload={"a": 2}, perform=lambda: (200, {})
        )
    assert refused.value.code == "idempotency_key_reused"


def test_a_refused_request_keeps_no_answer_so_a_retry_is_tried_afresh(db, coordinator):
    def refuse():
        raise Conflict("nog niet")

    with pytest.raises(Conflict):
        idempotency.run_once(user=coordinator, key="k", operation="op", payload={}, perform=refuse)
    assert not IdempotencyRecord.objects.exists()
    assert idempotency.run_once(
        user=coordinator, key="k", operation="op", payload={}, perform=lambda: (201, {"ok": 1})
    ) == (201, {"ok": 1}, False)


def test_a_blank_key_is_no_key(db, coordinator):
    calls = []

    def perform():
        calls.append(1)
        return 200, {}

    for _ in range(2):
        idempotency.run_once(
            user=coordinator, key="  ", operation="op", payload={}, perform=perform
        )
    assert len(calls) == 2
    assert not IdempotencyRecord.objects.exists()
