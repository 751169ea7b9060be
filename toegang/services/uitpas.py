"""UiTPAS cards: linking a card to a household (a keyed hash and the last four digits,
never the number) and checking its social tariff with UiTPAS, kept as evidence.

Asking UiTPAS and recording its answer are separate steps, so a caller that records more
in one transaction (registration at the counter) asks UiTPAS first, with no transaction
open: no database lock is held while waiting for UiTPAS."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kern import audit, barcodes, permissions
from kern.errors import Conflict
from kern.hashing import keyed_hash
from kern.models import User
from toegang.models import Evidence, Household, UitpasCard
from toegang.services.households import open_household, touch
from toegang.uitpas import client as uitpas_client


def uitpas_hash(number: str) -> str:
    """The counter recognises a card by this keyed hash, without keeping the number."""
    return keyed_hash(number)


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


def _linked_elsewhere(number: str, household: Household | None) -> None:
    existing = UitpasCard.objects.filter(number_hash=uitpas_hash(number)).first()
    if existing is not None and (household is None or existing.household_id != household.pk):
        raise Conflict(
            _("UiTPAS card ending in %(last)s is already linked to another household.")
            % {"last": number[-4:]}
        )


@transaction.atomic
def link_uitpas_card(
    *, actor: User, household: Household, number: str, source: str = ""
) -> UitpasCard:
    permissions.require(actor, "kern.use_counter", "kern.manage_referrals")
    number = barcodes.parse_uitpas_number(number)
    _linked_elsewhere(number, household)
    existing = UitpasCard.objects.filter(number_hash=uitpas_hash(number)).first()
    if existing is not None:
        return existing
    card = UitpasCard.objects.create(
        household=household, number_hash=uitpas_hash(number), last_digits=number[-4:]
    )
    audit.record(
        actor=actor,
        action="link_uitpas",
        obj=household,
        source=source,
        details={"card": card.pk},  # the audit log outlives erasure: no digits in it
    )
    return card


@dataclass
class UitpasCheck:
    evidence: Evidence
    messages: list[str] = field(default_factory=list)
    reused: bool = False


def ask_uitpas(
    *, actor: User, number: str, household: Household | None = None
) -> uitpas_client.PassInfo:
    """Ask UiTPAS about a card, writing nothing: call it outside any transaction. Refuses
    first what would be refused afterwards anyway (the role, a card linked to another
    household), so UiTPAS is not asked in vain. Raises ``UitpasError``."""
    permissions.require(actor, "kern.use_counter", "kern.manage_referrals")
    number = barcodes.parse_uitpas_number(number)
    _linked_elsewhere(number, household)
    return uitpas_client.get_pass(number)


@transaction.atomic
def record_uitpas_check(
    *,
    actor: User,
    household: Household,
    number: str,
    info: uitpas_client.PassInfo,
    source: str = "",
    answered_at: dt.datetime | None = None,
) -> UitpasCheck:
    """Link the card (if it is not yet) and keep what UiTPAS answered as evidence, dated
    when UiTPAS answered (``answered_at``, default now), so its reuse window is honest."""
    card = link_uitpas_card(actor=actor, household=household, number=number, source=source)
    messages = [message.text for message in info.messages]
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
        checked_at=answered_at or timezone.now(),
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
    asked before the transaction, and nothing is written when it answers with an error."""
    permissions.require(actor, "kern.use_counter", "kern.manage_referrals")
    number = barcodes.parse_uitpas_number(number)
    if max_age is not None:
        recent = (
            Evidence.objects.filter(
                household=household,
                kind=Evidence.Kind.UITPAS,
                card__number_hash=uitpas_hash(number),
                checked_at__gte=timezone.now() - max_age,
            )
            .order_by("-checked_at")
            .first()
        )
        if recent is not None:
            return UitpasCheck(evidence=recent, messages=list(recent.messages), reused=True)
    info = ask_uitpas(actor=actor, number=number, household=household)
    return record_uitpas_check(
        actor=actor, household=household, number=number, info=info, source=source
    )
