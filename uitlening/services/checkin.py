"""Check-in at the counter: open the household behind a household card, a referral
letter or an UiTPAS card and say what it may use today; register a new family.

The counter screen and the API's ``check_eligibility`` call the same ``check_in_by``,
so a referral is marked used and an UiTPAS check is reused the same way for both.
Opening a household is logged by the ``toegang`` services this module calls.

A card or letter that gives no access itself (a revoked or expired referral, a blocked
or expired UiTPAS card, a social tariff of another region) never hides what the family's
other evidence allows: the check-in shows the entitlements with a warning about what
was scanned. A new UiTPAS card is asked about before the registration form is shown, and
a registration is recorded once per form (its idempotency key), however often it is
sent."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kern import barcodes, idempotency, permissions, scanning
from kern.errors import Conflict, DomainError
from kern.models import IdempotencyRecord, Location, User
from toegang import selectors as eligibility
from toegang import services as access
from toegang.models import Evidence, Household, Program, Referral
from toegang.uitpas.client import PassInfo, PassMessage, SocialTariffStatus, UitpasError
from uitlening.selectors import CheckIn, check_in, counter_programs, uitpas_max_age

#: Child rows on the counter's registration form, and the most it registers.
COUNTER_MAX_CHILDREN = 6

#: How long UiTPAS's answer for a new card scanned at the counter stands in for asking
#: again when the registration form is sent (never longer than the programs' reuse
#: window): time enough to fill in the form. The evidence is dated when UiTPAS answered.
NEW_CARD_REUSE = dt.timedelta(minutes=15)

#: The ``kern.idempotency`` operation of a registration at the counter.
REGISTER_OPERATION = "uitlening.register_at_counter"

# Where a view keeps the answers for new cards (a session).
_NEW_CARDS = "uitlening.new_uitpas_cards"

CheckInKind = Literal["household", "referral", "uitpas"]


@dataclass(frozen=True)
class CheckInWarning:
    """What the volunteer must see before helping: the card or letter just scanned gives
    no access itself. ``code`` is stable (``referral_revoked``, ``uitpas_expired``, an
    ``UitpasError`` code, …); ``end_user_message`` is UiTPAS's own text for the family."""

    code: str
    message: str
    end_user_message: str = ""
    about_uitpas: bool = False


@dataclass
class CounterCheckIn(CheckIn):
    """A check-in with the warnings about what was scanned."""

    warnings: list[CheckInWarning] = field(default_factory=list)

    @property
    def any_allowed(self) -> bool:
        return any(e.allowed for e in self.entitlements)


def _with_warnings(base: CheckIn, warnings: Sequence[CheckInWarning]) -> CounterCheckIn:
    values = {f.name: getattr(base, f.name) for f in dataclasses.fields(base)}
    return CounterCheckIn(**values, warnings=list(warnings))


def _referral_warning(referral: Referral, today: dt.date) -> CheckInWarning | None:
    if referral.revoked_at is not None:
        day = timezone.localtime(referral.revoked_at).date()
        return CheckInWarning(
            code="referral_revoked",
            message=_("This referral was revoked on %(day)s.") % {"day": f"{day:%d/%m/%Y}"},
        )
    if referral.valid_until < today:
        return CheckInWarning(
            code="referral_expired",
            message=_("This referral expired on %(day)s.")
            % {"day": f"{referral.valid_until + dt.timedelta(days=1):%d/%m/%Y}"},
        )
    if referral.valid_from > today:
        return CheckInWarning(
            code="referral_not_yet_valid",
            message=_("This referral is valid only from %(day)s.")
            % {"day": f"{referral.valid_from:%d/%m/%Y}"},
        )
    return None


def _card_warning(
    evidence: Evidence, programs: Sequence[Program], location: Location
) -> CheckInWarning | None:
    """Why the UiTPAS check just made (or reused) gives no access here, if it does not."""
    if evidence.social_tariff == SocialTariffStatus.ACTIVE:
        uitpas_programs = [p for p in programs if p.accepts_uitpas]
        if not uitpas_programs or any(
            eligibility.card_system_covers(evidence, program=p, location=location)
            for p in uitpas_programs
        ):
            return None
        return CheckInWarning(
            code="uitpas_other_region",
            message=_("The social tariff of this UiTPAS card counts in another region, not here."),
            about_uitpas=True,
        )
    if evidence.social_tariff == SocialTariffStatus.EXPIRED:
        return CheckInWarning(
            code="uitpas_expired",
            message=_("The social tariff of this UiTPAS card has expired."),
            about_uitpas=True,
        )
    return CheckInWarning(
        code="uitpas_no_social_tariff",
        message=_("This UiTPAS card has no social tariff."),
        about_uitpas=True,
    )


