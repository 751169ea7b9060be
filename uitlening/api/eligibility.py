"""``check_eligibility``: the counter's check-in through the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from kern import permissions
from kern.api_contract import (
    MAX_LIST,
    Id,
    caller,
    contract,
    text,
)
from kern.errors import DomainError, NotFound
from toegang.uitpas.client import (
    UitpasError,
    UitpasRateLimited,
    UitpasTimeout,
    UitpasUnauthorized,
    UitpasUnavailable,
)
from uitlening import services
from uitlening.api.schemas import location_by_id
from uitlening.services import CheckInKind, CounterCheckIn

#: ``check_eligibility`` kept its path under /api/v1/toegang/ when the counter moved
#: here: counter tablets call it there. config/api.py mounts this router at /toegang/.
eligibility_router = Router(tags=["toegang"])


# --- check_eligibility ------------------------------------------------------------------


class EligibilityIn(Schema):
    location_id: Id
    household_code: str | None = text(40, default=None, description="Household card (G…).")
    referral_code: str | None = text(40, default=None, description="Referral letter (D…).")
    uitpas_number: str | None = text(
        40, default=None, description="13 digits; checked with UiTPAS (or a recent check reused)."
    )
    program_ids: list[Id] = Field(
        default_factory=list, max_length=MAX_LIST, description="Empty: every active program."
    )


class EntitlementOut(Schema):
    program_id: int
    program: str
    allowed: bool
    until: dt.date | None
    membership_fee: Decimal
    contribution: Decimal
    quota_packs: int | None
    quota_remaining: int | None
    explanation: str
    needs_uitpas_check: bool


class WarningOut(Schema):
    code: str = Field(
        ...,
        description="`referral_revoked`, `referral_expired`, `uitpas_expired`, "
        "`passholder_blocked`, `pass_not_found`, …",
    )
    message: str
    end_user_message: str = Field("", description="UiTPAS's own words for the family.")
    about_uitpas: bool


class EligibilityOut(Schema):
    household_id: int
    household_code: str
    messages: list[str]
    warnings: list[WarningOut] = Field(
        ...,
        description="What was scanned gives no access itself (a revoked or expired letter, "
        "a blocked or expired card): the entitlements are what the household's other "
        "evidence allows.",
    )
    entitlements: list[EntitlementOut]


# UiTPAS could not answer (not: the card cannot be used): an error to retry, not a warning.
_UITPAS_DOWN: dict[str, type[UitpasError]] = {
    UitpasUnauthorized.code: UitpasUnauthorized,
    UitpasRateLimited.code: UitpasRateLimited,
    UitpasTimeout.code: UitpasTimeout,
    UitpasUnavailable.code: UitpasUnavailable,
    "bad_response": UitpasUnavailable,
    UitpasError.code: UitpasError,
}


def _raise_if_uitpas_down(checkin: CounterCheckIn) -> None:
    for warning in checkin.warnings:
        error = _UITPAS_DOWN.get(warning.code) if warning.about_uitpas else None
        if error is not None:
            raise error(
                warning.message,
                code=warning.code,
                end_user_message=warning.end_user_message or None,
            )


@eligibility_router.post(
    "/eligibility",
    operation_id="check_eligibility",
    **contract({200: EligibilityOut}, 400, 403, 404, 409, 422, 502, 503, 504),
)
def check_eligibility(request: HttpRequest, payload: EligibilityIn) -> dict[str, Any]:
    """What a household may use at a location today: per program allowed or not, until
    when, fee, contribution and remaining quota, with a plain explanation. The same
    check-in as the counter screen: a referral letter is marked used, an UiTPAS card is
    checked with UiTPAS unless a recent check exists.

    A card or letter that gives no access itself (revoked, expired, blocked, unknown to
    UiTPAS) answers 200 with a warning and what the household's other evidence allows,
    as the counter screen shows it. UiTPAS not answering is a 502/503/504: try again."""
    user = caller(request)
    permissions.require(user, "kern.use_counter")  # before saying whether a location exists
    location = location_by_id(payload.location_id)
    kind: CheckInKind
    if payload.household_code:
        kind, code = "household", payload.household_code
    elif payload.referral_code:
        kind, code = "referral", payload.referral_code
    elif payload.uitpas_number:
        kind, code = "uitpas", payload.uitpas_number
    else:
        raise DomainError(_("Send a household code, a referral code or an UiTPAS number."))
    checkin = services.check_in_by(
        actor=user,
        location=location,
        kind=kind,
        code=code,
        program_ids=payload.program_ids,
        source="api:check_eligibility",
        uitpas_errors="warn",
    )
    if checkin is None:
        raise NotFound(
            _("This UiTPAS card is not linked to a household yet: register the family first."),
            code="uitpas_not_linked",
        )
    _raise_if_uitpas_down(checkin)
    return {
        "household_id": checkin.household.pk,
        "household_code": checkin.household.code,
        "messages": checkin.messages,
        "warnings": [
            {
                "code": w.code,
                "message": w.message,
                "end_user_message": w.end_user_message,
                "about_uitpas": w.about_uitpas,
            }
            for w in checkin.warnings
        ],
        "entitlements": [
            {
                "program_id": e.program.pk,
                "program": e.program.name,
                "allowed": e.allowed,
                "until": e.until,
                "membership_fee": e.membership_fee,
                "contribution": e.contribution,
                "quota_packs": e.quota_packs,
                "quota_remaining": e.quota_remaining,
                "explanation": e.explanation,
                "needs_uitpas_check": e.needs_uitpas_check,
            }
            for e in checkin.entitlements
        ],
    }
