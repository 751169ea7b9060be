"""Reservations and waitlists: a household joins the queue of an item type (and size)
at the point where it wants to collect; a matching item that becomes available there is
held for the first in the queue until the end of an opening day (``hold_deadline``),
then offered to the next (``expire_holds``).

Lock order, as every counter service: the household, then items, then loans, then
reservation rows. ``offer_item`` runs inside whatever made the item available (a return
at the counter, a finished repair, a new item) through
``voorraad.services.on_item_available``: it locks only the queue's reservation rows
(never another household), so the item is held in the same transaction and is never
free for someone else while a family waits. Two returns at once serving one queue: the
second waits for the first's lock on the reservation row and then sees it held."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kern import audit, permissions
from kern.errors import Conflict, DomainError, NotAllowed
from kern.models import Location, User
from toegang.models import Household
from uitlening.models import Loan, Reservation
from uitlening.selectors.holds import (
    active_in_program,
    hold_deadline,
    matches_size,
    normal_size,
    open_loan_types,
    waiting_for,
)
from uitlening.selectors.loans import open_loans
from uitlening.selectors.programs import Entitlements, program_for
from uitlening.services._rules import lock_household, lock_item, reason_text
from voorraad import services as stock
from voorraad.models import Item, ItemType

Status = Reservation.Status
MANAGE_QUEUE = "kern.manage_programs"
MAX_SIZE_LENGTH = 30


def _audit(
    actor: User | None, action: str, reservation: Reservation, source: str, **details: object
) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=reservation,
        source=source,
        details={"household": reservation.household_id, **details},
    )


def _lock(reservation: Reservation) -> Reservation:
    return (
        Reservation.objects.select_for_update(of=("self",))
        .select_related("household", "item_type", "location", "held_item")
        .get(pk=reservation.pk)
    )


def _size(size: str) -> str:
    size = normal_size(size)
    if len(size) > MAX_SIZE_LENGTH:
        raise DomainError(
            _("Keep the size under %(max)d characters.") % {"max": MAX_SIZE_LENGTH}, field="size"
        )
    return size


# --- Offering an item to the queue --------------------------------------------------------


def offer_item(item: Item, user: User | None) -> Reservation | None:
    """Hold an item that just became available for the first household waiting for it
    at its point (its type and size), until the end of an opening day after
    ``hold_days()``. In the caller's transaction (the ``on_item_available`` hook).
    Returns the reservation it is now held for, or None (nobody waits, or the item may
    not go out)."""
    if item.status != Item.Status.AVAILABLE:
        return None
    _forget_lost_holds(item)
    if stock.item_safety_problem(item):
        return None
    # Every waiting row of the queue, locked without LIMIT: with a LIMIT PostgreSQL may
    # skip a row a concurrent offer just held and return nothing instead of the next.
    candidates = list(waiting_for(item).select_for_update(of=("self",)).select_related("household"))
    for reservation in candidates:
        if reservation.status != Status.WAITING:
            continue
        now = timezone.now()
        stock.hold_item(
            item=item,
            held_for=reservation.household.code,
            user=user,
            note=_("held for %(household)s (waitlist)") % {"household": reservation.household.code},
        )
        reservation.status = Status.HELD
        reservation.held_item = item
        reservation.held_at = now
        reservation.held_until = hold_deadline(location=reservation.location, start=now)
        reservation.save(update_fields=["status", "held_item", "held_at", "held_until"])
        _audit(
            user,
            "hold_item",
            reservation,
            "waitlist",
            item=item.pk,
            until=reservation.held_until.isoformat(),
        )
        return reservation
    return None


def _wait_again(reservation: Reservation) -> None:
    reservation.status = Status.WAITING
    reservation.held_item = None
    reservation.held_at = reservation.held_until = None
    reservation.save(update_fields=["status", "held_item", "held_at", "held_until"])


def _forget_lost_holds(item: Item) -> None:
    """A hold whose item became available another way (released or repaired by hand):
    the family waits again in its place, and the item is offered to the queue anew."""
    for lost in Reservation.objects.select_for_update(of=("self",)).filter(
        held_item=item, status=Status.HELD
    ):
        _wait_again(lost)
        _audit(None, "hold_lost", lost, "waitlist", item=item.pk)


def _offer_hook(item: Item, user: User | None) -> None:
    offer_item(item, user)


def register_hooks() -> None:
    """Called from ``UitleningConfig.ready``: an item that becomes available is offered
    to its waitlist first."""
    if _offer_hook not in stock.on_item_available:
        stock.on_item_available.append(_offer_hook)


def _offer_shelf(reservation: Reservation, user: User | None) -> None:
    """A reservation just joined: hold a matching item on the shelf at its point, if
    any. Every available item was offered to its queue when it became available, so
    nobody else waiting can take it: the first one that may go out is this family's."""
    shelf = Item.objects.filter(
        item_type_id=reservation.item_type_id,
        location_id=reservation.location_id,
        status=Item.Status.AVAILABLE,
    )
    if reservation.size:
        shelf = shelf.filter(size__iexact=reservation.size)
    for pk in shelf.order_by("pk").values_list("pk", flat=True)[:20]:
        locked = lock_item(Item(pk=pk))
        if locked.status == Item.Status.AVAILABLE and offer_item(locked, user) is not None:
            return


