"""What every counter service shares: who may act where, the lock order, the one
idempotency scheme, and how a refusal becomes an error or, for a coordinator with a
reason, an override.

Lock order, the same in every counter service so two counters wait for each other
instead of deadlocking: the household row first, then every item involved (in one
query, by id), then loan rows (and repair tickets)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from kern import audit, permissions
from kern.errors import Conflict, DomainError, NotAllowed
from kern.idempotency import MAX_KEY_LENGTH
from kern.models import Location, User
from toegang.models import Household
from uitlening.models import Visit
from uitlening.selectors import (
    OVERRIDE_PERMISSION,
    BasketLine,
    LoanLine,
    ProductLine,
    Refusal,
)
from voorraad.models import Item

MAX_REASON_LENGTH = 200
# Refusals about the state of the world rather than the request: an HTTP 409.
_CONFLICTS = frozenset(
    {
        "item_unavailable",
        "item_held",
        "not_on_loan",
        "other_household",
        "insufficient_stock",
        "item_twice",
    }
)


def require_counter(actor: User, location: Location) -> None:
    permissions.require(actor, "kern.use_counter")
    permissions.require_location(actor, location)


def lock_household(household: Household) -> Household:
    """Lock the household row first: two counters serving one family wait for each
    other, so they cannot both pass its quota or its maximum of loans."""
    return Household.objects.select_for_update().get(pk=household.pk)


def lock_items(items: Iterable[Item]) -> dict[int, Item]:
    """Lock every item in one query, by id: two counters locking overlapping baskets
    take the rows in the same order, so one waits for the other."""
    pks = sorted({item.pk for item in items})
    locked = (
        Item.objects.select_for_update(of=("self",))
        .select_related("item_type")
        .filter(pk__in=pks)
        .order_by("pk")
    )
    return {item.pk: item for item in locked}


def lock_item(item: Item) -> Item:
    return lock_items([item])[item.pk]


# --- Idempotency --------------------------------------------------------------------------


def idempotency_key_text(key: str | None) -> str | None:
    key = (key or "").strip()
    if len(key) > MAX_KEY_LENGTH:
        raise DomainError(
            _("The idempotency key is longer than %(max)d characters.") % {"max": MAX_KEY_LENGTH},
            field="idempotency_key",
        )
    return key or None


def describe_line(line: BasketLine) -> dict[str, object]:
    """A basket line as the request hash sees it."""
    if isinstance(line, ProductLine):
        return {"product": line.product.pk, "packs": line.packs}
    if isinstance(line, LoanLine):
        return {
            "lend": line.item.pk,
            "accessories": sorted(line.accessories),
            "condition": line.condition,
            "payer": line.deposit_payer,
            "payment": line.deposit_payment,
            "third_party": line.third_party,
            "replaces": line.replaces.pk if line.replaces else None,
        }
    return {
        "return": line.item.pk,
        "condition": line.condition,
        "missing": sorted(line.missing_accessories),
        "damage": line.damage,
        "outcome": line.deposit_outcome,
        "kept": str(line.deposit_kept),
        "reason": line.deposit_reason,
    }


def request_hash(operation: str, request: Mapping[str, object]) -> str:
    text = json.dumps({"op": operation, "request": request}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def claim(
    *,
    actor: User,
    key: str | None,
    operation: str,
    household: Household,
    location: Location,
    request: Mapping[str, object],
) -> tuple[Visit, bool]:
    """The one idempotency scheme of the counter services: every write is recorded as
    a ``Visit``, which holds the key and the hash of the request. Returns the new visit
    to record under and False; or, when ``actor`` sent ``key`` before with the same
    request, the first visit and True (the caller answers what that one recorded and
    records nothing). The same key with another request is a ``Conflict``.

    Call it in the service's transaction, with the household locked. A retry arriving
    while the first is still running waits for it (the household lock; on PostgreSQL
    also the unique key index) and then replays it. A request that fails is rolled back
    with its claim, so a retry with the same key is tried afresh."""
    hashed = request_hash(operation, request)
    if key:
        previous = Visit.objects.filter(user=actor, idempotency_key=key).first()
        if previous is not None:
            return _replay(previous, hashed), True
        try:
            with transaction.atomic():
                visit = Visit.objects.create(
                    household=household,
                    location=location,
                    user=actor,
                    idempotency_key=key,
                    request_hash=hashed,
                    operation=operation,
                )
        except IntegrityError:
            # Claimed by a request that committed since (its insert made ours wait).
            previous = Visit.objects.filter(user=actor, idempotency_key=key).first()
            if previous is None:
                raise
            return _replay(previous, hashed), True
        return visit, False
    visit = Visit.objects.create(
        household=household,
        location=location,
        user=actor,
        request_hash=hashed,
        operation=operation,
    )
    return visit, False


def _replay(previous: Visit, hashed: str) -> Visit:
    if previous.request_hash != hashed:
        raise Conflict(
            _(
                "This key was already used for another request at the counter. Start again "
                "to record this one."
            ),
            code="idempotency_key_reused",
        )
    return previous


def reason_text(reason: str, *, field: str) -> str:
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON_LENGTH:
        raise DomainError(
            _("Keep the reason under %(max)d characters.") % {"max": MAX_REASON_LENGTH},
            field=field,
        )
    return reason


def refuse(refusals: Sequence[Refusal]) -> DomainError:
    message = " ".join(r.message for r in refusals)
    first = refusals[0]
    if first.code in _CONFLICTS:
        return Conflict(message, code=first.code)
    return DomainError(message, code=first.code)


def settle(*, actor: User, refusals: Sequence[Refusal], override_reason: str) -> str:
    """Raise for any refusal that holds for everyone; for the ones a coordinator may go
    over, return the reason they gave (or raise when they may not or gave none).
    Returns "" when nothing needed overriding."""
    blocking = [r for r in refusals if not r.overridable]
    if blocking:
        raise refuse(blocking)
    overridable = list(refusals)
    if not overridable:
        return ""
    message = " ".join(r.message for r in overridable)
    if not actor.has_perm(OVERRIDE_PERMISSION):
        raise NotAllowed(
            message + " " + _("Only a coordinator may go over this, with a reason."),
            code=overridable[0].code,
        )
    reason = reason_text(override_reason, field="override_reason")
    if not reason:
        raise DomainError(
            message + " " + _("Give a reason to go over this."),
            code=overridable[0].code,
            field="override_reason",
        )
    return reason


def log_override(
    *, actor: User, obj: models.Model, refusals: Sequence[Refusal], reason: str, source: str
) -> None:
    audit.record(
        actor=actor,
        action="override_counter_rule",
        obj=obj,
        source=source,
        details={"rules": sorted({r.code for r in refusals}), "reason": reason},
    )
