"""The coordinator's dashboard: what needs attention today, in a fixed handful of
aggregate queries whatever the size of the ledger, the loans or the sign-ups.

Stock is read from the running balances and, for the outflow, per (product, location)
from the ledger's ``(product, location, at)`` index; shifts come through the planning
selector of ``vrijwilligers`` (its rule for "under-staffed"); the households served go
through ``rapportering.anonymity`` and are counted as the report counts them
(``reach.households_reached``). Nothing here names a household or a volunteer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import BigIntegerField, Count, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from rapportering import anonymity
from rapportering.anonymity import Figure
from rapportering.selectors.filters import this_month
from rapportering.selectors.reach import households_reached
from toegang.models import Referral
from uitlening.models import Loan, Reservation
from voorraad.models import Donation, DonationLine, MinimumLevel, StockLevel, StockMovement
from voorraad.selectors.stock import OUTFLOW_KINDS, OUTFLOW_WEEKS, days_of_cover
from vrijwilligers.selectors import ShiftRow, shift_rows

#: Referrals that stop counting within this many days are "expiring soon".
EXPIRING_DAYS = 14
#: What leaves the network (a transfer only moves stock inside it).
NETWORK_OUTFLOW_KINDS = [StockMovement.Kind.DISTRIBUTION, StockMovement.Kind.WRITE_OFF]
#: How many products the days-of-cover card lists (the shortest cover first).
COVER_ROWS = 10


@dataclass(frozen=True)
class LowStock:
    product_id: int
    product: str
    location_id: int
    location: str
    on_hand: int
    minimum: int
    days: int | None  # days of cover at this location; None: nothing goes out


@dataclass(frozen=True)
class Cover:
    product_id: int
    product: str
    on_hand: int
    outflow: int  # units out of the network in the last OUTFLOW_WEEKS weeks
    days: int | None


@dataclass(frozen=True)
class OverduePoint:
    location_id: int
    location: str
    loans: int


@dataclass(frozen=True)
class Dashboard:
    today: dt.date
    low_stock: list[LowStock]
    cover: list[Cover]
    products_without_outflow: int
    shifts_today: list[ShiftRow]
    shifts_week: int
    understaffed_week: list[ShiftRow]
    overdue: list[OverduePoint]
    reservations_waiting: int
    holds_ready: int
    referrals_expiring: int
    donations_month: int
    donated_units_month: int
    households_month: Figure
    week_start: dt.date
    week_end: dt.date
    expiring_days: int = EXPIRING_DAYS

    @property
    def overdue_total(self) -> int:
        return sum(row.loans for row in self.overdue)


def _outflow(kinds: list[StockMovement.Kind], since: dt.datetime) -> Subquery:
    return Subquery(
        StockMovement.objects.filter(
            product_id=OuterRef("product_id"),
            location_id=OuterRef("location_id"),
            at__gte=since,
            kind__in=kinds,
            quantity__lt=0,
        )
        .order_by()
        .values("product_id")
        .annotate(total=Sum("quantity"))
        .values("total")[:1],
        output_field=BigIntegerField(),
    )


def stock_cards(*, now: dt.datetime) -> tuple[list[LowStock], list[Cover], int]:
    """Stock below its minimum per location (with its days of cover there) and the days
    of cover of each active product over the whole network. Two queries."""
    since = now - dt.timedelta(weeks=OUTFLOW_WEEKS)
    levels = (
        StockLevel.objects.filter(product__is_active=True)
        .annotate(
            local_out=Coalesce(_outflow(list(OUTFLOW_KINDS), since), Value(0)) * -1,
            network_out=Coalesce(_outflow(NETWORK_OUTFLOW_KINDS, since), Value(0)) * -1,
        )
        .values(
            "product_id",
            "product__name",
            "location_id",
            "on_hand",
            "local_out",
            "network_out",
        )
    )
    by_level: dict[tuple[int, int], tuple[int, int]] = {}
    totals: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for row in levels:
        by_level[(row["product_id"], row["location_id"])] = (row["on_hand"], row["local_out"])
        total = totals.setdefault(row["product_id"], [0, 0])
        total[0] += row["on_hand"]
        total[1] += row["network_out"]
        names[row["product_id"]] = row["product__name"]
    low = []
    minimums = MinimumLevel.objects.filter(
        product__is_active=True, location__is_active=True
    ).values_list("product_id", "product__name", "location_id", "location__name", "minimum_units")
    for product_id, product, location_id, location, minimum in minimums:
        on_hand, outflow = by_level.get((product_id, location_id), (0, 0))
        if on_hand < minimum:
            low.append(
                LowStock(
                    product_id,
                    product,
                    location_id,
                    location,
                    on_hand,
                    minimum,
                    days_of_cover(on_hand, outflow),
                )
            )
    low.sort(key=lambda r: (r.days if r.days is not None else 10**9, r.product, r.location))
    covers = [
        Cover(pid, names[pid], on_hand, out, days_of_cover(on_hand, out))
        for pid, (on_hand, out) in totals.items()
    ]
    moving = sorted(
        (c for c in covers if c.days is not None), key=lambda c: (c.days or 0, c.product)
    )
    return low, moving[:COVER_ROWS], len(covers) - len(moving)


def month_bounds(today: dt.date) -> tuple[dt.date, dt.date]:
    """The first day of ``today``'s month and the first day of the next."""
    first = today.replace(day=1)
    return first, (first + dt.timedelta(days=32)).replace(day=1)


def dashboard(*, now: dt.datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    today = timezone.localdate(now)
    low, cover, without_outflow = stock_cards(now=now)

    monday = today - dt.timedelta(days=today.weekday())
    sunday = monday + dt.timedelta(days=6)
    week = shift_rows(start=monday, end=sunday)
    live = [row for row in week if row.shift.cancelled_at is None]

    overdue = [
        OverduePoint(row["location_id"], row["location__name"], row["loans"])
        for row in Loan.objects.filter(returned_at__isnull=True, due_on__lt=today)
        .values("location_id", "location__name")
        .annotate(loans=Count("id"))
        .order_by("location__name")
    ]
    holds = Reservation.objects.filter(status__in=Reservation.ACTIVE).aggregate(
        waiting=Count("id", filter=Q(status=Reservation.Status.WAITING)),
        held=Count("id", filter=Q(status=Reservation.Status.HELD)),
    )
    expiring = (
        Referral.objects.counting_on(today)
        .filter(valid_until__lte=today + dt.timedelta(days=EXPIRING_DAYS), renewed_by__isnull=True)
        .count()
    )
    first, next_first = month_bounds(today)
    donations = DonationLine.objects.filter(
        donation__status=Donation.Status.POSTED,
        donation__received_on__gte=first,
        donation__received_on__lt=next_first,
    ).aggregate(donations=Count("donation", distinct=True), units=Sum("quantity"))
    served = households_reached(this_month(today))
    return Dashboard(
        today=today,
        low_stock=low,
        cover=cover,
        products_without_outflow=without_outflow,
        shifts_today=[row for row in week if row.day == today],
        shifts_week=len(live),
        understaffed_week=[row for row in live if row.understaffed and row.day >= today],
        overdue=overdue,
        reservations_waiting=holds["waiting"],
        holds_ready=holds["held"],
        referrals_expiring=expiring,
        donations_month=donations["donations"],
        donated_units_month=donations["units"] or 0,
        households_month=anonymity.households(served),
        week_start=monday,
        week_end=sunday,
    )
