"""Access operations: registering households, linking UiTPAS cards, referrals,
coordinator exceptions, and the one eligibility function the counter and the API use.

Every staff view or change of a household is written to the audit log."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kern import audit, barcodes, permissions
from kern.errors import Conflict, DomainError, NotAllowed, NotFound
from kern.models import Location, Municipality, User
from toegang.models import Child, Evidence, Household, Program, Referral, UitpasCard

MAX_CHILDREN = 15
CONSENT_VERSION = "2026-1"


# --- Identifiers ------------------------------------------------------------------------


def uitpas_hash(number: str) -> str:
    """Keyed hash of an UiTPAS number: the counter recognises a card without the number."""
    return hmac.new(
        settings.IDENTIFIER_HASH_KEY.encode(), number.encode(), hashlib.sha256
    ).hexdigest()


def municipality_for(postcode: str) -> Municipality | None:
    for municipality in Municipality.objects.all():
        if postcode in (municipality.postcodes or []):
            return municipality
    return None


# --- Households -------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildIn:
    birth_year: int
    birth_month: int
    diaper_size: int | None = None


def _check_children(children: list[ChildIn], *, today: dt.date) -> None:
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


def _check_postcode(postcode: str) -> str:
    postcode = (postcode or "").strip()
    if not (postcode.isdigit() and len(postcode) == 4 and 1000 <= int(postcode) <= 9999):
        raise DomainError(
            _("“%(postcode)s” is not a Belgian postcode (four digits).") % {"postcode": postcode},
            field="postcode",
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
    postcode = _check_postcode(postcode)
    today = timezone.localdate()
    _check_children(children, today=today)
    if not 1 <= int(adults) <= 12:
        raise DomainError(_("The number of adults is 1 to 12."), field="adults")
    has_contact = any(part.strip() for part in (first_name, email, phone))
    if has_contact and not consent:
        raise DomainError(
            _(
                "A first name or contact details are only kept with the family's consent: tick the consent box or leave them empty."
            ),
            field="consent",
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


def household_by_uitpas(*, actor: User, number: str, source: str) -> Household | None:
    number = barcodes.parse_uitpas_number(number)
    card = (
        UitpasCard.objects.select_related("household")
        .filter(number_hash=uitpas_hash(number))
        .first()
    )
    if card is None or card.household.anonymised_at:
        return None
    return open_household(actor=actor, household=card.household, source=source)


@transaction.atomic
def link_uitpas_card(
    *, actor: User, household: Household, number: str, source: str = ""
) -> UitpasCard:
    permissions.require(actor, "kern.use_counter", "kern.manage_referrals")
    number = barcodes.parse_uitpas_number(number)
    digest = uitpas_hash(number)
    existing = UitpasCard.objects.filter(number_hash=digest).first()
    if existing is not None:
        if existing.household_id != household.pk:
            raise Conflict(
                _("UiTPAS card ending in %(last)s is already linked to another household.")
                % {"last": number[-4:]}
            )
        return existing
    card = UitpasCard.objects.create(
        household=household, number_hash=digest, last_digits=number[-4:]
    )
    audit.record(
        actor=actor,
        action="link_uitpas",
        obj=household,
        source=source,
        details={"card": card.pk},  # the audit log outlives erasure: no digits in it
    )
    return card


def touch(household: Household) -> None:
    Household.objects.filter(pk=household.pk).update(last_activity_at=timezone.now())


# --- Referrals --------------------------------------------------------------------------


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
        organisation_id=actor.organisation_id,
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


# --- Evidence: UiTPAS checks and exceptions ---------------------------------------------


@dataclass
class UitpasCheck:
    evidence: Evidence
    messages: list[str] = field(default_factory=list)
    reused: bool = False


def card_system_covers(evidence: Evidence, *, program: Program, location: Location) -> bool:
    """Does the kansentarief of this card count for this program at this location?"""
    if program.uitpas_card_systems:
        return evidence.card_system_id in {str(i) for i in program.uitpas_card_systems}
    postcodes = set(location.municipality.postcodes or [])
    if location.postcode:
        postcodes.add(location.postcode)
    return bool(postcodes & set(evidence.card_system_postcodes or []))


def check_uitpas(
    *,
    actor: User,
    household: Household,
    number: str,
    max_age: dt.timedelta | None = None,
    source: str = "",
) -> UitpasCheck:
    """Ask UiTPAS for the social tariff of a card and keep the outcome as evidence.

    A check younger than ``max_age`` is reused without asking UiTPAS again. UiTPAS is
    asked before the transaction (no database lock is held while waiting for it), and
    nothing is written when it answers with an error."""
    from toegang.uitpas import client as uitpas_client

    permissions.require(actor, "kern.use_counter", "kern.manage_referrals")
    number = barcodes.parse_uitpas_number(number)
    digest = uitpas_hash(number)
    if max_age is not None:
        recent = (
            Evidence.objects.filter(
                household=household,
                kind=Evidence.Kind.UITPAS,
                card__number_hash=digest,
                checked_at__gte=timezone.now() - max_age,
            )
            .order_by("-checked_at")
            .first()
        )
        if recent is not None:
            return UitpasCheck(evidence=recent, messages=list(recent.messages), reused=True)
    info = uitpas_client.get_pass(number)  # raises a DomainError before anything is written
    messages = [message.text for message in info.messages]
    with transaction.atomic():
        card = link_uitpas_card(actor=actor, household=household, number=number, source=source)
        evidence = Evidence.objects.create(
            household=household,
            kind=Evidence.Kind.UITPAS,
            card=card,
            social_tariff=str(info.social_tariff_status),
            card_system_id=str(info.card_system_id or ""),
            card_system_name=info.card_system_name or "",
            card_system_postcodes=list(info.card_system_postal_codes),
            valid_until=info.social_tariff_end_date,
            messages=messages,
            checked_by=actor,
        )
        audit.record(
            actor=actor,
            action="check_uitpas",
            obj=household,
            source=source,
            details={"evidence": evidence.pk},
        )
        touch(household)
    return UitpasCheck(evidence=evidence, messages=messages)


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
    """A coordinator's documented exception, e.g. while UiTPAS is down."""
    permissions.require(actor, "kern.manage_programs")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("An exception needs a reason (it is logged)."), field="reason")
    today = timezone.localdate()
    if not today <= valid_until <= today + dt.timedelta(days=92):
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