def check_in_by(
    *,
    actor: User,
    location: Location,
    kind: CheckInKind,
    code: str,
    program_ids: Sequence[int] = (),
    source: str,
    uitpas_errors: Literal["raise", "warn"] = "raise",
) -> CounterCheckIn | None:
    """Open the household behind a household code, a referral code or an UiTPAS number
    and check it in for the active programs (those in ``program_ids`` when given).
    ``None``: an UiTPAS card that is not linked yet (register the family first).

    A referral letter is marked used when it counts today; a revoked, expired or not yet
    valid one is named in a warning. An UiTPAS card is checked with UiTPAS unless a check
    younger than the strictest reuse window of the programs shown exists; a card whose
    social tariff does not count here is named in a warning. UiTPAS's errors
    (``UitpasError``) propagate with ``uitpas_errors="raise"``; with ``"warn"`` the
    household is still opened with what its other evidence allows, and the error is a
    warning. Nothing is written for an UiTPAS error."""
    permissions.require(actor, "kern.use_counter")
    permissions.require_location(actor, location)
    graph = eligibility.program_graph()  # read once for the programs and their entitlements
    programs = counter_programs(program_ids, graph=graph)
    messages: list[str] = []
    warnings: list[CheckInWarning] = []
    warning: CheckInWarning | None = None
    household: Household | None
    if kind == "household":
        household = access.household_by_code(actor=actor, code=code, source=source)
    elif kind == "referral":
        referral = access.referral_by_code(actor=actor, code=code, source=source)
        access.mark_referral_used(referral=referral)
        household = referral.household
        warning = _referral_warning(referral, timezone.localdate())
    elif kind == "uitpas":
        number = barcodes.parse_uitpas_number(code)
        household = access.household_by_uitpas(actor=actor, number=number, source=source)
        if household is None:
            return None
        try:
            check = access.check_uitpas(
                actor=actor,
                household=household,
                number=number,
                max_age=uitpas_max_age(programs),
                source=source,
            )
        except UitpasError as exc:
            if uitpas_errors == "raise":
                raise
            warning = CheckInWarning(
                code=exc.code,
                message=exc.message,
                end_user_message=exc.end_user_message or "",
                about_uitpas=True,
            )
        else:
            messages = check.messages
            warning = _card_warning(check.evidence, programs, location)
    else:
        raise DomainError(_("This code does not belong to a family."))
    if warning is not None:
        warnings.append(warning)
    base = check_in(
        household=household, location=location, programs=programs, messages=messages, graph=graph
    )
    return _with_warnings(base, warnings)


def check_in_scan(
    *, actor: User, location: Location, scan: scanning.ScanResult, raw: str, source: str
) -> CounterCheckIn | None:
    """``check_in_by`` for a resolved scan at the counter screen, where an UiTPAS error
    is a warning on the household's check-in (its other evidence still counts)."""
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
        return check_in_by(
            actor=actor,
            location=location,
            kind="uitpas",
            code=raw,
            source=source,
            uitpas_errors="warn",
        )
    raise DomainError(_("This code does not belong to a family."))


# --- A new UiTPAS card --------------------------------------------------------------------


@dataclass(frozen=True)
class NewCard:
    """UiTPAS's answer for a card no household has yet, and when it came."""

    number: str
    info: PassInfo
    answered_at: dt.datetime


def _refuse_without_social_tariff(info: PassInfo, number: str) -> None:
    """A family is registered with its card only when the card carries the social tariff:
    otherwise the card would give it nothing here."""
    if info.has_social_tariff:
        return
    card = number[-4:]
    if info.social_tariff_status is SocialTariffStatus.EXPIRED:
        message = _(
            "The social tariff of the UiTPAS card ending in %(card)s has expired. "
            "Register the family without the card if it may come at the normal fee."
        )
    else:
        message = _(
            "The UiTPAS card ending in %(card)s has no social tariff. "
            "Register the family without the card if it may come at the normal fee."
        )
    said = " ".join(m.text for m in info.messages if m.text.strip())
    raise UitpasError(
        message % {"card": card}, code="no_social_tariff", end_user_message=said or None
    )


