"""The large dataset of the reports (issue 11), on top of the demo data:

- the stock ledger of a million rows with matching balances (``bench_stock.generate_ledger``);
- 100,000 volunteer sign-ups (``bench_shifts.generate_shift_data``);
- 20,000 households with one to three children in ``MUNICIPALITIES`` bench municipalities,
  each with ``POINTS_PER_MUNICIPALITY`` distribution points;
- 200,000 distributions over the last year (one to three lines each, most from the
  pamperbank, some from the ruilwinkel), some households coming back often, some once;
  a few corrected;
- 50,000 loans of 5,000 items over the last year, each item lent one family after the
  other; the last loan of some items is still open, part of those overdue.

What exists already (a full ``make bench`` run made the ledger and the sign-ups for
earlier suites) is not made twice. Distributions and their lines are written with raw
``executemany`` and ids of our own (the ORM's bulk_create cost three times as much for
600,000 rows); households, children, items and loans with ``bulk_create``. Bench data,
not a test of the rules: the distributions book no ledger rows.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal
from typing import Any

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

HOUSEHOLDS = 20_000
DISTRIBUTIONS = 200_000
LOANS = 50_000
ITEMS = 5_000
MUNICIPALITIES = 4
POINTS_PER_MUNICIPALITY = 2
DAYS = 365
BATCH = 10_000
PRODUCTS = (
    # name, category, pack size, value per unit, program kind
    ("Rapport luiers maat 1", "Rapport luiers", 44, "0.22", "pamperbank"),
    ("Rapport luiers maat 2", "Rapport luiers", 44, "0.22", "pamperbank"),
    ("Rapport luiers maat 3", "Rapport luiers", 40, "0.24", "pamperbank"),
    ("Rapport luiers maat 4", "Rapport luiers", 36, "0.26", "pamperbank"),
    ("Rapport luiers maat 5", "Rapport luiers", 32, "0.28", "pamperbank"),
    ("Rapport luiers maat 6", "Rapport luiers", 28, "0.30", "pamperbank"),
    ("Rapport vochtige doekjes", "Rapport verzorging", 64, "0.03", "pamperbank"),
    ("Rapport billenzalf", "Rapport verzorging", 1, "3.50", "pamperbank"),
    ("Rapport zuigflessen", "Rapport ruilwinkel", 1, "4.00", "ruilwinkel"),
    ("Rapport rompertjes", "Rapport ruilwinkel", 1, "2.00", "ruilwinkel"),
    ("Rapport speelgoed", "Rapport ruilwinkel", 1, "3.00", "ruilwinkel"),
    ("Rapport boekjes", "Rapport ruilwinkel", 1, "1.50", "ruilwinkel"),
)
ITEM_TYPES = ("Rapport kinderwagen", "Rapport autostoel", "Rapport box", "Rapport draagzak")
MARKER = "Bench gemeente 0"


def _reset_sequences(*models: Any) -> None:
    """After rows with ids of our own, PostgreSQL's sequences must move past them."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _next_id(model: Any) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def generate(*, distributions: int = DISTRIBUTIONS, seed: int = 11) -> dict[str, Any]:
    """Make what is missing of the large dataset; return its sizes and where it is."""
    from benchmarks import bench_shifts
    from benchmarks.bench_stock import ROWS, generate_ledger
    from kern.models import Location, Municipality, User
    from toegang.models import Household, Program
    from uitlening.models import Distribution, DistributionLine, Loan
    from voorraad.models import StockMovement
    from vrijwilligers.models import Signup

    started = time.perf_counter()
    timings: dict[str, float] = {}
    step_start = started
    if StockMovement.objects.count() < ROWS:
        generate_ledger()
    step_start = _lap(timings, "ledger_s", step_start)
    if Signup.objects.count() < bench_shifts.SIGNUPS:
        bench_shifts.generate_shift_data(targets=1)
    _lap(timings, "signups_s", step_start)

    if not Municipality.objects.filter(name=MARKER).exists():
        _generate_reports_data(distributions=distributions, seed=seed, timings=timings)

    municipalities = list(Municipality.objects.filter(name__startswith="Bench gemeente"))
    points = list(
        Location.objects.filter(municipality__in=municipalities, name__startswith="Bench punt")
    )
    today = timezone.localdate()
    return {
        "ledger_rows": StockMovement.objects.count(),
        "signups": Signup.objects.count(),
        "households": Household.objects.filter(municipality__in=municipalities).count(),
        "distributions": Distribution.objects.filter(location__in=points).count(),
        "distribution_lines": DistributionLine.objects.filter(
            distribution__location__in=points
        ).count(),
        "loans": Loan.objects.filter(location__in=points).count(),
        "municipalities": len(municipalities),
        "points": len(points),
        "first_day": today - dt.timedelta(days=DAYS),
        "last_day": today,
        "coordinator": User.objects.get(username="coordinator"),
        "pamperbank": Program.objects.get(kind=Program.Kind.DIAPERS, name="Pamperbank"),
        "seconds": round(time.perf_counter() - started, 1),
        **timings,
    }


