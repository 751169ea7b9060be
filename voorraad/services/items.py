"""Lendable items: the coordinator's catalogue of items and their status, and the
transitions a loan at the counter makes (lend, take back, hold, send to repair).

The transitions are called by other apps' services (a loan, a reservation): they check no
role, since the calling service decided who may; they check the item's state and safety.
Every status change is written to the item's history in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kern.errors import Conflict, DomainError
from kern.models import User
from voorraad.models import Item, ItemEvent
from voorraad.services._checks import check_location, require_stock_role, validate

Status = Item.Status

CAR_SEAT_MAX_AGE_DAYS = 10 * 365
# Statuses a coordinator sets by hand; "on loan" is set by a loan at the counter.
MANUAL_STATUSES = {Status.AVAILABLE, Status.RESERVED, Status.IN_REPAIR, Status.RETIRED}

ITEM_TRANSITIONS: dict[str, set[str]] = {
    Status.AVAILABLE: {Status.ON_LOAN, Status.RESERVED, Status.IN_REPAIR, Status.RETIRED},
    Status.RESERVED: {Status.AVAILABLE, Status.ON_LOAN, Status.IN_REPAIR, Status.RETIRED},
    Status.ON_LOAN: {Status.AVAILABLE, Status.IN_REPAIR, Status.RETIRED},
    Status.IN_REPAIR: {Status.AVAILABLE, Status.RETIRED},
    Status.RETIRED: set(),
}
# What a coordinator may set by hand: never "on loan", and never away from it. Only a
# loan puts an item on loan (lend_item) and takes it back (take_back_item), so an item
# and its open loan always agree.
MANUAL_TRANSITIONS: dict[str, set[str]] = {
    status: (set() if status == Status.ON_LOAN else targets & MANUAL_STATUSES)
    for status, targets in ITEM_TRANSITIONS.items()
}
# Statuses in which an item is with a family or about to go: its safety must hold.
GOING_OUT = {Status.AVAILABLE, Status.RESERVED, Status.ON_LOAN}


def item_safety_problem(item: Item, *, on: dt.date | None = None) -> str | None:
    """Why an item may not go out to a family, or None."""
    on = on or timezone.localdate()
    if item.item_type.safety == item.item_type.Safety.CAR_SEAT:
        if item.crashed:
            return _("%(item)s has been in a crash: a car seat is never reused after a crash.") % {
                "item": item.name
            }
        if item.end_of_life_on and item.end_of_life_on <= on:
            return _("%(item)s is past its advised end of life (%(day)s).") % {
                "item": item.name,
                "day": f"{item.end_of_life_on:%d/%m/%Y}",
            }
        if not item.approval:
            return _("%(item)s has no known approval (R44/04 or R129).") % {"item": item.name}
        if not item.end_of_life_on and (
            not item.manufactured_on or (on - item.manufactured_on).days > CAR_SEAT_MAX_AGE_DAYS
        ):
            return _(
                "%(item)s: enter the advised end of life; without it a car seat older than "
                "ten years (or of unknown age) is not lent."
            ) % {"item": item.name}
    return None


#: Called with (item, user) in the transaction that made an item available (returned,
#: repaired, released from a hold, added, set available by hand). ``voorraad`` knows no
#: reservations; the app that keeps them (``uitlening``) registers here in its
#: ``AppConfig.ready`` and may hold the item at once, so it is never free for anyone
#: while a household waits for it.
ItemAvailableCallback = Callable[[Item, User | None], None]
on_item_available: list[ItemAvailableCallback] = []


def _became_available(item: Item, user: User | None) -> None:
    if not on_item_available:
        return
    for callback in tuple(on_item_available):
        callback(item, user)
    # A callback may have held it (on its own locked copy): the caller sees the truth.
    item.refresh_from_db(fields=["status", "held_for"])


def _locked(item: Item) -> Item:
    # of=("self",), not the item type row too (see execute_transfer).
    return Item.objects.select_for_update(of=("self",)).select_related("item_type").get(pk=item.pk)


def _move(item: Item, status: str, *, user: User | None, note: str, held_for: str = "") -> Item:
    """Set the status (and whom it is held for) and write the history row."""
    ItemEvent.objects.create(
        item=item, from_status=item.status, to_status=status, note=note, user=user
    )
    item.status = status
    item.held_for = held_for
    item.save(update_fields=["status", "held_for"])
    if status == Status.AVAILABLE:
        _became_available(item, user)
    return item


def _refuse_unsafe(item: Item) -> None:
    problem = item_safety_problem(item)
    if problem:
        raise DomainError(problem, code="unsafe_item")


# --- The coordinator's screens ----------------------------------------------------------


@transaction.atomic
def save_item(*, actor: User, item: Item, note: str = "") -> Item:
    require_stock_role(actor)
    is_new = item.pk is None
    previous_status = (
        None
        if is_new
        else Item.objects.select_for_update().values_list("status", flat=True).get(pk=item.pk)
    )
    if (
        is_new
        or item.location_id
        != Item.objects.filter(pk=item.pk).values_list("location_id", flat=True).first()
    ):
        check_location(item.location)
    if item.crashed and item.status in (Status.AVAILABLE, Status.RESERVED):
        item.status = Status.RETIRED
        note = note or _("retired: has been in a crash")
    if item.status in GOING_OUT:
        problem = item_safety_problem(item)
        if problem and (is_new or previous_status != item.status):
            raise DomainError(problem, code="unsafe_item")
    if item.status != Status.RESERVED:
        item.held_for = ""
    validate(item)
    item.save()
    if is_new:
        ItemEvent.objects.create(
            item=item, from_status="", to_status=item.status, note=note or _("added"), user=actor
        )
    elif previous_status != item.status:
        # Every status change belongs in the item's history, also the retirement above.
        ItemEvent.objects.create(
            item=item,
            from_status=previous_status or "",
            to_status=item.status,
            note=note,
            user=actor,
        )
    if item.status == Status.AVAILABLE and previous_status != Status.AVAILABLE:
        _became_available(item, actor)
    return item


@transaction.atomic
def change_item_status(*, actor: User, item: Item, status: str, note: str = "") -> Item:
    """A coordinator sets an item's status by hand, along ``MANUAL_TRANSITIONS``."""
    require_stock_role(actor)
    item = _locked(item)
    if status not in Status.values:
        raise DomainError(_("Unknown status “%(status)s”.") % {"status": status})
    if status == item.status:
        return item
    if Status.ON_LOAN in (status, item.status):
        raise Conflict(
            _(
                "%(item)s goes on loan and comes back only through a loan at the counter, "
                "not by hand."
            )
            % {"item": item.name},
            code="item_on_loan_by_loans_only",
        )
    if status not in MANUAL_TRANSITIONS[item.status]:
        raise Conflict(
            _("%(item)s is %(current)s and cannot become %(wanted)s.")
            % {
                "item": item.name,
                "current": item.get_status_display(),
                "wanted": Status(status).label,
            }
        )
    if status in GOING_OUT:
        _refuse_unsafe(item)
    held_for = item.held_for if status == Status.RESERVED else ""
    return _move(item, status, user=actor, note=note, held_for=held_for)