def check_new_card(*, actor: User, location: Location, number: str) -> NewCard:
    """Ask UiTPAS about a card no household has yet, before the volunteer fills in the
    registration form: a card UiTPAS does not know or cannot use, or one without social
    tariff, is refused now (``UitpasError`` with UiTPAS's message). Writes nothing."""
    permissions.require(actor, "kern.use_counter")
    permissions.require_location(actor, location)
    number = barcodes.parse_uitpas_number(number)
    info = access.ask_uitpas(actor=actor, number=number)
    _refuse_without_social_tariff(info, number)
    return NewCard(number=number, info=info, answered_at=timezone.now())


def _info_as_json(info: PassInfo) -> dict[str, Any]:
    return {
        "pass_type": info.pass_type,
        "status": str(info.social_tariff_status),
        "end": info.social_tariff_end.isoformat() if info.social_tariff_end else None,
        "system_id": info.card_system_id,
        "system_name": info.card_system_name,
        "system_postcodes": list(info.card_system_postal_codes),
        "postcode": info.postal_code,
        "messages": [[m.level, m.text] for m in info.messages],
    }


def _info_from_json(data: Mapping[str, Any]) -> PassInfo:
    end = data["end"]
    return PassInfo(
        pass_type=str(data["pass_type"]),
        social_tariff_status=SocialTariffStatus(data["status"]),
        social_tariff_end=dt.datetime.fromisoformat(end) if end else None,
        card_system_id=int(data["system_id"]),
        card_system_name=str(data["system_name"]),
        card_system_postal_codes=tuple(str(p) for p in data["system_postcodes"]),
        postal_code=str(data["postcode"]),
        messages=tuple(PassMessage(level=str(lv), text=str(tx)) for lv, tx in data["messages"]),
    )


def remember_new_card(store: MutableMapping[str, Any], card: NewCard) -> None:
    """Keep UiTPAS's answer for the registration that follows, in ``store`` (the
    volunteer's session: server-side, so the family's card system never reaches the
    browser). Answers older than ``NEW_CARD_REUSE`` are dropped."""
    now = timezone.now()
    kept = {
        key: memo
        for key, memo in dict(store.get(_NEW_CARDS) or {}).items()
        if isinstance(memo, dict)
        and now - dt.datetime.fromisoformat(str(memo.get("at"))) < NEW_CARD_REUSE
    }
    kept[access.uitpas_hash(card.number)] = {
        "at": card.answered_at.isoformat(),
        "info": _info_as_json(card.info),
    }
    store[_NEW_CARDS] = kept


def recall_new_card(store: Mapping[str, Any], number: str) -> NewCard | None:
    """UiTPAS's answer kept by ``remember_new_card`` for this number, if any."""
    try:
        number = barcodes.parse_uitpas_number(number)
    except DomainError:
        return None
    memo = (store.get(_NEW_CARDS) or {}).get(access.uitpas_hash(number))
    if not isinstance(memo, dict):
        return None
    try:
        answered_at = dt.datetime.fromisoformat(str(memo["at"]))
        return NewCard(number=number, info=_info_from_json(memo["info"]), answered_at=answered_at)
    except (KeyError, TypeError, ValueError):
        return None


def forget_new_card(store: MutableMapping[str, Any], number: str) -> None:
    kept = dict(store.get(_NEW_CARDS) or {})
    try:
        kept.pop(access.uitpas_hash(barcodes.parse_uitpas_number(number)), None)
    except DomainError:
        return
    store[_NEW_CARDS] = kept


# --- Registration at the counter ----------------------------------------------------------


