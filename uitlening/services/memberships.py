"""Recording a membership at the counter: a new one from today, or a renewal from the
day after the current one ends. The fee (normal or social) is the one the household's
entitlement gives today (``selectors.membership_offer``); the counter only says how it
was paid.

In one transaction, with the household locked first (the counter's lock order), so two
counters recording the same payment wait for each other and the second is refused as
paid twice; the database refuses two memberships with the same start too. A retry with
the same idempotency key answers the first membership and records nothing."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kern import audit
from kern.errors import Conflict, DomainError, NotAllowed
from kern.models import Location, User
from toegang.models import Household, Program
from uitlening.models import Membership
from uitlening.selectors.basket import OVERRIDE_PERMISSION
from uitlening.selectors.memberships import membership_end, membership_offer, needs_membership
from uitlening.services._rules import (
    idempotency_key_text,
    lock_household,
    reason_text,
    request_hash,
    require_counter,
)

Payment = Membership.Payment


def _replayed(*, actor: User, key: str | None, hashed: str) -> Membership | None:
    if not key:
        return None
    previous = Membership.objects.filter(recorded_by=actor, idempotency_key=key).first()
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


@transaction.atomic
def record_membership(
    *,
    actor: User,
    location: Location,
    household: Household,
    program: Program,
    payment: str,
    waive_reason: str = "",
    starts_on: dt.date | None = None,
    idempotency_key: str | None = None,
    source: str = "",
) -> Membership:
    """Record a year of membership of ``program``, paid in cash, with Payconiq, or
    waived (a coordinator, with a reason). ``starts_on``: the start the counter showed;
    when another payment moved it since (a second click, another counter), the payment
    is refused as paid twice instead of buying the following year."""
    require_counter(actor, location)
    key = idempotency_key_text(idempotency_key)
    household = lock_household(household)
    hashed = request_hash(
        "record_membership",
        {
            "household": household.pk,
            "program": program.pk,
            "location": location.pk,
            "payment": payment,
            "reason": waive_reason.strip(),
            "starts_on": starts_on.isoformat() if starts_on else None,
        },
    )
    previous = _replayed(actor=actor, key=key, hashed=hashed)
    if previous is not None:
        return previous
    if not needs_membership(program) or not program.is_active:
        raise DomainError(
            _("%(program)s asks no membership fee: there is no membership to record.")
            % {"program": program.name},
            code="no_membership",
        )
    if payment not in Payment.values:
        raise DomainError(
            _("Say how the membership is paid (cash, Payconiq or waived), not “%(value)s”.")
            % {"value": payment},
            field="payment",
        )
    today = timezone.localdate()
    offer = membership_offer(household=household, program=program, location=location, on=today)
    if offer.starts_on is None:
        paid = offer.blocked_code == "membership_paid_twice"
        raise (Conflict if paid else DomainError)(offer.blocked, code=offer.blocked_code)
    if starts_on is not None and starts_on != offer.starts_on:
        raise Conflict(
            _(
                "A membership of %(program)s for household %(household)s was just recorded "
                "(until %(until)s): this payment would be a second one. Nothing was recorded."
            )
            % {
                "program": program.name,
                "household": household.code,
                "until": f"{offer.starts_on - dt.timedelta(days=1):%d/%m/%Y}",
            },
            code="membership_paid_twice",
        )
    reason = reason_text(waive_reason, field="waive_reason")
    amount = offer.amount
    if amount == 0:
        payment, reason = Payment.FREE, ""
    elif payment == Payment.FREE:
        raise DomainError(
            _("The membership costs %(amount)s: paid in cash, with Payconiq, or waived?")
            % {"amount": f"€ {amount:.2f}".replace(".", ",")},
            field="payment",
        )
    elif payment == Payment.WAIVED:
        if not actor.has_perm(OVERRIDE_PERMISSION):
            raise NotAllowed(
                _("Only a coordinator waives a membership fee, with a reason."),
                code="membership_waived",
            )
        if not reason:
            raise DomainError(_("Give a reason to waive the membership fee."), field="waive_reason")
    else:
        reason = ""
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                household=household,
                program=program,
                location=location,
                valid_from=offer.starts_on,
                valid_until=membership_end(offer.starts_on),
                fee_kind=offer.fee_kind,
                amount=amount,
                payment=payment,
                waive_reason=reason,
                recorded_by=actor,
                idempotency_key=key,
                request_hash=hashed,
            )
    except IntegrityError as exc:
        # Another counter recorded the same start since we read (the household lock
        # makes this rare; the unique start makes it impossible to record twice).
        previous = _replayed(actor=actor, key=key, hashed=hashed)
        if previous is not None:
            return previous
        raise Conflict(
            _("A membership of %(program)s for household %(household)s was just recorded.")
            % {"program": program.name, "household": household.code},
            code="membership_paid_twice",
        ) from exc
    audit.record(
        actor=actor,
        action="record_membership",
        obj=household,
        source=source,
        details={
            "membership": membership.pk,
            "program": program.name,
            "from": membership.valid_from.isoformat(),
            "until": membership.valid_until.isoformat(),
            "fee": membership.fee_kind,
            "amount": str(membership.amount),
            "payment": membership.payment,
            "reason": reason,
        },
    )
    return membership
