"""The demand forecast of diapers: per distribution point, the packs per size the coming
three months will ask, set against the stock and the running collection drives, and
from that a purchase advice per product.

The method, step by step (the page says the same in Dutch):

1. The families of a point are those that got diapers there in the last
   ``UPTAKE_MONTHS`` months (a family that went to two points belongs to the one it went
   to last).
2. Their uptake: the diaper packs they took in those months ÷ their children of diaper age
   ÷ ``UPTAKE_MONTHS`` = packs per child per month at that point.
3. For each of the coming months (this month for the days left, then the next two): each
   child's size in that month (its own size when one is set, else by its age:
   ``toegang.selectors.children``), as long as it is younger than the diaper program's
   age limit; the need of a size = children in that size × packs per child per month.
4. Advice per product = the need of its size over the three months − the packs at the
   points − the packs in the warehouses − the packs a running collection drive with a
   target is still expected to bring (what is left of its target, spread over the
   products as it has received them so far), never below zero.

Counts of children, the needs derived from them and a point's uptake rate, about fewer
than 5 households, go through ``rapportering.anonymity``. The advice is derived from the
need (need − the stock and drive columns shown beside it), so it is hidden whenever its
need is. The need of a size over all points is the total of the points' rows of that
size, so those rows are masked together (``mask_breakdown``): one hidden point cannot be
worked out as the total minus the others."""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.formats import number_format

from kern.models import Location
from rapportering import anonymity
from rapportering.anonymity import Figure
from rapportering.selectors.filters import ReportFilter, local_midnight
from rapportering.selectors.report import Cell
from toegang.models import Child, Program
from toegang.selectors.children import age_in_months, diaper_size
from uitlening.models import DistributionLine, ProgramCategory
from voorraad.models import CollectionDrive, Donation, DonationLine, Product, StockLevel

#: How many months of uptake the rate of a point rests on.
UPTAKE_MONTHS = 3
#: How many months the forecast covers (this month and the next ones).
HORIZON_MONTHS = 3
#: Without a diaper program: children count up to this age (months).
DEFAULT_MAX_AGE_MONTHS = 36
#: A product is "size N" when its name says "maat N" (as "Luiers maat 4").
SIZE_IN_NAME = re.compile(r"\bmaat\s*(\d+)\b", re.IGNORECASE)


@dataclass(frozen=True)
class SizeRow:
    size: int
    product: str  # "" when no product has this size
    children: Figure
    need: list[Figure]  # per month
    total: Figure
    stock_packs: int


@dataclass(frozen=True)
class PointForecast:
    location_id: int
    name: str
    households: Figure
    rate: Decimal | None  # packs per child per month; None when the point's families are few
    rows: list[SizeRow]

    @property
    def rate_shown(self) -> str:
        if self.rate is None:
            return anonymity.masked_text()
        return number_format(self.rate)


@dataclass(frozen=True)
class AdviceRow:
    size: int
    product_id: int | None
    product: str
    need: Figure  # packs over the whole horizon, all points
    stock_points: int
    stock_warehouse: int
    drives: int
    advice: Figure  # packs to buy; hidden with its need


@dataclass(frozen=True)
class Forecast:
    today: dt.date
    months: list[dt.date]
    points: list[PointForecast]
    advice: list[AdviceRow]
    drives_counted: list[str] = field(default_factory=list)
    drives_not_counted: list[str] = field(default_factory=list)
    max_age_months: int = DEFAULT_MAX_AGE_MONTHS


def horizon(today: dt.date) -> list[tuple[dt.date, Decimal]]:
    """The first day of each month of the forecast, with the share of it still to come
    (this month: the days from today on)."""
    result = []
    first = today.replace(day=1)
    for i in range(HORIZON_MONTHS):
        days = calendar.monthrange(first.year, first.month)[1]
        share = Decimal(days - today.day + 1) / days if i == 0 else Decimal(1)
        result.append((first, share))
        first = (first + dt.timedelta(days=32)).replace(day=1)
    return result


def diaper_products() -> dict[int, Product]:
    """Size → product (the first active one by name): products of the categories the
    diaper programs hand out (or every product, without such a program) whose name says
    its size."""
    categories = ProgramCategory.objects.filter(
        program__kind=Program.Kind.DIAPERS, program__is_active=True
    ).values("category_id")
    products = Product.objects.filter(is_active=True)
    if categories.exists():
        products = products.filter(category_id__in=categories)
    found: dict[int, Product] = {}
    for product in products.order_by("name"):
        match = SIZE_IN_NAME.search(product.name)
        if match and int(match.group(1)) not in found:
            found[int(match.group(1))] = product
    return found