# --- Joining, leaving, reordering ---------------------------------------------------------


@transaction.atomic
def reserve_item(
    *,
    actor: User,
    household: Household,
    item_type: ItemType,
    size: str = "",
    location: Location,
    source: str = "",
) -> Reservation:
    """Put ``household`` on the waitlist of ``item_type`` (``size``; empty: any size) to
    collect at ``location`` (a point the person works at). When a matching item is on
    the shelf there, it is held at once. Reserving again what the household already
    waits for (same type, size and point) returns that reservation: a retry changes
    nothing.

    Refused: a point that is not a distribution point; no program lends the type, or
    the household has no access to it; the household has an item of this type on loan;
    its loans and reservations in the program reach the program's maximum; it waits for
    this type and size at another point."""
    permissions.require(actor, "kern.use_counter")
    permissions.require_location(actor, location)
    if location.kind != Location.Kind.DISTRIBUTION_POINT:
        raise DomainError(
            _("%(location)s is not a distribution point: families collect at one.")
            % {"location": location.name},
            field="location",
        )
    size = _size(size)
    household = lock_household(household)
    existing = (
        Reservation.objects.select_for_update(of=("self",))
        .filter(household=household, item_type=item_type, size=size, status__in=Reservation.ACTIVE)
        .first()
    )
    if existing is not None:
        if existing.location_id == location.pk:
            return existing
        raise Conflict(
            _(
                "Household %(household)s already waits for a %(type)s%(size)s at "
                "%(location)s: cancel that reservation first."
            )
            % {
                "household": household.code,
                "type": item_type.name,
                "size": f" {size}" if size else "",
                "location": existing.location.name,
            },
            code="already_reserved",
        )
    if item_type.pk in open_loan_types(household=household):
        raise Conflict(
            _(
                "Household %(household)s already has a %(type)s on loan: it cannot wait "
                "for another one. Bring it back or exchange it at the counter."
            )
            % {"household": household.code, "type": item_type.name},
            code="type_on_loan",
        )
    entitlements = Entitlements(household=household, location=location, on=timezone.localdate())
    choice = program_for(
        category_id=item_type.category_id, good=item_type.name, entitlements=entitlements
    )
    program = choice.program
    if program is None:
        raise DomainError(choice.refusal, code=choice.refusal_code)
    limit = program.max_concurrent_loans
    if limit is not None:
        loans = sum(1 for o in open_loans(household=household) if o.loan.program_id == program.pk)
        count = loans + active_in_program(household=household, program=program)
        if count >= limit:
            raise DomainError(
                _(
                    "Household %(household)s already has %(count)d of at most %(max)d loans "
                    "and reservations in %(program)s."
                )
                % {
                    "household": household.code,
                    "count": count,
                    "max": limit,
                    "program": program.name,
                },
                code="max_loans",
            )
    last = (
        Reservation.objects.filter(item_type=item_type, location=location)
        .order_by("-position")
        .values_list("position", flat=True)
        .first()
    )
    try:
        with transaction.atomic():
            reservation = Reservation.objects.create(
                household=household,
                item_type=item_type,
                size=size,
                program=program,
                location=location,
                position=(last or 0) + 1,
                created_by=actor,
            )
    except IntegrityError:
        raise Conflict(
            _("Household %(household)s already waits for a %(type)s.")
            % {"household": household.code, "type": item_type.name},
            code="already_reserved",
        ) from None
    _audit(actor, "reserve_item", reservation, source, item_type=item_type.pk, size=size)
    _offer_shelf(reservation, actor)
    reservation.refresh_from_db()
    return reservation


