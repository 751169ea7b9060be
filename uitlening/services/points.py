"""The swap shop's points ledger: earn points by bringing goods (they go into stock at
the point), spend them by taking goods (stock goes out), a grant per period, a
coordinator's correction, and the expiry run.

Every change is one ``PointsEntry`` and the household's ``PointsBalance`` moved in the
same transaction, decided on the balance row locked with ``select_for_update`` (after
the household row: the counter's lock order), so two counters taking the last points of
a family wait for each other and the second is refused; the database refuses a negative
balance too. Points that expired are written off first, under the same lock, so they
are never spent. A retry with the same idempotency key answers the first entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kern import audit, permissions
from kern.errors import Conflict, DomainError
from kern.models import Location, User
from toegang import selectors as access
from toegang.models import Household, Program
from uitlening.models import PointsBalance, PointsEntry, PointsScheme
from uitlening.selectors.points import (
    MAX_PIECES,
    expires_on,
    grant_due,
    households_with_expired_points,
    points_expired,
    points_expired_for,
    rate_for,
    spent_in_window,
    swap_shop,
)
from uitlening.services._rules import (
    idempotency_key_text,
    lock_household,
    reason_text,
    request_hash,
    require_counter,
)
from voorraad import services as stock
from voorraad.models import Product, StockMovement

Kind = PointsEntry.Kind
#: Who corrects a household's points: a coordinator, like the points per category.
CORRECT_PERMISSION = "kern.manage_programs"


def lock_balance(household: Household) -> PointsBalance:
    """The household's balance row, locked; made on first use. Call with the household
    locked: no other transaction can make the row meanwhile."""
    balance = PointsBalance.objects.select_for_update().filter(household=household).first()
    if balance is None:
        balance = PointsBalance.objects.create(household=household)
    return balance


def _write(
    *,
    balance: PointsBalance,
    delta: int,
    kind: str,
    user: User | None,
    location: Location | None = None,
    product: Product | None = None,
    quantity: int | None = None,
    reason: str = "",
    expires: dt.date | None = None,
    grant_period_start: dt.date | None = None,
    key: str | None = None,
    hashed: str = "",
) -> PointsEntry:
    """One ledger row and the locked balance moved by ``delta``."""
    new_balance = balance.balance + delta
    assert new_balance >= 0, "the caller checks the balance"
    balance.balance = new_balance
    balance.updated_at = timezone.now()
    balance.save(update_fields=["balance", "updated_at"])
    return PointsEntry.objects.create(
        household_id=balance.household_id,
        delta=delta,
        balance_after=new_balance,
        kind=kind,
        reason=reason[:200],
        category=product.category if product else None,
        product=product,
        quantity=quantity,
        location=location,
        user=user,
        expires_on=expires,
        grant_period_start=grant_period_start,
        idempotency_key=key,
        request_hash=hashed,
    )


def _write_off_expired(
    balance: PointsBalance, household: Household, on: dt.date
) -> PointsEntry | None:
    due = points_expired(household, on=on, balance=balance.balance)
    if due <= 0:
        return None
    return _write(
        balance=balance,
        delta=-due,
        kind=Kind.EXPIRE,
        user=None,
        reason=_("expired on %(day)s") % {"day": f"{on:%d/%m/%Y}"},
    )


def _replayed(*, actor: User, key: str | None, hashed: str) -> PointsEntry | None:
    if not key:
        return None
    previous = PointsEntry.objects.filter(user=actor, idempotency_key=key).first()
    if previous is None:
        return None
    if previous.request_hash != hashed:
        raise Conflict(
            _(
                "This key was already used for another request at the counter. Start again "
                "to record this one."
            ),
            code="idempotency_key_reused",
        )
    return previous


def _begin(
    *,
    actor: User,
    location: Location,
    household: Household,
    idempotency_key: str | None,
    operation: str,
    request: Mapping[str, object],
) -> tuple[Household, str | None, str, PointsEntry | None]:
    """Permission, key, lock, replay: the start every points write shares."""
    require_counter(actor, location)
    key = idempotency_key_text(idempotency_key)
    household = lock_household(household)
    hashed = request_hash(
        operation, {"household": household.pk, "location": location.pk, **request}
    )
    return household, key, hashed, _replayed(actor=actor, key=key, hashed=hashed)


def _active_shop() -> tuple[Program, PointsScheme | None]:
    """The active swap shop and its rules; refused when there is none (no points are
    earned, spent or granted outside a swap shop)."""
    program, scheme = swap_shop()
    if program is None:
        raise DomainError(
            _(
                "The swap shop is not active: no points can be earned, spent or granted. "
                "A coordinator activates the swap shop program."
            ),
            code="no_swap_shop",
        )
    return program, scheme


def _check_access(household: Household, location: Location, on: dt.date) -> PointsScheme | None:
    """Refuse when there is no active swap shop, or a household it does not admit;
    answer the shop's rules."""
    program, scheme = _active_shop()
    entitlement = access.entitlement(household=household, program=program, location=location, on=on)
    if not entitlement.allowed:
        raise DomainError(
            _("Household %(household)s cannot use %(program)s: %(explanation)s")
            % {
                "household": household.code,
                "program": program.name,
                "explanation": entitlement.explanation,
            },
            code="no_access",
        )
    return scheme


