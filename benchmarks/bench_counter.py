"""Counter hot paths (issue 8) on the large dataset: a million ledger rows (bench_stock's
generator), 20,000 households with a child and a referral, 10,000 lendable items.

Measured at the service/selector level the counter screen and the API both call:
check-in by scan (resolve the code, ``check_in_by``, the household panel), a product
scan into the basket (resolve the code, ``price_basket`` of a 3-line basket), confirm of
a 3-line distribution (``confirm_visit``), loan check-out and check-in
(``checkout_loan``, ``return_loan``). First one counter, then 8 counters at once
(threads, each with its own database connection, on the same SQLite file in WAL mode).
Each write uses a household (and an item) nobody used before, as at a real counter."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from benchmarks.harness import Measurement

HOUSEHOLDS = 20_000
ITEMS = 10_000
COUNTERS = 8
PER_COUNTER = 40  # visits per counter in the parallel run
# The paced run: a counter pauses 0-100 ms between actions (a volunteer takes seconds;
# this is still a busier point than any real one), against the saturated run (none).
PACE_MS = 100


def generate_counter_data() -> dict[str, Any]:
    """Households with a baby and a referral for the pamperbank and the babytheek,
    items of a bench type in a category the babytheek lends, three diaper products the
    pamperbank hands out with plenty of stock at the point."""
    from benchmarks.bench_stock import ROWS, generate_ledger
    from kern.models import Location, User
    from toegang.models import Child, Household, Program, Referral
    from uitlening.models import Membership, ProgramCategory
    from voorraad import services as stock
    from voorraad.models import Category, Item, ItemType, Product, StockMovement

    started = time.perf_counter()
    if StockMovement.objects.count() < ROWS:  # bench_stock made it already in a full run
        generate_ledger()
    point = Location.objects.get(name="Uitdeelpunt Centrum")
    social_worker = User.objects.get(username="maatschappelijkwerker")
    coordinator = User.objects.get(username="coordinator")
    pamperbank = Program.objects.get(name="Pamperbank")
    babytheek = Program.objects.get(name="Babytheek")
    diapers_category, _ = Category.objects.get_or_create(name="Bench luiers")
    lend_category, _ = Category.objects.get_or_create(name="Bench babymateriaal")
    ProgramCategory.objects.get_or_create(program=pamperbank, category=diapers_category)
    ProgramCategory.objects.get_or_create(program=babytheek, category=lend_category)
    products = [
        Product.objects.get_or_create(
            name=f"Bench luiers maat {size}",
            defaults={"category": diapers_category, "pack_size": 30},
        )[0]
        for size in (3, 4, 5)
    ]
    for product in products:
        stock.adjust_stock(
            actor=coordinator,
            product=product,
            location=point,
            quantity=100_000,  # the most one line takes; 3,333 packs
            reason="bench",
        )
    item_type, _ = ItemType.objects.get_or_create(
        name="Bench kinderwagen", defaults={"category": lend_category}
    )

    today = timezone.localdate()
    baby = today - dt.timedelta(days=300)
    with transaction.atomic():
        households = Household.objects.bulk_create(
            [
                Household(postcode="9000", municipality=point.municipality, adults=1)
                for _ in range(HOUSEHOLDS)
            ],
            batch_size=2000,
        )
        if households[0].pk is None:  # a backend that does not return ids
            households = list(Household.objects.order_by("-id")[:HOUSEHOLDS])[::-1]
        Child.objects.bulk_create(
            [Child(household=h, birth_year=baby.year, birth_month=baby.month) for h in households],
            batch_size=2000,
        )
        referrals = Referral.objects.bulk_create(
            [
                Referral(
                    household=h,
                    issued_by=social_worker,
                    organisation=social_worker.organisation,
                    valid_from=today - dt.timedelta(days=10),
                    valid_until=today + dt.timedelta(days=300),
                )
                for h in households
            ],
            batch_size=2000,
        )
        through = Referral.programs.through
        through.objects.bulk_create(
            [
                through(referral_id=r.pk, program_id=p.pk)
                for r in referrals
                for p in (pamperbank, babytheek)
            ],
            batch_size=4000,
        )
        # The babytheek may ask a membership fee: every bench family is a member.
        Membership.objects.bulk_create(
            [
                Membership(
                    household=h,
                    program=babytheek,
                    location=point,
                    valid_from=today - dt.timedelta(days=10),
                    valid_until=today + dt.timedelta(days=354),
                    fee_kind=Membership.FeeKind.SOCIAL,
                    amount=babytheek.membership_fee_social,
                    payment=Membership.Payment.CASH,
                    recorded_by=coordinator,
                )
                for h in households
            ],
            batch_size=2000,
        )
        items = Item.objects.bulk_create(
            [
                Item(item_type=item_type, name=f"Bench buggy {n}", location=point)
                for n in range(ITEMS)
            ],
            batch_size=2000,
        )
    return {
        "point": point,
        "products": products,
        "households": households,
        "items": items,
        "seconds": round(time.perf_counter() - started, 1),
    }


class Counter:
    """One counter at the point: what a volunteer does for a family, step by step."""

    def __init__(self, data: dict[str, Any], households: Iterator[Any], items: Iterator[Any]):
        from kern.models import User

        self.point = data["point"]
        self.products = data["products"]
        self.households = households
        self.items = items
        self.volunteer = User.objects.get(username="vrijwilliger")
        self.loans: list[Any] = []

    def check_in_scan(self, household: Any) -> None:
        from uitlening import selectors, services

        scan = selectors.resolve_scan(user=self.volunteer, raw=household.code)
        checked_in = services.check_in_scan(
            actor=self.volunteer, location=self.point, scan=scan, raw=household.code, source="bench"
        )
        assert checked_in is not None and checked_in.any_allowed
        selectors.household_panel(household=household, location=self.point, checked_in=checked_in)

    def product_scan(self, household: Any) -> None:
        from uitlening import selectors

        scan = selectors.resolve_scan(user=self.volunteer, raw=self.products[2].code)
        assert scan.kind == "product"
        preview = selectors.price_basket(
            household=household,
            location=self.point,
            lines=[selectors.ProductLine(product=p, packs=1) for p in self.products],
            actor=self.volunteer,
        )
        assert preview.can_confirm, preview.refusals

    def confirm(self, household: Any) -> None:
        from uitlening import services

        result = services.confirm_visit(
            actor=self.volunteer,
            location=self.point,
            household=household,
            lines=[services.ProductLine(product=p, packs=1) for p in self.products],
            idempotency_key=f"bench-{household.pk}",
            source="bench",
        )
        assert result.distribution is not None

    def checkout(self, household: Any) -> None:
        from uitlening import services

        self.loans.append(
            services.checkout_loan(
                actor=self.volunteer,
                location=self.point,
                household=household,
                item=next(self.items),
                accessories=[],
                condition="goed",
                source="bench",
            )
        )

    def give_back(self) -> None:
        from uitlening import services

        services.return_loan(
            actor=self.volunteer, location=self.point, loan=self.loans.pop(0), condition="goed"
        )


def _slices(data: dict[str, Any], run: int) -> list[tuple[Iterator, Iterator]]:
    """Per counter of parallel run ``run``: households and items nobody used before
    (the single counter used the first 4,000 households and 2,000 items)."""
    size = PER_COUNTER
    households = data["households"][4000 + run * COUNTERS * size :]
    items = data["items"][2000 + run * COUNTERS * size :]
    return [
        (iter(households[i * size : (i + 1) * size]), iter(items[i * size : (i + 1) * size]))
        for i in range(COUNTERS)
    ]


def parallel(
    data: dict[str, Any], baseline: Callable[[], object], *, run: int, pace_ms: int = 0
) -> dict[str, Measurement]:
    """``COUNTERS`` counters at once, each ``PER_COUNTER`` visits: check-in scan, product
    scan, confirm, check-out of an item and check-in of the previous one; plus the bare
    view from ``COUNTERS`` threads for comparison. ``pace_ms``: each counter pauses a
    random 0 to ``pace_ms`` between actions (0: none, every counter flat out)."""
    samples: dict[str, list[float]] = {}
    lock = threading.Lock()
    start = threading.Barrier(COUNTERS)
    errors: list[BaseException] = []
    slices = _slices(data, run)
    rng = random.Random(8)

    def timed(name: str, func: Callable[[], object], into: dict[str, list[float]]) -> None:
        if pace_ms:
            time.sleep(rng.uniform(0, pace_ms) / 1000)
        began = time.perf_counter_ns()
        func()
        into.setdefault(name, []).append((time.perf_counter_ns() - began) / 1e6)

    def run(index: int) -> None:
        mine: dict[str, list[float]] = {}
        try:
            households, items = slices[index]
            counter = Counter(data, households, items)
            start.wait()
            for _ in range(PER_COUNTER):
                household = next(households)
                timed("check_in", lambda h=household: counter.check_in_scan(h), mine)
                timed("product_scan", lambda h=household: counter.product_scan(h), mine)
                timed("confirm", lambda h=household: counter.confirm(h), mine)
                timed("checkout", lambda h=household: counter.checkout(h), mine)
                if len(counter.loans) > 1:
                    timed("return", counter.give_back, mine)
            start.wait()
            for _ in range(PER_COUNTER * 5):
                timed("bare_view", baseline, mine)
        except BaseException as exc:  # reported after the run, from the main thread
            errors.append(exc)
            start.abort()
        finally:
            connection.close()
            with lock:
                for name, values in mine.items():
                    samples.setdefault(name, []).extend(values)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(COUNTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return {name: Measurement(name, values) for name, values in samples.items()}


def benchmarks(repeat: int, client_factory) -> Iterator[tuple[str, Any, int, dict]]:
    """Yield (name, callable or Measurement, repeat, extra): one counter, then eight."""
    from django.test import Client

    from voorraad.models import StockMovement

    data = generate_counter_data()
    extra = {
        "ledger_rows": StockMovement.objects.count(),
        "households": len(data["households"]),
        "items": len(data["items"]),
        "generated_in_s": data["seconds"],
    }
    n = min(repeat, 400)
    households = iter(data["households"][:2000])
    counter = Counter(data, households, iter(data["items"][:2000]))
    readers = itertools.cycle(data["households"][2000:4000])

    yield "counter_check_in_by_scan", lambda: counter.check_in_scan(next(readers)), n, extra
    yield "counter_product_scan_price_basket", lambda: counter.product_scan(next(readers)), n, {}
    yield "counter_confirm_visit_3_lines", lambda: counter.confirm(next(households)), n, {}
    yield "counter_checkout_loan", lambda: counter.checkout(next(households)), n, {}
    yield "counter_return_loan", counter.give_back, n, {}

    anonymous = Client()

    def bare_view() -> None:
        assert anonymous.get("/gezond/").status_code == 200

    names = {
        "check_in": "counter_check_in_by_scan",
        "product_scan": "counter_product_scan_price_basket",
        "confirm": "counter_confirm_visit_3_lines",
        "checkout": "counter_checkout_loan",
        "return": "counter_return_loan",
        "bare_view": "baseline_bare_view",
    }
    for run, (label, pace) in enumerate((("", 0), ("_paced", PACE_MS))):
        measured = parallel(data, bare_view, run=run, pace_ms=pace)
        for key, name in names.items():
            full = f"{name}_{COUNTERS}_counters{label}"
            extra = {"counters": COUNTERS, "pause_ms": f"0-{pace}"}
            yield full, Measurement(full, measured[key].samples_ms), 0, extra