# --- Transitions for loans (called by other apps' services) -----------------------------


def _unavailable(item: Item, message: str) -> Conflict:
    return Conflict(
        message % {"item": item.name, "status": item.get_status_display()},
        code="item_unavailable",
    )


def _check_hold(item: Item, holder: str) -> None:
    if item.status == Status.RESERVED and item.held_for and item.held_for != holder:
        raise Conflict(
            _("%(item)s is held for someone else.") % {"item": item.name}, code="item_held"
        )


def _holder(held_for: str) -> str:
    holder = (held_for or "").strip()
    if not holder:
        raise DomainError(_("Say whom the item is for."), field="held_for")
    if len(holder) > (Item._meta.get_field("held_for").max_length or 0):
        raise DomainError(_("That reference is too long for an item hold."), field="held_for")
    return holder


@transaction.atomic
def lend_item(*, item: Item, borrower: str, user: User | None, note: str = "") -> Item:
    """Hand an item out: available, or held for this ``borrower`` (a reference the calling
    app chooses, e.g. a household code), and safe to use."""
    borrower = _holder(borrower)
    item = _locked(item)
    if item.status not in (Status.AVAILABLE, Status.RESERVED):
        raise _unavailable(item, _("%(item)s is %(status)s and cannot be lent."))
    _check_hold(item, borrower)
    _refuse_unsafe(item)
    return _move(item, Status.ON_LOAN, user=user, note=note)


