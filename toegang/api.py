"""API operations of the access app: check_eligibility, issue_referral, revoke_referral.

Answers never reveal *why* a family is eligible (which evidence), only what it may do."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from kern import permissions
from kern.errors import DomainError, NotFound
from kern.models import Location
from toegang import services
from toegang.models import Program, Referral

router = Router(tags=["toegang"])


class EligibilityIn(Schema):
    location_id: int
    household_code: str | None = Field(None, description="Household card (G…).")
    referral_code: str | None = Field(None, description="Referral letter (D…).")
    uitpas_number: str | None = Field(
        None, description="13 digits; checked with UiTPAS (or a recent check reused)."
    )
    program_ids: list[int] = Field(default_factory=list, description="Empty: every active program.")


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


@router.post("/eligibility", response=EligibilityOut, operation_id="check_eligibility")
def check_eligibility(request, payload: EligibilityIn):
    """What a household may use at a location today: per program allowed or not, until
    when, fee, contribution and remaining quota, with a plain explanation."""
    user = request.auth
    permissions.require(user, "kern.use_counter")
    location = _location(payload.location_id)
    permissions.require_location(user, location)
    source = "api:check_eligibility"
    household, messages = None, []
    if payload.household_code:
        household = services.household_by_code(
            actor=user, code=payload.household_code, source=source
        )
    elif payload.referral_code:
        household = services.referral_by_code(
            actor=user, code=payload.referral_code, source=source
        ).household
    elif payload.uitpas_number:
        household = services.household_by_uitpas(
            actor=user, number=payload.uitpas_number, source=source
        )
        if household is None:
            raise NotFound(
                _("This UiTPAS card is not linked to a household yet: register the family first."),
                code="uitpas_not_linked",
            )
    else:
        raise DomainError(_("Send a household code, a referral code or an UiTPAS number."))
    programs = Program.objects.filter(is_active=True)
    if payload.program_ids:
        programs = programs.filter(pk__in=payload.program_ids)
    programs = list(programs)
    if payload.uitpas_number:
        reuse = min((p.uitpas_check_reuse_hours for p in programs if p.accepts_uitpas), default=24)
        check = services.check_uitpas(
            actor=user,
            household=household,
            number=payload.uitpas_number,
            max_age=dt.timedelta(hours=reuse),
            source=source,
        )
        messages = check.messages
    entitlements = [
        services.entitlement(household=household, program=program, location=location)
        for program in programs
    ]
    return {
        "household_id": household.pk,
        "household_code": household.code,
        "messages": messages,
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
            for e in entitlements
        ],
    }


class ChildIn(Schema):
    birth_year: int
    birth_month: int


class ReferralIn(Schema):
    household_code: str | None = Field(
        None, description="An existing household; or give `new_household`."
    )
    new_household: dict | None = Field(
        None,
        description='{"postcode": "9000", "adults": 1, "children": [{"birth_year": 2025, "birth_month": 3}]}',
    )
    program_ids: list[int]
    valid_until: dt.date | None = None


class ReferralOut(Schema):
    id: int
    code: str
    household_code: str
    programs: list[str]
    valid_from: dt.date
    valid_until: dt.date
    revoked: bool
    used: bool


def _referral_out(referral: Referral) -> dict:
    return {
        "id": referral.pk,
        "code": referral.code,
        "household_code": referral.household.code,
        "programs": [p.name for p in referral.programs.all()],
        "valid_from": referral.valid_from,
        "valid_until": referral.valid_until,
        "revoked": referral.revoked_at is not None,
        "used": referral.first_used_at is not None,
    }


@router.post("/referrals", response={201: ReferralOut}, operation_id="issue_referral")
def issue_referral(request, payload: ReferralIn):
    """Issue a referral (no reason: professional secrecy) for an existing or new household."""
    user = request.auth
    permissions.require(user, "kern.manage_referrals")
    source = "api:issue_referral"
    programs = list(Program.objects.filter(pk__in=payload.program_ids))
    missing = set(payload.program_ids) - {p.pk for p in programs}
    if missing:
        raise NotFound(
            _("Program %(id)s does not exist.") % {"id": ", ".join(map(str, sorted(missing)))}
        )
    from django.db import transaction

    with transaction.atomic():
        if payload.household_code:
            household = services.household_by_code(
                actor=user, code=payload.household_code, source=source
            )
        elif payload.new_household:
            data = payload.new_household
            household = services.register_household(
                actor=user,
                postcode=str(data.get("postcode", "")),
                adults=int(data.get("adults", 1)),
                children=[
                    services.ChildIn(int(c["birth_year"]), int(c["birth_month"]))
                    for c in data.get("children", [])
                ],
                source=source,
            )
        else:
            raise DomainError(_("Give a household code or the data of a new household."))
        referral = services.issue_referral(
            actor=user,
            household=household,
            programs=programs,
            valid_until=payload.valid_until,
            source=source,
        )
    return Status(201, _referral_out(referral))


@router.post(
    "/referrals/{referral_id}/revoke", response=ReferralOut, operation_id="revoke_referral"
)
def revoke_referral(request, referral_id: int):
    user = request.auth
    permissions.require(user, "kern.manage_referrals")
    referral = Referral.objects.select_related("household").filter(pk=referral_id).first()
    if referral is None:
        raise NotFound(_("Referral %(id)s does not exist.") % {"id": referral_id})
    referral = services.revoke_referral(actor=user, referral=referral, source="api:revoke_referral")
    return _referral_out(referral)
