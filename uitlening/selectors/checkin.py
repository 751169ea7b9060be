"""Reads of the counter: what a volunteer may see of a household after a scan.

A check-in shows the household code, the children's ages, a first name only when the
family agreed to it, and per active program the entitlement ``toegang`` computes at this
distribution point. It never carries the evidence (which card system, which referral,
why) nor contact details: the template gets nothing else to show."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from kern import barcodes, scanning
from kern.errors import NotFound
from kern.models import Location, User
from toegang import selectors as access
from toegang.models import Household, Program

#: Scan kinds that open a household at the counter.
CHECK_IN_KINDS = frozenset({"household", "referral", "uitpas"})

#: How old an UiTPAS check may be when no program shown says (the model's default).
DEFAULT_UITPAS_REUSE_HOURS = Program._meta.get_field("uitpas_check_reuse_hours").get_default()


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
    entitlements: list[access.Entitlement]
    welcome_name: str = ""  # a first name, only with the family's consent
    messages: list[str] = field(default_factory=list)  # UiTPAS messages for the family
    is_new: bool = False

    @property
    def code(self) -> str:
        return self.household.code


def counter_programs(
    ids: Sequence[int] = (), *, graph: access.ProgramGraph | None = None
) -> list[Program]:
    """The programs a check-in shows: every active one, or the active ones in ``ids``
    (from ``graph`` when the caller read it already)."""
    return access.active_programs(ids or None, graph=graph)


def uitpas_max_age(programs: Sequence[Program]) -> dt.timedelta:
    """How old an UiTPAS check may be to be reused: the strictest of the programs shown."""
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


def check_in(
    *,
    household: Household,
    location: Location,
    programs: Sequence[Program] | None = None,
    messages: Sequence[str] = (),
    is_new: bool = False,
    graph: access.ProgramGraph | None = None,
) -> CheckIn:
    """Today's entitlements of an opened household at ``location``. The queries do not
    grow with the number of children, evidence rows or programs: the household's facts
    are read once for all programs (only a program with a quota adds its quota query).
    ``graph``: the program graph the caller read already (``programs`` came from it)."""
    today = timezone.localdate()
    facts = access.HouseholdFacts(household, on=today, graph=graph)
    programs = counter_programs(graph=facts.graph) if programs is None else list(programs)
    prefetch_related_objects([household], "children")
    children = sorted(
        (
            ChildAge(
                months=child.age_in_months(today),
                birth_month=child.birth_month,
                birth_year=child.birth_year,
            )
            for child in household.children.all()
        ),
        key=lambda c: c.months,
    )
    entitlements = [
        access.entitlement(household=household, program=program, location=location, facts=facts)
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
