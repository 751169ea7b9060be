"""Households: registering a family with the minimum the programs need, opening one (every
staff view is in the audit log) and finding one by its household card."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kern import audit, barcodes, permissions
from kern.errors import DomainError, NotFound
from kern.models import Municipality, User
from toegang.models import Child, Household

MAX_CHILDREN = 15
CONSENT_VERSION = "2026-1"


@dataclass(frozen=True)
class ChildIn:
    birth_year: int
    birth_month: int
    diaper_size: int | None = None


def municipality_for(postcode: str) -> Municipality | None:
    for municipality in Municipality.objects.all():
        if postcode in (municipality.postcodes or []):
            return municipality
    return None


def check_household_data(
    *,
    postcode: str,
    children: list[ChildIn],
    adults: int,
    contact: Sequence[str] = (),
    consent: bool = False,
    today: dt.date | None = None,
) -> str:
    """Raise a DomainError naming the first field that is wrong; return the postcode as
    it is kept. A first name or contact details (``contact``) need the family's consent.
    A caller that must ask something slow first (UiTPAS) checks this before."""
    today = today or timezone.localdate()
    postcode = (postcode or "").strip()
    if not (postcode.isdigit() and len(postcode) == 4 and 1000 <= int(postcode) <= 9999):
        raise DomainError(
            _("“%(postcode)s” is not a Belgian postcode (four digits).") % {"postcode": postcode},
            field="postcode",
        )
    if len(children) > MAX_CHILDREN:
        raise DomainError(
            _("A household has at most %(n)d children here.") % {"n": MAX_CHILDREN},
            field="children",
        )
    for child in children:
        if not 1 <= child.birth_month <= 12:
            raise DomainError(
                _("Birth month %(month)s does not exist: use 1 to 12.")
                % {"month": child.birth_month},
                field="children",
            )
        months_ahead = (child.birth_year - today.year) * 12 + (child.birth_month - today.month)
        if child.birth_year < today.year - 25 or months_ahead > 9:
            raise DomainError(
                _("%(month)02d/%(year)d is not a plausible birth month.")
                % {"month": child.birth_month, "year": child.birth_year},
                field="children",
            )
        if child.diaper_size is not None and not 1 <= child.diaper_size <= 8:
            raise DomainError(_("Diaper sizes go from 1 to 8."), field="children")
    if not 1 <= int(adults) <= 12:
        raise DomainError(_("The number of adults is 1 to 12."), field="adults")
    if any(part.strip() for part in contact) and not consent:
        raise DomainError(
            _(
                "A first name or contact details are only kept with the family's consent: tick the consent box or leave them empty."
            ),
            field="consent",
        )
    return postcode


@transaction.atomic
def register_household(
    *,
    actor: User,
    postcode: str,
    children: list[ChildIn],
    adults: int = 1,
    language: str = "nl",
    first_name: str = "",
    email: str = "",
    phone: str = "",
    consent: bool = False,
    source: str = "",
) -> Household:
    """Register a family with the minimum the programs need. Contact details and a first
    name are kept only when the family consents (recorded with the privacy text version)."""
    permissions.require(actor, "kern.use_counter", "kern.manage_referrals")
    postcode = check_household_data(
        postcode=postcode,
        children=children,
        adults=adults,
        contact=(first_name, email, phone),
        consent=consent,
    )
    household = Household(
        postcode=postcode,
        municipality=municipality_for(postcode),
        adults=adults,
        language=language or "nl",
        first_name=first_name.strip(),
        email=email.strip(),
        phone=phone.strip(),
        consent_version=CONSENT_VERSION if consent else "",
        consent_at=timezone.now() if consent else None,
        created_by=actor,
    )
    household.full_clean()
    household.save()
    Child.objects.bulk_create(
        Child(
            household=household,
            birth_year=c.birth_year,
            birth_month=c.birth_month,
            diaper_size=c.diaper_size,
        )
        for c in children
    )
    audit.record(actor=actor, action="create", obj=household, source=source)
    return household


def open_household(*, actor: User, household: Household, source: str) -> Household:
    """Every staff view of a household goes through here, so it is logged."""
    permissions.require(actor, "kern.use_counter", "kern.manage_referrals", "kern.manage_users")
    audit.record(actor=actor, action="view", obj=household, source=source)
    if not actor.has_perm("kern.manage_users"):  # the family's own activity, not an admin's look
        touch(household)
    return household


def household_by_code(*, actor: User, code: str, source: str) -> Household:
    parsed = barcodes.decode(code, expect=barcodes.CodeType.HOUSEHOLD)
    household = Household.objects.filter(pk=parsed.number, anonymised_at__isnull=True).first()
    if household is None:
        raise NotFound(_("No household with code %(code)s.") % {"code": parsed})
    return open_household(actor=actor, household=household, source=source)


def touch(household: Household) -> None:
    Household.objects.filter(pk=household.pk).update(last_activity_at=timezone.now())
