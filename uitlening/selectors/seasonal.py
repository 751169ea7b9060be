"""Reads of the seasonal actions: who is entitled (households with access to the action's
program on the action date, their children by age on that day, banded), what is still
to hand out, the pick lists per point, the household panel's section and the
``package_ready`` reminders.

The entitled list is read for every household at once (20,000 and more) in a handful of
queries, whatever the number of households: access in plain SQL (the rules of
``toegang.selectors.entitlement`` over all households at once), the children in one
query, what was handed out in one query; banding and totals in Python."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Prefetch
from django.utils import timezone

from kern import barcodes
from kern.models import Location
from toegang.models import Child, Household
from toegang.selectors import households_with_access
from uitlening.models import AgeBand, PackageLine, SeasonalAction, SeasonalPackage
from uitlening.selectors.panel_kinds import PanelSection
from uitlening.selectors.reminder_kinds import ReminderDue


@dataclass(frozen=True)
class EntitledChild:
    child_id: int
    birth_year: int
    birth_month: int
    age_months: int  # on the action date
    band: AgeBand
    served: bool

    @property
    def born(self) -> str:
        return f"{self.birth_month:02d}/{self.birth_year}"


@dataclass
class EntitledHousehold:
    household_id: int
    postcode: str
    children: list[EntitledChild] = field(default_factory=list)

    @property
    def code(self) -> str:
        return barcodes.encode(barcodes.CodeType.HOUSEHOLD, self.household_id)

    @property
    def waiting(self) -> list[EntitledChild]:
        return [child for child in self.children if not child.served]


@dataclass(frozen=True)
class BandCount:
    band: AgeBand
    children: int
    served: int

    @property
    def waiting(self) -> int:
        return self.children - self.served


@dataclass(frozen=True)
class EntitledList:
    action: SeasonalAction
    bands: list[AgeBand]  # with their lines prefetched
    households: list[EntitledHousehold]  # by household id

    @property
    def counts(self) -> list[BandCount]:
        children: Counter[int] = Counter()
        served: Counter[int] = Counter()
        for household in self.households:
            for child in household.children:
                children[child.band.pk] += 1
                served[child.band.pk] += child.served
        return [BandCount(band, children[band.pk], served[band.pk]) for band in self.bands]

    @property
    def children(self) -> int:
        return sum(len(household.children) for household in self.households)

    @property
    def served(self) -> int:
        return sum(child.served for household in self.households for child in household.children)


def action_bands(action: SeasonalAction) -> list[AgeBand]:
    lines = PackageLine.objects.select_related("product").order_by("product__name")
    return list(
        AgeBand.objects.filter(action=action)
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("from_months", "pk")
    )


def band_for(bands: Sequence[AgeBand], age_months: int) -> AgeBand | None:
    for band in bands:
        if band.from_months <= age_months <= band.to_months:
            return band
    return None


def age_in_months(*, birth_year: int, birth_month: int, on: dt.date) -> int:
    """Age in whole months on ``on``, from the birth month and year only (a child born
    in March is one month old on any day of April)."""
    return (on.year * 12 + on.month) - (birth_year * 12 + birth_month)


def entitled_list(
    action: SeasonalAction,
    *,
    household_id: int | None = None,
    bands: list[AgeBand] | None = None,
) -> EntitledList:
    """Every entitled household of ``action`` (or only ``household_id``) with its
    children in an age band on the action date and whether each got its package."""
    bands = action_bands(action) if bands is None else bands
    if not bands:
        return EntitledList(action, bands, [])
    points = list(action.points.select_related("municipality"))
    access = households_with_access(
        program=action.program, on=action.action_date, locations=points, household_id=household_id
    )
    on = action.action_date
    month_on = on.year * 12 + on.month
    low = min(band.from_months for band in bands)
    high = max(band.to_months for band in bands)
    child_table = Child._meta.db_table
    household_table = Household._meta.db_table
    one = " AND c.household_id = %s" if household_id is not None else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT c.id, c.household_id, h.postcode, c.birth_year, c.birth_month
                  FROM {child_table} c JOIN {household_table} h ON h.id = c.household_id
                 WHERE h.anonymised_at IS NULL
                   AND %s - (c.birth_year * 12 + c.birth_month) BETWEEN %s AND %s{one}
                 ORDER BY c.household_id, c.birth_year, c.birth_month, c.id""",
            [month_on, low, high] + ([household_id] if household_id is not None else []),
        )
        rows = cursor.fetchall()
    served = set(
        SeasonalPackage.objects.filter(action=action, child__isnull=False)
        .filter(**({"household_id": household_id} if household_id is not None else {}))
        .values_list("child_id", flat=True)
    )
    households: dict[int, EntitledHousehold] = {}
    for child_id, hid, postcode, year, month in rows:
        if access is not None and hid not in access:
            continue
        age = month_on - (year * 12 + month)
        band = band_for(bands, age)
        if band is None:
            continue
        entry = households.get(hid)
        if entry is None:
            entry = households[hid] = EntitledHousehold(hid, postcode)
        entry.children.append(EntitledChild(child_id, year, month, age, band, child_id in served))
    return EntitledList(action, bands, list(households.values()))


