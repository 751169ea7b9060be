"""Stock counts: started at a location, filled in over several sessions, finalised with
one correction per product that differs from the ledger at the moment it was counted."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kern.errors import Conflict, NotFound
from kern.models import Location, User
from voorraad.models import Product, StockCount, StockCountLine, StockLevel, StockMovement
from voorraad.services._checks import check_location, check_quantity, require_stock_role
from voorraad.services.ledger import Kind, Posting, _book


@transaction.atomic
def start_count(*, actor: User, location: Location, note: str = "") -> StockCount:
    require_stock_role(actor)
    check_location(location)
    already_open = Conflict(
        _("A count is already open at %(location)s: continue that one.")
        % {"location": location.name}
    )
    if StockCount.objects.filter(location=location, status=StockCount.Status.OPEN).exists():
        raise already_open
    try:
        with transaction.atomic():
            return StockCount.objects.create(location=location, started_by=actor, note=note)
    except IntegrityError:
        raise already_open from None


def _open_count(count: StockCount) -> StockCount:
    # of=("self",), not the location row too (see execute_transfer).
    locked = (
        StockCount.objects.select_for_update(of=("self",))
        .select_related("location")
        .get(pk=count.pk)
    )
    if locked.status != StockCount.Status.OPEN:
        raise Conflict(_("This count is closed."))
    return locked


@transaction.atomic
def record_count(
    *, actor: User, count: StockCount, product: Product, counted: int
) -> StockCountLine:
    """Enter (or correct) what was counted of a product; the ledger's balance at this
    moment is kept beside it."""
    require_stock_role(actor)
    count = _open_count(count)
    counted = check_quantity(product, counted, allow_zero=True)
    level = StockLevel.objects.filter(product=product, location=count.location).first()
    if level is None:
        raise NotFound(
            _("%(product)s is not kept at %(location)s: there is nothing to count.")
            % {"product": product.name, "location": count.location.name}
        )
    line, _created = StockCountLine.objects.update_or_create(
        count=count,
        product=product,
        defaults={
            "counted": counted,
            "expected": level.on_hand,
            "counted_at": timezone.now(),
            "counted_by": actor,
        },
    )
    return line


@transaction.atomic
def finalise_count(*, actor: User, count: StockCount) -> list[StockMovement]:
    """Close a count: one correction per product whose count differs from the ledger at
    the moment it was counted."""
    require_stock_role(actor)
    count = _open_count(count)
    reason = _("count of %(day)s") % {"day": f"{count.started_at:%d/%m/%Y}"}
    postings = [
        Posting(count.location, line.product, line.variance, Kind.COUNT, reason)
        for line in count.lines.select_related("product")
        if line.variance
    ]
    return _book(count, postings, user=actor)


@transaction.atomic
def cancel_count(*, actor: User, count: StockCount) -> StockCount:
    require_stock_role(actor)
    count = _open_count(count)
    count.status = StockCount.Status.CANCELLED
    count.save(update_fields=["status"])
    return count
