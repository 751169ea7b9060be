"""Real threads against the real configured database (SQLite file in WAL mode with
BEGIN IMMEDIATE, or PostgreSQL when DATABASE_URL is set): the ledger and the balances
stay equal, a balance never goes below zero, and no writer fails on a lock.

Every thread uses its own connection (Django's connections are per thread) and closes
it at the end; a Barrier makes the threads start together.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.db import OperationalError, connection

from kern.errors import Conflict
from kern.roles import Role, sync_role_groups
from tests.factories import LocationFactory, UserFactory
from tests.voorraad.factories import DonorFactory, ProductFactory, SupplierFactory
from tests.voorraad.helpers import book, ledger_sum
from voorraad import selectors, services
from voorraad.models import Donation, StockLevel, StockMovement
from voorraad.services import CostLine, InsufficientStock, Line

pytestmark = pytest.mark.django_db(transaction=True)

JOIN_TIMEOUT = 60


@pytest.fixture
def actor(transactional_db):
    # A transactional test empties every table afterwards, the role groups made by the
    # migration included: make them again.
    sync_role_groups(apps)
    user = UserFactory(username="coordinator-threads", role=Role.COORDINATOR)
    assert user.has_perm("kern.manage_stock")  # fills the permission cache before sharing
    return user


@pytest.fixture
def places(transactional_db):
    return LocationFactory(name="Magazijn"), LocationFactory(name="Uitdeelpunt Zuid")


def run_together(work: Callable[..., Any], calls: Sequence[tuple]) -> list[tuple[str, Any]]:
    """Run ``work(*args)`` for every args tuple in its own thread, all starting at once.

    Returns, in call order, ``("ok", result)`` or ``("error", exception)``."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[tuple[str, Any]] = [("missing", None)] * len(calls)

    def thread_body(index: int, args: tuple) -> None:
        try:
            barrier.wait(timeout=JOIN_TIMEOUT)
            outcomes[index] = ("ok", work(*args))
        except BaseException as exc:  # collected and asserted on by the test
            outcomes[index] = ("error", exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=thread_body, args=(i, args), name=f"stock-writer-{i}")
        for i, args in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a writer thread hangs"
    return outcomes


def errors_of(outcomes) -> list[BaseException]:
    return [value for kind, value in outcomes if kind == "error"]


def on_hand(product, location) -> int:
    return selectors.level_of(product=product, location=location)


def test_the_test_database_behaves_like_production(transactional_db):
    """A file (not shared-cache memory) in WAL mode with a busy timeout and BEGIN
    IMMEDIATE on SQLite, so the threads below queue instead of failing at once."""
    if connection.vendor != "sqlite":
        assert connection.vendor == "postgresql"
        return

    def pragmas():
        with connection.cursor() as cursor:
            return (
                cursor.execute("PRAGMA journal_mode").fetchone()[0],
                cursor.execute("PRAGMA busy_timeout").fetchone()[0],
                connection.transaction_mode,
                connection.is_in_memory_db(),
                str(settings.DATABASES["default"]["NAME"]),
            )

    main = pragmas()
    assert main[:4] == ("wal", 20000, "IMMEDIATE", False)
    assert "memory" not in main[4]
    [(kind, in_thread)] = run_together(pragmas, [()])
    assert kind == "ok"
    assert in_thread == main


def test_twenty_threads_taking_one_pack_of_five_exactly_five_succeed(actor, places):
    store, _other = places
    diapers = ProductFactory(name="Luiers maat 3", pack_size=44)
    book(actor, store, (diapers, 5 * 44))

    def take_one_pack(number):
        return services.adjust_stock(
            actor=actor, product=diapers, location=store, quantity=-44, reason=f"uitdeling {number}"
        )

    outcomes = run_together(take_one_pack, [(n,) for n in range(20)])

    succeeded = [value for kind, value in outcomes if kind == "ok"]
    failed = errors_of(outcomes)
    assert len(succeeded) == 5, failed
    assert len(failed) == 15
    assert all(isinstance(exc, InsufficientStock) for exc in failed), failed
    assert on_hand(diapers, store) == 0
    assert ledger_sum(diapers, store) == 0
    assert StockMovement.objects.filter(product=diapers, quantity=-44).count() == 5
    assert services.reconcile() == []


def test_mixed_takes_intakes_and_transfers_keep_balance_equal_to_ledger_and_never_negative(
    actor, places
):
    store, point = places
    products = [ProductFactory(name="Billendoekjes", pack_size=1), ProductFactory(name="Zeep")]
    for product in products:
        book(actor, store, (product, 40))
        book(actor, point, (product, 40))
    rng = random.Random(20240917)
    plans = [
        [
            (
                rng.choice(["take", "take", "intake", "transfer"]),
                rng.choice(products),
                rng.choice(places),
                rng.randint(1, 25),
            )
            for _ in range(12)
        ]
        for _ in range(6)
    ]

    def writer(plan):
        done = []
        for action, product, location, units in plan:
            try:
                if action == "take":
                    services.adjust_stock(
                        actor=actor,
                        product=product,
                        location=location,
                        quantity=-units,
                        reason="uitdeling",
                    )
                elif action == "intake":
                    book(actor, location, (product, units))
                else:  # both directions at once: the lock order must not deadlock
                    other = point if location == store else store
                    services.transfer_stock(
                        actor=actor,
                        from_location=location,
                        to_location=other,
                        lines=[Line(product, units)],
                    )
                done.append((action, product.pk, location.pk, units))
            except InsufficientStock:
                done.append(("refused", product.pk, location.pk, units))
        return done

    outcomes = run_together(writer, [(plan,) for plan in plans])

    assert errors_of(outcomes) == []
    expected = {(p.pk, loc.pk): 40 for p in products for loc in places}
    for _kind, done in outcomes:
        for action, product_id, location_id, units in done:
            if action == "take":
                expected[product_id, location_id] -= units
            elif action == "intake":
                expected[product_id, location_id] += units
            elif action == "transfer":
                other_id = next(loc.pk for loc in places if loc.pk != location_id)
                expected[product_id, location_id] -= units
                expected[product_id, other_id] += units
    for product in products:
        for location in places:
            balance = on_hand(product, location)
            assert balance >= 0
            assert balance == ledger_sum(product, location)
            assert balance == expected[product.pk, location.pk]
    assert not StockLevel.objects.filter(on_hand__lt=0).exists()
    assert services.reconcile() == []