def _pieces(product: Product, quantity: int) -> int:
    if (
        isinstance(quantity, bool)
        or not isinstance(quantity, int)
        or not 1 <= quantity <= MAX_PIECES
    ):
        raise DomainError(
            _("%(product)s: give a number of pieces from 1 to %(max)d.")
            % {"product": product.name, "max": MAX_PIECES},
            field="quantity",
        )
    return quantity


def _points(value: int) -> str:
    return ngettext("%(count)d point", "%(count)d points", value) % {"count": value}


def _save(
    entry: PointsEntry, *, actor: User, household: Household, action: str, source: str
) -> PointsEntry:
    audit.record(
        actor=actor,
        action=action,
        obj=household,
        source=source,
        details={
            "entry": entry.pk,
            "delta": entry.delta,
            "balance": entry.balance_after,
            "product": entry.product.name if entry.product else "",
            "quantity": entry.quantity,
            "reason": entry.reason,
        },
    )
    return entry


def _keyed_create(
    create: Callable[[], PointsEntry], *, actor: User, key: str | None, hashed: str
) -> PointsEntry:
    """Run ``create``; a concurrent request with the same key that committed first
    makes the unique key refuse ours: answer that one. Without a key nothing can clash,
    so no savepoint is needed."""
    if not key:
        return create()
    try:
        with transaction.atomic():
            return create()
    except IntegrityError:
        previous = _replayed(actor=actor, key=key, hashed=hashed)
        if previous is None:
            raise
        return previous


def _rated_step(
    *, household: Household, location: Location, product: Product, quantity: int, spending: bool
) -> tuple[int, int, PointsScheme | None, PointsBalance, dt.date]:
    """What earning and spending share before they write: the pieces checked, the
    category's points per piece (refused when it has none), access to the shop, the
    balance locked and the points expired by today written off. Returns the pieces, the
    points per piece, the shop's scheme, the locked balance and today."""
    quantity = _pieces(product, quantity)
    rate = rate_for(product)
    per_piece = (rate.spend_points if spending else rate.earn_points) if rate else 0
    if per_piece <= 0:
        message = (
            _(
                "%(product)s has no points price in the swap shop: a coordinator sets the "
                "points of category %(category)s."
            )
            if spending
            else _(
                "%(product)s earns no points in the swap shop: a coordinator sets the points "
                "of category %(category)s."
            )
        )
        raise DomainError(
            message % {"product": product.name, "category": product.category.name},
            code="no_points_rate",
        )
    today = timezone.localdate()
    scheme = _check_access(household, location, today)
    balance = lock_balance(household)
    _write_off_expired(balance, household, today)
    return quantity, per_piece, scheme, balance, today


