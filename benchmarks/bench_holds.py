"""Waitlists and the public catalogue (issue 9): a return at the counter when nobody
waits (the plain return, for comparison) and when a queue of families waits for the
item's type (the item is held for the first: the hook, the queue's locked rows, the
hold and its deadline, in the return's transaction); and the public catalogue page
(``GET /catalogus/``, anonymous: the cache stamp's two reads and the cached page; and
uncached, as after any change: two aggregate queries and the template) with many items
and families waiting.

Dataset on top of the demo: a bench program lending a bench bike type at Uitdeelpunt
Centrum, 1,000 households with a referral; per return one bike lent beforehand through
the counter service (every bike is out, so families really wait), a queue of ``QUEUE``
families per size (longer than the returns, so it never runs dry), and 2,000 buggies in
five sizes on the shelf for the catalogue."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.utils import timezone

HOUSEHOLDS = 1_000
ITEMS = 2_000
SIZES = ('12"', '16"', '20"', '24"', '26"')
QUEUE = 50


def generate_holds_data(loans_needed: int) -> dict[str, Any]:
    """``loans_needed`` bikes per kind of return (all lent out before the families queue,
    so the queue really waits) and ``ITEMS`` buggies on the shelf for the catalogue."""
    from kern.models import Location, User
    from toegang.models import Household, Program, Referral
    from uitlening.models import ProgramCategory
    from voorraad.models import Category, Item, ItemType

    started = time.perf_counter()
    point = Location.objects.get(name="Uitdeelpunt Centrum")
    social_worker = User.objects.get(username="maatschappelijkwerker")
    program, _ = Program.objects.get_or_create(
        name="Bench fietsbib", defaults={"kind": Program.Kind.BIKE_LIBRARY, "loan_days": 90}
    )
    category, _ = Category.objects.get_or_create(name="Bench fietsen")
    ProgramCategory.objects.get_or_create(program=program, category=category)
    bike_type, _ = ItemType.objects.get_or_create(
        name="Bench fiets", defaults={"category": category, "description": "Een bankfiets."}
    )
    buggy_type, _ = ItemType.objects.get_or_create(
        name="Bench buggy", defaults={"category": category, "description": "Een bankbuggy."}
    )
    today = timezone.localdate()
    with transaction.atomic():
        households = Household.objects.bulk_create(
            [
                Household(postcode="9000", municipality=point.municipality, adults=1)
                for _ in range(HOUSEHOLDS)
            ]
        )
        if households[0].pk is None:
            households = list(Household.objects.order_by("-id")[:HOUSEHOLDS])[::-1]
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
            ]
        )
        through = Referral.programs.through
        through.objects.bulk_create(
            [through(referral_id=r.pk, program_id=program.pk) for r in referrals]
        )
        items = Item.objects.bulk_create(
            [
                Item(
                    item_type=bike_type,
                    name=f"Bench fiets {n}",
                    size=SIZES[n % len(SIZES)],
                    location=point,
                )
                for n in range(2 * loans_needed)
            ]
        )
        Item.objects.bulk_create(
            [
                Item(
                    item_type=buggy_type,
                    name=f"Bench buggy {n}",
                    size=SIZES[n % len(SIZES)],
                    location=point,
                )
                for n in range(ITEMS)
            ]
        )
    return {
        "point": point,
        "program": program,
        "bike_type": bike_type,
        "households": households,
        "items": items,
        "seconds": round(time.perf_counter() - started, 1),
    }


class Returns:
    """Loans made beforehand, given back one per call: with or without a waitlist."""

    def __init__(self, data: dict[str, Any], loans: int):
        from kern.models import User

        self.data = data
        self.volunteer = User.objects.get(username="vrijwilliger")
        self.waiters: Iterator[Any] = iter(data["households"][HOUSEHOLDS // 2 :])
        self.plain: list[Any] = []
        self.waited: list[Any] = []
        items = iter(data["items"])
        # One borrower per loan: a household borrows one bike of each size at most (it
        # may not wait for a type it has on loan, so borrowers never wait).
        borrowers = itertools.cycle(data["households"][: HOUSEHOLDS // 2])
        for target in (self.plain, self.waited):
            for _ in range(loans):
                target.append(self._lend(next(borrowers), next(items)))

    def _lend(self, household, item):
        from uitlening import services

        return services.checkout_loan(
            actor=self.volunteer,
            location=self.data["point"],
            household=household,
            item=item,
            accessories=[],
            condition="goed",
            source="bench",
        )

    def queue_up(self) -> None:
        """QUEUE families waiting per size, ready for the returns of ``waited``."""
        from uitlening import services

        for size in SIZES:
            for _ in range(QUEUE):
                services.reserve_item(
                    actor=self.volunteer,
                    household=next(self.waiters),
                    item_type=self.data["bike_type"],
                    size=size,
                    location=self.data["point"],
                    source="bench",
                )

    def give_back(self, loans: list[Any]) -> None:
        from uitlening import services

        services.return_loan(
            actor=self.volunteer, location=self.data["point"], loan=loans.pop(), condition="goed"
        )


def benchmarks(repeat: int, client_factory) -> Iterator[tuple[str, Any, int, dict]]:
    """Yield (name, callable, repeat, extra)."""
    from django.test import Client

    from uitlening.models import Reservation

    n = min(repeat, 80)
    warmup = 10
    data = generate_holds_data(n + warmup)
    returns = Returns(data, n + warmup)
    extra = {
        "households": len(data["households"]),
        "bikes": len(data["items"]),
        "generated_in_s": data["seconds"],
    }
    yield "holds_return_nobody_waits", lambda: returns.give_back(returns.plain), n, extra

    def promote() -> None:
        returns.give_back(returns.waited)

    # The waited-for items were lent already; only now do families queue for them.
    returns.queue_up()
    waiting = Reservation.objects.filter(status=Reservation.Status.WAITING).count()
    yield (
        "holds_return_promotes_waitlist",
        promote,
        n,
        {"waiting": waiting, "compare_to": "holds_return_nobody_waits"},
    )

    anonymous = Client()

    def catalogue() -> None:
        response = anonymous.get("/catalogus/")
        assert response.status_code == 200 and not response.cookies

    def catalogue_point() -> None:
        assert anonymous.get(f"/catalogus/{data['point'].pk}/").status_code == 200

    def catalogue_uncached() -> None:
        from django.core.cache import cache

        cache.clear()  # as after any change: the aggregates and the template again
        catalogue()

    yield "catalogue_page", catalogue, repeat, {"items": item_count()}
    yield "catalogue_page_uncached", catalogue_uncached, repeat, {}
    yield "catalogue_page_one_point", catalogue_point, repeat, {}


def item_count() -> int:
    from voorraad.models import Item

    return Item.objects.count()
