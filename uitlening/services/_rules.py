"""What every counter service shares: who may act where, the household lock, and how a
refusal becomes an error or, for a coordinator with a reason, an override."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import models
from django.utils.translation import gettext as _

from kern import audit, permissions
from kern.errors import Conflict, DomainError, NotAllowed
from kern.models import Location, User
from toegang.models import Household
from uitlening.selectors import OVERRIDE_PERMISSION, Refusal

MAX_REASON_LENGTH = 200
# Refusals about the state of the world rather than the request: an HTTP 409.
_CONFLICTS = frozenset(
    {"item_unavailable", "item_held", "not_on_loan", "insufficient_stock", "item_twice"}
)


def require_counter(actor: User, location: Location) -> None:
    permissions.require(actor, "kern.use_counter")
    permissions.require_location(actor, location)


def lock_household(household: Household) -> Household:
    """Lock the household row first: two counters serving one family wait for each
    other, so they cannot both pass its quota or its maximum of loans."""
    return Household.objects.select_for_update().get(pk=household.pk)


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
