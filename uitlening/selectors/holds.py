"""Reads of reservations: who waits for what (the queue of an item type at a point, a
household's reservations with their place), until when a hold lasts, the household
panel's section, the ``hold_ready`` reminders, and the public catalogue.

One rule, one home: which reservation an item matches (``matches_size``, the queue order
of ``Reservation.Meta.ordering``) and until when a hold lasts (``hold_deadline``) are
here; ``uitlening.services.holds`` applies them under its locks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from kern.models import Location, OpeningHours
from toegang.models import Household, Program
from uitlening.models import Loan, ProgramCategory, Reservation
from uitlening.selectors.panel_kinds import PanelSection
from uitlening.selectors.reminder_kinds import ReminderDue
from voorraad.models import Item, ItemEvent, ItemType

Status = Reservation.Status

#: Days a hold lasts at least when settings.RESERVATION_HOLD_DAYS is not set.
DEFAULT_HOLD_DAYS = 7


def hold_days() -> int:
    """One value for the whole Sociaal Huis (a setting, ``RESERVATION_HOLD_DAYS``): how
    long a family has to collect is a promise the counter makes the same way in every
    program, and a setting needs no migration of ``toegang``'s programs."""
    return max(0, int(getattr(settings, "RESERVATION_HOLD_DAYS", DEFAULT_HOLD_DAYS)))


def normal_size(size: str) -> str:
    return " ".join((size or "").split())


def matches_size(wanted: str, size: str) -> bool:
    """A reservation for ``wanted`` (empty: any size) takes an item of ``size``."""
    wanted = normal_size(wanted)
    return not wanted or wanted.casefold() == normal_size(size).casefold()


def _size_filter(size: str) -> Q:
    """Reservations an item of ``size`` can serve."""
    size = normal_size(size)
    return Q(size="") | Q(size__iexact=size) if size else Q(size="")


def hold_deadline(
    *, location: Location, start: dt.datetime, days: int | None = None
) -> dt.datetime:
    """The end of the first opening day of ``location`` at least ``days`` (default
    ``hold_days()``) after ``start``: the family always has an opening to come by.
    Without opening hours: the end of that day."""
    days = hold_days() if days is None else days
    first = timezone.localtime(start).date() + dt.timedelta(days=days)
    closing: dict[int, dt.time] = {}
    for weekday, closes in OpeningHours.objects.filter(location=location).values_list(
        "weekday", "closes"
    ):
        closing[weekday] = max(closes, closing.get(weekday, closes))
    for offset in range(7 if closing else 1):
        day = first + dt.timedelta(days=offset)
        if not closing or day.weekday() in closing:
            end = closing.get(day.weekday(), dt.time(23, 59, 59))
            return timezone.make_aware(dt.datetime.combine(day, end))
    raise AssertionError("unreachable: a week has every weekday")


def waiting_for(item: Item) -> QuerySet[Reservation]:
    """The waiting reservations an item can serve, first in the queue first: its type,
    its size (or any size), collected where the item is kept; never an anonymised
    household (nobody can collect for it)."""
    return Reservation.objects.filter(
        _size_filter(item.size),
        item_type_id=item.item_type_id,
        location_id=item.location_id,
        status=Status.WAITING,
        household__anonymised_at__isnull=True,
    ).order_by("position", "created_at", "id")


def households_waiting(
    item_type: ItemType, *, size: str | None = None, location: Location | None = None
) -> int:
    """How many households wait for an item of this type (and, given, one of ``size``
    kept at ``location``): a renewal is refused while it is above 0."""
    waiting = Reservation.objects.filter(item_type=item_type, status=Status.WAITING)
    if size is not None:
        waiting = waiting.filter(_size_filter(size))
    if location is not None:
        waiting = waiting.filter(location=location)
    return waiting.values("household_id").distinct().count()


def holds_in_program(*, household: Household, program: Program, exclude_item: Item | None) -> int:
    """Items held for the household in ``program`` (not counting ``exclude_item``, the
    one it is collecting): with its open loans, what its maximum counts."""
    held = Reservation.objects.filter(household=household, program=program, status=Status.HELD)
    if exclude_item is not None:
        held = held.exclude(held_item=exclude_item)
    return held.count()


def active_in_program(*, household: Household, program: Program) -> int:
    return Reservation.objects.filter(
        household=household, program=program, status__in=Reservation.ACTIVE
    ).count()


# --- Queues ------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueEntry:
    reservation: Reservation
    #: 1 for the first household that an item of its size would go to.
    rank: int


def _ranked(reservations: Iterable[Reservation]) -> dict[int, int]:
    """Place of each waiting reservation among those competing for the same items
    (same type and point; sizes that overlap: equal, or either one any size)."""
    ranks: dict[int, int] = {}
    ahead: dict[tuple[int, int], list[Reservation]] = {}
    for reservation in reservations:
        if reservation.status != Status.WAITING:
            continue
        queue = ahead.setdefault((reservation.item_type_id, reservation.location_id), [])
        competing = sum(
            1
            for other in queue
            if matches_size(other.size, reservation.size)
            or matches_size(reservation.size, other.size)
        )
        ranks[reservation.pk] = competing + 1
        queue.append(reservation)
    return ranks


