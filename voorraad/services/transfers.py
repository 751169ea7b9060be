"""Transfers between locations: planned with a pick list, then executed (out of one
location and into the other in one transaction) or cancelled."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kern.errors import Conflict, DomainError
from kern.models import Location, User
from voorraad.models import StockLevel, Transfer, TransferLine
from voorraad.services._checks import check_location, first_with_key, require_stock_role
from voorraad.services.ledger import InsufficientStock, Kind, Line, Posting, _book, merge_lines


@transaction.atomic
def plan_transfer(
    *,
    actor: User,
    from_location: Location,
    to_location: Location,
    lines: Sequence[Line],
    note: str = "",
    idempotency_key: str | None = None,
) -> Transfer:
    require_stock_role(actor)
    if idempotency_key:
        existing = Transfer.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    if from_location.pk == to_location.pk:
        raise DomainError(
            _(
                "A transfer from %(location)s to %(location)s moves nothing: choose another destination."
            )
            % {"location": from_location.name},
            field="to_location",
        )
    check_location(from_location)
    check_location(to_location)
    merged = merge_lines(lines)
    levels = dict(
        StockLevel.objects.filter(
            location=from_location, product__in=[line.product for line in merged]
        ).values_list("product_id", "on_hand")
    )
    for line in merged:  # checked again, under the guarded update, when it is executed
        on_hand = levels.get(line.product.pk, 0)
        if line.quantity > on_hand:
            raise InsufficientStock.of(
                line.product, from_location, on_hand=on_hand, asked=line.quantity
            )
    try:
        with transaction.atomic():  # the same key at the same time: see first_with_key
            transfer = Transfer.objects.create(
                from_location=from_location,
                to_location=to_location,
                note=note,
                created_by=actor,
                idempotency_key=idempotency_key or None,
            )
    except IntegrityError:
        existing = first_with_key(Transfer, idempotency_key)
        if existing is None:
            raise
        return existing
    TransferLine.objects.bulk_create(
        TransferLine(transfer=transfer, product=line.product, quantity=line.quantity)
        for line in merged
    )
    return transfer


@transaction.atomic
def execute_transfer(*, actor: User, transfer: Transfer, at: dt.datetime | None = None) -> Transfer:
    """Move the stock of a planned transfer: out of one location, into the other."""
    require_stock_role(actor)
    # of=("self",): a plain FOR UPDATE with select_related would also lock both location
    # rows on PostgreSQL, and every posting's (deferred) foreign-key check on a location
    # waits for that lock at COMMIT: concurrent takes and transfers would deadlock.
    transfer = (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("from_location", "to_location")
        .get(pk=transfer.pk)
    )
    if transfer.status == Transfer.Status.DONE:
        return transfer  # a second click or scan changes nothing
    if transfer.status != Transfer.Status.PLANNED:
        raise Conflict(_("This transfer was cancelled."))
    postings = [
        Posting(location, line.product, sign * line.quantity, kind)
        for line in transfer.lines.select_related("product")
        for location, sign, kind in (
            (transfer.from_location, -1, Kind.TRANSFER_OUT),
            (transfer.to_location, 1, Kind.TRANSFER_IN),
        )
    ]
    _book(transfer, postings, user=actor, at=at)
    return transfer


@transaction.atomic
def cancel_transfer(*, actor: User, transfer: Transfer) -> Transfer:
    require_stock_role(actor)
    transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.status == Transfer.Status.DONE:
        raise Conflict(_("This transfer is done already; book a transfer back instead."))
    transfer.status = Transfer.Status.CANCELLED
    transfer.save(update_fields=["status"])
    return transfer


@transaction.atomic
def transfer_stock(
    *,
    actor: User,
    from_location: Location,
    to_location: Location,
    lines: Sequence[Line],
    note: str = "",
    idempotency_key: str | None = None,
    at: dt.datetime | None = None,
) -> Transfer:
    transfer = plan_transfer(
        actor=actor,
        from_location=from_location,
        to_location=to_location,
        lines=lines,
        note=note,
        idempotency_key=idempotency_key,
    )
    return execute_transfer(actor=actor, transfer=transfer, at=at)
