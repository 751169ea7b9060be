"""Check-in at the counter: open the household behind a household card, a referral
letter or an UiTPAS card and say what it may use today; register a new family.

The counter screen and the API's ``check_eligibility`` call the same ``check_in_by``,
so a referral is marked used and an UiTPAS check is reused the same way for both.
Opening a household is logged by the ``toegang`` services this module calls."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from django.db import transaction
from django.utils.translation import gettext as _

from kern import barcodes, permissions, scanning
from kern.errors import DomainError
from kern.models import Location, User
from toegang import services as access
from toegang.models import Household
from uitlening.selectors import CheckIn, check_in, counter_programs, uitpas_max_age

#: Child rows on the counter's registration form, and the most it registers.
COUNTER_MAX_CHILDREN = 6

CheckInKind = Literal["household", "referral", "uitpas"]


def check_in_by(
    *,
    actor: User,
    location: Location,
    kind: CheckInKind,
    code: str,
    program_ids: Sequence[int] = (),
    source: str,
) -> CheckIn | None:
    """Open the household behind a household code, a referral code or an UiTPAS number
    and check it in for the active programs (those in ``program_ids`` when given).
    ``None``: an UiTPAS card that is not linked yet (register the family first).

    A referral letter is marked used. An UiTPAS card is checked with UiTPAS unless a
    check younger than the strictest reuse window of the programs shown exists; its
    errors (``UitpasError``) propagate and nothing is written for them."""
    permissions.require(actor, "kern.use_counter")
    permissions.require_location(actor, location)
    programs = counter_programs(program_ids)
    messages: list[str] = []
    household: Household | None
    if kind == "household":
        household = access.household_by_code(actor=actor, code=code, source=source)
    elif kind == "referral":
        referral = access.referral_by_code(actor=actor, code=code, source=source)
        access.mark_referral_used(referral=referral)
        household = referral.household
    elif kind == "uitpas":
        number = barcodes.parse_uitpas_number(code)
        household = access.household_by_uitpas(actor=actor, number=number, source=source)
        if household is None:
            return None
        check = access.check_uitpas(
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


def check_in_scan(
    *, actor: User, location: Location, scan: scanning.ScanResult, raw: str, source: str
) -> CheckIn | None:
    """``check_in_by`` for a resolved scan at the counter screen."""
    if scan.kind == "household":
        return check_in_by(
            actor=actor, location=location, kind="household", code=scan.code, source=source
        )
    if scan.kind == "referral":
        return check_in_by(
            actor=actor, location=location, kind="referral", code=scan.code, source=source
        )
    if scan.kind == "uitpas":
        # The scan result of a linked card carries only its last digits: use what was read.
        return check_in_by(actor=actor, location=location, kind="uitpas", code=raw, source=source)
    raise DomainError(_("This code does not belong to a family."))


def register_at_counter(
    *,
    actor: User,
    location: Location,
    postcode: str,
    adults: int,
    children: list[access.ChildIn],
    language: str = "nl",
    first_name: str = "",
    consent: bool = False,
    uitpas_number: str = "",
    source: str = "",
) -> CheckIn:
    """Register a family at the counter with the minimum (no contact details), link its
    UiTPAS card and record its check. Returns the check-in of the new household.

    UiTPAS is asked first, with no transaction open (no database lock held while it
    answers); then everything is recorded in one transaction. An UiTPAS error or a wrong
    field leaves nothing behind."""
    permissions.require(actor, "kern.use_counter")
    permissions.require_location(actor, location)
    if len(children) > COUNTER_MAX_CHILDREN:
        raise DomainError(
            _("At the counter you can register up to %(n)d children.")
            % {"n": COUNTER_MAX_CHILDREN},
            field="children",
        )
    access.check_household_data(
        postcode=postcode,
        children=children,
        adults=adults,
        contact=(first_name,),
        consent=consent,
    )
    number = barcodes.parse_uitpas_number(uitpas_number) if uitpas_number.strip() else ""
    info = access.ask_uitpas(actor=actor, number=number) if number else None
    programs = counter_programs()
    messages: list[str] = []
    with transaction.atomic():
        household = access.register_household(
            actor=actor,
            postcode=postcode,
            children=children,
            adults=adults,
            language=language,
            first_name=first_name,
            consent=consent,
            source=source,
        )
        if info is not None:
            check = access.record_uitpas_check(
                actor=actor, household=household, number=number, info=info, source=source
            )
            messages = check.messages
        access.open_household(actor=actor, household=household, source=source)
    return check_in(
        household=household,
        location=location,
        programs=programs,
        messages=messages,
        is_new=True,
    )
