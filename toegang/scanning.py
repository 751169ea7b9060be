"""Scan resolvers of the access app: household cards, referral letters, UiTPAS cards.

They only say *what* was scanned (a household code); opening the household (and logging
that) is the counter's next step."""

from __future__ import annotations

from django.utils import timezone

from kern import scanning
from kern.barcodes import CodeType, InternalCode, ScanKind
from kern.models import User
from toegang.models import Household, Referral, UitpasCard
from toegang.services import uitpas_hash


def referral_state(referral: Referral) -> str:
    """``valid``, ``revoked``, ``expired`` or ``not_yet_valid`` today: a letter that does
    not count says so when it is scanned (the check-in then warns)."""
    today = timezone.localdate()
    if referral.revoked_at is not None:
        return "revoked"
    if referral.valid_until < today:
        return "expired"
    if referral.valid_from > today:
        return "not_yet_valid"
    return "valid"


def resolve_household(*, user: User, code: InternalCode) -> scanning.ScanResult | None:
    household = Household.objects.filter(pk=code.number, anonymised_at__isnull=True).first()
    if household is None:
        return None
    return scanning.ScanResult(
        kind="household", code=str(code), label=household.code, object_id=household.pk
    )


def resolve_referral(*, user: User, code: InternalCode) -> scanning.ScanResult | None:
    referral = Referral.objects.filter(pk=code.number).select_related("household").first()
    if referral is None:
        return None
    return scanning.ScanResult(
        kind="referral",
        code=str(code),
        label=referral.household.code,
        object_id=referral.pk,
        details={
            "household_id": referral.household_id,
            "household": referral.household.code,
            "state": referral_state(referral),
            "valid_from": referral.valid_from.isoformat(),
            "valid_until": referral.valid_until.isoformat(),
        },
    )


def resolve_uitpas(*, user: User, number: str) -> scanning.ScanResult | None:
    card = (
        UitpasCard.objects.filter(number_hash=uitpas_hash(number))
        .select_related("household")
        .first()
    )
    if card is None:
        return None  # the generic answer: an UiTPAS number, not linked yet
    return scanning.ScanResult(
        kind="uitpas",
        code=f"…{card.last_digits}",
        label=card.household.code,
        object_id=card.household_id,
        details={
            "household_id": card.household_id,
            "household": card.household.code,
            "linked": True,
        },
    )


def register() -> None:
    scanning.register_internal(CodeType.HOUSEHOLD, resolve_household)
    scanning.register_internal(CodeType.REFERRAL, resolve_referral)
    scanning.register_number(ScanKind.UITPAS, resolve_uitpas)
