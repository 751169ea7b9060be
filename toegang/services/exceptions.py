"""A coordinator's documented exception: a family gets a program until a date without the
usual evidence (e.g. while UiTPAS is down), with a reason that is logged."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kern import audit, permissions
from kern.errors import DomainError
from kern.models import User
from toegang.models import Evidence, Household, Program
from toegang.services.households import touch

MAX_EXCEPTION_DAYS = 92  # three months


@transaction.atomic
def grant_exception(
    *,
    actor: User,
    household: Household,
    program: Program,
    reason: str,
    valid_until: dt.date,
    source: str = "",
) -> Evidence:
    permissions.require(actor, "kern.manage_programs")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("An exception needs a reason (it is logged)."), field="reason")
    today = timezone.localdate()
    if not today <= valid_until <= today + dt.timedelta(days=MAX_EXCEPTION_DAYS):
        raise DomainError(
            _("An exception lasts from today up to three months."), field="valid_until"
        )
    if not program.is_active:
        raise DomainError(
            _("%(program)s is not active.") % {"program": program.name}, field="program"
        )
    if household.anonymised_at:
        raise DomainError(_("This household was anonymised."))
    evidence = Evidence.objects.create(
        household=household,
        kind=Evidence.Kind.EXCEPTION,
        program=program,
        reason=reason[:200],
        valid_until=valid_until,
        checked_by=actor,
    )
    # The reason stays with the evidence (erasable); the audit log names the evidence row.
    audit.record(
        actor=actor,
        action="grant_exception",
        obj=household,
        source=source,
        details={"program": program.pk, "evidence": evidence.pk},
    )
    touch(household)
    return evidence