@transaction.atomic
def earn_points(
    *,
    actor: User,
    location: Location,
    household: Household,
    product: Product,
    quantity: int,
    idempotency_key: str | None = None,
    source: str = "",
) -> PointsEntry:
    """``household`` brings ``quantity`` pieces of ``product``: they go into stock at
    ``location`` and the household earns the category's points per piece (they expire
    after the shop's expiry days)."""
    household, key, hashed, previous = _begin(
        actor=actor,
        location=location,
        household=household,
        idempotency_key=idempotency_key,
        operation="earn_points",
        request={"product": product.pk, "quantity": quantity},
    )
    if previous is not None:
        return previous
    quantity, per_piece, scheme, balance, today = _rated_step(
        household=household,
        location=location,
        product=product,
        quantity=quantity,
        spending=False,
    )
    points = per_piece * quantity

    def create() -> PointsEntry:
        entry = _write(
            balance=balance,
            delta=points,
            kind=Kind.EARN,
            user=actor,
            location=location,
            product=product,
            quantity=quantity,
            expires=expires_on(scheme, today),
            key=key,
            hashed=hashed,
        )
        stock.post_lines(
            document_type=StockMovement.DocumentType.SWAP,
            document_id=entry.pk,
            location=location,
            lines=[stock.Line(product, quantity)],
            kind=StockMovement.Kind.DONATION,
            user=actor,
            reason=_("swap: brought by %(household)s") % {"household": household.code},
        )
        return entry

    entry = _keyed_create(create, actor=actor, key=key, hashed=hashed)
    return _save(entry, actor=actor, household=household, action="earn_points", source=source)


@transaction.atomic
def spend_points(
    *,
    actor: User,
    location: Location,
    household: Household,
    product: Product,
    quantity: int,
    idempotency_key: str | None = None,
    source: str = "",
) -> PointsEntry:
    """``household`` takes ``quantity`` pieces of ``product`` for the category's points
    per piece: refused when it has fewer points or the shop's cap for the period would be
    passed; the pieces leave the stock of ``location`` (all or nothing)."""
    household, key, hashed, previous = _begin(
        actor=actor,
        location=location,
        household=household,
        idempotency_key=idempotency_key,
        operation="spend_points",
        request={"product": product.pk, "quantity": quantity},
    )
    if previous is not None:
        return previous
    quantity, per_piece, scheme, balance, today = _rated_step(
        household=household,
        location=location,
        product=product,
        quantity=quantity,
        spending=True,
    )
    cost = per_piece * quantity
    asked = _("%(quantity)d × %(product)s") % {"quantity": quantity, "product": product.name}
    if scheme is not None and scheme.spend_cap is not None:
        spent = spent_in_window(household, on=today, days=scheme.cap_period_days)
        if spent + cost > scheme.spend_cap:
            raise Conflict(
                _(
                    "Household %(household)s may spend at most %(cap)s per %(days)d days and "
                    "spent %(spent)s already: %(cost)s asked (%(asked)s). It has %(balance)s."
                )
                % {
                    "household": household.code,
                    "cap": _points(scheme.spend_cap),
                    "days": scheme.cap_period_days,
                    "spent": _points(spent),
                    "cost": _points(cost),
                    "asked": asked,
                    "balance": _points(balance.balance),
                },
                code="points_cap",
            )
    if cost > balance.balance:
        raise Conflict(
            _("Household %(household)s has %(balance)s: %(cost)s asked (%(asked)s).")
            % {
                "household": household.code,
                "balance": _points(balance.balance),
                "cost": _points(cost),
                "asked": asked,
            },
            code="points_insufficient",
        )

    def create() -> PointsEntry:
        entry = _write(
            balance=balance,
            delta=-cost,
            kind=Kind.SPEND,
            user=actor,
            location=location,
            product=product,
            quantity=quantity,
            key=key,
            hashed=hashed,
        )
        stock.post_lines(
            document_type=StockMovement.DocumentType.SWAP,
            document_id=entry.pk,
            location=location,
            lines=[stock.Line(product, quantity)],
            kind=StockMovement.Kind.DISTRIBUTION,
            user=actor,
            reason=_("swap: taken by %(household)s") % {"household": household.code},
        )
        return entry

    entry = _keyed_create(create, actor=actor, key=key, hashed=hashed)
    return _save(entry, actor=actor, household=household, action="spend_points", source=source)