def item_type_queue(*, item_type: ItemType, location: Location | None = None) -> list[QueueEntry]:
    """The active reservations of an item type (at one point, or all), held ones first,
    then the waiting ones in queue order: what a coordinator sees and reorders."""
    rows = list(
        Reservation.objects.filter(item_type=item_type, status__in=Reservation.ACTIVE)
        .filter(**({"location": location} if location is not None else {}))
        .select_related("household", "location", "held_item", "program", "item_type")
        .order_by("location__name", "position", "created_at", "id")
    )
    ranks = _ranked(rows)
    held = [QueueEntry(r, 0) for r in rows if r.status == Status.HELD]
    return held + [QueueEntry(r, ranks[r.pk]) for r in rows if r.status == Status.WAITING]


@dataclass(frozen=True)
class WaitlistRow:
    item_type: ItemType
    location: Location
    waiting: int
    held: int


def waitlist_overview() -> list[WaitlistRow]:
    """Per item type and point: how many families wait and how many items are held."""
    rows = list(
        Reservation.objects.filter(status__in=Reservation.ACTIVE)
        .values("item_type_id", "location_id")
        .annotate(
            waiting=Count("id", filter=Q(status=Status.WAITING)),
            held=Count("id", filter=Q(status=Status.HELD)),
        )
    )
    types = ItemType.objects.in_bulk({r["item_type_id"] for r in rows})
    points = Location.objects.in_bulk({r["location_id"] for r in rows})
    found = [
        WaitlistRow(types[r["item_type_id"]], points[r["location_id"]], r["waiting"], r["held"])
        for r in rows
    ]
    return sorted(found, key=lambda r: (r.item_type.name, r.location.name))


def household_reservations(*, household: Household) -> list[QueueEntry]:
    """The household's active reservations, each with its place in its queue (0 when an
    item is held for it)."""
    mine = list(
        Reservation.objects.filter(household=household, status__in=Reservation.ACTIVE)
        .select_related("item_type", "location", "held_item", "program")
        .order_by("created_at", "id")
    )
    if not mine:
        return []
    queues = Q()
    for reservation in mine:
        queues |= Q(item_type_id=reservation.item_type_id, location_id=reservation.location_id)
    ranks = _ranked(
        Reservation.objects.filter(queues, status=Status.WAITING).order_by(
            "position", "created_at", "id"
        )
    )
    return [QueueEntry(r, ranks.get(r.pk, 0)) for r in mine]


def reservable_types(*, location: Location) -> list[tuple[ItemType, list[str]]]:
    """Item types a family can wait for at ``location`` (their category belongs to an
    active program), with the sizes known in the catalogue."""
    categories = ProgramCategory.objects.filter(program__is_active=True).values("category_id")
    types = list(ItemType.objects.filter(category_id__in=categories).order_by("name"))
    sizes: dict[int, set[str]] = {}
    for type_id, size in (
        Item.objects.filter(item_type__in=types)
        .exclude(status=Item.Status.RETIRED)
        .exclude(size="")
        .values_list("item_type_id", "size")
        # Without the model's ordering, or DISTINCT would run over every item's id.
        .order_by()
        .distinct()
    ):
        sizes.setdefault(type_id, set()).add(size)
    return [(t, sorted(sizes.get(t.pk, ()), key=_size_key)) for t in types]


def _size_key(size: str) -> tuple[int, str]:
    digits = "".join(c for c in size if c.isdigit())
    return (int(digits) if digits else 10**6, size)


# --- The household panel at the counter -------------------------------------------------


def holds_panel_section(
    household: Household, location: Location, on: dt.date
) -> PanelSection | None:
    """The counter's section: the household's reservations (place in the queue, or the
    item held for it and until when) and the form to join a waitlist."""
    return PanelSection(
        template="uitlening/partials/panel_holds.html",
        context=panel_context(household=household, location=location),
    )


def panel_context(*, household: Household, location: Location) -> dict[str, object]:
    return {
        "household": household,
        "location": location,
        "reservations": household_reservations(household=household),
        "types": reservable_types(location=location),
    }


# --- Reminders ---------------------------------------------------------------------------


def hold_ready_reminders(now: dt.datetime) -> list[ReminderDue]:
    """One reminder per hold that is ready to collect (key per reservation and item: a
    hold passed on to the next family is a new reminder for that family)."""
    held = Reservation.objects.filter(status=Status.HELD, held_until__gt=now).select_related(
        "held_item", "item_type", "location"
    )
    return [
        ReminderDue(
            household_id=r.household_id,
            kind="hold_ready",
            key=f"hold_ready:{r.pk}:{r.held_item_id}",
            context={
                "item_type": r.item_type.name,
                "item": r.held_item.name if r.held_item else "",
                "item_code": r.held_item.code if r.held_item else "",
                "size": r.size,
                "location": r.location.name,
                "location_id": r.location_id,
                "held_until": timezone.localtime(r.held_until) if r.held_until else None,
            },
        )
        for r in held
    ]