def _registered(
    *,
    location: Location,
    household: Household,
    programs: Sequence[Program],
    messages: Sequence[str],
) -> CounterCheckIn:
    latest = (
        Evidence.objects.filter(household=household, kind=Evidence.Kind.UITPAS)
        .order_by("-checked_at", "-id")
        .first()
    )
    warning = _card_warning(latest, programs, location) if latest is not None else None
    base = check_in(
        household=household,
        location=location,
        programs=programs,
        messages=messages,
        is_new=True,
    )
    return _with_warnings(base, [warning] if warning else [])


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
    idempotency_key: str = "",
    known_card: NewCard | None = None,
) -> CounterCheckIn:
    """Register a family at the counter with the minimum (no contact details), link its
    UiTPAS card and record its check. Returns the check-in of the new household.

    ``idempotency_key`` (the registration form's own key): the same form sent again — a
    reload, a double click, a retried POST — answers with the household it registered,
    and registers nothing more; sent again with other details it is refused (Conflict
    ``registration_sent_before``). UiTPAS is asked first, with no transaction open (no
    database lock held while it answers), unless ``known_card`` holds its answer for
    this number from the scan, younger than ``NEW_CARD_REUSE`` and the programs' reuse
    window; a card without social tariff is refused. Then everything is recorded in one
    transaction. An UiTPAS error or a wrong field leaves nothing behind."""
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
    programs = counter_programs()
    key = idempotency_key.strip()
    payload = {
        "location": location.pk,
        "postcode": postcode.strip(),
        "adults": adults,
        "children": [[c.birth_year, c.birth_month] for c in children],
        "language": language,
        "first_name": first_name.strip(),
        "consent": consent,
        "uitpas": access.uitpas_hash(number) if number else "",  # a keyed hash, no digits
    }
    # Sent before and recorded: the replay below answers without asking UiTPAS again.
    sent_before = bool(key) and IdempotencyRecord.objects.filter(user=actor, key=key).exists()
    info: PassInfo | None = None
    answered_at: dt.datetime | None = None
    if number and not sent_before:
        reuse = min(uitpas_max_age(programs), NEW_CARD_REUSE)
        if (
            known_card is not None
            and known_card.number == number
            and timezone.now() - known_card.answered_at <= reuse
        ):
            info, answered_at = known_card.info, known_card.answered_at
        else:
            info = access.ask_uitpas(actor=actor, number=number)
        _refuse_without_social_tariff(info, number)

    def perform() -> tuple[int, dict[str, Any]]:
        if number and info is None:  # the first sending's record vanished meanwhile
            raise Conflict(_("Send the registration again."))
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
            messages: list[str] = []
            if info is not None:
                check = access.record_uitpas_check(
                    actor=actor,
                    household=household,
                    number=number,
                    info=info,
                    source=source,
                    answered_at=answered_at,
                )
                messages = check.messages
            access.open_household(actor=actor, household=household, source=source)
        return 200, {"household": household.pk, "location": location.pk, "messages": messages}

    try:
        _status, body, replayed = idempotency.run_once(
            user=actor, key=key, operation=REGISTER_OPERATION, payload=payload, perform=perform
        )
    except Conflict as exc:
        if exc.code != "idempotency_key_reused":
            raise
        earlier = _registration(actor=actor, location=location, key=key)
        raise Conflict(
            _(
                "This form was sent before and registered family %(code)s. To register "
                "another family, send the form again."
            )
            % {"code": earlier[0].code if earlier else "?"},
            code="registration_sent_before",
        ) from exc
    household = Household.objects.get(pk=body["household"])
    if replayed:
        access.open_household(actor=actor, household=household, source=source)
    return _registered(
        location=location,
        household=household,
        programs=programs,
        messages=body.get("messages") or [],
    )


def _registration(
    *, actor: User, location: Location, key: str
) -> tuple[Household, list[str]] | None:
    """The household ``actor`` registered at ``location`` with the form of ``key``, and
    UiTPAS's messages for it then."""
    key = key.strip()
    record = (
        IdempotencyRecord.objects.filter(
            user=actor, key=key, operation=REGISTER_OPERATION, status_code=200
        ).first()
        if key
        else None
    )
    body = record.response if record is not None else None
    if not isinstance(body, dict) or body.get("location") != location.pk:
        return None
    household_id = body.get("household")
    if not isinstance(household_id, int):
        return None
    household = Household.objects.filter(pk=household_id, anonymised_at__isnull=True).first()
    if household is None:
        return None
    return household, [str(m) for m in body.get("messages") or []]


def registered_at_counter(
    *, actor: User, location: Location, key: str, source: str = ""
) -> CounterCheckIn | None:
    """The check-in of the family ``actor`` registered at ``location`` with the form of
    ``key`` (what the page shows after the redirect that follows a registration; a
    reload shows it again and registers nothing). ``None``: no such registration."""
    permissions.require(actor, "kern.use_counter")
    permissions.require_location(actor, location)
    found = _registration(actor=actor, location=location, key=key)
    if found is None:
        return None
    household, messages = found
    access.open_household(actor=actor, household=household, source=source)
    return _registered(
        location=location,
        household=household,
        programs=counter_programs(),
        messages=messages,
    )