def test_eight_parallel_writers_never_fail_with_database_is_locked(actor, places):
    store, point = places
    products = [ProductFactory(name=f"Product {n}") for n in range(3)]

    def writer(number):
        rng = random.Random(number)
        for step in range(25):
            product = rng.choice(products)
            location = rng.choice(places)
            if step % 2:
                book(actor, location, (product, rng.randint(1, 9)))
            else:
                services.adjust_stock(
                    actor=actor,
                    product=product,
                    location=location,
                    quantity=rng.randint(1, 9),
                    reason=f"schrijver {number}",
                )
        return number

    outcomes = run_together(writer, [(n,) for n in range(8)])

    errors = errors_of(outcomes)
    assert not [exc for exc in errors if isinstance(exc, OperationalError)], errors
    assert errors == []
    assert StockMovement.objects.count() == 8 * 25
    assert services.reconcile() == []
    del store, point


def test_two_threads_reversing_the_same_movement_only_one_succeeds(actor, places):
    store, _point = places
    wipes = ProductFactory(name="Vochtige doekjes")
    book(actor, store, (wipes, 100))
    rounds = [
        services.adjust_stock(
            actor=actor, product=wipes, location=store, quantity=-n, reason="uitdeling"
        )
        for n in range(1, 6)
    ]

    for movement in rounds:
        outcomes = run_together(
            lambda m: services.reverse_movement(actor=actor, movement=m, reason="fout"),
            [(movement,), (movement,)],
        )
        kinds = sorted(kind for kind, _value in outcomes)
        assert kinds == ["error", "ok"], outcomes
        [error] = errors_of(outcomes)
        assert isinstance(error, Conflict), error
        assert StockMovement.objects.filter(reverses=movement).count() == 1

    assert on_hand(wipes, store) == 100
    assert services.reconcile() == []


def test_one_idempotency_key_used_by_two_threads_at_once_creates_one_donation(actor, places):
    store, _point = places
    wipes = ProductFactory(name="Luierzakjes")
    donor = DonorFactory()

    for attempt in range(4):
        key = f"scan-{attempt}"
        outcomes = run_together(
            lambda k: services.receive_donation(
                actor=actor,
                donor=donor,
                location=store,
                lines=[Line(wipes, 10)],
                idempotency_key=k,
            ),
            [(key,), (key,)],
        )
        assert errors_of(outcomes) == []
        donations = {value.pk for _kind, value in outcomes}
        assert donations == set(
            Donation.objects.filter(idempotency_key=key).values_list("pk", flat=True)
        )
        assert len(donations) == 1

    assert Donation.objects.count() == 4
    assert on_hand(wipes, store) == 40
    assert StockMovement.objects.count() == 4
    assert services.reconcile() == []


@pytest.mark.parametrize("service", ["transfer_stock", "adjust_stock", "record_purchase"])
def test_one_idempotency_key_used_by_two_threads_at_once_books_once(actor, places, service):
    store, point = places
    wipes = ProductFactory(name="Washandjes")
    supplier = SupplierFactory()
    book(actor, store, (wipes, 100))
    calls = {
        "transfer_stock": lambda key: services.transfer_stock(
            actor=actor,
            from_location=store,
            to_location=point,
            lines=[Line(wipes, 10)],
            idempotency_key=key,
        ),
        "adjust_stock": lambda key: services.adjust_stock(
            actor=actor,
            product=wipes,
            location=store,
            quantity=-10,
            reason="uitdeling",
            idempotency_key=key,
        ),
        "record_purchase": lambda key: services.record_purchase(
            actor=actor,
            supplier=supplier,
            location=store,
            lines=[CostLine(wipes, 10, Decimal("0.10"))],
            idempotency_key=key,
        ),
    }

    for attempt in range(3):
        key = f"{service}-{attempt}"
        outcomes = run_together(calls[service], [(key,), (key,)])
        assert errors_of(outcomes) == []
        assert len({value.pk for _kind, value in outcomes}) == 1

    expected = {"transfer_stock": 70, "adjust_stock": 70, "record_purchase": 130}[service]
    assert on_hand(wipes, store) == expected
    assert services.reconcile() == []


def test_first_intakes_of_a_new_product_at_once_all_count(actor, places):
    """Nobody has a balance row yet: one thread makes it, the others add to it."""
    store, _point = places
    for round_number in range(5):
        product = ProductFactory(name=f"Nieuw product {round_number}")
        outcomes = run_together(
            lambda units, p=product: services.adjust_stock(
                actor=actor, product=p, location=store, quantity=units, reason="gevonden"
            ),
            [(units,) for units in range(1, 7)],
        )
        assert errors_of(outcomes) == []
        assert on_hand(product, store) == sum(range(1, 7)) == ledger_sum(product, store)
    assert services.reconcile() == []