def _may_end(actor: User, reservation: Reservation) -> None:
    if actor.has_perm(MANAGE_QUEUE):
        return
    permissions.require(actor, "kern.use_counter")
    permissions.require_location(actor, reservation.location)


@transaction.atomic
def cancel_reservation(
    *, actor: User, reservation: Reservation, reason: str = "", source: str = ""
) -> Reservation:
    """Take a household off a waitlist (at the counter of the reservation's point, or a
    coordinator). An item held for it is offered to the next in the queue. Cancelling
    what has ended already changes nothing."""
    _may_end(actor, reservation)
    reason = reason_text(reason, field="reason")
    lock_household(reservation.household)
    if reservation.held_item is not None:
        lock_item(reservation.held_item)
    reservation = _lock(reservation)
    if not reservation.is_active:
        return reservation
    held = reservation.held_item if reservation.status == Status.HELD else None
    _end(reservation, Status.CANCELLED, actor=actor, reason=reason)
    _audit(actor, "cancel_reservation", reservation, source, reason=reason)
    if held is not None:
        _release(held, reservation, actor)
    return reservation


def _end(reservation: Reservation, status: str, *, actor: User | None, reason: str) -> None:
    reservation.status = status
    reservation.ended_at = timezone.now()
    reservation.ended_by = actor
    reservation.end_reason = reason
    reservation.save(update_fields=["status", "ended_at", "ended_by", "end_reason"])


def _release(item: Item, reservation: Reservation, user: User | None) -> None:
    """End the item's hold (it is offered to the next in the queue by the hook), when
    it is still held for this reservation's household."""
    item = lock_item(item)
    if item.status == Item.Status.RESERVED and item.held_for == reservation.household.code:
        stock.release_item(
            item=item,
            user=user,
            note=_("hold for %(household)s ended") % {"household": reservation.household.code},
        )


@transaction.atomic
def reorder_reservation(
    *, actor: User, reservation: Reservation, rank: int, reason: str, source: str = ""
) -> Reservation:
    """Move a waiting reservation to place ``rank`` (1: first) in its queue (its item
    type at its point). Only a coordinator (``manage_programs``: who goes first is a
    program's fairness rule, not stock), with a reason that is kept and logged."""
    permissions.require(actor, MANAGE_QUEUE)
    reason = reason_text(reason, field="reason")
    if not reason:
        raise DomainError(_("Say why this family moves in the queue."), field="reason")
    queue = list(
        Reservation.objects.select_for_update(of=("self",))
        .filter(
            item_type_id=reservation.item_type_id,
            location_id=reservation.location_id,
            status=Status.WAITING,
        )
        .order_by("position", "created_at", "id")
    )
    moving = next((r for r in queue if r.pk == reservation.pk), None)
    if moving is None:
        raise Conflict(
            _("Only a waiting reservation moves in the queue; this one is %(status)s.")
            % {"status": Reservation.objects.get(pk=reservation.pk).get_status_display()},
            code="not_waiting",
        )
    old_rank = queue.index(moving) + 1
    rank = max(1, min(rank, len(queue)))
    queue.remove(moving)
    queue.insert(rank - 1, moving)
    now = timezone.now()
    for position, row in enumerate(queue, start=1):
        if row.position != position or row is moving:
            row.position = position
            if row is moving:
                row.reordered_at, row.reordered_by, row.reorder_reason = now, actor, reason
            row.save(update_fields=["position", "reordered_at", "reordered_by", "reorder_reason"])
    _audit(actor, "reorder_reservation", moving, source, old=old_rank, new=rank, reason=reason)
    return moving