# --- The public catalogue ---------------------------------------------------------------


@dataclass
class CatalogueSize:
    size: str
    available: int = 0
    out: int = 0  # on loan or held for a family: coming back / being collected
    waiting: int = 0


@dataclass
class CatalogueType:
    item_type: ItemType
    sizes: list[CatalogueSize] = field(default_factory=list)

    @property
    def available(self) -> int:
        return sum(s.available for s in self.sizes)

    @property
    def waiting(self) -> int:
        return sum(s.waiting for s in self.sizes)


@dataclass
class CataloguePoint:
    location: Location
    types: list[CatalogueType] = field(default_factory=list)
    hours: list[OpeningHours] = field(default_factory=list)


def public_catalogue(*, location: Location | None = None) -> list[CataloguePoint]:
    """Per distribution point, the lendable item types with their sizes: how many are
    available now, how many are out (lent or held: they come back) and how many
    families wait. Counts only, nothing about a household: two aggregate queries (items
    by point, type, size and status; waiting reservations by point, type and size),
    plus the points, their opening hours and the types."""
    points = Location.objects.filter(kind=Location.Kind.DISTRIBUTION_POINT, is_active=True)
    if location is not None:
        points = points.filter(pk=location.pk)
    by_point = {p.pk: CataloguePoint(p) for p in points.order_by("name")}
    if not by_point:
        return []
    for hours in OpeningHours.objects.filter(location_id__in=by_point).order_by("weekday", "opens"):
        by_point[hours.location_id].hours.append(hours)
    lendable = ProgramCategory.objects.filter(program__is_active=True).values("category_id")
    counts = (
        Item.objects.filter(location_id__in=by_point, item_type__category_id__in=lendable)
        .exclude(status=Item.Status.RETIRED)
        .values("location_id", "item_type_id", "size")
        .annotate(
            available=Count("id", filter=Q(status=Item.Status.AVAILABLE)),
            out=Count("id", filter=Q(status__in=[Item.Status.ON_LOAN, Item.Status.RESERVED])),
        )
    )
    waiting = (
        Reservation.objects.filter(location_id__in=by_point, status=Status.WAITING)
        .values("location_id", "item_type_id", "size")
        .annotate(n=Count("id"))
    )
    cells: dict[tuple[int, int], dict[str, CatalogueSize]] = {}
    for row in counts:
        size = normal_size(row["size"])
        cell = cells.setdefault((row["location_id"], row["item_type_id"]), {})
        entry = cell.setdefault(size.casefold(), CatalogueSize(size))
        entry.available += row["available"]
        entry.out += row["out"]
    for row in waiting:
        found = cells.get((row["location_id"], row["item_type_id"]))
        if found is None:
            continue
        size = normal_size(row["size"]).casefold()
        if size in found:
            found[size].waiting += row["n"]
        else:  # any size: counted with the type's first size
            min(found.values(), key=lambda s: _size_key(s.size)).waiting += row["n"]
    types = ItemType.objects.in_bulk({type_id for _point, type_id in cells})
    for (point_id, type_id), sizes in cells.items():
        by_point[point_id].types.append(
            CatalogueType(types[type_id], sorted(sizes.values(), key=lambda s: _size_key(s.size)))
        )
    for point in by_point.values():
        point.types.sort(key=lambda t: t.item_type.name)
    return list(by_point.values())


def catalogue_stamp() -> str:
    """Changes whenever a count of the public catalogue can change: every item status
    change writes an item event, a new reservation has a new id, a reservation that
    ends (cancelled, expired, collected) gets its end time. Two index-only reads, so a
    cached page is served without the aggregates and never shows stale counts."""
    last_event = ItemEvent.objects.aggregate(last=Max("id"))["last"]
    reservations = Reservation.objects.aggregate(last=Max("id"), ended=Max("ended_at"))
    ended = reservations["ended"]
    return f"{last_event or 0}.{reservations['last'] or 0}.{ended.timestamp() if ended else 0}"


def catalogue_programs() -> list[Program]:
    """The active programs that lend items, with how a family gets access."""
    lending = ProgramCategory.objects.filter(
        category__item_types__isnull=False, program__is_active=True
    ).values("program_id")
    return list(Program.objects.filter(pk__in=lending).order_by("name"))


def open_loan_types(*, household: Household) -> set[int]:
    """Item type ids the household has on loan now."""
    return set(
        Loan.objects.filter(household=household, returned_at__isnull=True).values_list(
            "item__item_type_id", flat=True
        )
    )
