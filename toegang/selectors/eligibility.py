"""Eligibility: the one function the counter and the API use to say what a household may
do in a program today, without saying why (which evidence)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from kern.models import Location
from toegang.models import REFERRAL_COUNTS_ON_SQL, Child, Evidence, Household, Program, Referral
from toegang.selectors.programs import ProgramGraph, program_graph, programs_opening
from toegang.selectors.quota import packs_taken


@dataclass(frozen=True)
class Entitlement:
    allowed: bool
    program: Program
    until: dt.date | None
    social: bool  # social fee / free access
    membership_fee: Decimal
    contribution: Decimal
    quota_packs: int | None  # per period, None: no quota
    quota_remaining: int | None
    explanation: str  # for the volunteer; never says which evidence
    needs_uitpas_check: bool = False


class CardSystemFacts(Protocol):
    """What an UiTPAS check says about the card system (an ``Evidence`` row has it)."""

    @property
    def card_system_id(self) -> str: ...

    @property
    def card_system_postcodes(self) -> list[str]: ...


def card_system_covers(check: CardSystemFacts, *, program: Program, location: Location) -> bool:
    """Does the kansentarief of this card count for this program at this location?"""
    if program.uitpas_card_systems:
        return check.card_system_id in {str(i) for i in program.uitpas_card_systems}
    postcodes = set(location.municipality.postcodes or [])
    if location.postcode:
        postcodes.add(location.postcode)
    return bool(postcodes & set(check.card_system_postcodes or []))


@dataclass(frozen=True)
class _Check:
    card_id: int | None
    social_tariff: str
    card_system_id: str
    card_system_postcodes: list[str]
    valid_until: dt.date | None
    checked_at: dt.datetime


@dataclass(frozen=True)
class _Evidence:
    referral_until: dict[int, dt.date]  # program -> latest end of a referral counting today
    exception_until: dict[int, dt.date]  # program -> latest end of a valid exception
    child_ages: list[int]  # in months on the day (negative: an expected baby)


def _as_date(value: object) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _as_datetime(value: object) -> dt.datetime:
    """A timestamp as a raw cursor gives it (SQLite: naive, in the connection's zone)."""
    parsed = value if isinstance(value, dt.datetime) else parse_datetime(str(value))
    if parsed is None:
        raise ValueError(f"not a timestamp: {value!r}")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, connection.timezone)
    return parsed