def _generate_reports_data(*, distributions: int, seed: int, timings: dict[str, float]) -> None:
    from kern.models import Location, Municipality, User
    from toegang.models import Child, Household, Program
    from uitlening.models import Distribution, DistributionLine, Loan
    from voorraad.models import Category, Item, ItemType, Product

    rng = random.Random(seed)
    step_start = time.perf_counter()
    volunteer = User.objects.get(username="vrijwilliger")
    programs = {
        kind: Program.objects.filter(kind=kind).order_by("pk").first()
        for kind in ("pamperbank", "ruilwinkel", "babytheek")
    }
    assert all(programs.values()), "the demo programs are missing"
    today = timezone.localdate()
    now = timezone.now()
    first = now - dt.timedelta(days=DAYS)

    with transaction.atomic():
        municipalities = [
            Municipality.objects.create(name=f"Bench gemeente {i}", postcodes=[str(9800 + i)])
            for i in range(MUNICIPALITIES)
        ]
        points = {
            m.pk: [
                Location.objects.create(
                    name=f"Bench punt {i}-{j}",
                    kind=Location.Kind.DISTRIBUTION_POINT,
                    municipality=m,
                    postcode=m.postcodes[0],
                )
                for j in range(POINTS_PER_MUNICIPALITY)
            ]
            for i, m in enumerate(municipalities)
        }
        categories: dict[str, Category] = {}
        products = []
        for name, category, pack, value, kind in PRODUCTS:
            if category not in categories:
                categories[category] = Category.objects.get_or_create(name=category)[0]
            product = Product.objects.create(
                name=name,
                category=categories[category],
                pack_size=pack,
                value_per_unit=Decimal(value),
            )
            products.append((product, pack, programs[kind]))

        households = Household.objects.bulk_create(
            [
                Household(
                    postcode=municipalities[n % MUNICIPALITIES].postcodes[0],
                    municipality=municipalities[n % MUNICIPALITIES],
                    adults=1 + n % 2,
                    created_at=first - dt.timedelta(days=rng.randrange(0, 700)),
                )
                for n in range(HOUSEHOLDS)
            ],
            batch_size=BATCH,
        )
        if households[0].pk is None:  # a backend that does not return ids
            households = list(Household.objects.order_by("-id")[:HOUSEHOLDS])[::-1]
        children = []
        for household in households:
            for _ in range(1 + rng.randrange(3)):
                born = today - dt.timedelta(days=rng.randrange(30, 4 * 365))
                children.append(
                    Child(household=household, birth_year=born.year, birth_month=born.month)
                )
        Child.objects.bulk_create(children, batch_size=BATCH)
        step_start = _lap(timings, "households_s", step_start)

        # Each household goes to a point of its own municipality. A quarter comes back
        # often (weekly), most now and then, some once: a realistic mix of first-time and
        # returning households.
        home = {
            h.pk: points[h.municipality_id][h.pk % POINTS_PER_MUNICIPALITY].pk for h in households
        }
        frequent = households[: HOUSEHOLDS // 4]
        distribution_id = _next_id(Distribution)
        line_id = _next_id(DistributionLine)
        distribution_table = Distribution._meta.db_table
        line_table = DistributionLine._meta.db_table
        insert_distribution = (
            f"INSERT INTO {distribution_table} (id, household_id, location_id, user_id,"
            " created_at, contribution, payment, override_reason, correction_reason,"
            " corrected_at) VALUES (%s, %s, %s, %s, %s, %s, 'gratis', '', '', %s)"
        )
        insert_line = (
            f"INSERT INTO {line_table} (id, distribution_id, product_id, program_id, packs,"
            " units) VALUES (%s, %s, %s, %s, %s, %s)"
        )
        adapt = connection.ops.adapt_datetimefield_value
        zero = connection.ops.adapt_decimalfield_value(Decimal("0.00"), 7, 2)
        span = dt.timedelta(days=DAYS) / distributions
        diapers = [p for p in products if p[2] == programs["pamperbank"] and p[1] > 20]
        others = [p for p in products if p not in diapers]
        rows: list[tuple[Any, ...]] = []
        lines: list[tuple[Any, ...]] = []
        with connection.cursor() as cursor:
            for n in range(distributions):
                if rng.random() < 0.5:
                    household = frequent[rng.randrange(len(frequent))]
                else:
                    household = households[rng.randrange(HOUSEHOLDS)]
                moment = first + span * n
                corrected = adapt(moment) if n % 500 == 0 else None
                rows.append(
                    (
                        distribution_id,
                        household.pk,
                        home[household.pk],
                        volunteer.pk,
                        adapt(moment),
                        zero,
                        corrected,
                    )
                )
                chosen = [rng.choice(diapers)]
                if rng.random() < 0.6:
                    chosen.append(rng.choice(others))
                if rng.random() < 0.2:
                    chosen.append(rng.choice(diapers))
                seen = set()
                for product, pack, program in chosen:
                    if product.pk in seen:
                        continue
                    seen.add(product.pk)
                    packs = 1 + rng.randrange(3)
                    lines.append(
                        (line_id, distribution_id, product.pk, program.pk, packs, packs * pack)
                    )
                    line_id += 1
                distribution_id += 1
                if len(rows) >= BATCH:
                    cursor.executemany(insert_distribution, rows)
                    cursor.executemany(insert_line, lines)
                    rows.clear()
                    lines.clear()
            if rows:
                cursor.executemany(insert_distribution, rows)
                cursor.executemany(insert_line, lines)
        _reset_sequences(Distribution, DistributionLine)
        step_start = _lap(timings, "distributions_s", step_start)

        lend = Category.objects.get_or_create(name="Rapport babymateriaal")[0]
        item_types = [
            ItemType.objects.get_or_create(name=name, defaults={"category": lend})[0]
            for name in ITEM_TYPES
        ]
        all_points = [p for group in points.values() for p in group]
        per_item = LOANS // ITEMS
        loan_days = DAYS // per_item  # each loan is out this long, then the next one
        items = Item.objects.bulk_create(
            [
                Item(
                    item_type=item_types[n % len(item_types)],
                    name=f"Rapport object {n}",
                    location=all_points[n % len(all_points)],
                    # The last loan of every third item is still out.
                    status=Item.Status.ON_LOAN if n % 3 == 0 else Item.Status.AVAILABLE,
                )
                for n in range(ITEMS)
            ],
            batch_size=BATCH,
        )
        if items[0].pk is None:
            items = list(Item.objects.filter(name__startswith="Rapport object ").order_by("pk"))
        loans = []
        for n, item in enumerate(items):
            for k in range(per_item):
                lent_at = first + dt.timedelta(days=k * loan_days, hours=rng.randrange(8, 17))
                due_on = timezone.localtime(lent_at).date() + dt.timedelta(days=loan_days - 2)
                open_loan = k == per_item - 1 and n % 3 == 0
                returned = lent_at + dt.timedelta(days=loan_days - rng.randrange(0, 5))
                loans.append(
                    Loan(
                        item=item,
                        household=households[rng.randrange(HOUSEHOLDS)],
                        program=programs["babytheek"],
                        location=item.location,
                        lent_by=volunteer,
                        lent_at=lent_at,
                        # Open loans: half of them overdue.
                        due_on=(today - dt.timedelta(days=10)) if open_loan and n % 2 else due_on,
                        returned_at=None if open_loan else min(returned, now),
                        returned_by=None if open_loan else volunteer,
                        return_location=None if open_loan else item.location,
                    )
                )
        Loan.objects.bulk_create(loans, batch_size=BATCH)
        _lap(timings, "loans_s", step_start)


def _lap(timings: dict[str, float], name: str, since: float) -> float:
    now = time.perf_counter()
    timings[name] = round(now - since, 1)
    return now
