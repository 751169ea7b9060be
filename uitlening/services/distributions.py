"""Distributions of consumables at the counter: the entitlement and quota checks and the
stock posting in one transaction, under the household's lock; and the same-day
correction by reversing postings (and freeing the seasonal packages it handed out)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kern import audit
from kern.errors import Conflict, DomainError, NotAllowed
from kern.models import Location, User
from toegang import services as access
from toegang.models import Household
from uitlening.models import Distribution, DistributionLine, SeasonalPackage, Visit
from uitlening.selectors import (
    OVERRIDE_PERMISSION,
    Entitlements,
    LinePlan,
    ProductLine,
    plan_distribution,
)
from uitlening.services._rules import (
    claim,
    describe_line,
    idempotency_key_text,
    lock_household,
    log_override,
    reason_text,
    require_counter,
    settle,
)
from voorraad import services as stock
from voorraad.models import StockMovement

Payment = Distribution.Payment


def _payment(payment: str | None, contribution: Decimal) -> str:
    if payment is None or payment == "":
        if contribution > 0:
            raise DomainError(
                _("A contribution of € %(amount)s is due: paid in cash or with Payconiq?")
                % {"amount": f"{contribution:.2f}".replace(".", ",")},
                field="payment",
            )
        return Payment.FREE
    if payment not in Payment.values:
        raise DomainError(
            _("Say how the contribution was paid (free, cash or Payconiq), not “%(value)s”.")
            % {"value": payment},
            field="payment",
        )
    if payment == Payment.FREE and contribution > 0:
        raise DomainError(
            _("A contribution of € %(amount)s is due, so it is not free: cash or Payconiq?")
            % {"amount": f"{contribution:.2f}".replace(".", ",")},
            field="payment",
        )
    return payment


def write_lines(*, distribution: Distribution, lines: Sequence[LinePlan]) -> None:
    """Write a recorded distribution's lines and take them from the stock of its point,
    at the distribution's moment. In the caller's transaction, after its checks."""
    DistributionLine.objects.bulk_create(
        DistributionLine(
            distribution=distribution,
            product=line.product,
            program=line.program,
            packs=line.packs,
            units=line.units,
        )
        for line in lines
    )
    stock.post_lines(
        document_type=StockMovement.DocumentType.DISTRIBUTION,
        document_id=distribution.pk,
        location=distribution.location,
        lines=[stock.Line(line.product, line.units) for line in lines],
        kind=StockMovement.Kind.DISTRIBUTION,
        user=distribution.user,
        at=distribution.created_at,
        reason=_("distribution to %(household)s") % {"household": distribution.household.code},
    )


def book_distribution(
    *,
    actor: User,
    location: Location,
    household: Household,
    lines: Sequence[ProductLine],
    payment: str | None,
    override_reason: str,
    entitlements: Entitlements | None = None,
    visit: Visit | None = None,
    idempotency_key: str | None = None,
    source: str = "",
) -> Distribution:
    """Check and record a distribution and post its ledger lines. In the caller's
    transaction, with the household already locked and the role checked."""
    plan = plan_distribution(
        household=household, location=location, lines=lines, entitlements=entitlements
    )
    reason = settle(actor=actor, refusals=plan.refusals, override_reason=override_reason)
    if not plan.lines:
        raise DomainError(_("There is nothing to hand out: scan a product first."))
    distribution = Distribution.objects.create(
        household=household,
        location=location,
        user=actor,
        visit=visit,
        contribution=plan.contribution,
        payment=_payment(payment, plan.contribution),
        override_reason=reason,
        idempotency_key=idempotency_key,
    )
    write_lines(distribution=distribution, lines=plan.lines)
    if reason:
        log_override(
            actor=actor, obj=distribution, refusals=plan.refusals, reason=reason, source=source
        )
    access.touch(household)
    return distribution


@transaction.atomic
def record_distribution(
    *,
    actor: User,
    location: Location,
    household: Household,
    lines: Sequence[ProductLine],
    payment: str | None = None,
    override_reason: str = "",
    idempotency_key: str | None = None,
    source: str = "",
) -> Distribution:
    """Hand out ``lines`` to ``household`` at ``location``: entitlement, quota (over the
    whole basket, per program) and stock are checked and the ledger is posted in one
    transaction, after locking the household. Over quota only a coordinator goes, with
    ``override_reason`` (kept on the distribution and in the audit log).

    ``payment`` is a ``Distribution.Payment`` value: free only when no contribution is
    due; None means free, and is refused when a contribution is due.
    ``idempotency_key``: the same key from the same person returns the first
    distribution and records nothing again (also for concurrent retries); the same key
    for another household or basket is a ``Conflict``."""
    require_counter(actor, location)
    key = idempotency_key_text(idempotency_key)
    household = lock_household(household)
    visit, replayed = claim(
        actor=actor,
        key=key,
        operation="record_distribution",
        household=household,
        location=location,
        request={
            "household": household.pk,
            "lines": [describe_line(line) for line in lines],
            "payment": payment,
            "override": override_reason,
        },
    )
    if replayed:
        return visit.distributions.get()
    return book_distribution(
        actor=actor,
        location=location,
        household=household,
        lines=lines,
        payment=payment,
        override_reason=override_reason,
        visit=visit,
        idempotency_key=key,
        source=source,
    )


@transaction.atomic
def correct_distribution(
    *,
    actor: User,
    distribution: Distribution,
    reason: str,
    source: str = "",
    idempotency_key: str | None = None,
) -> Distribution:
    """Undo a distribution on the day it was made: every ledger line is reversed, the
    distribution is marked corrected with the reason, and its packs no longer count
    against the quota. The seasonal packages it handed out are freed (see
    ``_free_packages``), so those children get theirs at a next visit. Only the person
    who recorded it or a coordinator corrects it. Later, stock is corrected by a
    coordinator's adjustment. ``idempotency_key``: a retry gets the corrected
    distribution again."""
    require_counter(actor, distribution.location)
    key = idempotency_key_text(idempotency_key)
    reason = reason_text(reason, field="reason")
    if not reason:
        raise DomainError(_("Give a reason for the correction."), field="reason")
    if distribution.user_id != actor.pk and not actor.has_perm(OVERRIDE_PERMISSION):
        raise NotAllowed(
            _("Only the volunteer who recorded this distribution or a coordinator corrects it."),
            code="not_your_distribution",
        )
    household = lock_household(distribution.household)
    visit, replayed = claim(
        actor=actor,
        key=key,
        operation="correct_distribution",
        household=household,
        location=distribution.location,
        request={"distribution": distribution.pk, "reason": reason},
    )
    if replayed:
        return Distribution.objects.get(pk=distribution.pk)
    distribution = Distribution.objects.select_for_update().get(pk=distribution.pk)
    if distribution.corrected_at is not None:
        raise Conflict(
            _("This distribution was corrected already on %(day)s.")
            % {"day": f"{timezone.localtime(distribution.corrected_at):%d/%m/%Y %H:%M}"},
            code="corrected_already",
        )
    if timezone.localdate(distribution.created_at) != timezone.localdate():
        raise DomainError(
            _(
                "A distribution is corrected on the day it was made (this one on %(day)s); "
                "a coordinator corrects the stock instead."
            )
            % {"day": f"{timezone.localdate(distribution.created_at):%d/%m/%Y}"},
            code="not_same_day",
        )
    stock.reverse_document(
        document_type=StockMovement.DocumentType.DISTRIBUTION,
        document_id=distribution.pk,
        reason=reason,
        user=actor,
    )
    distribution.corrected_at = timezone.now()
    distribution.corrected_by = actor
    distribution.correction_reason = reason
    distribution.save(update_fields=["corrected_at", "corrected_by", "correction_reason"])
    freed = _free_packages(distribution)
    details: dict[str, object] = {"reason": reason, "visit": visit.pk}
    if freed:
        details["seasonal_packages"] = freed
    audit.record(
        actor=actor,
        action="correct_distribution",
        obj=distribution,
        source=source,
        details=details,
    )
    return distribution


def _free_packages(distribution: Distribution) -> list[dict[str, object]]:
    """Delete the seasonal packages a corrected distribution handed out and say which
    they were (for the audit entry). Deleted rather than kept as cancelled: the package
    never reached the child (its stock went back), so nothing may count it (served,
    handed out, a band in use, one per child per action); the corrected distribution
    with its reversed ledger lines and the audit entry keep the history."""
    packages = list(
        SeasonalPackage.objects.filter(distribution=distribution)
        .select_related("band")
        .order_by("pk")
    )
    if not packages:
        return []
    SeasonalPackage.objects.filter(pk__in=[p.pk for p in packages]).delete()
    return [
        {
            "action": package.action_id,
            "child": package.child_id,
            "band": package.band.label,
            "born": f"{package.birth_month:02d}/{package.birth_year}",
        }
        for package in packages
    ]
