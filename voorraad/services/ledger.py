"""The stock ledger. Every change of a quantity goes through :func:`post_movement`: one
ledger row and a guarded UPDATE of the running balance, in the caller's transaction.
Documents post all their lines in one transaction, in a fixed order (location, product),
so concurrent writers cannot deadlock.

:func:`post_lines` is how other apps (a distribution at the counter) book a document's
lines; whether the person may do so is decided by the calling service.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kern.errors import Conflict, DomainError
from kern.models import Location, User
from kern.prepared import PreparedInsert
from voorraad.models import (
    Donation,
    Product,
    Purchase,
    StockCount,
    StockLevel,
    StockMovement,
    Transfer,
)
from voorraad.services._checks import (
    check_location,
    check_quantity,
    first_with_key,
    require_stock_role,
)
from voorraad.units import describe_units

Kind = StockMovement.Kind
DocumentType = StockMovement.DocumentType

# Kinds a document's lines are posted as, and the sign their quantity gets.
INCOMING_KINDS = frozenset({Kind.DONATION, Kind.PURCHASE, Kind.TRANSFER_IN})
OUTGOING_KINDS = frozenset({Kind.DISTRIBUTION, Kind.TRANSFER_OUT})


class InsufficientStock(Conflict):
    code = "insufficient_stock"

    @classmethod
    def of(
        cls, product: Product, location: Location, *, on_hand: int, asked: int
    ) -> InsufficientStock:
        return cls(
            _("%(product)s: only %(on_hand)s left at %(location)s, %(asked)s asked.")
            % {
                "product": product.name,
                "on_hand": describe_units(product, on_hand),
                "location": location.name,
                "asked": describe_units(product, asked),
            }
        )


@dataclass(frozen=True)
class Line:
    product: Product
    quantity: int  # units


def merge_lines(lines: Iterable[Line], *, allow_empty: bool = False) -> list[Line]:
    """Validate quantities, add up repeated products, order by product id."""
    totals: dict[int, int] = defaultdict(int)
    products: dict[int, Product] = {}
    for line in lines:
        totals[line.product.pk] += check_quantity(line.product, line.quantity)
        products[line.product.pk] = line.product
    if not totals and not allow_empty:
        raise DomainError(_("There is nothing to book: add at least one line."))
    merged = [Line(products[pk], totals[pk]) for pk in sorted(totals)]
    for line in merged:
        check_quantity(line.product, line.quantity)
    return merged


# Every posting writes one ledger row: the INSERT is written once (kern.prepared).
_INSERT_MOVEMENT = PreparedInsert(StockMovement)

_GUARDED_UPDATE = (
    f"UPDATE {StockLevel._meta.db_table} SET on_hand = on_hand + %s, updated_at = %s"
    " WHERE product_id = %s AND location_id = %s AND on_hand + %s >= 0"
)


def _guarded_update(product_id: int, location_id: int, quantity: int, now: dt.datetime) -> int:
    """Move a balance unless it would go below zero; return the rows changed (0 or 1).

    Plain SQL on the hottest path (the ORM's query building cost more than the query);
    the same statement runs on SQLite and PostgreSQL. Under concurrency PostgreSQL
    re-checks the WHERE on the row it waited for, so two takes cannot both pass."""
    with connection.cursor() as cursor:
        stamp = connection.ops.adapt_datetimefield_value(now)
        cursor.execute(_GUARDED_UPDATE, [quantity, stamp, product_id, location_id, quantity])
        return int(cursor.rowcount)


def post_movement(
    *,
    product: Product,
    location: Location,
    quantity: int,
    kind: str,
    user: User | None,
    document_type: str = "",
    document_id: int | None = None,
    reason: str = "",
    at: dt.datetime | None = None,
    reverses: StockMovement | None = None,
    idempotency_key: str | None = None,
) -> StockMovement:
    """Write one ledger row and move the balance; refuse a balance below zero.

    The building block of every posting: it checks no role and no document, so it runs
    only inside a service that did, and inside that service's transaction."""
    assert transaction.get_connection().in_atomic_block, "post_movement needs a transaction"
    if quantity == 0:
        raise DomainError(
            _("%(product)s: a movement of zero changes nothing.") % {"product": product.name}
        )
    now = timezone.now()
    # The common case is one guarded UPDATE; the balance row is made on first use.
    if _guarded_update(product.pk, location.pk, quantity, now) != 1:
        if quantity > 0:
            # An intake is never refused, also when a concurrent first posting made the
            # row after our UPDATE missed it (PostgreSQL, READ COMMITTED).
            try:
                with transaction.atomic():
                    StockLevel.objects.create(
                        product=product, location=location, on_hand=quantity, updated_at=now
                    )
            except IntegrityError:  # made by a concurrent first posting: add to it
                added = StockLevel.objects.filter(product=product, location=location).update(
                    on_hand=F("on_hand") + quantity, updated_at=now
                )
                if added != 1:
                    raise
        else:
            level = StockLevel.objects.filter(product=product, location=location).first()
            raise InsufficientStock.of(
                product, location, on_hand=level.on_hand if level else 0, asked=-quantity
            )
    return _INSERT_MOVEMENT.insert(
        StockMovement(
            product=product,
            location=location,
            quantity=quantity,
            kind=kind,
            document_type=document_type,
            document_id=document_id,
            reason=reason[:200],
            user=user,
            at=at or now,
            reverses=reverses,
            idempotency_key=idempotency_key,
        )
    )


@transaction.atomic
def post_lines(
    *,
    document_type: str,
    document_id: int,
    location: Location,
    lines: Iterable[Line],
    kind: str,
    user: User | None,
    at: dt.datetime | None = None,
    reason: str = "",
) -> list[StockMovement]:
    """Book the lines of another app's document (a distribution) at one location.

    No role check: the calling service decided that its user may book this document.
    Checked here: the kind and document type, every quantity (positive units, the kind
    gives the sign), the location, and that no balance goes below zero (all lines or
    none). A document is booked once: when movements of this document and kind exist,
    they are returned and nothing is posted again. Concurrent bookings of one document
    are kept apart by the calling service, which locks its document row first."""
    if kind not in INCOMING_KINDS | OUTGOING_KINDS:
        raise DomainError(
            _("A document cannot be booked as “%(kind)s”.") % {"kind": kind}, field="kind"
        )
    if document_type not in DocumentType.values:
        raise DomainError(
            _("“%(type)s” is not a kind of document Deelpunt books.") % {"type": document_type},
            field="document_type",
        )
    booked = list(
        StockMovement.objects.filter(
            document_type=document_type, document_id=document_id, kind=kind
        ).order_by("id")
    )
    if booked:
        return booked
    check_location(location)
    sign = 1 if kind in INCOMING_KINDS else -1
    return [
        post_movement(
            product=line.product,
            location=location,
            quantity=sign * line.quantity,
            kind=kind,
            user=user,
            document_type=document_type,
            document_id=document_id,
            reason=reason,
            at=at,
        )
        for line in merge_lines(lines)
    ]


@dataclass(frozen=True)
class Posting:
    """One signed line of a voorraad document, at one location."""

    location: Location
    product: Product
    quantity: int  # units, signed
    kind: str
    reason: str = ""


BookedDocument = Donation | Purchase | Transfer | StockCount

# Per document model: its document type, and for a document with a draft, the status it
# gets once booked and the field that gets the moment (a purchase is booked when it is
# recorded, so it has no status).
_DOCUMENT_TYPE: dict[type[BookedDocument], str] = {
    Donation: DocumentType.DONATION,
    Purchase: DocumentType.PURCHASE,
    Transfer: DocumentType.TRANSFER,
    StockCount: DocumentType.COUNT,
}
_BOOKED_STATUS: dict[type[BookedDocument], tuple[str, str]] = {
    Donation: (Donation.Status.POSTED, "posted_at"),
    Transfer: (Transfer.Status.DONE, "done_at"),
    StockCount: (StockCount.Status.FINALISED, "finalised_at"),
}


def _book(
    document: BookedDocument,
    postings: Iterable[Posting],
    *,
    user: User,
    at: dt.datetime | None = None,
) -> list[StockMovement]:
    """Post a document's lines in the one order every document uses, (location,
    product), then stamp the document booked. In the caller's transaction."""
    document_type = _DOCUMENT_TYPE[type(document)]
    movements = [
        post_movement(
            product=posting.product,
            location=posting.location,
            quantity=posting.quantity,
            kind=posting.kind,
            user=user,
            document_type=document_type,
            document_id=document.pk,
            reason=posting.reason,
            at=at,
        )
        for posting in sorted(postings, key=lambda p: (p.location.pk, p.product.pk))
    ]
    if not isinstance(document, Purchase):
        status, stamp = _BOOKED_STATUS[type(document)]
        document.status = status
        setattr(document, stamp, at or timezone.now())
        document.save(update_fields=["status", stamp])
    return movements


# --- Corrections, write-offs, reversals -------------------------------------------------


@transaction.atomic
def adjust_stock(
    *,
    actor: User,
    product: Product,
    location: Location,
    quantity: int,
    reason: str,
    write_off: bool = False,
    idempotency_key: str | None = None,
) -> StockMovement:
    """Correct a balance up or down (or write stock off) with a required reason."""
    require_stock_role(actor)
    if idempotency_key:
        existing = StockMovement.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            _("%(product)s: give a reason for the correction.") % {"product": product.name},
            field="reason",
        )
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise DomainError(
            _("%(product)s: “%(quantity)s” is not a whole number.")
            % {"product": product.name, "quantity": quantity},
            field="quantity",
        )
    check_quantity(product, abs(quantity))
    if write_off and quantity > 0:
        quantity = -quantity
    check_location(location)
    # A savepoint only where a key can collide (see first_with_key): it is not free.
    try:
        with transaction.atomic() if idempotency_key else contextlib.nullcontext():
            return post_movement(
                product=product,
                location=location,
                quantity=quantity,
                kind=Kind.WRITE_OFF if write_off else Kind.ADJUSTMENT,
                user=actor,
                reason=reason,
                idempotency_key=idempotency_key or None,
            )
    except IntegrityError:
        existing = first_with_key(StockMovement, idempotency_key)
        if existing is None:
            raise
        return existing


