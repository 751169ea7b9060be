"""Signals for policy (the Sociaal Huis's "signaalfunctie"): bundled, anonymous counts
that can lead to policy. No household and no worker is named; every figure about
households goes through ``rapportering.anonymity`` (the "< 5" rule).

- households that came regularly and then stayed away (per municipality);
- programs with waitlists and how long families wait;
- stock-outs per product and point (from the ledger);
- referrals per partner organisation (issued, used).

Each signal is a :class:`~rapportering.selectors.report.Table`, so the screen and the
CSV/XLSX export show the same cells."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kern.models import Location, Organisation
from rapportering import anonymity
from rapportering.anonymity import Figure
from rapportering.selectors.filters import ReportFilter, local_midnight
from rapportering.selectors.report import Cell, Table
from toegang.models import Household, Program, Referral
from uitlening.models import Distribution, Loan, Reservation
from voorraad.models import MinimumLevel, StockLevel, StockMovement

#: "Regular": at least this many visits (days with a distribution or a loan) ...
REGULAR_VISITS = 3
#: ... in this many days up to and including the last visit (about six months).
REGULAR_DAYS = 182

KEYS = ("absent", "waitlists", "stockouts", "referrals")


def absent_weeks() -> int:
    return int(getattr(settings, "REPORT_ABSENT_WEEKS", 8))


def reference_day(filters: ReportFilter, today: dt.date | None = None) -> dt.date:
    """The day a signal looks from: the end of the period, or today if that is later."""
    return min(filters.end, today or timezone.localdate())


def _with_total(rows: list[tuple[str, int]], *, label: str) -> list[list[Cell]]:
    """Rows of (name, households) with a total row; a small row is hidden, and a second
    one with it when the total would give it away."""
    hidden = anonymity.mask_breakdown(rows, households=lambda row: row[1])
    cells: list[list[Cell]] = [
        [name, Figure(None) if i in hidden else anonymity.households(n)]
        for i, (name, n) in enumerate(rows)
    ]
    cells.append([label, anonymity.households(sum(n for _name, n in rows))])
    return cells


# --- Households that stayed away ------------------------------------------------------


def _visits(
    *,
    household_ids: Iterable[int] | None,
    since: dt.datetime,
    until: dt.datetime,
    locations: tuple[int, ...],
) -> Iterable[tuple[int, dt.datetime]]:
    """(household id, moment) of every distribution (not corrected away) and loan."""
    distributions = Distribution.objects.filter(
        created_at__gte=since, created_at__lt=until, corrected_at__isnull=True
    )
    loans = Loan.objects.filter(lent_at__gte=since, lent_at__lt=until)
    if household_ids is not None:
        ids = list(household_ids)
        distributions = distributions.filter(household_id__in=ids)
        loans = loans.filter(household_id__in=ids)
    if locations:
        distributions = distributions.filter(location_id__in=locations)
        loans = loans.filter(location_id__in=locations)
    yield from distributions.values_list("household_id", "created_at").iterator()
    yield from loans.values_list("household_id", "lent_at").iterator()


def absent_households(
    *, filters: ReportFilter, today: dt.date | None = None
) -> dict[int | None, int]:
    """Municipality id (None: unknown) → households that came regularly (at least
    ``REGULAR_VISITS`` days with a visit in the ``REGULAR_DAYS`` up to their last visit)
    and whose ``REPORT_ABSENT_WEEKS`` weeks without a visit ran out in the period: their
    last visit was that many weeks before a day of the period, and they did not come back
    before the end of it."""
    ref = reference_day(filters, today)
    weeks = dt.timedelta(weeks=absent_weeks())
    until = local_midnight(ref + dt.timedelta(days=1))
    # The last visit must lie in [start - weeks, ref - weeks] (days, local).
    earliest = local_midnight(filters.start) - weeks
    latest = local_midnight(ref) - weeks + dt.timedelta(days=1)  # exclusive
    last: dict[int, dt.datetime] = {}
    distributions = Distribution.objects.filter(created_at__lt=until, corrected_at__isnull=True)
    loans = Loan.objects.filter(lent_at__lt=until)
    if filters.locations:
        distributions = distributions.filter(location_id__in=filters.locations)
        loans = loans.filter(location_id__in=filters.locations)
    for queryset, field in ((distributions, "created_at"), (loans, "lent_at")):
        for household_id, moment in (
            queryset.order_by().values("household_id").annotate(last=Max(field))
        ).values_list("household_id", "last"):
            if household_id not in last or moment > last[household_id]:
                last[household_id] = moment
    candidates = {hid: at for hid, at in last.items() if earliest <= at < latest}
    if filters.municipalities:
        allowed = set(
            Household.objects.filter(
                pk__in=list(candidates), municipality_id__in=filters.municipalities
            ).values_list("pk", flat=True)
        )
        candidates = {hid: at for hid, at in candidates.items() if hid in allowed}
    if not candidates:
        return {}
    window = dt.timedelta(days=REGULAR_DAYS)
    days: dict[int, set[dt.date]] = defaultdict(set)
    for household_id, moment in _visits(
        household_ids=candidates,
        since=min(candidates.values()) - window,
        until=max(candidates.values()) + dt.timedelta(seconds=1),
        locations=filters.locations,
    ):
        lastv = candidates[household_id]
        if lastv - window < moment <= lastv:
            days[household_id].add(timezone.localdate(moment))
    regular = [hid for hid, seen in days.items() if len(seen) >= REGULAR_VISITS]
    result: dict[int | None, int] = defaultdict(int)
    for municipality_id in Household.objects.filter(pk__in=regular).values_list(
        "municipality_id", flat=True
    ):
        result[municipality_id] += 1
    return dict(result)


def absent_table(*, filters: ReportFilter, today: dt.date | None = None) -> Table:
    counts = absent_households(filters=filters, today=today)
    names = _municipality_names(counts)
    rows = sorted(((names[mid], n) for mid, n in counts.items()), key=lambda r: r[0])
    weeks = absent_weeks()
    return Table(
        key="absent",
        title=_("Households that stayed away after regular visits"),
        columns=[_("Municipality"), _("Households")],
        rows=_with_total(rows, label=_("Total")) if rows else [],
        note=_(
            "Regular: at least %(visits)s days with a visit (consumables or a loan) in the "
            "six months up to the last visit. Counted when the %(weeks)s weeks without a "
            "visit ran out in the period."
        )
        % {"visits": REGULAR_VISITS, "weeks": weeks},
    )


def _municipality_names(counts: dict[int | None, int]) -> dict[int | None, str]:
    from kern.models import Municipality

    names: dict[int | None, str] = {None: _("Municipality unknown")}
    names.update(
        Municipality.objects.filter(pk__in=[m for m in counts if m]).values_list("pk", "name")
    )
    return names


# --- Waitlists --------------------------------------------------------------------------


#: The longest wait is the wait of one family: shown only for a group at least this large.
LONGEST_WAIT_MIN_HOUSEHOLDS = 10


def _wait_cells(waits: list[int], households: int) -> list[Cell]:
    if not waits:
        return [anonymity.households(0), None, None]
    longest: Cell = None
    if households >= LONGEST_WAIT_MIN_HOUSEHOLDS:
        longest = anonymity.about(max(waits), households=households)
    elif anonymity.is_small(households):
        longest = Figure(None)
    return [
        anonymity.households(households),
        anonymity.about(round(statistics.median(waits)), households=households),
        longest,
    ]


def waitlist_table(*, filters: ReportFilter, today: dt.date | None = None) -> Table:
    """Per program: families waiting at the end of the period and how long they have
    waited (median and longest, in days); families whose item was held for them in the
    period and how long they had waited for it."""
    ref = reference_day(filters, today)
    until = local_midnight(ref + dt.timedelta(days=1))
    reservations = Reservation.objects.filter(created_at__lt=until)
    if filters.locations:
        reservations = reservations.filter(location_id__in=filters.locations)
    if filters.municipalities:
        reservations = reservations.filter(household__municipality_id__in=filters.municipalities)
    if filters.programs:
        reservations = reservations.filter(program_id__in=filters.programs)
    # Waiting at the end: made before it, and not held or ended by then.
    waiting = reservations.filter(
        Q(held_at__isnull=True) | Q(held_at__gte=until),
        Q(ended_at__isnull=True) | Q(ended_at__gte=until),
    ).values_list("program_id", "household_id", "created_at")
    served = reservations.filter(held_at__gte=filters.since, held_at__lt=until).values_list(
        "program_id", "household_id", "created_at", "held_at"
    )
    now_waits: dict[int, list[int]] = defaultdict(list)
    now_households: dict[int, set[int]] = defaultdict(set)
    for program_id, household_id, created in waiting:
        now_waits[program_id].append((ref - timezone.localdate(created)).days)
        now_households[program_id].add(household_id)
    done_waits: dict[int, list[int]] = defaultdict(list)
    done_households: dict[int, set[int]] = defaultdict(set)
    for program_id, household_id, created, held in served:
        done_waits[program_id].append((timezone.localdate(held) - timezone.localdate(created)).days)
        done_households[program_id].add(household_id)
    programs = dict(
        Program.objects.filter(pk__in=set(now_waits) | set(done_waits)).values_list("pk", "name")
    )
    rows: list[list[Cell]] = []
    for program_id, name in sorted(programs.items(), key=lambda item: item[1]):
        rows.append(
            [
                name,
                *_wait_cells(now_waits[program_id], len(now_households[program_id])),
                *_wait_cells(done_waits[program_id], len(done_households[program_id])),
            ]
        )
    return Table(
        key="waitlists",
        title=_("Waitlists per program"),
        columns=[
            _("Program"),
            _("Families waiting"),
            _("Median days waiting"),
            _("Longest wait (days)"),
            _("Families served from the waitlist"),
            _("Median days they waited"),
            _("Longest (days)"),
        ],
        rows=rows,
        note=_(
            "Waiting: families on a waitlist at the end of the period, with the days since "
            "they were put on it. Served: families for whom an item was held in the period, "
            "with the days from the reservation to the hold. The longest wait is the wait "
            "of one family, so it is shown only for %(n)d families or more (“—”)."
        )
        % {"n": LONGEST_WAIT_MIN_HOUSEHOLDS},
    )


# --- Stock-outs -------------------------------------------------------------------------


def stockouts(
    *, filters: ReportFilter, now: dt.datetime | None = None
) -> list[tuple[int, int, int, float]]:
    """(product id, location id, times the stock fell to zero, days at zero) in the
    period, from the ledger: the balance at the start is today's balance minus what moved
    since, then every movement of the period in order. Pairs without a minimum there
    count only when they moved in the period."""
    now = now or timezone.now()
    since = filters.since
    end = min(filters.until, now)
    if end <= since:
        return []
    levels = StockLevel.objects.all()
    movements = StockMovement.objects.filter(at__gte=since)
    if filters.locations:
        levels = levels.filter(location_id__in=filters.locations)
        movements = movements.filter(location_id__in=filters.locations)
    if filters.municipalities:
        levels = levels.filter(location__municipality_id__in=filters.municipalities)
        movements = movements.filter(location__municipality_id__in=filters.municipalities)
    balance = {
        (p, loc): on_hand
        for p, loc, on_hand in levels.values_list("product_id", "location_id", "on_hand")
    }
    for p, loc, total in (
        movements.order_by().values("product_id", "location_id").annotate(total=Sum("quantity"))
    ).values_list("product_id", "location_id", "total"):
        balance[(p, loc)] = balance.get((p, loc), 0) - total
    minimums = set(MinimumLevel.objects.values_list("product_id", "location_id"))
    hits: dict[tuple[int, int], int] = defaultdict(int)
    zero_seconds: dict[tuple[int, int], float] = defaultdict(float)
    zero_since: dict[tuple[int, int], dt.datetime] = {
        key: since for key, units in balance.items() if units == 0
    }
    moved: set[tuple[int, int]] = set()
    for p, loc, quantity, at in (
        movements.filter(at__lt=end)
        .order_by("product_id", "location_id", "at", "id")
        .values_list("product_id", "location_id", "quantity", "at")
        .iterator()
    ):
        key = (p, loc)
        moved.add(key)
        before = balance.get(key, 0)
        after = before + quantity
        balance[key] = after
        if before != 0 and after == 0:
            hits[key] += 1
            zero_since[key] = at
        elif before == 0 and after != 0 and key in zero_since:
            zero_seconds[key] += (at - zero_since.pop(key)).total_seconds()
    for key, start in zero_since.items():
        zero_seconds[key] += (end - start).total_seconds()
    result = []
    for key in set(hits) | set(zero_seconds):
        if key not in moved and key not in minimums:
            continue
        if hits[key] or zero_seconds[key] > 0:
            result.append((key[0], key[1], hits[key], zero_seconds[key] / 86400))
    return result


def stockout_table(*, filters: ReportFilter, now: dt.datetime | None = None) -> Table:
    found = stockouts(filters=filters, now=now)
    from voorraad.models import Product

    products = dict(Product.objects.filter(pk__in={r[0] for r in found}).values_list("pk", "name"))
    locations = dict(
        Location.objects.filter(pk__in={r[1] for r in found}).values_list("pk", "name")
    )
    rows: list[list[Cell]] = [
        [products[p], locations[loc], times, round(days)]
        for p, loc, times, days in sorted(
            found, key=lambda r: (-r[3], products[r[0]], locations[r[1]])
        )
    ]
    return Table(
        key="stockouts",
        title=_("Stock-outs per product and point"),
        columns=[_("Product"), _("Location"), _("Times at zero"), _("Days at zero")],
        rows=rows,
        note=_(
            "From the stock ledger: how often the stock of a product at a location fell to "
            "zero in the period, and how many days (rounded) it stayed at zero. Stock is not "
            "about households: shown in full."
        ),
    )


# --- Referrals per organisation ---------------------------------------------------------


def referral_table(*, filters: ReportFilter) -> Table:
    referrals = Referral.objects.filter(created_at__gte=filters.since, created_at__lt=filters.until)
    if filters.municipalities:
        referrals = referrals.filter(household__municipality_id__in=filters.municipalities)
    if filters.programs:
        referrals = referrals.filter(programs__in=filters.programs).distinct()
    per_org = (
        Organisation.objects.filter(referrals__in=referrals)
        .annotate(
            issued=Count("referrals", filter=Q(referrals__in=referrals), distinct=True),
            used=Count(
                "referrals",
                filter=Q(referrals__in=referrals, referrals__first_used_at__isnull=False),
                distinct=True,
            ),
            households=Count(
                "referrals__household", filter=Q(referrals__in=referrals), distinct=True
            ),
            used_households=Count(
                "referrals__household",
                filter=Q(referrals__in=referrals, referrals__first_used_at__isnull=False),
                distinct=True,
            ),
        )
        .order_by("name")
        .values_list("name", "issued", "used", "households", "used_households")
    )
    rows = list(per_org)
    hidden = anonymity.mask_breakdown(rows, households=lambda row: row[3])
    # "Used" is about the families that used a referral, and the Total row shows the sum
    # of the column: mask it as a breakdown of its own, a row hidden above counting as
    # hidden already.
    used_sizes = [1 if i in hidden else row[4] for i, row in enumerate(rows)]
    hidden_used = hidden | anonymity.mask_breakdown(used_sizes, households=lambda size: size)
    cells: list[list[Cell]] = []
    for i, (name, issued, used, households, _used_households) in enumerate(rows):
        cells.append(
            [
                name,
                Figure(None) if i in hidden else anonymity.about(issued, households=households),
                Figure(None) if i in hidden_used else Figure(used),
            ]
        )
    if rows:
        total_households = referrals.values("household_id").distinct().count()
        used_households = (
            referrals.filter(first_used_at__isnull=False).values("household_id").distinct().count()
        )
        cells.append(
            [
                _("Total"),
                anonymity.about(sum(r[1] for r in rows), households=total_households),
                anonymity.about(sum(r[2] for r in rows), households=used_households),
            ]
        )
    return Table(
        key="referrals",
        title=_("Referrals per partner organisation"),
        columns=[_("Organisation"), _("Issued"), _("Used")],
        rows=cells,
        note=_(
            "Referrals issued in the period, and how many of them a family has used at a "
            "counter. Which households, which social workers and why are never shown."
        ),
    )


# --- All of them ------------------------------------------------------------------------


def signal_table(key: str, *, filters: ReportFilter, today: dt.date | None = None) -> Table:
    if key == "absent":
        return absent_table(filters=filters, today=today)
    if key == "waitlists":
        return waitlist_table(filters=filters, today=today)
    if key == "stockouts":
        return stockout_table(filters=filters)
    if key == "referrals":
        return referral_table(filters=filters)
    raise KeyError(key)


def signals(*, filters: ReportFilter, today: dt.date | None = None) -> list[Table]:
    return [signal_table(key, filters=filters, today=today) for key in KEYS]