# --- Collecting and expiring --------------------------------------------------------------


def collect_for_loan(*, household: Household, item: Item, loan: Loan) -> Reservation | None:
    """The household borrows ``item``: its reservation for it (the hold, or a waiting
    one of the same type that the item's size serves) is collected. In the lending
    transaction, after the household, the item and the loan."""
    mine = list(
        Reservation.objects.select_for_update(of=("self",))
        .filter(household=household, item_type_id=item.item_type_id, status__in=Reservation.ACTIVE)
        .order_by("created_at", "id")
    )
    held = next((r for r in mine if r.status == Status.HELD and r.held_item_id == item.pk), None)
    chosen = held or next(
        (r for r in mine if r.status == Status.WAITING and matches_size(r.size, item.size)), None
    )
    if chosen is None:
        return None
    chosen.loan = loan
    chosen.save(update_fields=["loan"])
    _end(chosen, Status.COLLECTED, actor=loan.lent_by, reason="")
    _audit(loan.lent_by, "collect_reservation", chosen, "counter", item=item.pk, loan=loan.pk)
    return chosen


def expire_holds(*, now: dt.datetime | None = None) -> int:
    """End every hold past its deadline: the reservation expires and the item goes to
    the next household in the queue (or back on the shelf). Each in its own
    transaction, in the counters' lock order (household, item, reservation), re-checked
    under the locks: two runs at once, or a family collecting at that moment, end each
    hold once. Also puts back in the queue a hold whose item left it outside the
    waitlist (sent to repair, retired, released by hand). Returns the holds ended."""
    now = now or timezone.now()
    ended = 0
    for pk in list(
        Reservation.objects.filter(status=Status.HELD).values_list("pk", flat=True).order_by("pk")
    ):
        with transaction.atomic():
            ended += _expire_one(pk, now)
    return ended


def _expire_one(pk: int, now: dt.datetime) -> int:
    row = Reservation.objects.select_related("household", "held_item").filter(pk=pk).first()
    if row is None or row.status != Status.HELD or row.held_item is None:
        return 0
    lock_household(row.household)
    item = lock_item(row.held_item)
    reservation = _lock(row)
    if reservation.status != Status.HELD:
        return 0
    still_held = item.status == Item.Status.RESERVED and item.held_for == row.household.code
    if not still_held:
        # The item left the hold another way: the family keeps its place and waits on.
        _wait_again(reservation)
        _audit(None, "hold_lost", reservation, "expire_holds", item=item.pk)
        return 0
    if reservation.held_until is None or reservation.held_until > now:
        return 0
    _end(reservation, Status.EXPIRED, actor=None, reason=_("not collected in time"))
    _audit(None, "expire_hold", reservation, "expire_holds", item=item.pk)
    _release(item, reservation, None)
    return 1


def may_manage_queue(user: User) -> bool:
    return user.has_perm(MANAGE_QUEUE)


def require_manage_queue(user: User) -> None:
    if not may_manage_queue(user):
        raise NotAllowed(_("Only a coordinator sees and reorders the waitlists."))
