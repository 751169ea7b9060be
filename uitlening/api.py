"""API operations of the counter: check_eligibility.

Answers never reveal *why* a family is eligible (which evidence), only what it may do."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from kern import permissions
from kern.api_contract import MAX_LIST, Id, caller, contract, text
from kern.errors import DomainError, NotFound
from kern.models import Location
from uitlening import services
from uitlening.services import CheckInKind

router = Router(tags=["uitlening"])

#: ``check_eligibility`` kept its path under /api/v1/toegang/ when the counter moved
#: here: counter tablets call it there. config/api.py mounts this router at /toegang/.
eligibility_router = Router(tags=["toegang"])


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


class EligibilityOut(Schema):
    household_id: int
    household_code: str
    messages: list[str]
    entitlements: list[EntitlementOut]


def _location(pk: int) -> Location:
    location = Location.objects.select_related("municipality").filter(pk=pk).first()
    if location is None:
        raise NotFound(_("Location %(id)s does not exist.") % {"id": pk})
    return location


@eligibility_router.post(
    "/eligibility",
    operation_id="check_eligibility",
    **contract({200: EligibilityOut}, 400, 403, 404, 409, 422, 502, 503, 504),
)
def check_eligibility(request: HttpRequest, payload: EligibilityIn) -> dict[str, Any]:
    """What a household may use at a location today: per program allowed or not, until
    when, fee, contribution and remaining quota, with a plain explanation. The same
    check-in as the counter screen: a referral letter is marked used, an UiTPAS card is
    checked with UiTPAS unless a recent check exists."""
    user = caller(request)
    permissions.require(user, "kern.use_counter")  # before saying whether a location exists
    location = _location(payload.location_id)
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
    )
    if checkin is None:
        raise NotFound(
            _("This UiTPAS card is not linked to a household yet: register the family first."),
            code="uitpas_not_linked",
        )
    return {
        "household_id": checkin.household.pk,
        "household_code": checkin.household.code,
        "messages": checkin.messages,
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
