"""API operations of the access app: issue_referral, revoke_referral (check_eligibility
is the counter's: ``uitlening.api``)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from kern import permissions
from kern.errors import DomainError, NotFound
from toegang import services
from toegang.models import Program, Referral

router = Router(tags=["toegang"])


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
