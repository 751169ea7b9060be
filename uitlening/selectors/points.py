"""Reads of the swap shop (ruilwinkel): a household's points balance, what expires and
when, the grant of the current period, the spending cap, and what a piece of a category
is worth. The services in ``uitlening.services.points`` decide with these, under the
household's lock.

Expiry is first in, first out, decided by replaying the household's ledger in the
order it was written (``open_lots``; by id, because every entry of a household is
written under its lock, so the ids follow that order even where clocks do not):

- every credit opens a lot: earned and granted points with their expiry day; a
  correction up, or points earned while the shop had no expiry, never expire;
- every debit (spent, expired, corrected down) takes from the live lot that expires
  first, non-expiring lots last;
- what is still open in the lots whose day has come is expired.

Why this is right: the open lots always sum to the ledger's sum, the balance (each debit
takes what it says, and the balance never goes below zero). A point that was spent left
its lot, so it is never expired again; a lot that was not spent stays open until its day
comes, so no point lives forever, whatever was spent before it was earned. The write-off
of day d takes exactly the open lots of days up to d: those expire before every other
live lot, so its replay takes them and nothing else, and a second run finds nothing due.
Every write (earn, spend, grant, correction) writes off what expired first, under the
household's lock, so no debit ever takes a lot after its day. The ledger of a household
is small (a few rows per visit), read in one query; the write-off, the spend path and
the panel all use this one replay."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from kern.models import Location
from toegang import selectors as access
from toegang.models import Household, Program
from uitlening.models import PointsBalance, PointsEntry, PointsRate, PointsScheme
from uitlening.selectors.panel_kinds import PanelSection
from voorraad.models import Product, StockLevel

#: The most pieces one earn or spend line may have.
MAX_PIECES = 999
#: The panel warns about points that expire within this many days.
EXPIRING_SOON_DAYS = 30
#: Grant periods are counted from this Monday, so every household's periods line up.
PERIOD_ORIGIN = dt.date(2024, 1, 1)
#: Children count for the grant until this age.
GRANT_CHILD_MAX_YEARS = 18

Kind = PointsEntry.Kind
CREDITS_THAT_EXPIRE = (Kind.EARN, Kind.GRANT)


def swap_program() -> Program | None:
    """The active swap shop program (the first by name when there are several)."""
    return (
        Program.objects.filter(is_active=True, kind=Program.Kind.SWAP_SHOP).order_by("name").first()
    )


def points_scheme(program: Program | None = None) -> PointsScheme | None:
    program = program or swap_program()
    if program is None:
        return None
    return PointsScheme.objects.filter(program=program).first()


def swap_shop() -> tuple[Program | None, PointsScheme | None]:
    """The active swap shop program and its rules, in one query."""
    program = (
        Program.objects.filter(is_active=True, kind=Program.Kind.SWAP_SHOP)
        .select_related("points_scheme")
        .order_by("name")
        .first()
    )
    if program is None:
        return None, None
    try:
        return program, program.points_scheme
    except PointsScheme.DoesNotExist:
        return program, None


def balance_of(household: Household) -> int:
    row = PointsBalance.objects.filter(household=household).values_list("balance", flat=True)
    return int(row.first() or 0)


def rate_for(product: Product) -> PointsRate | None:
    return PointsRate.objects.filter(category_id=product.category_id).first()


def period_start(on: dt.date, days: int) -> dt.date:
    """The first day of the ``days``-long period ``on`` falls in."""
    days = max(1, days)
    return PERIOD_ORIGIN + dt.timedelta(days=((on - PERIOD_ORIGIN).days // days) * days)


def expires_on(scheme: PointsScheme | None, on: dt.date) -> dt.date | None:
    if scheme is None or not scheme.expiry_days:
        return None
    return on + dt.timedelta(days=scheme.expiry_days)


def _sum(queryset: QuerySet[PointsEntry]) -> int:
    return int(queryset.aggregate(total=Sum("delta"))["total"] or 0)


@dataclass
class Lot:
    """What is still open of one credit: ``expires`` None never expires."""

    points: int
    expires: dt.date | None


def _lot_order(lot: Lot) -> tuple[int, dt.date]:
    # Non-expiring lots last; among equal days, the older lot first (a stable sort).
    return (1, dt.date.max) if lot.expires is None else (0, lot.expires)


def replay_lots(entries: Iterable[tuple[int, str, dt.date | None]]) -> list[Lot]:
    """The lots still open after ``entries`` (delta, kind, expires_on), in the order
    they were written: a credit opens a lot (earned and granted points keep their
    expiry; anything else never expires), a debit takes from the lot that expires first.
    Returns the open lots, the first to expire first; their points sum to the ledger's
    sum (the balance)."""
    lots: list[Lot] = []
    for delta, kind, expires in entries:
        if delta > 0:
            lots.append(Lot(delta, expires if kind in CREDITS_THAT_EXPIRE else None))
            lots.sort(key=_lot_order)
            continue
        owed = -delta
        for lot in lots:
            if owed <= 0:
                break
            taken = min(lot.points, owed)
            lot.points -= taken
            owed -= taken
        lots = [lot for lot in lots if lot.points > 0]
    return lots


def _ledger_of(household_id: int) -> list[tuple[int, str, dt.date | None]]:
    return list(
        PointsEntry.objects.filter(household_id=household_id)
        .order_by("id")
        .values_list("delta", "kind", "expires_on")
    )


def open_lots(household: Household) -> list[Lot]:
    """The household's open lots (one query): see the module's docstring."""
    return replay_lots(_ledger_of(household.pk))


def _expired_in(lots: list[Lot], on: dt.date) -> int:
    return sum(lot.points for lot in lots if lot.expires is not None and lot.expires <= on)


def points_expired(household: Household, *, on: dt.date, balance: int | None = None) -> int:
    """Points that have expired by ``on`` and are not written off yet (first in, first
    out, from the replay of the ledger), never more than the balance."""
    balance = balance_of(household) if balance is None else balance
    if balance <= 0:
        return 0
    return max(0, min(_expired_in(open_lots(household), on), balance))


def points_expired_for(household_id: int, *, on: dt.date) -> int:
    """``points_expired`` of a household by id, without its lock: the expiry run's
    first look (it decides again under the lock)."""
    lots = replay_lots(_ledger_of(household_id))
    return _expired_in(lots, on)


@dataclass(frozen=True)
class Expiring:
    points: int
    first_on: dt.date | None


def _expiring_in(lots: list[Lot], on: dt.date, within_days: int) -> Expiring:
    until = on + dt.timedelta(days=within_days)
    soon = [lot for lot in lots if lot.expires is not None and on < lot.expires <= until]
    if not soon:
        return Expiring(0, None)
    return Expiring(
        sum(lot.points for lot in soon), min(lot.expires for lot in soon if lot.expires)
    )


def points_expiring(
    household: Household, *, on: dt.date, within_days: int = EXPIRING_SOON_DAYS
) -> Expiring:
    """Points still open that expire after ``on`` and within ``within_days`` days, and
    the first day some of them do."""
    return _expiring_in(open_lots(household), on, within_days)


def spent_in_window(household: Household, *, on: dt.date, days: int) -> int:
    """Points spent in the ``days`` days up to and including ``on`` (a rolling period,
    like the quota)."""
    start = timezone.make_aware(
        dt.datetime.combine(on - dt.timedelta(days=max(1, days) - 1), dt.time.min)
    )
    return -_sum(
        PointsEntry.objects.filter(household=household, kind=Kind.SPEND, created_at__gte=start)
    )


def _grant_children(household: Household, on: dt.date) -> int:
    count = 0
    for child in household.children.all():
        months = child.age_in_months(on)
        if 0 <= months < GRANT_CHILD_MAX_YEARS * 12:
            count += 1
    return count


@dataclass(frozen=True)
class GrantDue:
    points: int  # what the grant of this period is (0: the shop grants nothing)
    period_start: dt.date | None
    granted: bool  # this period's grant was given already


def grant_due(household: Household, *, on: dt.date, scheme: PointsScheme | None) -> GrantDue:
    if scheme is None or not (scheme.grant_per_adult or scheme.grant_per_child):
        return GrantDue(0, None, False)
    start = period_start(on, scheme.grant_period_days)
    points = (
        household.adults * scheme.grant_per_adult
        + _grant_children(household, on) * scheme.grant_per_child
    )
    granted = PointsEntry.objects.filter(
        household=household, kind=Kind.GRANT, grant_period_start=start
    ).exists()
    return GrantDue(points, start, granted)


@dataclass(frozen=True)
class PointsSummary:
    household: Household
    program: Program | None
    allowed: bool
    balance: int
    expired: int  # expired, written off at the next operation or by expire_points
    expiring: Expiring
    grant: GrantDue
    cap: int | None
    cap_period_days: int
    spent_in_period: int

    @property
    def usable(self) -> int:
        return self.balance - self.expired

    @property
    def cap_left(self) -> int | None:
        return None if self.cap is None else max(0, self.cap - self.spent_in_period)


def points_summary(*, household: Household, location: Location, on: dt.date) -> PointsSummary:
    """What the counter's panel (and ``points_balance``) shows: this runs at every
    check-in, so the ledger is read in two queries (the sums of the period, the replay of
    the lots)."""
    program, scheme = swap_shop()
    allowed = (
        program is None
        or access.entitlement(
            household=household, program=program, location=location, on=on
        ).allowed
    )
    balance = balance_of(household)
    cap_days = scheme.cap_period_days if scheme else 28
    window_start = timezone.make_aware(
        dt.datetime.combine(on - dt.timedelta(days=max(1, cap_days) - 1), dt.time.min)
    )
    grants = bool(scheme and (scheme.grant_per_adult or scheme.grant_per_child))
    grant_start = period_start(on, scheme.grant_period_days) if scheme and grants else None
    sums = PointsEntry.objects.filter(household=household).aggregate(
        spent=Sum("delta", filter=Q(kind=Kind.SPEND, created_at__gte=window_start), default=0),
        granted=Count("id", filter=Q(kind=Kind.GRANT, grant_period_start=grant_start)),
    )
    lots = open_lots(household)
    already = _expired_in(lots, on)
    expiring = _expiring_in(lots, on, EXPIRING_SOON_DAYS)
    if scheme is not None and grants:
        children = sum(
            1
            for child in household.children.all()
            if 0 <= child.age_in_months(on) < GRANT_CHILD_MAX_YEARS * 12
        )
        grant = GrantDue(
            household.adults * scheme.grant_per_adult + children * scheme.grant_per_child,
            grant_start,
            bool(sums["granted"]),
        )
    else:
        grant = GrantDue(0, None, False)
    return PointsSummary(
        household=household,
        program=program,
        allowed=allowed,
        balance=balance,
        expired=max(0, min(already, balance)),
        expiring=expiring,
        grant=grant,
        cap=scheme.spend_cap if scheme else None,
        cap_period_days=cap_days,
        spent_in_period=-int(sums["spent"]),
    )


def earn_products() -> list[Product]:
    """Products a household can bring to the swap shop: of a category with a rate."""
    return list(
        Product.objects.filter(is_active=True, category__points_rate__isnull=False)
        .select_related("category", "category__points_rate")
        .order_by("category__name", "name")
    )


def spend_products(location: Location) -> list[tuple[Product, int]]:
    """Products of a category with a rate that are in stock at ``location``, with the
    units on hand."""
    levels = (
        StockLevel.objects.filter(
            location=location,
            on_hand__gt=0,
            product__is_active=True,
            product__category__points_rate__isnull=False,
        )
        .select_related("product", "product__category", "product__category__points_rate")
        .order_by("product__category__name", "product__name")
    )
    return [(level.product, int(level.on_hand)) for level in levels]


def points_history(household: Household, *, limit: int = 8) -> list[PointsEntry]:
    return list(
        PointsEntry.objects.filter(household=household)
        .select_related("product", "category")
        .order_by("-created_at", "-id")[:limit]
    )


def households_with_expired_points(*, on: dt.date) -> list[int]:
    """Ids of households with a balance and points that expired by ``on``: the
    candidates of ``expire_points`` (each is checked again under its lock)."""
    return list(
        PointsBalance.objects.filter(balance__gt=0)
        .filter(
            Q(
                household__points_entries__kind__in=CREDITS_THAT_EXPIRE,
                household__points_entries__expires_on__lte=on,
            )
        )
        .values_list("household_id", flat=True)
        .distinct()
        .order_by("household_id")
    )


def points_section(household: Household, location: Location, on: dt.date) -> PanelSection | None:
    summary = points_summary(household=household, location=location, on=on)
    if summary.program is None and summary.balance == 0:
        return None  # no swap shop and no points: nothing to show
    if not summary.allowed and summary.balance == 0:
        return None
    return PanelSection(
        template="uitlening/partials/panel_points.html",
        context={
            "household": household,
            "location": location,
            "summary": summary,
            "earn_products": earn_products(),
            "spend_products": spend_products(location),
            "history": points_history(household),
            "form_key": uuid.uuid4().hex,
        },
    )