def running_actions(*, on: dt.date, location: Location | None = None) -> list[SeasonalAction]:
    """Actions whose hand-out window holds ``on`` (at ``location``, when given)."""
    actions = SeasonalAction.objects.filter(handout_from__lte=on, handout_until__gte=on)
    if location is not None:
        actions = actions.filter(points=location)
    return list(actions.select_related("program").order_by("action_date", "pk"))


# --- Pick lists ---------------------------------------------------------------------------


def point_for(postcode: str, points: Sequence[Location]) -> Location | None:
    """The point a household picks up at: the first (by name) in its own postcode, else
    the first whose municipality covers it, else the first point."""
    ordered = sorted(points, key=lambda p: (p.name, p.pk))
    for point in ordered:
        if point.postcode == postcode:
            return point
    for point in ordered:
        if point.municipality and postcode in (point.municipality.postcodes or []):
            return point
    return ordered[0] if ordered else None


@dataclass(frozen=True)
class ProductTotal:
    product_name: str
    packs: int


@dataclass(frozen=True)
class PickBand:
    band: AgeBand
    packages: int
    lines: list[ProductTotal]  # per package


@dataclass(frozen=True)
class PickList:
    action: SeasonalAction
    point: Location
    day: dt.date
    bands: list[PickBand]
    totals: list[ProductTotal]  # over all packages
    households: list[EntitledHousehold]  # with children still waiting


def pick_list(action: SeasonalAction, *, point: Location, day: dt.date) -> PickList:
    """What is still to pick up at ``point``, read now: the packages of every household
    that picks up there and still waits, per band, with the total per product.
    Households are not assigned to days, so ``day`` (the day it is printed for) only
    goes on the list: a list printed for a later day holds everyone still waiting."""
    everyone = entitled_list(action)
    points = list(action.points.select_related("municipality"))
    mine = [
        household
        for household in everyone.households
        if household.waiting and point_for(household.postcode, points) == point
    ]
    packages: Counter[int] = Counter(child.band.pk for h in mine for child in h.waiting)
    totals: Counter[str] = Counter()
    bands = []
    for band in everyone.bands:
        lines = [ProductTotal(line.product.name, line.packs) for line in band.lines.all()]
        for line in lines:
            totals[line.product_name] += line.packs * packages[band.pk]
        bands.append(PickBand(band, packages[band.pk], lines))
    return PickList(
        action=action,
        point=point,
        day=day,
        bands=bands,
        totals=[ProductTotal(name, packs) for name, packs in sorted(totals.items()) if packs],
        households=mine,
    )


# --- Progress -----------------------------------------------------------------------------


def packages_handed_out(action: SeasonalAction) -> int:
    return SeasonalPackage.objects.filter(action=action).count()


# --- The household panel at the counter ---------------------------------------------------


@dataclass(frozen=True)
class PanelAction:
    action: SeasonalAction
    children: list[EntitledChild]

    @property
    def waiting(self) -> list[EntitledChild]:
        return [child for child in self.children if not child.served]


def household_packages(
    *, household: Household, location: Location, on: dt.date
) -> list[PanelAction]:
    """The running actions at ``location`` in which the household has entitled children."""
    found = []
    for action in running_actions(on=on, location=location):
        listed = entitled_list(action, household_id=household.pk)
        if listed.households:
            found.append(PanelAction(action, listed.households[0].children))
    return found


def seasonal_panel(household: Household, location: Location, on: dt.date) -> PanelSection | None:
    actions = household_packages(household=household, location=location, on=on)
    if not actions:
        return None
    return PanelSection(
        template="uitlening/partials/panel_seasonal.html",
        # A fresh idempotency key per rendering: a form posted twice records once.
        context={
            "household": household,
            "location": location,
            "actions": actions,
            "key": uuid.uuid4().hex,
        },
    )


# --- Reminders ----------------------------------------------------------------------------


def package_ready(now: dt.datetime) -> Iterable[ReminderDue]:
    """From the day an action's hand-out opens until it closes: one reminder per
    household with entitled children still without a package. The key is per action
    and household, so each household is told once per action."""
    today = timezone.localdate(now)
    for action in running_actions(on=today):
        listed = entitled_list(action)
        points = ", ".join(p.name for p in action.points.order_by("name"))
        for household in listed.households:
            waiting = household.waiting
            if not waiting:
                continue
            yield ReminderDue(
                household_id=household.household_id,
                kind="package_ready",
                key=f"package_ready:{action.pk}:{household.household_id}",
                context={
                    "action": action.name,
                    "children": len(waiting),
                    "handout_from": action.handout_from,
                    "handout_until": action.handout_until,
                    "points": points,
                },
            )