# --- Eligibility ------------------------------------------------------------------------


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


def _parents() -> dict[int, set[int]]:
    """to_program -> programs whose right opens it (the whole, tiny graph in one query)."""
    table = Program.grants.through._meta.db_table
    parents: dict[int, set[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT from_program_id, to_program_id FROM {table}")
        for source, target in cursor.fetchall():
            parents.setdefault(target, set()).add(source)
    return parents


def programs_opening(program: Program) -> set[int]:
    """Ids of the programs whose right also opens ``program`` (itself included),
    following “rechten automatisch toekennen” transitively."""
    parents = _parents()
    opened_by = {program.pk}
    frontier = [program.pk]
    while frontier:
        found = set().union(*(parents.get(pk, set()) for pk in frontier))
        frontier = list(found - opened_by)
        opened_by |= found
    return opened_by


# Counter packs already taken in a quota period; the counter app registers how.
def _packs_taken(household: Household, program: Program, since: dt.date) -> int:
    return 0


packs_taken = _packs_taken


@dataclass(frozen=True)
class _Check:
    card_id: int | None
    social_tariff: str
    card_system_id: str
    card_system_postcodes: list[str]
    valid_until: dt.date | None
    fresh: bool


@dataclass(frozen=True)
class _Facts:
    referral_until: dt.date | None
    exception_until: dt.date | None
    young_children: int
    checks: list[_Check]


def _as_date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _facts(
    *,
    household_id: int,
    referral_programs: set[int],
    exception_programs: set[int],
    on: dt.date,
    fresh_after: dt.datetime,
    child_max_age_months: int,
    with_checks: bool,
) -> _Facts:
    """What the eligibility of one household rests on, in two plain SQL queries.

    This runs for every family at every counter scan; the ORM's query building cost
    three times the queries themselves (see docs/performance.md). Same SQL on SQLite and
    PostgreSQL."""
    ops = connection.ops
    day = ops.adapt_datefield_value(on)
    referral = Referral._meta.db_table
    referral_programs_table = Referral.programs.through._meta.db_table
    evidence = Evidence._meta.db_table
    child = Child._meta.db_table
    ref_in = ", ".join(["%s"] * len(referral_programs)) or "NULL"
    exc_in = ", ".join(["%s"] * len(exception_programs)) or "NULL"
    month_now = on.year * 12 + on.month
    sql = f"""
        SELECT
          (SELECT MAX(r.valid_until) FROM {referral} r
             JOIN {referral_programs_table} rp ON rp.referral_id = r.id
            WHERE r.household_id = %s AND r.revoked_at IS NULL AND r.valid_from <= %s
              AND r.valid_until >= %s AND rp.program_id IN ({ref_in})),
          (SELECT MAX(e.valid_until) FROM {evidence} e
            WHERE e.household_id = %s AND e.kind = %s AND e.valid_until >= %s
              AND e.program_id IN ({exc_in})),
          (SELECT COUNT(*) FROM {child} c
            WHERE c.household_id = %s
              AND %s - (c.birth_year * 12 + c.birth_month) BETWEEN 0 AND %s)
    """
    params = [
        household_id, day, day, *sorted(referral_programs),
        household_id, Evidence.Kind.EXCEPTION.value, day, *sorted(exception_programs),
        household_id, month_now, child_max_age_months - 1,
    ]  # fmt: skip
    checks: list[_Check] = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        referral_until, exception_until, young = cursor.fetchone()
        if with_checks:
            cursor.execute(
                f"""SELECT card_id, social_tariff, card_system_id, card_system_postcodes, valid_until,
                           CASE WHEN checked_at >= %s THEN 1 ELSE 0 END
                      FROM {evidence} WHERE household_id = %s AND kind = %s
                     ORDER BY checked_at DESC, id DESC LIMIT 10""",
                [
                    ops.adapt_datetimefield_value(fresh_after),
                    household_id,
                    Evidence.Kind.UITPAS.value,
                ],
            )
            for card_id, tariff, system, postcodes, valid_until, fresh in cursor.fetchall():
                if isinstance(postcodes, str):
                    postcodes = json.loads(postcodes)
                checks.append(
                    _Check(
                        card_id,
                        tariff,
                        str(system),
                        list(postcodes or []),
                        _as_date(valid_until),
                        bool(fresh),
                    )
                )
    return _Facts(_as_date(referral_until), _as_date(exception_until), int(young or 0), checks)


def entitlement(
    *, household: Household, program: Program, location: Location, on: dt.date | None = None
) -> Entitlement:
    """Allowed or not, until when, what it costs, what quota remains, and a plain Dutch
    explanation that does not reveal the evidence."""
    on = on or timezone.localdate()
    sources = programs_opening(program)
    # A referral counts for the programs it names (when they accept referrals) and for
    # the programs their right opens automatically.
    referral_sources = sources if program.accepts_referral else sources - {program.pk}
    facts = _facts(
        household_id=household.pk,
        referral_programs=referral_sources,
        exception_programs=sources,
        on=on,
        fresh_after=timezone.now() - dt.timedelta(hours=program.uitpas_check_reuse_hours),
        child_max_age_months=program.quota_child_max_age_months,
        with_checks=program.accepts_uitpas,
    )
    untils = [until for until in (facts.referral_until, facts.exception_until) if until]
    needs_check = False
    seen_cards: set[int | None] = set()
    for check in facts.checks:  # newest first: the newest check of each card decides
        if check.card_id in seen_cards:
            continue
        seen_cards.add(check.card_id)
        if check.social_tariff != "ACTIVE" or not card_system_covers(
            check, program=program, location=location
        ):
            continue
        if check.fresh:
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
        quota_packs = facts.young_children * program.quota_packs_per_child
        taken = packs_taken(household, program, on - dt.timedelta(days=program.quota_period_days))
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
        explanation=_explain(program, allowed, social, until, quota_remaining, needs_check),
        needs_uitpas_check=needs_check and not social,
    )


def _explain(program, allowed, social, until, remaining, needs_check) -> str:
    if not allowed:
        if needs_check:
            return _("Access to %(program)s must be checked again: scan the family's card.") % {
                "program": program.name
            }
        return _(
            "No access to %(program)s: the family needs an UiTPAS with social tariff or a referral."
        ) % {"program": program.name}
    if not social:
        return _("Access to %(program)s at the normal fee.") % {"program": program.name}
    text = _("Access to %(program)s valid until %(day)s") % {
        "program": program.name,
        "day": f"{until:%d/%m/%Y}",
    }
    if remaining is not None:
        text += " — " + _("%(n)d packs left this period") % {"n": remaining}
    return text
