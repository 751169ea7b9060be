"""Partner requests: a social worker of a partner organisation asks for goods for the
families it follows (how many households and children, never who); a coordinator
approves them, possibly with other quantities and a note, or refuses them; at the
pick-up point they are handed over once, out of that point's stock.

Who may do what: a partner's social worker (``kern.manage_referrals`` and an
organisation) submits and edits only their organisation's requests; a coordinator
(``kern.manage_stock``) decides; the hand-over is counter work at the pick-up point
(``kern.use_counter`` there)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kern import audit, permissions
from kern.errors import Conflict, DomainError, NotAllowed
from kern.models import Location, User
from uitlening.models import PartnerHandover, PartnerRequest, PartnerRequestLine
from uitlening.services._rules import idempotency_key_text, require_counter
from voorraad import services as stock
from voorraad.models import Product, StockMovement

REQUEST_PERMISSION = "kern.manage_referrals"
DECIDE_PERMISSION = "kern.manage_stock"
MAX_PACKS = 10_000
MAX_SERVED = 100_000
MAX_LINES = 50
MAX_NOTE = 1000

Status = PartnerRequest.Status


@dataclass(frozen=True)
class RequestedLine:
    product: Product
    packs: int


def _label(request: PartnerRequest) -> str:
    return _("request %(number)s of %(organisation)s") % {
        "number": request.pk,
        "organisation": request.organisation.name,
    }


def _require_partner(actor: User) -> None:
    permissions.require(actor, REQUEST_PERMISSION)
    if actor.organisation_id is None:
        raise NotAllowed(
            _("Only a social worker of a partner organisation requests goods for it."),
            code="no_organisation",
        )


def _require_own(actor: User, request: PartnerRequest) -> None:
    _require_partner(actor)
    if request.organisation_id != actor.organisation_id:
        raise NotAllowed(
            _("This request belongs to another organisation."), code="other_organisation"
        )


def _note(text: str, *, field: str = "note") -> str:
    text = (text or "").strip()
    if len(text) > MAX_NOTE:
        raise DomainError(
            _("Keep the note under %(max)d characters.") % {"max": MAX_NOTE}, field=field
        )
    return text


def _check_request(
    *,
    pickup_location: Location,
    pickup_date: dt.date,
    households_served: int,
    children_served: int,
    lines: Sequence[RequestedLine],
) -> list[RequestedLine]:
    if pickup_location.kind != Location.Kind.DISTRIBUTION_POINT or not pickup_location.is_active:
        raise DomainError(
            _("%(location)s is not a distribution point to pick up at.")
            % {"location": pickup_location.name},
            field="pickup_location",
        )
    if pickup_date < timezone.localdate():
        raise DomainError(_("The pick-up day is in the past."), field="pickup_date")
    if not 1 <= households_served <= MAX_SERVED:
        raise DomainError(
            _("Say how many households the goods are for (at least one)."),
            field="households_served",
        )
    if not 0 <= children_served <= MAX_SERVED:
        raise DomainError(
            _("Say how many children the goods are for (0 or more)."), field="children_served"
        )
    merged: dict[int, RequestedLine] = {}
    for line in lines:
        if not 1 <= line.packs <= MAX_PACKS:
            raise DomainError(
                _("%(product)s: ask 1 to %(max)d packs.")
                % {"product": line.product.name, "max": MAX_PACKS},
                field="lines",
            )
        previous = merged.get(line.product.pk)
        packs = line.packs + (previous.packs if previous else 0)
        merged[line.product.pk] = RequestedLine(line.product, min(packs, MAX_PACKS))
    if not merged:
        raise DomainError(_("Ask for at least one product."), field="lines")
    if len(merged) > MAX_LINES:
        raise DomainError(
            _("A request holds at most %(max)d products.") % {"max": MAX_LINES}, field="lines"
        )
    return [merged[pk] for pk in sorted(merged)]


@transaction.atomic
def submit_partner_request(
    *,
    actor: User,
    pickup_location: Location,
    pickup_date: dt.date,
    households_served: int,
    children_served: int,
    lines: Sequence[RequestedLine],
    note: str = "",
) -> PartnerRequest:
    """A request of the actor's organisation, waiting for a coordinator."""
    _require_partner(actor)
    checked = _check_request(
        pickup_location=pickup_location,
        pickup_date=pickup_date,
        households_served=households_served,
        children_served=children_served,
        lines=lines,
    )
    assert actor.organisation is not None  # _require_partner
    request = PartnerRequest.objects.create(
        organisation=actor.organisation,
        requested_by=actor,
        pickup_location=pickup_location,
        pickup_date=pickup_date,
        households_served=households_served,
        children_served=children_served,
        note=_note(note),
    )
    PartnerRequestLine.objects.bulk_create(
        PartnerRequestLine(request=request, product=line.product, requested_packs=line.packs)
        for line in checked
    )
    audit.record(actor=actor, action="create", obj=request)
    return request


@transaction.atomic
def update_partner_request(
    *,
    actor: User,
    request: PartnerRequest,
    pickup_location: Location,
    pickup_date: dt.date,
    households_served: int,
    children_served: int,
    lines: Sequence[RequestedLine],
    note: str = "",
) -> PartnerRequest:
    """Change a request of the actor's organisation while it waits for approval."""
    _require_own(actor, request)
    request = PartnerRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != Status.SUBMITTED:
        raise Conflict(
            _("%(request)s is %(status)s: it cannot be changed any more.")
            % {"request": _label(request), "status": request.get_status_display()},
            code="request_decided",
        )
    checked = _check_request(
        pickup_location=pickup_location,
        pickup_date=pickup_date,
        households_served=households_served,
        children_served=children_served,
        lines=lines,
    )
    request.pickup_location = pickup_location
    request.pickup_date = pickup_date
    request.households_served = households_served
    request.children_served = children_served
    request.note = _note(note)
    request.save()
    request.lines.all().delete()
    PartnerRequestLine.objects.bulk_create(
        PartnerRequestLine(request=request, product=line.product, requested_packs=line.packs)
        for line in checked
    )
    audit.record(actor=actor, action="update", obj=request)
    return request