@transaction.atomic
def grant_points(
    *,
    actor: User,
    location: Location,
    household: Household,
    source: str = "",
) -> PointsEntry:
    """The shop's grant for this period (per adult and per child), once per period:
    asked again in the same period, it answers the grant given and adds nothing."""
    require_counter(actor, location)
    household = lock_household(household)
    today = timezone.localdate()
    _program, scheme = _active_shop()
    grant = grant_due(household, on=today, scheme=scheme)
    if grant.points <= 0 or grant.period_start is None:
        raise DomainError(
            _("The swap shop grants no points to household %(household)s.")
            % {"household": household.code},
            code="no_grant",
        )
    existing = PointsEntry.objects.filter(
        household=household, kind=Kind.GRANT, grant_period_start=grant.period_start
    ).first()
    if existing is not None:
        return existing
    _check_access(household, location, today)
    balance = lock_balance(household)
    _write_off_expired(balance, household, today)
    entry = _write(
        balance=balance,
        delta=grant.points,
        kind=Kind.GRANT,
        user=actor,
        location=location,
        expires=expires_on(scheme, today),
        grant_period_start=grant.period_start,
        reason=_("grant from %(day)s") % {"day": f"{grant.period_start:%d/%m/%Y}"},
    )
    return _save(entry, actor=actor, household=household, action="grant_points", source=source)


@transaction.atomic
def correct_points(
    *,
    actor: User,
    household: Household,
    delta: int,
    reason: str,
    idempotency_key: str | None = None,
    source: str = "",
) -> PointsEntry:
    """A coordinator's correction, with a reason; never below zero. Corrected points
    do not expire; points that expired are written off first, so a correction down
    takes only points the household still has. Allowed with or without an active swap
    shop (a mistake is corrected after the shop closed too)."""
    permissions.require(actor, CORRECT_PERMISSION)
    key = idempotency_key_text(idempotency_key)
    household = lock_household(household)
    hashed = request_hash(
        "correct_points", {"household": household.pk, "delta": delta, "reason": reason}
    )
    previous = _replayed(actor=actor, key=key, hashed=hashed)
    if previous is not None:
        return previous
    text = reason_text(reason, field="reason")
    if not text:
        raise DomainError(_("Give a reason for the correction."), field="reason")
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0 or abs(delta) > 100_000:
        raise DomainError(_("Give a number of points other than 0."), field="delta")
    balance = lock_balance(household)
    _write_off_expired(balance, household, timezone.localdate())
    if balance.balance + delta < 0:
        raise Conflict(
            _("Household %(household)s has %(balance)s: it cannot lose %(cost)s.")
            % {
                "household": household.code,
                "balance": _points(balance.balance),
                "cost": _points(-delta),
            },
            code="points_insufficient",
        )
    entry = _keyed_create(
        lambda: _write(
            balance=balance,
            delta=delta,
            kind=Kind.CORRECTION,
            user=actor,
            reason=text,
            key=key,
            hashed=hashed,
        ),
        actor=actor,
        key=key,
        hashed=hashed,
    )
    return _save(entry, actor=actor, household=household, action="correct_points", source=source)


def expire_points(*, now: dt.datetime | None = None) -> int:
    """Write off every point that expired by ``now`` (today), one household at a time
    in its own transaction under its locks, with the replay the spend path uses
    (``points_expired``); returns the entries written. Safe to run again or twice at
    once: a household is decided again under its lock, and what was written off is not
    due any more."""
    today = timezone.localdate(now or timezone.now())
    written = 0
    for household_id in households_with_expired_points(on=today):
        if not points_expired_for(household_id, on=today):
            continue  # nothing open in an expired lot: no lock needed
        with transaction.atomic():
            household = Household.objects.select_for_update().filter(pk=household_id).first()
            if household is None:
                continue
            entry = _write_off_expired(lock_balance(household), household, today)
            if entry is not None:
                written += 1
                audit.record(
                    actor=None,
                    action="expire_points",
                    obj=household,
                    source="expire_points",
                    details={"entry": entry.pk, "delta": entry.delta},
                )
    return written