def _max_age() -> int:
    ages = Program.objects.filter(kind=Program.Kind.DIAPERS, is_active=True).aggregate(
        age=Max("quota_child_max_age_months")
    )["age"]
    return int(ages or DEFAULT_MAX_AGE_MONTHS)


def _packs(units: int, pack_size: int) -> int:
    return units // max(pack_size, 1)


def forecast(*, filters: ReportFilter | None = None, today: dt.date | None = None) -> Forecast:
    today = today or timezone.localdate()
    months = horizon(today)
    sizes = diaper_products()
    max_age = _max_age()
    points = Location.objects.filter(kind=Location.Kind.DISTRIBUTION_POINT, is_active=True)
    if filters and filters.locations:
        points = points.filter(pk__in=filters.locations)
    if filters and filters.municipalities:
        points = points.filter(municipality_id__in=filters.municipalities)
    point_names = dict(points.order_by("name").values_list("pk", "name"))

    # 1–2. The families of each point and the packs they took.
    window_start = local_midnight(today - dt.timedelta(days=UPTAKE_MONTHS * 365 // 12))
    lines = DistributionLine.objects.filter(
        distribution__created_at__gte=window_start,
        distribution__created_at__lt=local_midnight(today + dt.timedelta(days=1)),
        distribution__corrected_at__isnull=True,
        product_id__in=[p.pk for p in sizes.values()],
    )
    last_point: dict[int, tuple[dt.datetime, int]] = {}
    packs_of: dict[int, int] = defaultdict(int)
    per_place = (
        lines.order_by()
        .values("distribution__household_id", "distribution__location_id")
        .annotate(packs=Sum("packs"), last=Max("distribution__created_at"))
        .values_list("distribution__household_id", "distribution__location_id", "last", "packs")
    )
    for household_id, location_id, at, packs in per_place:
        packs_of[household_id] += packs
        if household_id not in last_point or at > last_point[household_id][0]:
            last_point[household_id] = (at, location_id)
    home = {hid: loc for hid, (_at, loc) in last_point.items() if loc in point_names}

    # 3. Children per point, size and month.
    # (birth year, birth month, size override) of each child, per household.
    children: dict[int, list[tuple[int, int, int | None]]] = defaultdict(list)
    # A semi-join on the lines rather than a list of (thousands of) ids.
    for household_id, year, month, override in Child.objects.filter(
        household_id__in=lines.values("distribution__household_id")
    ).values_list("household_id", "birth_year", "birth_month", "diaper_size"):
        if household_id in home:
            children[household_id].append((year, month, override))
    counted: dict[tuple[int, int, int], int] = defaultdict(int)  # point, size, month → children
    families: dict[tuple[int, int], set[int]] = defaultdict(set)  # point, size → households
    young_now: dict[int, int] = defaultdict(int)
    packs_at: dict[int, int] = defaultdict(int)
    households_at: dict[int, int] = defaultdict(int)
    for household_id, point_id in home.items():
        households_at[point_id] += 1
        packs_at[point_id] += packs_of[household_id]
        for year, month, override in children[household_id]:
            if 0 <= age_in_months(birth_year=year, birth_month=month, on=today) < max_age:
                young_now[point_id] += 1
            for index, (first, _share) in enumerate(months):
                age = age_in_months(birth_year=year, birth_month=month, on=first)
                if not 0 <= age < max_age:
                    continue
                size = diaper_size(birth_year=year, birth_month=month, on=first, override=override)
                counted[(point_id, size, index)] += 1
                families[(point_id, size)].add(household_id)

    # Stock in packs per product: at each point, and in the warehouses.
    product_of_size = {size: product for size, product in sizes.items()}
    stock_point: dict[tuple[int, int], int] = defaultdict(int)
    stock_warehouse: dict[int, int] = defaultdict(int)
    stock_points_total: dict[int, int] = defaultdict(int)
    pack_size = {p.pk: p.pack_size for p in sizes.values()}
    for product_id, location_id, kind, on_hand in StockLevel.objects.filter(
        product_id__in=list(pack_size)
    ).values_list("product_id", "location_id", "location__kind", "on_hand"):
        packs = _packs(on_hand, pack_size[product_id])
        if kind == Location.Kind.WAREHOUSE:
            stock_warehouse[product_id] += packs
        elif kind == Location.Kind.DISTRIBUTION_POINT:
            stock_point[(product_id, location_id)] += packs
            if location_id in point_names:
                stock_points_total[product_id] += packs

    # 4. Running drives with a target: what is left of it, spread as received so far.
    drive_packs, counted_drives, skipped_drives = _drives(today, pack_size)

    point_rows: list[PointForecast] = []
    need_total: dict[int, int] = defaultdict(int)
    size_families: dict[int, set[int]] = defaultdict(set)
    all_sizes = sorted({size for (_p, size, _m) in counted} | set(sizes))
    # point → size → (households, children per month, need per month)
    per_point: dict[int, dict[int, tuple[int, list[int], list[int]]]] = defaultdict(dict)
    rates: dict[int, Decimal] = {}
    for point_id in point_names:
        young = young_now[point_id]
        rate = Decimal(packs_at[point_id]) / (young * UPTAKE_MONTHS) if young else Decimal(0)
        rates[point_id] = rate
        for size in all_sizes:
            per_month = [counted[(point_id, size, i)] for i in range(len(months))]
            if not any(per_month):
                continue
            size_families[size] |= families[(point_id, size)]
            need = [
                math.ceil(n * rate * share)
                for n, (_first, share) in zip(per_month, months, strict=True)
            ]
            need_total[size] += sum(need)
            per_point[point_id][size] = (len(families[(point_id, size)]), per_month, need)
    # The advice shows each size's need over all points: mask the points of a size together.
    hidden: set[tuple[int, int]] = set()
    for size in all_sizes:
        with_size = [(p, per_point[p][size][0]) for p in point_names if size in per_point[p]]
        for index in anonymity.mask_breakdown(with_size, households=lambda row: row[1]):
            hidden.add((with_size[index][0], size))
    for point_id, name in point_names.items():
        rows = []
        for size, (_households, per_month, need) in per_point[point_id].items():
            masked = (point_id, size) in hidden
            product = product_of_size.get(size)
            rows.append(
                SizeRow(
                    size=size,
                    product=product.name if product else "",
                    children=Figure(None if masked else max(per_month)),
                    need=[Figure(None if masked else n) for n in need],
                    total=Figure(None if masked else sum(need)),
                    stock_packs=stock_point[(product.pk, point_id)] if product else 0,
                )
            )
        shown_rate = anonymity.about(1, households=households_at[point_id])
        point_rows.append(
            PointForecast(
                location_id=point_id,
                name=name,
                households=anonymity.households(households_at[point_id]),
                rate=None
                if shown_rate.masked
                else rates[point_id].quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
                rows=rows,
            )
        )

    advice = []
    for size in all_sizes:
        product = product_of_size.get(size)
        total = need_total[size]
        if product is None and not total:
            continue
        pid = product.pk if product else None
        at_points = stock_points_total[pid] if pid else 0
        in_warehouse = stock_warehouse[pid] if pid else 0
        from_drives = drive_packs[pid] if pid else 0
        size_need = anonymity.about(total, households=len(size_families[size]))
        to_buy = max(0, total - at_points - in_warehouse - from_drives)
        advice.append(
            AdviceRow(
                size=size,
                product_id=pid,
                product=product.name if product else "",
                need=size_need,
                stock_points=at_points,
                stock_warehouse=in_warehouse,
                drives=from_drives,
                advice=Figure(None if size_need.masked else to_buy),
            )
        )
    return Forecast(
        today=today,
        months=[first for first, _share in months],
        points=point_rows,
        advice=advice,
        drives_counted=counted_drives,
        drives_not_counted=skipped_drives,
        max_age_months=max_age,
    )


def _drives(
    today: dt.date, pack_size: dict[int, int]
) -> tuple[dict[int, int], list[str], list[str]]:
    """Packs per diaper product still expected from running drives with a target; the
    names of the drives counted and of those that could not be (nothing received yet)."""
    drives = list(
        CollectionDrive.objects.filter(
            starts_on__lte=today, ends_on__gte=today, target_units__isnull=False
        ).order_by("name")
    )
    received: dict[int, dict[int, int]] = defaultdict(dict)
    for drive_id, product_id, units in (
        DonationLine.objects.filter(
            donation__drive__in=drives, donation__status=Donation.Status.POSTED
        )
        .values("donation__drive_id", "product_id")
        .annotate(units=Sum("quantity"))
        .values_list("donation__drive_id", "product_id", "units")
    ):
        received[drive_id][product_id] = units
    expected: dict[int, int] = defaultdict(int)
    counted, skipped = [], []
    for drive in drives:
        got = received.get(drive.pk, {})
        total = sum(got.values())
        if not total:
            skipped.append(drive.name)
            continue
        left = max((drive.target_units or 0) - total, 0)
        counted.append(drive.name)
        for product_id, units in got.items():
            if product_id in pack_size:
                expected[product_id] += _packs(left * units // total, pack_size[product_id])
    return expected, counted, skipped


def advice_cells(result: Forecast) -> list[list[Cell]]:
    """The purchase advice as rows for ``kern.exports``: size, product, need, packs at the
    points, in the warehouses, expected from drives, to buy."""
    return [
        [
            row.size,
            row.product,
            row.need,
            row.stock_points,
            row.stock_warehouse,
            row.drives,
            row.advice,
        ]
        for row in result.advice
    ]