class HouseholdFacts:
    """What the eligibility of one household rests on, on one day, read once however
    many programs are asked about: the program graph, the referrals and exceptions that
    count that day (per program), the children's ages and the newest UiTPAS checks.

    Plain SQL, one query each, read when first needed: this runs for every family at
    every counter scan, and the ORM's query building cost three times the queries
    themselves (see docs/performance.md). Same SQL on SQLite and PostgreSQL.

    Hold one for one check-in, basket or request, never longer: it is not a cache (a
    referral revoked through another app process must count on the next request). The
    quota taken is not kept here: it changes within a request, as packs are handed out."""

    def __init__(
        self, household: Household, *, on: dt.date | None = None, graph: ProgramGraph | None = None
    ) -> None:
        self.household_id: int = household.pk
        self.on: dt.date = on or timezone.localdate()
        self._graph = graph
        self._evidence: _Evidence | None = None
        self._checks: list[_Check] | None = None

    @property
    def graph(self) -> ProgramGraph:
        if self._graph is None:
            self._graph = program_graph()
        return self._graph

    def referral_until(self, programs: Iterable[int]) -> dt.date | None:
        """The latest end of a referral counting on the day that names one of ``programs``."""
        found = self._read_evidence().referral_until
        return max((found[pk] for pk in programs if pk in found), default=None)

    def exception_until(self, programs: Iterable[int]) -> dt.date | None:
        """The latest end of an exception valid on the day for one of ``programs``."""
        found = self._read_evidence().exception_until
        return max((found[pk] for pk in programs if pk in found), default=None)

    def young_children(self, max_age_months: int) -> int:
        """Children born and younger than ``max_age_months`` on the day."""
        return sum(1 for age in self._read_evidence().child_ages if 0 <= age < max_age_months)

    def uitpas_checks(self) -> list[_Check]:
        """The newest UiTPAS checks of the household (at most ten), newest first."""
        if self._checks is None:
            self._checks = self._read_checks()
        return self._checks

    def _read_evidence(self) -> _Evidence:
        if self._evidence is not None:
            return self._evidence
        day = connection.ops.adapt_datefield_value(self.on)
        referral = Referral._meta.db_table
        referral_programs = Referral.programs.through._meta.db_table
        evidence = Evidence._meta.db_table
        child = Child._meta.db_table
        sql = f"""
            SELECT 'r', rp.program_id, MAX(r.valid_until), CAST(NULL AS INTEGER),
                   CAST(NULL AS INTEGER)
              FROM {referral} r JOIN {referral_programs} rp ON rp.referral_id = r.id
             WHERE r.household_id = %s AND {REFERRAL_COUNTS_ON_SQL.format(r="r")}
             GROUP BY rp.program_id
            UNION ALL
            SELECT 'e', e.program_id, MAX(e.valid_until), NULL, NULL
              FROM {evidence} e
             WHERE e.household_id = %s AND e.kind = %s AND e.valid_until >= %s
               AND e.program_id IS NOT NULL
             GROUP BY e.program_id
            UNION ALL
            SELECT 'c', NULL, NULL, c.birth_year, c.birth_month
              FROM {child} c WHERE c.household_id = %s
        """
        params = [
            self.household_id, day, day,
            self.household_id, Evidence.Kind.EXCEPTION.value, day,
            self.household_id,
        ]  # fmt: skip
        referral_until: dict[int, dt.date] = {}
        exception_until: dict[int, dt.date] = {}
        child_ages: list[int] = []
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        for tag, program_id, until, birth_year, birth_month in rows:
            if tag == "c":
                born = Child(birth_year=birth_year, birth_month=birth_month)
                child_ages.append(born.age_in_months(self.on))
                continue
            end = _as_date(until)
            if end is not None:
                (referral_until if tag == "r" else exception_until)[int(program_id)] = end
        self._evidence = _Evidence(referral_until, exception_until, child_ages)
        return self._evidence

    def _read_checks(self) -> list[_Check]:
        checks: list[_Check] = []
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT card_id, social_tariff, card_system_id, card_system_postcodes,
                           valid_until, checked_at
                      FROM {Evidence._meta.db_table} WHERE household_id = %s AND kind = %s
                     ORDER BY checked_at DESC, id DESC LIMIT 10""",
                [self.household_id, Evidence.Kind.UITPAS.value],
            )
            rows = cursor.fetchall()
        for card_id, tariff, system, postcodes, valid_until, checked_at in rows:
            if isinstance(postcodes, str):
                postcodes = json.loads(postcodes)
            checks.append(
                _Check(
                    card_id,
                    tariff,
                    str(system),
                    [str(postcode) for postcode in postcodes or []],
                    _as_date(valid_until),
                    _as_datetime(checked_at),
                )
            )
        return checks


def _referral_sources(program: Program, sources: set[int]) -> set[int]:
    """A referral counts for the programs it names (when they accept referrals) and for
    the programs their right opens automatically."""
    return sources if program.accepts_referral else sources - {program.pk}


def entitlement(
    *,
    household: Household,
    program: Program,
    location: Location,
    on: dt.date | None = None,
    facts: HouseholdFacts | None = None,
) -> Entitlement:
    """Allowed or not, until when, what it costs, what quota remains, and a plain Dutch
    explanation that does not reveal the evidence.

    ``facts``: the household's ``HouseholdFacts`` for the day, when the caller asks about
    several programs (each fact is then read once); ``on`` defaults to its day."""
    if facts is None:
        facts = HouseholdFacts(household, on=on)
    elif facts.household_id != household.pk or (on is not None and on != facts.on):
        raise ValueError("these facts are about another household or day")
    on = facts.on
    sources = set(facts.graph.opening(program.pk))
    untils = [
        until
        for until in (
            facts.referral_until(_referral_sources(program, sources)),
            facts.exception_until(sources),
        )
        if until
    ]
    needs_check = False
    if program.accepts_uitpas:
        fresh_after = timezone.now() - dt.timedelta(hours=program.uitpas_check_reuse_hours)
        seen_cards: set[int | None] = set()
        for check in facts.uitpas_checks():  # newest first: the newest check of each card decides
            if check.card_id in seen_cards:
                continue
            seen_cards.add(check.card_id)
            if check.social_tariff != "ACTIVE" or not card_system_covers(
                check, program=program, location=location
            ):
                continue
            if check.checked_at >= fresh_after:
                # UiTPAS may still say ACTIVE a while after the end date (grace): today, then.
                untils.append(max(check.valid_until or on, on))
            else:
                needs_check = True
    social = bool(untils)
    allowed = social or program.open_to_all
    until = max(untils) if untils else None
    fee = program.membership_fee_social if social else program.membership_fee_normal
    quota_packs = quota_remaining = None
    if allowed and program.quota_packs_per_child:
        quota_packs = facts.young_children(program.quota_child_max_age_months) * (
            program.quota_packs_per_child
        )
        # A period of N days is today and the N - 1 days before it (packs_taken counts
        # ``since`` itself).
        taken = packs_taken(
            household=household,
            program=program,
            since=on - dt.timedelta(days=program.quota_period_days - 1),
        )
        quota_remaining = max(0, quota_packs - taken)
    return Entitlement(
        allowed=allowed,
        program=program,
        until=until,
        social=social,
        membership_fee=fee if allowed else Decimal("0"),
        contribution=program.contribution if allowed else Decimal("0"),
        quota_packs=quota_packs,
        quota_remaining=quota_remaining,
        explanation=_explain(
            program,
            allowed=allowed,
            social=social,
            until=until,
            remaining=quota_remaining,
            needs_check=needs_check,
        ),
        needs_uitpas_check=needs_check and not social,
    )


@dataclass(frozen=True)
class _CardSystem:
    card_system_id: str
    card_system_postcodes: list[str]


def households_with_access(
    *,
    program: Program,
    on: dt.date,
    locations: Sequence[Location],
    household_id: int | None = None,
) -> set[int] | None:
    """``entitlement`` for every household at once (or only ``household_id``), on a day
    that may lie ahead (a seasonal action's date): the ids of the households with access
    to ``program`` at one of ``locations`` on ``on``. The same evidence counts — a referral
    or a coordinator's exception for a program that opens it, or (when the program takes
    UiTPAS) the newest check of each card with an active social tariff of a card system
    covering one of the locations, still valid on that day. The reuse window of a check
    does not apply: it is about asking UiTPAS again at the counter, not about access on a
    day to come. None: every household (a program open to all). A handful of queries,
    whatever the number of households."""
    if program.open_to_all:
        return None
    sources = programs_opening(program)
    referral_sources = _referral_sources(program, sources)
    day = connection.ops.adapt_datefield_value(on)
    one = " AND {alias}.household_id = %s" if household_id is not None else ""
    found: set[int] = set()
    with connection.cursor() as cursor:
        parts: list[str] = []
        params: list[Any] = []
        if referral_sources:
            marks = ", ".join(["%s"] * len(referral_sources))
            parts.append(
                f"""SELECT r.household_id FROM {Referral._meta.db_table} r
                     JOIN {Referral.programs.through._meta.db_table} rp ON rp.referral_id = r.id
                    WHERE {REFERRAL_COUNTS_ON_SQL.format(r="r")} AND rp.program_id IN ({marks})"""
                + one.format(alias="r")
            )
            params += [day, day, *sorted(referral_sources)]
            if household_id is not None:
                params.append(household_id)
        marks = ", ".join(["%s"] * len(sources))
        parts.append(
            f"""SELECT e.household_id FROM {Evidence._meta.db_table} e
                WHERE e.kind = %s AND e.valid_until >= %s AND e.program_id IN ({marks})"""
            + one.format(alias="e")
        )
        params += [Evidence.Kind.EXCEPTION.value, day, *sorted(sources)]
        if household_id is not None:
            params.append(household_id)
        cursor.execute(" UNION ".join(parts), params)
        found.update(row[0] for row in cursor.fetchall())
        if program.accepts_uitpas:
            cursor.execute(
                f"""SELECT household_id, card_id, social_tariff, card_system_id,
                           card_system_postcodes, valid_until
                      FROM {Evidence._meta.db_table} e
                     WHERE e.kind = %s{one.format(alias="e")}
                     ORDER BY household_id, card_id, checked_at DESC, id DESC""",
                [Evidence.Kind.UITPAS.value] + ([household_id] if household_id is not None else []),
            )
            seen: set[tuple[int, int | None]] = set()
            for hid, card_id, tariff, system, postcodes, valid_until in cursor.fetchall():
                if (hid, card_id) in seen:
                    continue  # the newest check of each card decides
                seen.add((hid, card_id))
                if hid in found or tariff != "ACTIVE":
                    continue
                if valid_until is not None and str(valid_until)[:10] < str(on):
                    continue
                if isinstance(postcodes, str):
                    postcodes = json.loads(postcodes)
                facts = _CardSystem(str(system), [str(p) for p in postcodes or []])
                if any(card_system_covers(facts, program=program, location=p) for p in locations):
                    found.add(hid)
    return found


def _explain(
    program: Program,
    *,
    allowed: bool,
    social: bool,
    until: dt.date | None,
    remaining: int | None,
    needs_check: bool,
) -> str:
    if not allowed:
        if needs_check:
            return _("Access to %(program)s must be checked again: scan the family's card.") % {
                "program": program.name
            }
        return _(
            "No access to %(program)s: the family needs an UiTPAS with social tariff or a referral."
        ) % {"program": program.name}
    if not social or until is None:
        return _("Access to %(program)s at the normal fee.") % {"program": program.name}
    text = _("Access to %(program)s valid until %(day)s") % {
        "program": program.name,
        "day": f"{until:%d/%m/%Y}",
    }
    if remaining is not None:
        text += " — " + _("%(n)d packs left this period") % {"n": remaining}
    return text
