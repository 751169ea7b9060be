"""Seasonal packages (issue 9): the entitled-children list of a Sinterklaas action for
20,000 households (two children each, of all ages, a referral for the action's program),
built with bulk_create; measured: the whole list (access, children, bands, what was
handed out), the pick list of one point, and the counter panel's read for one household.
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.utils import timezone

HOUSEHOLDS = 20_000


def generate_seasonal_data() -> dict[str, Any]:
    from kern.models import Location, User
    from toegang.models import Child, Household, Program, Referral
    from uitlening import services
    from uitlening.models import SeasonalAction
    from voorraad.models import Category, Product

    started = time.perf_counter()
    point = Location.objects.get(name="Uitdeelpunt Centrum")
    social_worker = User.objects.get(username="maatschappelijkwerker")
    coordinator = User.objects.get(username="coordinator")
    program, _ = Program.objects.get_or_create(
        name="Bench seizoensactie", defaults={"kind": Program.Kind.SEASONAL}
    )
    today = timezone.localdate()
    category, _ = Category.objects.get_or_create(name="Bench Sinterklaas")
    toy, _ = Product.objects.get_or_create(
        name="Bench speelgoed", defaults={"category": category, "pack_size": 1}
    )
    action = SeasonalAction.objects.filter(name="Bench Sinterklaas").first()
    if action is None:
        action = services.create_action(
            actor=coordinator,
            name="Bench Sinterklaas",
            kind=SeasonalAction.Kind.SINTERKLAAS,
            program=program,
            action_date=today,
            handout_from=today,
            handout_until=today + dt.timedelta(days=10),
            points=[point],
        )
        for label, low, high in (("0–2 jaar", 0, 2), ("3–5 jaar", 3, 5), ("6–11 jaar", 6, 11)):
            band = services.add_age_band(
                actor=coordinator, action=action, label=label, age_from=low, age_to=high
            )
            services.set_package_line(actor=coordinator, band=band, product=toy, packs=1)
    month_now = today.year * 12 + today.month - 1
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
        ages = itertools.cycle(range(0, 16 * 12, 7))  # 0 to 15 years: some in no band
        children = []
        for household in households:
            for _ in range(2):
                born = month_now - next(ages)
                children.append(
                    Child(household=household, birth_year=born // 12, birth_month=born % 12 + 1)
                )
        Child.objects.bulk_create(children, batch_size=4000)
        referrals = Referral.objects.bulk_create(
            [
                Referral(
                    household=h,
                    issued_by=social_worker,
                    organisation=social_worker.organisation,
                    valid_from=today - dt.timedelta(days=10),
                    valid_until=today + dt.timedelta(days=60),
                )
                for h in households
            ],
            batch_size=2000,
        )
        through = Referral.programs.through
        through.objects.bulk_create(
            [through(referral_id=r.pk, program_id=program.pk) for r in referrals],
            batch_size=4000,
        )
    return {
        "action": action,
        "point": point,
        "households": households,
        "seconds": round(time.perf_counter() - started, 1),
    }


def benchmarks(repeat: int, client_factory) -> Iterator[tuple[str, Any, int, dict]]:
    """Yield (name, callable, repeat, extra)."""
    from uitlening.selectors.seasonal import entitled_list, household_packages, pick_list

    data = generate_seasonal_data()
    action, point = data["action"], data["point"]
    listed = entitled_list(action)
    extra = {
        "households": len(data["households"]),
        "entitled_households": len(listed.households),
        "entitled_children": listed.children,
        "generated_in_s": data["seconds"],
    }
    few = max(5, min(repeat // 10, 30))
    today = timezone.localdate()
    readers = itertools.cycle(data["households"][:2000])

    def whole_list() -> None:
        assert entitled_list(action).children == listed.children

    def one_point() -> None:
        pick_list(action, point=point, day=today)

    def panel() -> None:
        household_packages(household=next(readers), location=point, on=today)

    yield "seasonal_entitled_list_20000_households", whole_list, few, extra
    yield "seasonal_pick_list_one_point", one_point, few, {}
    yield "seasonal_household_panel", panel, min(repeat, 300), {}
