"""Referrals: a social worker's statement that a household may use programs until a date.
There is no reason field anywhere: professional secrecy."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kern import audit, barcodes, permissions
from kern.errors import Conflict, DomainError, NotAllowed, NotFound
from kern.models import User
from toegang.models import Household, Program, Referral
from toegang.services.households import open_household, touch


def _require_referrer(actor: User) -> None:
    permissions.require(actor, "kern.manage_referrals")
    if actor.organisation_id is None:
        raise NotAllowed(
            _("Your account is not linked to an organisation: ask the admin to link it first.")
        )


@transaction.atomic
def issue_referral(
    *,
    actor: User,
    household: Household,
    programs: list[Program],
    valid_until: dt.date | None = None,
    source: str = "",
) -> Referral:
    """A social worker states that a household may use programs until a date. There is
    no reason field, by design."""
    _require_referrer(actor)
    organisation_id = actor.organisation_id
    assert organisation_id is not None  # _require_referrer refused it otherwise
    if not programs:
        raise DomainError(_("Choose at least one program."), field="programs")
    inactive = [p.name for p in programs if not p.is_active]
    if inactive:
        raise DomainError(
            _("%(program)s is not active.") % {"program": ", ".join(inactive)}, field="programs"
        )
    closed = [p.name for p in programs if not p.accepts_referral]
    if closed:
        raise DomainError(
            _("%(program)s does not accept referrals.") % {"program": ", ".join(closed)},
            field="programs",
        )
    today = timezone.localdate()
    longest = min(p.referral_max_days for p in programs)
    default = min(p.referral_default_days for p in programs)
    valid_until = valid_until or today + dt.timedelta(days=default)
    if valid_until < today:
        raise DomainError(_("A referral cannot end in the past."), field="valid_until")
    if valid_until > today + dt.timedelta(days=longest):
        raise DomainError(
            _("For these programs a referral is valid for at most %(days)d days, until %(day)s.")
            % {"days": longest, "day": f"{today + dt.timedelta(days=longest):%d/%m/%Y}"},
            field="valid_until",
        )
    referral = Referral.objects.create(
        household=household,
        issued_by=actor,
        organisation_id=organisation_id,
        valid_from=today,
        valid_until=valid_until,
    )
    referral.programs.set(programs)
    audit.record(
        actor=actor,
        action="issue_referral",
        obj=household,
        source=source,
        details={"referral": referral.pk},
    )
    touch(household)
    return referral


def _own_referral(actor: User, referral: Referral) -> Referral:
    _require_referrer(actor)
    if referral.issued_by_id != actor.pk:
        raise NotAllowed(_("Only the social worker who issued a referral can change it."))
    return referral


@transaction.atomic
def revoke_referral(*, actor: User, referral: Referral, source: str = "") -> Referral:
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    _own_referral(actor, referral)
    if referral.revoked_at is None:
        referral.revoked_at = timezone.now()
        referral.revoked_by = actor
        referral.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(
            actor=actor,
            action="revoke_referral",
            obj=referral.household,
            source=source,
            details={"referral": referral.pk},
        )
    return referral


@transaction.atomic
def renew_referral(
    *, actor: User, referral: Referral, valid_until: dt.date | None = None, source: str = ""
) -> Referral:
    """A new referral for the same household and programs, from today."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    _own_referral(actor, referral)
    if hasattr(referral, "renewed_by"):
        raise Conflict(_("This referral was renewed already."))
    new = issue_referral(
        actor=actor,
        household=referral.household,
        programs=list(referral.programs.all()),
        valid_until=valid_until,
        source=source,
    )
    new.renews = referral
    new.save(update_fields=["renews"])
    return new


def referral_by_code(*, actor: User, code: str, source: str) -> Referral:
    parsed = barcodes.decode(code, expect=barcodes.CodeType.REFERRAL)
    referral = (
        Referral.objects.select_related("household")
        .filter(pk=parsed.number, household__anonymised_at__isnull=True)
        .first()
    )
    if referral is None:
        raise NotFound(_("No referral with code %(code)s.") % {"code": parsed})
    open_household(actor=actor, household=referral.household, source=source)
    return referral


def mark_referral_used(*, referral: Referral) -> bool:
    """Record the first time a referral is used at a counter (``first_used_at``), so the
    social worker sees it was used. Only a referral that counts today is marked; a second
    scan changes nothing. Returns whether it was marked."""
    today = timezone.localdate()
    if referral.first_used_at is not None or not referral.counts_on(today):
        return False
    now = timezone.now()
    marked = (
        Referral.objects.counting_on(today)
        .filter(pk=referral.pk, first_used_at__isnull=True)
        .update(first_used_at=now)
    )
    if marked:
        referral.first_used_at = now
    return bool(marked)
