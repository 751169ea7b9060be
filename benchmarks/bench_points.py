"""Swap shop points (issue 9): spending points at the counter, the one locked step that
checks and changes a family's balance and takes the goods out of stock
(``uitlening.services.spend_points``), measured at the service level the panel and the
API both call; also earning (goods into stock) and reading the panel's points summary.

On the demo data plus 2,000 families with points (each earned 999 pieces' worth, then a
few spends), so the ledger has rows to sum; every spend goes to the next family in turn,
as at a real counter."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any

FAMILIES = 2_000


def generate_points_data() -> dict[str, Any]:
    from django.utils import timezone

    from kern.models import Location, User
    from toegang.models import Household, Program
    from uitlening import services
    from uitlening.models import PointsRate, PointsScheme
    from voorraad.models import Category, Product

    started = time.perf_counter()
    point = Location.objects.get(name="Uitdeelpunt Centrum")
    volunteer = User.objects.get(username="vrijwilliger")
    program, _ = Program.objects.get_or_create(
        name="Ruilwinkel", defaults={"kind": Program.Kind.SWAP_SHOP, "open_to_all": True}
    )
    PointsScheme.objects.get_or_create(program=program, defaults={"expiry_days": 180})
    category, _ = Category.objects.get_or_create(name="Bench kleding")
    PointsRate.objects.update_or_create(
        category=category, defaults={"earn_points": 10, "spend_points": 1}
    )
    product, _ = Product.objects.get_or_create(
        name="Bench kledingpakket", defaults={"category": category, "pack_size": 1}
    )
    households = Household.objects.bulk_create(
        [
            Household(postcode="9000", municipality=point.municipality, adults=1)
            for _ in range(FAMILIES)
        ],
        batch_size=1000,
    )
    if households[0].pk is None:
        households = list(Household.objects.order_by("-id")[:FAMILIES])[::-1]
    for household in households:
        services.earn_points(
            actor=volunteer, location=point, household=household, product=product, quantity=999
        )
    return {
        "point": point,
        "volunteer": volunteer,
        "product": product,
        "households": households,
        "today": timezone.localdate(),
        "seconds": round(time.perf_counter() - started, 1),
    }


def benchmarks(repeat: int, client_factory) -> Iterator[tuple[str, Any, int, dict]]:
    """Yield (name, callable, repeat, extra)."""
    from uitlening import services
    from uitlening.models import PointsEntry
    from uitlening.selectors.points import points_summary

    data = generate_points_data()
    point, volunteer, product = data["point"], data["volunteer"], data["product"]
    families = itertools.cycle(data["households"])
    n = min(repeat, 400)

    def spend() -> None:
        services.spend_points(
            actor=volunteer, location=point, household=next(families), product=product, quantity=1
        )

    def earn() -> None:
        services.earn_points(
            actor=volunteer, location=point, household=next(families), product=product, quantity=1
        )

    def summary() -> None:
        points_summary(household=next(families), location=point, on=data["today"])

    extra = {
        "families": len(data["households"]),
        "points_entries": PointsEntry.objects.count(),
        "generated_in_s": data["seconds"],
    }
    yield "points_spend", spend, n, extra
    yield "points_earn", earn, n, {}
    yield "points_summary_panel", summary, n, {}