@transaction.atomic
def reverse_movement(*, actor: User, movement: StockMovement, reason: str) -> StockMovement:
    """Undo a movement with an opposite row that points at it."""
    require_stock_role(actor)
    movement = StockMovement.objects.select_related("product", "location").get(pk=movement.pk)
    if movement.kind == Kind.REVERSAL:
        raise DomainError(
            _("A reversal cannot be reversed; book a new correction instead."),
            code="reversal_of_reversal",
        )
    if StockMovement.objects.filter(reverses=movement).exists():
        raise Conflict(_("This movement was reversed already."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give a reason for the reversal."), field="reason")
    try:
        with transaction.atomic():
            return post_movement(
                product=movement.product,
                location=movement.location,
                quantity=-movement.quantity,
                kind=Kind.REVERSAL,
                user=actor,
                document_type=movement.document_type,
                document_id=movement.document_id,
                reason=reason,
                reverses=movement,
            )
    except IntegrityError:  # a concurrent reversal of the same row won
        raise Conflict(_("This movement was reversed already.")) from None


@transaction.atomic
def reverse_document(
    *, document_type: str, document_id: int, reason: str, user: User | None
) -> list[StockMovement]:
    """Undo every movement of another app's document (a distribution corrected the same
    day) with opposite rows that point at them, in the ledger's lock order.

    No role check: the calling service decided that its user may correct this document
    (as ``post_lines``). A document reversed before is refused; concurrent reversals are
    kept apart by the calling service, which locks its document row first, and by the
    one-reversal-per-movement constraint."""
    if document_type not in DocumentType.values:
        raise DomainError(
            _("“%(type)s” is not a kind of document Deelpunt books.") % {"type": document_type},
            field="document_type",
        )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give a reason for the reversal."), field="reason")
    movements = list(
        StockMovement.objects.filter(document_type=document_type, document_id=document_id)
        .exclude(kind=Kind.REVERSAL)
        .select_related("product", "location")
        .order_by("location_id", "product_id", "id")
    )
    if not movements:
        raise DomainError(_("This document has no movements to reverse."))
    if StockMovement.objects.filter(reverses__in=movements).exists():
        raise Conflict(_("This document was reversed already."), code="reversed_already")
    try:
        with transaction.atomic():
            return [
                post_movement(
                    product=movement.product,
                    location=movement.location,
                    quantity=-movement.quantity,
                    kind=Kind.REVERSAL,
                    user=user,
                    document_type=document_type,
                    document_id=document_id,
                    reason=reason,
                    reverses=movement,
                )
                for movement in movements
            ]
    except IntegrityError:  # a concurrent reversal of the same rows won
        raise Conflict(_("This document was reversed already."), code="reversed_already") from None
