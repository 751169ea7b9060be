"""Check-in at the counter (balie): what a volunteer may see of a household after a scan.

A check-in shows the household code, the children's ages, a first name only when the
family agreed to it, and per active program the entitlement of ``services.entitlement``
at this distribution point. It never carries the evidence (which card system, which
referral, why) nor contact details: the template gets nothing else to show.

Opening a household is logged by the services this module calls (``open_household``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from kern import barcodes, scanning
from kern.errors import DomainError, NotFound
from kern.models import Location, User
from toegang import services
from toegang.models import Household, Program, Referral

#: Scan kinds that open a household at the counter.
CHECK_IN_KINDS = frozenset({"household", "referral", "uitpas"})

#: Child rows on the counter's registration form.
COUNTER_MAX_CHILDREN = 6

DEFAULT_UITPAS_REUSE_HOURS = 24


@dataclass(frozen=True)
class ChildAge:
    """A child as the counter shows it: an age, never a name or a birth date."""

    months: int  # negative: an expected baby
    birth_month: int
    birth_year: int

    @property
    def expected(self) -> bool:
        return self.months < 0

    @property
    def years(self) -> int:
        return max(self.months, 0) // 12

    @property
    def birth(self) -> str:
        return f"{self.birth_month:02d}/{self.birth_year}"


@dataclass
class CheckIn:
    household: Household
    children: list[ChildAge]
    entitlements: list[services.Entitlement]
    welcome_name: str = ""  # a first name, only with the family's consent
    messages: list[str] = field(default_factory=list)  # UiTPAS messages for the family
    is_new: bool = False

    @property
    def code(self) -> str:
        return self.household.code


# --- Small services -----------------------------------------------------------------------


def mark_referral_used(*, referral: Referral) -> bool:
    """Record the first time a referral is used at a counter (``first_used_at``), so the
    social worker sees it was used. Only a referral that counts today (not revoked, inside
    its dates) is marked; a second scan changes nothing. Returns whether it was marked."""
    if referral.first_used_at is not None or referral.revoked_at is not None:
        return False
    today = timezone.localdate()
    if not referral.valid_from <= today <= referral.valid_until:
        return False
    now = timezone.now()
    marked = Referral.objects.filter(
        pk=referral.pk, first_used_at__isnull=True, revoked_at__isnull=True
    ).update(first_used_at=now)
    if marked:
        referral.first_used_at = now
    return bool(marked)


def counter_programs() -> list[Program]:
    """The programs a check-in shows: every active one."""
    return list(Program.objects.filter(is_active=True).order_by("name"))


def uitpas_max_age(programs: Sequence[Program]) -> dt.timedelta:
    """How old an UiTPAS check may be to be reused: the strictest of the programs."""
    hours = min(
        (p.uitpas_check_reuse_hours for p in programs if p.accepts_uitpas),
        default=DEFAULT_UITPAS_REUSE_HOURS,
    )
    return dt.timedelta(hours=hours)


def resolve_scan(*, user: User, raw: str) -> scanning.ScanResult:
    """``kern.scanning.resolve``, but a 13-digit number that passes both the UiTPAS (Luhn)
    and the EAN check and is neither a known product nor a linked card is answered as an
    UiTPAS number (``resolve`` says "not known" then; at the counter it is a new card)."""
    try:
        return scanning.resolve(user=user, raw=raw)
    except NotFound:
        number = barcodes.recognise(raw).uitpas_number
        if number is None:
            raise
        return scanning.ScanResult(
            kind="uitpas",
            code=number,
            label=_("UiTPAS number ending in %(last)s") % {"last": number[-4:]},
        )


# --- Check-in -----------------------------------------------------------------------------


def check_in(
    *,
    household: Household,
    location: Location,
    programs: Sequence[Program] | None = None,
    messages: Sequence[str] = (),
    is_new: bool = False,
) -> CheckIn:
    """Today's entitlements of an opened household at ``location``. The queries do not
    grow with the number of children or evidence rows (only with the active programs)."""
    today = timezone.localdate()
    programs = counter_programs() if programs is None else list(programs)
    prefetch_related_objects([household], "children")  # entitlement() reuses them
    children = [
        ChildAge(
            months=child.age_in_months(today),
            birth_month=child.birth_month,
            birth_year=child.birth_year,
        )
        for child in household.children.all()
    ]
    children.sort(key=lambda c: c.months)
    entitlements = [
        services.entitlement(household=household, program=program, location=location, on=today)
        for program in programs
    ]
    return CheckIn(
        household=household,
        children=children,
        entitlements=entitlements,
        welcome_name=household.first_name if household.consent_at else "",
        messages=list(messages),
        is_new=is_new,
    )


def check_in_scan(
    *, actor: User, location: Location, scan: scanning.ScanResult, raw: str, source: str
) -> CheckIn | None:
    """Open the household behind a household card, a referral letter or an UiTPAS card
    and check it in. ``None``: an UiTPAS card that is not linked yet (register first).

    An UiTPAS card is checked with UiTPAS (a recent check is reused); its errors
    (``UitpasError``) propagate and nothing is written for them."""
    programs = counter_programs()
    messages: list[str] = []
    if scan.kind == "household":
        household = services.household_by_code(actor=actor, code=scan.code, source=source)
    elif scan.kind == "referral":
        referral = services.referral_by_code(actor=actor, code=scan.code, source=source)
        mark_referral_used(referral=referral)
        household = referral.household
    elif scan.kind == "uitpas":
        number = barcodes.parse_uitpas_number(raw)
        household = services.household_by_uitpas(actor=actor, number=number, source=source)
        if household is None:
            return None
        check = services.check_uitpas(
            actor=actor,
            household=household,
            number=number,
            max_age=uitpas_max_age(programs),
            source=source,
        )
        messages = check.messages
    else:
        raise DomainError(_("This code does not belong to a family."))
    return check_in(household=household, location=location, programs=programs, messages=messages)


def register_at_counter(
    *,
    actor: User,
    location: Location,
    postcode: str,
    adults: int,
    children: list[services.ChildIn],
    language: str = "nl",
    first_name: str = "",
    consent: bool = False,
    uitpas_number: str = "",
    source: str = "",
) -> CheckIn:
    """Register a family at the counter with the minimum (no contact details), link its
    UiTPAS card and check it, all in one transaction: an UiTPAS error leaves nothing
    behind. Returns the check-in of the new household."""
    if len(children) > COUNTER_MAX_CHILDREN:
        raise DomainError(
            _("At the counter you can register up to %(n)d children.")
            % {"n": COUNTER_MAX_CHILDREN},
            field="children",
        )
    number = barcodes.parse_uitpas_number(uitpas_number) if uitpas_number.strip() else ""
    programs = counter_programs()
    messages: list[str] = []
    with transaction.atomic():
        household = services.register_household(
            actor=actor,
            postcode=postcode,
            children=children,
            adults=adults,
            language=language,
            first_name=first_name,
            consent=consent,
            source=source,
        )
        if number:
            services.link_uitpas_card(
                actor=actor, household=household, number=number, source=source
            )
            check = services.check_uitpas(
                actor=actor, household=household, number=number, source=source
            )
            messages = check.messages
        services.open_household(actor=actor, household=household, source=source)
    return check_in(
        household=household,
        location=location,
        programs=programs,
        messages=messages,
        is_new=True,
    )
