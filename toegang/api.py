"""API operations of the access app: issue_referral, revoke_referral (check_eligibility
is the counter's: ``uitlening.api``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.params import P, PathEx
from pydantic import model_validator

from kern import permissions
from kern.api_contract import (
    MAX_ID,
    MAX_LIST,
    NOT_NULL,
    WRITE_ERRORS,
    Day,
    Id,
    IdempotencyKey,
    contract,
    run_write,
    text,
)
from kern.errors import NotFound
from toegang import services
from toegang.models import Program, Referral

router = Router(tags=["toegang"])


class ChildIn(Schema):
    birth_year: int = Field(..., ge=1900, le=2100)
    birth_month: int = Field(..., ge=1, le=12)


class NewHouseholdIn(Schema):
    postcode: str = Field(..., pattern=r"^[1-9][0-9]{3}$", description="Belgian, four digits.")
    adults: int = Field(1, ge=1, le=12)
    children: list[ChildIn] = Field(default_factory=list, max_length=services.MAX_CHILDREN)


class ReferralIn(Schema):
    household_code: str | None = text(
        20,
        required=True,
        default=None,
        description="An existing household; or give `new_household`.",
    )
    new_household: NewHouseholdIn | None = None
    program_ids: list[Id] = Field(..., min_length=1, max_length=MAX_LIST)
    valid_until: Day | None = Field(None, description="Default: per program.")

    model_config = {
        "json_schema_extra": {
            "anyOf": [
                {
                    "required": ["household_code"],
                    "properties": {"household_code": NOT_NULL},
                },
                {
                    "required": ["new_household"],
                    "properties": {"new_household": NOT_NULL},
                },
            ]
        }
    }

    @model_validator(mode="after")
    def names_a_household(self) -> ReferralIn:
        if self.household_code is None and self.new_household is None:
            raise ValueError("give household_code or new_household")
        return self


class ReferralOut(Schema):
    id: int
    code: str
    household_code: str
    programs: list[str]
    valid_from: dt.date
    valid_until: dt.date
    revoked: bool
    used: bool


def _referral_out(referral: Referral) -> dict[str, Any]:
    return {
        "id": referral.pk,
        "code": referral.code,
        "household_code": referral.household.code,
        "programs": [p.name for p in referral.programs.all()],
        "valid_from": referral.valid_from.isoformat(),
        "valid_until": referral.valid_until.isoformat(),
        "revoked": referral.revoked_at is not None,
        "used": referral.first_used_at is not None,
    }


@router.post(
    "/referrals",
    operation_id="issue_referral",
    **contract({201: ReferralOut}, *WRITE_ERRORS, idempotent=True),
)
def issue_referral(
    request, response: HttpResponse, payload: ReferralIn, idempotency_key: IdempotencyKey = None
):
    """Issue a referral (no reason: professional secrecy) for an existing or new household."""
    user = request.auth
    permissions.require(user, "kern.manage_referrals")
    source = "api:issue_referral"

    def perform() -> tuple[int, dict[str, Any]]:
        programs = list(Program.objects.filter(pk__in=payload.program_ids))
        missing = set(payload.program_ids) - {p.pk for p in programs}
        if missing:
            raise NotFound(
                _("Program %(id)s does not exist.") % {"id": ", ".join(map(str, sorted(missing)))}
            )
        if payload.household_code:
            household = services.household_by_code(
                actor=user, code=payload.household_code, source=source
            )
        else:
            new = payload.new_household
            assert new is not None  # ReferralIn names a household
            household = services.register_household(
                actor=user,
                postcode=new.postcode,
                adults=new.adults,
                children=[services.ChildIn(c.birth_year, c.birth_month) for c in new.children],
                source=source,
            )
        referral = services.issue_referral(
            actor=user,
            household=household,
            programs=programs,
            valid_until=payload.valid_until,
            source=source,
        )
        return 201, _referral_out(referral)

    return run_write(
        request,
        response,
        key=idempotency_key,
        operation="issue_referral",
        payload=payload,
        perform=perform,
    )


@router.post(
    "/referrals/{referral_id}/revoke",
    operation_id="revoke_referral",
    **contract({200: ReferralOut}, *WRITE_ERRORS, idempotent=True),
)
def revoke_referral(
    request,
    response: HttpResponse,
    referral_id: PathEx[int, P(ge=1, le=MAX_ID)],
    idempotency_key: IdempotencyKey = None,
):
    """Revoke a referral you issued (revoking twice changes nothing)."""
    user = request.auth
    permissions.require(user, "kern.manage_referrals")

    def perform() -> tuple[int, dict[str, Any]]:
        referral = Referral.objects.select_related("household").filter(pk=referral_id).first()
        if referral is None:
            raise NotFound(_("Referral %(id)s does not exist.") % {"id": referral_id})
        referral = services.revoke_referral(
            actor=user, referral=referral, source="api:revoke_referral"
        )
        return 200, _referral_out(referral)

    return run_write(
        request,
        response,
        key=idempotency_key,
        operation="revoke_referral",
        payload=None,
        perform=perform,
        referral_id=referral_id,
    )
