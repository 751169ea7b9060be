"""Stock operations. Every change of a quantity goes through ``_post``: one ledger row
and a guarded UPDATE of the running balance, in the caller's transaction. Documents
(donations, purchases, transfers, counts) post all their lines in one transaction, in a
fixed order (location, product) so concurrent writers cannot deadlock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kern import barcodes, permissions
from kern.errors import Conflict, DomainError, NotFound
from kern.models import Location, User
from voorraad.models import (
    Category,
    CollectionDrive,
    Donation,
    DonationLine,
    Donor,
    Item,
    ItemEvent,
    ItemType,
    MinimumLevel,
    Product,
    ProductBarcode,
    Purchase,
    PurchaseLine,
    StockCount,
    StockCountLine,
    StockLevel,
    StockMovement,
    Supplier,
    Transfer,
    TransferLine,
)

MAX_UNITS_PER_LINE = 100_000
Kind = StockMovement.Kind


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


def _first_with_key(model, idempotency_key: str | None):
    """The document that a concurrent request with the same idempotency key committed
    first, or None. Fix: without it the loser of that race got an IntegrityError on
    PostgreSQL (its unique-index insert waits for the winner's commit, then fails)."""
    if not idempotency_key:
        return None
    return model.objects.filter(idempotency_key=idempotency_key).first()


# --- Quantities in words ----------------------------------------------------------------


def describe_units(product: Product, units: int) -> str:
    """“3 pakken”, “2 pakken en 5 stuks” or “12 stuks”, in the active language."""
    if product.pack_size > 1:
        packs, rest = divmod(units, product.pack_size)
        packs_text = ngettext("%(n)d pack", "%(n)d packs", packs) % {"n": packs}
        if rest == 0:
            return packs_text
        rest_text = ngettext("%(n)d unit", "%(n)d units", rest) % {"n": rest}
        if packs == 0:
            return rest_text
        return _("%(packs)s and %(units)s") % {"packs": packs_text, "units": rest_text}
    return ngettext("%(n)d unit", "%(n)d units", units) % {"n": units}


def _check_quantity(product: Product, quantity: object, *, allow_zero: bool = False) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        try:
            quantity = int(str(quantity).strip())
        except ValueError:
            raise DomainError(
                _("%(product)s: “%(quantity)s” is not a whole number.")
                % {"product": product.name, "quantity": quantity},
                field="quantity",
            ) from None
    if quantity < 0 or (quantity == 0 and not allow_zero):
        raise DomainError(
            _("%(product)s: the quantity must be more than zero, not %(quantity)d.")
            % {"product": product.name, "quantity": quantity},
            field="quantity",
        )
    if quantity > MAX_UNITS_PER_LINE:
        raise DomainError(
            _(
                "%(product)s: %(quantity)d units on one line is more than Deelpunt accepts (%(max)d). Check the number."
            )
            % {"product": product.name, "quantity": quantity, "max": MAX_UNITS_PER_LINE},
            field="quantity",
        )
    return quantity


def _validate(obj) -> None:
    """Model validation as a DomainError naming the first problem and its field."""
    try:
        obj.full_clean()
    except ValidationError as exc:
        field, problems = next(iter(exc.message_dict.items()))
        raise DomainError(
            " ".join(str(p) for p in problems), field=None if field == NON_FIELD_ERRORS else field
        ) from None


def _check_location(location: Location) -> Location:
    if not location.is_active:
        raise DomainError(
            _("%(location)s is no longer active: choose another location.")
            % {"location": location.name}
        )
    return location


# --- The ledger -------------------------------------------------------------------------


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
        return cursor.rowcount


def _post(
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
    """Write one ledger row and move the balance. Must run inside a transaction."""
    assert transaction.get_connection().in_atomic_block, "_post needs a transaction"
    if quantity == 0:
        raise DomainError(
            _("%(product)s: a movement of zero changes nothing.") % {"product": product.name}
        )
    now = timezone.now()
    # The common case is one guarded UPDATE; the balance row is made on first use.
    if _guarded_update(product.pk, location.pk, quantity, now) != 1:
        if quantity > 0:
            # Fix: an intake is never refused. Before, when a concurrent first posting made
            # the row after our UPDATE missed it (PostgreSQL, READ COMMITTED) but before a
            # re-read, the intake fell through to InsufficientStock ("-2 units asked").
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
    return StockMovement.objects.create(
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


@dataclass(frozen=True)
class Line:
    product: Product
    quantity: int  # units


def _merge_lines(lines: Iterable[Line], *, allow_empty: bool = False) -> list[Line]:
    """Validate quantities, add up repeated products, order by product id."""
    totals: dict[int, int] = defaultdict(int)
    products: dict[int, Product] = {}
    for line in lines:
        totals[line.product.pk] += _check_quantity(line.product, line.quantity)
        products[line.product.pk] = line.product
    if not totals and not allow_empty:
        raise DomainError(_("There is nothing to book: add at least one line."))
    merged = [Line(products[pk], totals[pk]) for pk in sorted(totals)]
    for line in merged:
        _check_quantity(line.product, line.quantity)
    return merged


def level_of(*, product: Product, location: Location) -> int:
    return (
        StockLevel.objects.filter(product=product, location=location)
        .values_list("on_hand", flat=True)
        .first()
        or 0
    )


def stock_as_of(*, location: Location, at: dt.datetime) -> dict[int, int]:
    """Units per product id at ``location`` at moment ``at``, from the ledger: today's
    balance minus what moved since (balances equal the ledger sum, see reconcile), so a
    recent date reads only the recent rows."""
    balances = dict(
        StockLevel.objects.filter(location=location).values_list("product_id", "on_hand")
    )
    later = (
        StockMovement.objects.filter(location=location, at__gt=at)
        .values("product_id")
        .annotate(total=Sum("quantity"))
        .values_list("product_id", "total")
    )
    for product_id, total in later:
        balances[product_id] = balances.get(product_id, 0) - total
    return {product_id: units for product_id, units in balances.items() if units}


@dataclass(frozen=True)
class Difference:
    product_id: int
    location_id: int
    balance: int
    ledger: int


def reconcile() -> list[Difference]:
    """Compare every running balance with the sum of its ledger rows."""
    sums = {
        (row["product_id"], row["location_id"]): row["total"]
        for row in StockMovement.objects.values("product_id", "location_id").annotate(
            total=Sum("quantity")
        )
    }
    differences = []
    for level in StockLevel.objects.values("product_id", "location_id", "on_hand").iterator():
        key = (level["product_id"], level["location_id"])
        ledger = sums.pop(key, 0)
        if ledger != level["on_hand"]:
            differences.append(Difference(*key, balance=level["on_hand"], ledger=ledger))
    for (product_id, location_id), total in sums.items():  # ledger rows without a balance
        differences.append(Difference(product_id, location_id, balance=0, ledger=total))
    return differences


# --- Catalogue --------------------------------------------------------------------------


def _require_stock_role(actor: User) -> None:
    permissions.require(actor, "kern.manage_stock")


@transaction.atomic
def save_product(
    *,
    actor: User,
    product: Product,
    gtins: Sequence[tuple[str, int]] | None = None,
    minimums: dict[Location, int] | None = None,
) -> Product:
    """Create or change a product; optionally replace its EAN codes and minimum levels."""
    _require_stock_role(actor)
    product.name = (product.name or "").strip()
    if Product.objects.filter(name__iexact=product.name).exclude(pk=product.pk).exists():
        raise Conflict(
            _("There is already a product called %(name)s.") % {"name": product.name}, field="name"
        )
    _validate(product)
    product.save()
    if gtins is not None:
        wanted = {}
        for raw, units in gtins:
            try:
                gtin = barcodes.parse_gtin(raw)
            except DomainError as exc:
                raise DomainError(exc.message, code=exc.code, field="gtins") from None
            wanted[gtin] = _check_quantity(product, units or product.pack_size)
        taken = (
            ProductBarcode.objects.filter(gtin__in=wanted)
            .exclude(product=product)
            .select_related("product")
        )
        for other in taken:
            raise Conflict(
                _("EAN %(gtin)s already belongs to %(product)s.")
                % {"gtin": other.gtin, "product": other.product.name},
                field="gtins",
            )
        product.barcodes.exclude(gtin__in=wanted).delete()
        for gtin, units in wanted.items():
            ProductBarcode.objects.update_or_create(
                gtin=gtin,
                defaults={"product": product, "units": units},
            )
    if minimums is not None:
        for location, minimum in minimums.items():
            if minimum:
                minimum = _check_quantity(product, minimum)
                MinimumLevel.objects.update_or_create(
                    product=product, location=location, defaults={"minimum_units": minimum}
                )
            else:
                MinimumLevel.objects.filter(product=product, location=location).delete()
    return product


@transaction.atomic
def map_gtin(
    *, actor: User, gtin: str, product: Product, units: int | None = None
) -> ProductBarcode:
    """Tie an unknown manufacturer code to a product once and for all."""
    _require_stock_role(actor)
    gtin = barcodes.parse_gtin(gtin)
    units = product.pack_size if units is None else _check_quantity(product, units)
    existing = ProductBarcode.objects.select_related("product").filter(gtin=gtin).first()
    if existing is not None:
        if existing.product_id != product.pk:
            raise Conflict(
                _("EAN %(gtin)s already belongs to %(product)s.")
                % {"gtin": gtin, "product": existing.product.name}
            )
        if existing.units != units:  # mapping it again with another pack size corrects it
            existing.units = units
            existing.save(update_fields=["units"])
        return existing
    return ProductBarcode.objects.create(gtin=gtin, product=product, units=units)


@dataclass(frozen=True)
class ScannedProduct:
    product: Product
    units: int  # what one scan of this code stands for


def product_for_code(code: str) -> ScannedProduct:
    """A product label (one pack) or a manufacturer EAN (its mapped units).

    Raises NotFound with ``code="unknown_gtin"`` for a valid EAN nobody mapped yet, so an
    intake screen can offer to map it."""
    recognised = barcodes.recognise(code)
    if recognised.internal is not None:
        if recognised.internal.type != barcodes.CodeType.PRODUCT:
            raise DomainError(
                _("“%(code)s” is a %(kind)s, not a product.")
                % {"code": recognised.text, "kind": recognised.internal.type.code_label}
            )
        product = Product.objects.filter(pk=recognised.internal.number, is_active=True).first()
        if product is None:
            raise NotFound(_("No product with code %(code)s.") % {"code": recognised.text})
        return ScannedProduct(product, product.pack_size)
    if recognised.gtin is None:
        raise DomainError(
            _("“%(code)s” is not a product code or an EAN.") % {"code": recognised.text}
        )
    mapped = (
        ProductBarcode.objects.select_related("product")
        .filter(gtin=recognised.gtin, product__is_active=True)
        .first()
    )
    if mapped is None:
        raise NotFound(
            _("EAN %(gtin)s is not known yet: choose the product it belongs to.")
            % {"gtin": recognised.gtin},
            code="unknown_gtin",
        )
    return ScannedProduct(mapped.product, mapped.units)


# --- Donors and donations ---------------------------------------------------------------


@transaction.atomic
def save_donor(*, actor: User, donor: Donor) -> Donor:
    _require_stock_role(actor)
    donor.name = (donor.name or "").strip()
    if not donor.name:
        raise DomainError(_("Give the donor a name."), field="name")
    _validate(donor)
    donor.save()
    return donor


def anonymous_donor() -> Donor:
    donor, _created = Donor.objects.get_or_create(
        name="Anonieme schenker", kind=Donor.Kind.ANONYMOUS, defaults={"wants_receipt": False}
    )
    return donor


@transaction.atomic
def start_donation(
    *,
    actor: User,
    donor: Donor,
    location: Location,
    drive: CollectionDrive | None = None,
    received_on: dt.date | None = None,
    note: str = "",
) -> Donation:
    _require_stock_role(actor)
    _check_location(location)
    if not donor.is_active:
        raise DomainError(_("Donor %(donor)s is no longer active.") % {"donor": donor.name})
    received_on = received_on or timezone.localdate()
    if received_on > timezone.localdate():
        raise DomainError(_("A donation cannot be received in the future."), field="received_on")
    if drive is not None and not (drive.starts_on <= received_on <= drive.ends_on):
        raise DomainError(
            _("%(drive)s runs from %(start)s to %(end)s, not on %(day)s.")
            % {
                "drive": drive.name,
                "start": f"{drive.starts_on:%d/%m/%Y}",
                "end": f"{drive.ends_on:%d/%m/%Y}",
                "day": f"{received_on:%d/%m/%Y}",
            },
            field="drive",
        )
    return Donation.objects.create(
        donor=donor,
        location=location,
        drive=drive,
        received_on=received_on,
        note=note,
        created_by=actor,
    )


def _draft(donation: Donation) -> Donation:
    locked = Donation.objects.select_for_update().get(pk=donation.pk)
    if locked.status != Donation.Status.DRAFT:
        raise Conflict(_("This donation is already booked; start a new one."))
    return locked


@transaction.atomic
def scan_into_donation(
    *, actor: User, donation: Donation, code: str, packs: int = 1
) -> DonationLine:
    """Add what a scanned code stands for (a repeat scan adds to the same line)."""
    _require_stock_role(actor)
    donation = _draft(donation)
    scanned = product_for_code(code)
    packs = _check_quantity(scanned.product, packs)
    return _add_to_line(donation, scanned.product, scanned.units * packs)


def _add_to_line(donation: Donation, product: Product, units: int) -> DonationLine:
    _check_quantity(product, units)
    line, created = DonationLine.objects.get_or_create(
        donation=donation, product=product, defaults={"quantity": units}
    )
    if not created:
        _check_quantity(product, line.quantity + units)
        DonationLine.objects.filter(pk=line.pk).update(quantity=F("quantity") + units)
        line.refresh_from_db()
    return line


@transaction.atomic
def set_donation_line(
    *, actor: User, donation: Donation, product: Product, units: int
) -> DonationLine | None:
    """Set a line to a typed quantity; zero removes the line."""
    _require_stock_role(actor)
    donation = _draft(donation)
    units = _check_quantity(product, units, allow_zero=True)
    if units == 0:
        DonationLine.objects.filter(donation=donation, product=product).delete()
        return None
    line, _created = DonationLine.objects.update_or_create(
        donation=donation, product=product, defaults={"quantity": units}
    )
    return line


@transaction.atomic
def post_donation(*, actor: User, donation: Donation, at: dt.datetime | None = None) -> Donation:
    """Book a draft donation: one ledger row per line, all or nothing."""
    _require_stock_role(actor)
    donation = _draft(donation)
    lines = _merge_lines(
        Line(line.product, line.quantity) for line in donation.lines.select_related("product")
    )
    for line in lines:
        _post(
            product=line.product,
            location=donation.location,
            quantity=line.quantity,
            kind=Kind.DONATION,
            user=actor,
            document_type="donation",
            document_id=donation.pk,
            at=at,
        )
    donation.status = Donation.Status.POSTED
    donation.posted_at = at or timezone.now()
    donation.save(update_fields=["status", "posted_at"])
    return donation


@transaction.atomic
def receive_donation(
    *,
    actor: User,
    donor: Donor,
    location: Location,
    lines: Sequence[Line],
    drive: CollectionDrive | None = None,
    received_on: dt.date | None = None,
    note: str = "",
    idempotency_key: str | None = None,
    at: dt.datetime | None = None,
) -> Donation:
    """Take in and book a whole donation at once (API, imports). ``at`` is when the goods
    arrived, for imports of past donations (default: now)."""
    # Fix: check the role first, like every other write service; before, anyone who knew
    # a used key got that donation back without a permission check.
    _require_stock_role(actor)
    if idempotency_key:
        existing = Donation.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    merged = _merge_lines(lines)
    try:
        with transaction.atomic():  # Fix: same key at the same time: see _first_with_key
            donation = start_donation(
                actor=actor,
                donor=donor,
                location=location,
                drive=drive,
                received_on=received_on,
                note=note,
            )
            DonationLine.objects.bulk_create(
                DonationLine(donation=donation, product=line.product, quantity=line.quantity)
                for line in merged
            )
            if idempotency_key:
                donation.idempotency_key = idempotency_key
                donation.save(update_fields=["idempotency_key"])
            return post_donation(actor=actor, donation=donation, at=at)
    except IntegrityError:
        existing = _first_with_key(Donation, idempotency_key)
        if existing is None:
            raise
        return existing


def drive_progress(drive: CollectionDrive) -> int:
    """Units received in posted donations of a drive."""
    return (
        DonationLine.objects.filter(
            donation__drive=drive, donation__status=Donation.Status.POSTED
        ).aggregate(total=Sum("quantity"))["total"]
        or 0
    )


# --- Purchases --------------------------------------------------------------------------


@dataclass(frozen=True)
class CostLine:
    product: Product
    quantity: int  # units
    unit_cost: Decimal


@transaction.atomic
def record_purchase(
    *,
    actor: User,
    supplier: Supplier,
    location: Location,
    lines: Sequence[CostLine],
    received_on: dt.date | None = None,
    reference: str = "",
    idempotency_key: str | None = None,
    at: dt.datetime | None = None,
) -> Purchase:
    _require_stock_role(actor)
    if idempotency_key:
        existing = Purchase.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    _check_location(location)
    if not lines:
        raise DomainError(_("There is nothing to book: add at least one line."))
    if received_on and received_on > timezone.localdate():
        raise DomainError(_("A purchase cannot be received in the future."), field="received_on")
    try:
        with transaction.atomic():  # Fix: same key at the same time: see _first_with_key
            purchase = Purchase.objects.create(
                supplier=supplier,
                location=location,
                received_on=received_on or timezone.localdate(),
                reference=reference,
                created_by=actor,
                idempotency_key=idempotency_key or None,
            )
    except IntegrityError:
        existing = _first_with_key(Purchase, idempotency_key)
        if existing is None:
            raise
        return existing
    for line in sorted(lines, key=lambda line: line.product.pk):
        quantity = _check_quantity(line.product, line.quantity)
        try:
            cost = Decimal(str(line.unit_cost))
        except InvalidOperation:
            cost = Decimal(-1)
        if not cost.is_finite() or cost < 0 or cost > 10_000:
            raise DomainError(
                _("%(product)s: “%(cost)s” is not a valid cost per unit.")
                % {"product": line.product.name, "cost": line.unit_cost},
                field="unit_cost",
            )
        PurchaseLine.objects.create(
            purchase=purchase, product=line.product, quantity=quantity, unit_cost=cost
        )
        _post(
            product=line.product,
            location=location,
            quantity=quantity,
            kind=Kind.PURCHASE,
            user=actor,
            document_type="purchase",
            document_id=purchase.pk,
            at=at,
        )
        Product.objects.filter(pk=line.product.pk).update(last_cost_per_unit=cost)
    return purchase


# --- Transfers --------------------------------------------------------------------------


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
    _require_stock_role(actor)
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
    _check_location(from_location)
    _check_location(to_location)
    merged = _merge_lines(lines)
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
        with transaction.atomic():  # Fix: same key at the same time: see _first_with_key
            transfer = Transfer.objects.create(
                from_location=from_location,
                to_location=to_location,
                note=note,
                created_by=actor,
                idempotency_key=idempotency_key or None,
            )
    except IntegrityError:
        existing = _first_with_key(Transfer, idempotency_key)
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
    _require_stock_role(actor)
    # Fix: of=("self",): a plain FOR UPDATE with select_related also locked both location
    # rows on PostgreSQL, and every posting's (deferred) foreign-key check on a location
    # waits for that lock at COMMIT: concurrent takes and transfers deadlocked.
    transfer = (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("from_location", "to_location")
        .get(pk=transfer.pk)
    )
    if transfer.status == Transfer.Status.DONE:
        return transfer  # a second click or scan changes nothing
    if transfer.status != Transfer.Status.PLANNED:
        raise Conflict(_("This transfer was cancelled."))
    # Fix: post in the one order every document uses, (location, product), so two
    # transfers in opposite directions cannot deadlock on each other's balances.
    postings = sorted(
        (
            (location, line.product, sign * line.quantity, kind)
            for line in transfer.lines.select_related("product")
            for location, sign, kind in (
                (transfer.from_location, -1, Kind.TRANSFER_OUT),
                (transfer.to_location, 1, Kind.TRANSFER_IN),
            )
        ),
        key=lambda posting: (posting[0].pk, posting[1].pk),
    )
    for location, product, quantity, kind in postings:
        _post(
            product=product,
            location=location,
            quantity=quantity,
            kind=kind,
            user=actor,
            document_type="transfer",
            document_id=transfer.pk,
            at=at,
        )
    transfer.status = Transfer.Status.DONE
    transfer.done_at = at or timezone.now()
    transfer.save(update_fields=["status", "done_at"])
    return transfer


@transaction.atomic
def cancel_transfer(*, actor: User, transfer: Transfer) -> Transfer:
    _require_stock_role(actor)
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


# --- Adjustments, write-offs, reversals -------------------------------------------------

WRITE_OFF_REASONS = {
    "beschadigd": "damaged",
    "vervallen": "past its expiry date",
    "teruggeroepen": "recalled by the manufacturer",
    "verloren": "lost",
}


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
    _require_stock_role(actor)
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
        # Fix: name the product, like every other quantity error (same msgid as
        # _check_quantity, so no new string to translate).
        raise DomainError(
            _("%(product)s: “%(quantity)s” is not a whole number.")
            % {"product": product.name, "quantity": quantity},
            field="quantity",
        )
    _check_quantity(product, abs(quantity))
    if write_off and quantity > 0:
        quantity = -quantity
    _check_location(location)
    # A savepoint only where a key can collide (see _first_with_key): it is not free.
    try:
        with transaction.atomic() if idempotency_key else contextlib.nullcontext():
            return _post(
                product=product,
                location=location,
                quantity=quantity,
                kind=Kind.WRITE_OFF if write_off else Kind.ADJUSTMENT,
                user=actor,
                reason=reason,
                idempotency_key=idempotency_key or None,
            )
    except IntegrityError:
        existing = _first_with_key(StockMovement, idempotency_key)
        if existing is None:
            raise
        return existing


@transaction.atomic
def reverse_movement(*, actor: User, movement: StockMovement, reason: str) -> StockMovement:
    """Undo a movement with an opposite row that points at it."""
    _require_stock_role(actor)
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
            return _post(
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


# --- Counts -----------------------------------------------------------------------------


@transaction.atomic
def start_count(*, actor: User, location: Location, note: str = "") -> StockCount:
    _require_stock_role(actor)
    _check_location(location)
    if StockCount.objects.filter(location=location, status=StockCount.Status.OPEN).exists():
        raise Conflict(
            _("A count is already open at %(location)s: continue that one.")
            % {"location": location.name}
        )
    try:
        with transaction.atomic():
            return StockCount.objects.create(location=location, started_by=actor, note=note)
    except IntegrityError:
        raise Conflict(
            _("A count is already open at %(location)s: continue that one.")
            % {"location": location.name}
        ) from None


def _open_count(count: StockCount) -> StockCount:
    # Fix: of=("self",), not the location row too (see execute_transfer).
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
    _require_stock_role(actor)
    count = _open_count(count)
    counted = _check_quantity(product, counted, allow_zero=True)
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
    _require_stock_role(actor)
    count = _open_count(count)
    corrections = []
    for line in count.lines.select_related("product").order_by("product_id"):
        if line.variance:
            corrections.append(
                _post(
                    product=line.product,
                    location=count.location,
                    quantity=line.variance,
                    kind=Kind.COUNT,
                    user=actor,
                    document_type="count",
                    document_id=count.pk,
                    reason=_("count of %(day)s") % {"day": f"{count.started_at:%d/%m/%Y}"},
                )
            )
    count.status = StockCount.Status.FINALISED
    count.finalised_at = timezone.now()
    count.save(update_fields=["status", "finalised_at"])
    return corrections


@transaction.atomic
def cancel_count(*, actor: User, count: StockCount) -> StockCount:
    _require_stock_role(actor)
    count = _open_count(count)
    count.status = StockCount.Status.CANCELLED
    count.save(update_fields=["status"])
    return count


# --- Items ------------------------------------------------------------------------------

CAR_SEAT_MAX_AGE_DAYS = 10 * 365
# Statuses a coordinator sets by hand; "on loan" is set by a loan at the counter.
MANUAL_STATUSES = {
    Item.Status.AVAILABLE,
    Item.Status.RESERVED,
    Item.Status.IN_REPAIR,
    Item.Status.RETIRED,
}

ITEM_TRANSITIONS: dict[str, set[str]] = {
    Item.Status.AVAILABLE: {
        Item.Status.ON_LOAN,
        Item.Status.RESERVED,
        Item.Status.IN_REPAIR,
        Item.Status.RETIRED,
    },
    Item.Status.RESERVED: {
        Item.Status.AVAILABLE,
        Item.Status.ON_LOAN,
        Item.Status.IN_REPAIR,
        Item.Status.RETIRED,
    },
    Item.Status.ON_LOAN: {Item.Status.AVAILABLE, Item.Status.IN_REPAIR, Item.Status.RETIRED},
    Item.Status.IN_REPAIR: {Item.Status.AVAILABLE, Item.Status.RETIRED},
    Item.Status.RETIRED: set(),
}


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


@transaction.atomic
def save_item(*, actor: User, item: Item, note: str = "") -> Item:
    _require_stock_role(actor)
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
        _check_location(item.location)
    if item.crashed and item.status in (Item.Status.AVAILABLE, Item.Status.RESERVED):
        item.status = Item.Status.RETIRED
        note = note or _("retired: has been in a crash")
    if item.status in (Item.Status.AVAILABLE, Item.Status.RESERVED, Item.Status.ON_LOAN):
        problem = item_safety_problem(item)
        if problem and (is_new or previous_status != item.status):
            raise DomainError(problem, code="unsafe_item")
    _validate(item)
    item.save()
    if is_new:
        ItemEvent.objects.create(
            item=item, from_status="", to_status=item.status, note=note or _("added"), user=actor
        )
    elif previous_status != item.status:
        # Fix: a stored item marked as crashed was retired above without an event; every
        # status change belongs in the item's history.
        ItemEvent.objects.create(
            item=item, from_status=previous_status, to_status=item.status, note=note, user=actor
        )
    return item


@transaction.atomic
def change_item_status(*, actor: User, item: Item, status: str, note: str = "") -> Item:
    _require_stock_role(actor)
    # Fix: of=("self",), not the item type row too (see execute_transfer).
    item = Item.objects.select_for_update(of=("self",)).select_related("item_type").get(pk=item.pk)
    if status not in Item.Status.values:
        raise DomainError(_("Unknown status “%(status)s”.") % {"status": status})
    if status == item.status:
        return item
    if status not in ITEM_TRANSITIONS[item.status]:
        raise Conflict(
            _("%(item)s is %(current)s and cannot become %(wanted)s.")
            % {
                "item": item.name,
                "current": item.get_status_display(),
                "wanted": Item.Status(status).label,
            }
        )
    if status in (Item.Status.AVAILABLE, Item.Status.ON_LOAN, Item.Status.RESERVED):
        problem = item_safety_problem(item)
        if problem:
            raise DomainError(problem, code="unsafe_item")
    ItemEvent.objects.create(
        item=item, from_status=item.status, to_status=status, note=note, user=actor
    )
    item.status = status
    item.save(update_fields=["status"])
    return item


# --- Overview helpers -------------------------------------------------------------------


def low_stock_filter() -> Q:
    """Levels under the minimum set for their product and location."""
    return Q(minimum__isnull=False) & Q(on_hand__lt=F("minimum"))


def create_category(*, actor: User, name: str) -> Category:
    _require_stock_role(actor)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the category a name."), field="name")
    if len(name) > 100:
        raise DomainError(_("A category name has at most 100 characters."), field="name")
    existing = Category.objects.filter(name__iexact=name).first()
    if existing is not None:
        raise Conflict(
            _("There is already a category called %(name)s.") % {"name": existing.name},
            field="name",
        )
    return Category.objects.create(name=name)


@transaction.atomic
def save_item_type(*, actor: User, item_type: ItemType) -> ItemType:
    _require_stock_role(actor)
    item_type.name = (item_type.name or "").strip()
    if ItemType.objects.filter(name__iexact=item_type.name).exclude(pk=item_type.pk).exists():
        raise Conflict(
            _("There is already an item type called %(name)s.") % {"name": item_type.name},
            field="name",
        )
    item_type.default_accessories = [
        a.strip() for a in item_type.default_accessories if a and a.strip()
    ]
    _validate(item_type)
    item_type.save()
    return item_type