def _decidable(actor: User, request: PartnerRequest) -> PartnerRequest:
    permissions.require(actor, DECIDE_PERMISSION)
    request = (
        PartnerRequest.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=request.pk)
    )
    if request.status != Status.SUBMITTED:
        raise Conflict(
            _("%(request)s was decided already: %(status)s.")
            % {"request": _label(request), "status": request.get_status_display()},
            code="request_decided",
        )
    return request


@transaction.atomic
def approve_partner_request(
    *,
    actor: User,
    request: PartnerRequest,
    approved_packs: Mapping[int, int] | None = None,
    note: str = "",
) -> PartnerRequest:
    """Approve a waiting request as asked, or with other packs per product
    (``approved_packs``: product id → packs, 0 for none); other quantities need a note
    for the partner."""
    request = _decidable(actor, request)
    note = _note(note, field="decision_note")
    lines = list(request.lines.select_related("product").order_by("pk"))
    changed = False
    for line in lines:
        packs = line.requested_packs
        if approved_packs is not None and line.product_id in approved_packs:
            packs = approved_packs[line.product_id]
        if not 0 <= packs <= MAX_PACKS:
            raise DomainError(
                _("%(product)s: approve 0 to %(max)d packs.")
                % {"product": line.product.name, "max": MAX_PACKS},
                field="approved_packs",
            )
        changed |= packs != line.requested_packs
        line.approved_packs = packs
    if not any(line.approved_packs for line in lines):
        raise DomainError(
            _("Approve at least one pack, or refuse the request."), field="approved_packs"
        )
    if changed and not note:
        raise DomainError(
            _("Say in a note why the quantities differ from the request."),
            field="decision_note",
        )
    PartnerRequestLine.objects.bulk_update(lines, ["approved_packs"])
    request.status = Status.APPROVED
    request.decided_at = timezone.now()
    request.decided_by = actor
    request.decision_note = note
    request.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    audit.record(actor=actor, action="approve", obj=request, details={"changed": changed})
    return request


@transaction.atomic
def refuse_partner_request(*, actor: User, request: PartnerRequest, note: str) -> PartnerRequest:
    request = _decidable(actor, request)
    note = _note(note, field="decision_note")
    if not note:
        raise DomainError(_("Say in a note why the request is refused."), field="decision_note")
    request.status = Status.REFUSED
    request.decided_at = timezone.now()
    request.decided_by = actor
    request.decision_note = note
    request.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    audit.record(actor=actor, action="refuse", obj=request)
    return request


def _handed_over_already(request: PartnerRequest, handover: PartnerHandover) -> Conflict:
    return Conflict(
        _("%(request)s was handed over already on %(day)s.")
        % {
            "request": _label(request),
            "day": f"{timezone.localtime(handover.created_at):%d/%m/%Y %H:%M}",
        },
        code="handed_over_already",
    )


@transaction.atomic
def hand_over_partner_request(
    *,
    actor: User,
    request: PartnerRequest,
    idempotency_key: str | None = None,
    source: str = "",
) -> PartnerHandover:
    """Hand the approved goods of ``request`` over at its pick-up point: one document,
    its lines out of the point's stock, the handed-out packs kept per line. Once per
    request (the database keeps it so); the same key from the same person gets the first
    hand-over back. Short stock: refused, naming product and point, nothing written."""
    require_counter(actor, request.pickup_location)
    key = idempotency_key_text(idempotency_key)
    # The request row first: two counters handing one request over wait for each other.
    request = (
        PartnerRequest.objects.select_for_update(of=("self",))
        .select_related("organisation", "pickup_location")
        .get(pk=request.pk)
    )
    existing = PartnerHandover.objects.filter(request=request).first()
    if existing is not None:
        if key and existing.user_id == actor.pk and existing.idempotency_key == key:
            return existing
        raise _handed_over_already(request, existing)
    if request.status != Status.APPROVED:
        raise DomainError(
            _("%(request)s is %(status)s: only an approved request is handed over.")
            % {"request": _label(request), "status": request.get_status_display()},
            code="not_approved",
        )
    lines = [
        line
        for line in request.lines.select_related("product").order_by("product_id")
        if line.approved_packs
    ]
    now = timezone.now()
    try:
        with transaction.atomic():
            handover = PartnerHandover.objects.create(
                request=request,
                location=request.pickup_location,
                user=actor,
                created_at=now,
                idempotency_key=key,
            )
    except IntegrityError:
        existing = PartnerHandover.objects.filter(request=request).first()
        if existing is None:
            raise
        raise _handed_over_already(request, existing) from None
    stock.post_lines(
        document_type=StockMovement.DocumentType.PARTNER_HANDOVER,
        document_id=handover.pk,
        location=request.pickup_location,
        lines=[
            stock.Line(line.product, (line.approved_packs or 0) * line.product.pack_size)
            for line in lines
        ],
        kind=StockMovement.Kind.DISTRIBUTION,
        user=actor,
        at=now,
        reason=_("hand-over of %(request)s") % {"request": _label(request)},
    )
    for line in lines:
        line.handed_out_packs = line.approved_packs or 0
    PartnerRequestLine.objects.bulk_update(lines, ["handed_out_packs"])
    request.status = Status.HANDED_OVER
    request.save(update_fields=["status"])
    audit.record(actor=actor, action="hand_over", obj=request, source=source)
    return handover
