"""Repair tickets: an item out of use is assessed, repaired and made available again,
or retired. A return with damage or missing accessories opens one (see loans); a
coordinator opens one by hand and moves it on. At most one open ticket per item (the
database says so too)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kern import audit, permissions
from kern.errors import Conflict, DomainError
from kern.models import User
from uitlening.models import Loan, RepairTicket
from voorraad import services as stock
from voorraad.models import Item

Status = RepairTicket.Status


def _require_stock_role(actor: User) -> None:
    permissions.require(actor, "kern.manage_stock")


def open_ticket_for(
    *, item: Item, loan: Loan | None, problem: str, user: User | None, attach: bool = False
) -> RepairTicket:
    """Open the ticket of an item already in repair (a broken return). In the caller's
    transaction, with the item locked; no role check (the return decided).

    ``attach``: when the item still has an open ticket (e.g. a coordinator made it
    available by hand before the ticket was closed), the new problem is added to that
    ticket instead of refused, so the item never has a problem nobody tracks."""
    if attach:
        open_ticket = (
            RepairTicket.objects.select_for_update(of=("self",))
            .filter(item=item, status__in=RepairTicket.OPEN_STATUSES)
            .first()
        )
        if open_ticket is not None:
            return _add_problem(open_ticket, problem=problem, loan=loan, user=user)
    try:
        with transaction.atomic():
            return RepairTicket.objects.create(
                item=item, loan=loan, problem=problem, opened_by=user
            )
    except IntegrityError:
        raise Conflict(
            _("%(item)s has an open repair ticket already.") % {"item": item.name},
            code="ticket_open",
        ) from None


def _add_problem(
    ticket: RepairTicket, *, problem: str, loan: Loan | None, user: User | None
) -> RepairTicket:
    day = f"{timezone.localdate():%d/%m/%Y}"
    ticket.problem = f"{ticket.problem}\n{day}: {problem}".strip()
    if ticket.loan_id is None and loan is not None:
        ticket.loan = loan
    ticket.save(update_fields=["problem", "loan"])
    audit.record(
        actor=user,
        action="repair_ticket_problem_added",
        obj=ticket,
        details={"problem": problem, "loan": loan.pk if loan is not None else None},
    )
    return ticket


@transaction.atomic
def open_repair_ticket(*, actor: User, item: Item, problem: str) -> RepairTicket:
    """Take an item out of use to be assessed (coordinator). An available or held item
    goes to repair; an item in repair without a ticket gets one. An item still in
    repair with an open ticket is refused (move that ticket on); an item made
    available by hand while its ticket stayed open goes back to repair and the problem
    is added to that ticket."""
    _require_stock_role(actor)
    problem = (problem or "").strip()
    if not problem:
        raise DomainError(_("Say what needs repairing."), field="problem")
    item = Item.objects.select_for_update(of=("self",)).get(pk=item.pk)
    attach = item.status != Item.Status.IN_REPAIR
    if attach:
        item = stock.send_item_to_repair(item=item, user=actor, note=problem)
    ticket = open_ticket_for(item=item, loan=None, problem=problem, user=actor, attach=attach)
    audit.record(actor=actor, action="open_repair_ticket", obj=ticket, details={"item": item.pk})
    return ticket


def _locked(ticket: RepairTicket) -> RepairTicket:
    # The item before the ticket: the order a return (item, then its ticket) keeps too.
    item_id = RepairTicket.objects.values_list("item_id", flat=True).get(pk=ticket.pk)
    Item.objects.select_for_update(of=("self",)).filter(pk=item_id).first()
    return (
        RepairTicket.objects.select_for_update(of=("self",))
        .select_related("item", "item__item_type")
        .get(pk=ticket.pk)
    )


def _move(
    ticket: RepairTicket, *, expected: set[str], status: str, actor: User, notes: str
) -> RepairTicket:
    if ticket.status not in expected:
        raise Conflict(
            _("The repair ticket of %(item)s is %(status)s and cannot become %(wanted)s.")
            % {
                "item": ticket.item.name,
                "status": ticket.get_status_display(),
                "wanted": Status(status).label,
            },
            code="ticket_status",
        )
    notes = (notes or "").strip()
    if notes:
        ticket.notes = f"{ticket.notes}\n{notes}".strip()
    ticket.status = status
    if status in (Status.READY, Status.RETIRED):
        ticket.closed_at = timezone.now()
        ticket.closed_by = actor
    ticket.save(update_fields=["status", "notes", "closed_at", "closed_by"])
    audit.record(actor=actor, action="repair_ticket", obj=ticket, details={"status": status})
    return ticket


@transaction.atomic
def start_repair(*, actor: User, ticket: RepairTicket, notes: str = "") -> RepairTicket:
    """Assessed: it can be repaired."""
    _require_stock_role(actor)
    return _move(
        _locked(ticket), expected={Status.ASSESS}, status=Status.REPAIR, actor=actor, notes=notes
    )


@transaction.atomic
def mark_repaired(*, actor: User, ticket: RepairTicket, notes: str = "") -> RepairTicket:
    """Repaired (or found fine when assessed): the item is available again, when safe.
    An item a coordinator already made available (or that went out since) stays as it
    is and the ticket is simply closed as ready; a retired item's ticket is closed by
    retiring, not by a repair."""
    _require_stock_role(actor)
    ticket = _locked(ticket)
    item = ticket.item
    if item.status == Item.Status.RETIRED:
        raise Conflict(
            _("%(item)s is retired: close its repair ticket as retired.") % {"item": item.name},
            code="ticket_status",
        )
    ticket = _move(
        ticket,
        expected={Status.ASSESS, Status.REPAIR},
        status=Status.READY,
        actor=actor,
        notes=notes,
    )
    if item.status == Item.Status.IN_REPAIR:
        stock.finish_repair(item=item, user=actor, note=notes or _("repaired"))
    return ticket


@transaction.atomic
def retire_from_repair(*, actor: User, ticket: RepairTicket, reason: str) -> RepairTicket:
    """Not worth repairing (or unsafe): the item is retired for good, with the reason.
    An item retired by hand already only has its ticket closed."""
    _require_stock_role(actor)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the item is retired."), field="reason")
    ticket = _locked(ticket)
    ticket = _move(
        ticket,
        expected={Status.ASSESS, Status.REPAIR},
        status=Status.RETIRED,
        actor=actor,
        notes=reason,
    )
    if ticket.item.status != Item.Status.RETIRED:
        stock.retire_item(item=ticket.item, user=actor, note=reason)
    return ticket