@transaction.atomic
def take_back_item(
    *, item: Item, user: User | None, needs_repair: bool = False, note: str = ""
) -> Item:
    """Take a lent item back: available again, or in repair when it came back broken."""
    item = _locked(item)
    if item.status != Status.ON_LOAN:
        raise _unavailable(
            item, _("%(item)s is not on loan (it is %(status)s): there is nothing to take back.")
        )
    status = Status.IN_REPAIR if needs_repair else Status.AVAILABLE
    return _move(item, status, user=user, note=note)


@transaction.atomic
def hold_item(*, item: Item, held_for: str, user: User | None, note: str = "") -> Item:
    """Keep an available item for one person (``held_for``, a reference the calling app
    chooses). Holding it again for the same person changes nothing."""
    held_for = _holder(held_for)
    item = _locked(item)
    if item.status == Status.RESERVED and item.held_for == held_for:
        return item
    _check_hold(item, held_for)
    if item.status != Status.AVAILABLE:
        raise _unavailable(item, _("%(item)s is %(status)s and cannot be held for anyone."))
    _refuse_unsafe(item)
    return _move(item, Status.RESERVED, user=user, note=note, held_for=held_for)


@transaction.atomic
def release_item(*, item: Item, user: User | None, note: str = "") -> Item:
    """End a hold: the item is available for anyone again."""
    item = _locked(item)
    if item.status != Status.RESERVED:
        raise _unavailable(item, _("%(item)s is %(status)s, not held: there is no hold to end."))
    return _move(item, Status.AVAILABLE, user=user, note=note)


@transaction.atomic
def send_item_to_repair(*, item: Item, user: User | None, note: str) -> Item:
    """Take an item out of use to be repaired; ``note`` says what is wrong. A hold on it
    ends; an item on loan is taken back in repair (see take_back_item)."""
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Say what needs repairing."), field="note")
    item = _locked(item)
    if item.status not in (Status.AVAILABLE, Status.RESERVED):
        raise _unavailable(item, _("%(item)s is %(status)s and cannot go to repair."))
    return _move(item, Status.IN_REPAIR, user=user, note=note)


@transaction.atomic
def finish_repair(*, item: Item, user: User | None, note: str = "") -> Item:
    """A repaired item is available again, when it is safe to lend (a car seat past its
    end of life is retired, not repaired)."""
    item = _locked(item)
    if item.status != Status.IN_REPAIR:
        raise _unavailable(
            item, _("%(item)s is %(status)s, not in repair: there is nothing to finish.")
        )
    _refuse_unsafe(item)
    return _move(item, Status.AVAILABLE, user=user, note=note)


@transaction.atomic
def retire_item(*, item: Item, user: User | None, note: str) -> Item:
    """Take an item out of use for good; ``note`` says why. An item on loan is taken back
    first (see take_back_item)."""
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Say why the item is retired."), field="note")
    item = _locked(item)
    if item.status not in (Status.AVAILABLE, Status.RESERVED, Status.IN_REPAIR):
        raise _unavailable(item, _("%(item)s is %(status)s and cannot be retired."))
    return _move(item, Status.RETIRED, user=user, note=note)
