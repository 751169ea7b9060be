"""Volunteer shifts through the API: ``list_shifts`` (the coming shifts at the caller's
locations, with how full they are and the caller's own place or waitlist position),
``sign_up_for_shift`` and ``cancel_signup`` (both take an ``Idempotency-Key``).

Every rule lives in ``vrijwilligers.services.signups``; answers never name other
volunteers (counts only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.params import P, PathEx

from kern import permissions
from kern.api_contract import (
    MAX_ID,
    MAX_LIST,
    MAX_OFFSET,
    WRITE_ERRORS,
    Day,
    IdempotencyKey,
    OptionalId,
    caller,
    contract,
    run_write,
    text,
)
from kern.errors import NotFound
from kern.models import Location, User
from vrijwilligers import services
from vrijwilligers.models import Shift, Signup
from vrijwilligers.selectors import signups as selectors
from vrijwilligers.selectors.profiles import profile_of_user
from vrijwilligers.services.signups import MANAGE, MAX_REASON, WORK

router = Router(tags=["vrijwilligers"])

IdPath = PathEx[int, P(ge=1, le=MAX_ID)]
MAX_DAYS = 62


class ShiftFilter(Schema):
    location_id: OptionalId = None
    from_day: Day | None = Field(None, description="First day (local); default today.")
    days: int = Field(14, ge=1, le=MAX_DAYS, description="How many days from `from_day`.")
    offset: int = Field(0, ge=0, le=MAX_OFFSET)
    limit: int = Field(50, ge=1, le=MAX_LIST)


class ShiftOut(Schema):
    id: int
    location_id: int
    location: str
    role: str
    label: str = Field(..., description='E.g. "Balie · Uitdeelpunt Centrum · za 12/12 09:00".')
    required_skill: str | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    min_volunteers: int
    max_volunteers: int
    confirmed: int = Field(..., description="Volunteers signed up.")
    waiting: int = Field(..., description="Volunteers on the waitlist.")
    signup_deadline: dt.datetime = Field(..., description="Sign up or cancel yourself until.")
    my_signup_id: int | None = Field(None, description="Your sign-up, when you have one.")
    my_status: str | None = Field(None, description="`confirmed` or `waitlisted`; null: none.")
    my_waitlist_position: int | None = Field(None, description="1: you are next.")


class SignupOut(Schema):
    id: int
    shift_id: int
    shift: str
    status: str = Field(..., description="`confirmed`, `waitlisted` or `cancelled`.")
    place: int | None = Field(None, description="Your numbered place while confirmed.")
    waitlist_position: int | None = Field(None, description="1: next to move up.")
    message: str = Field(..., description="What happened, in the caller's language.")


class CancelIn(Schema):
    reason: str = text(
        MAX_REASON, default="", description="Required when a coordinator removes someone."
    )


def _shift(pk: int) -> Shift:
    shift = Shift.objects.select_related("location", "required_skill").filter(pk=pk).first()
    if shift is None:
        raise NotFound(_("Shift %(id)s does not exist.") % {"id": pk})
    return shift


def _signup(pk: int, *, user: User | None = None) -> Signup:
    """The sign-up ``pk``; for ``user`` who is not a coordinator only their own, and
    someone else's answers as a missing one (ids do not reveal who is signed up)."""
    rows = Signup.objects.select_related("shift__location", "volunteer").filter(pk=pk)
    if user is not None and not user.has_perm(MANAGE):
        rows = rows.filter(volunteer__user=user)
    signup = rows.first()
    if signup is None:
        raise NotFound(_("Sign-up %(id)s does not exist.") % {"id": pk})
    return signup


def signup_out(signup: Signup) -> dict[str, Any]:
    signup = _signup(signup.pk)
    rank = selectors.waitlist_rank(signup)
    return {
        "id": signup.pk,
        "shift_id": signup.shift_id,
        "shift": selectors.shift_label(signup.shift),
        "status": signup.status,
        "place": signup.place,
        "waitlist_position": rank,
        "message": selectors.signup_message(signup, rank),
    }


@router.get(
    "/shifts",
    operation_id="list_shifts",
    **contract({200: list[ShiftOut]}, 403, 404, 422),
)
def list_shifts(request: HttpRequest, filters: Query[ShiftFilter]) -> list[dict[str, Any]]:
    """The coming shifts (not cancelled) at the locations you work at (a coordinator:
    every location), in order, with how many signed up and wait, and your own sign-up."""
    user = caller(request)
    permissions.require(user, WORK, MANAGE)
    locations = selectors.locations_of(user)
    if filters.location_id is not None:
        location = Location.objects.filter(pk=filters.location_id).first()
        if location is None:
            raise NotFound(_("Location %(id)s does not exist.") % {"id": filters.location_id})
        if locations is not None and not locations.filter(pk=location.pk).exists():
            locations = Location.objects.none()
        else:
            locations = Location.objects.filter(pk=location.pk)
    day = filters.from_day or timezone.localdate()
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    until = since + dt.timedelta(days=filters.days)
    upcoming = selectors.upcoming_shifts(
        locations=locations, now=max(since, timezone.now()), until=until
    )
    shifts = list(upcoming[filters.offset : filters.offset + filters.limit])
    volunteer = profile_of_user(user.pk)
    mine = selectors.my_active_signups(volunteer=volunteer, shifts=shifts) if volunteer else {}
    answer = []
    for shift in shifts:
        signup = mine.get(shift.pk)
        answer.append(
            {
                "id": shift.pk,
                "location_id": shift.location_id,
                "location": shift.location.name,
                "role": shift.role,
                "label": selectors.shift_label(shift),
                "required_skill": shift.required_skill.name if shift.required_skill else None,
                "starts_at": shift.starts_at,
                "ends_at": shift.ends_at,
                "min_volunteers": shift.min_volunteers,
                "max_volunteers": shift.max_volunteers,
                "confirmed": getattr(shift, "confirmed", 0),
                "waiting": getattr(shift, "waiting", 0),
                "signup_deadline": selectors.deadline(shift),
                "my_signup_id": signup.pk if signup else None,
                "my_status": signup.status if signup else None,
                "my_waitlist_position": selectors.waitlist_rank(signup) if signup else None,
            }
        )
    return answer


@router.post(
    "/shifts/{shift_id}/signups",
    operation_id="sign_up_for_shift",
    **contract({201: SignupOut}, *WRITE_ERRORS, idempotent=True),
)
def sign_up_for_shift(
    request: HttpRequest,
    response: HttpResponse,
    shift_id: IdPath,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Sign yourself up for a shift: a numbered place when one is free, else the
    waitlist (`status` `waitlisted`, with your position). Refused (400, `code` says
    why): past the deadline, an overlapping shift, a missing or expired skill, the
    organisation note not acknowledged, a location you do not work at, your hour limits,
    self sign-up paused. Signing up again answers the sign-up you have."""

    def perform() -> tuple[int, dict[str, Any]]:
        user = caller(request)
        signup = services.sign_up(
            actor=user, shift=_shift(shift_id), source="api:sign_up_for_shift"
        )
        return 201, signup_out(signup)

    return run_write(
        request,
        response,
        key=idempotency_key,
        operation="sign_up_for_shift",
        payload=None,
        perform=perform,
        shift_id=shift_id,
    )


@router.post(
    "/signups/{signup_id}/cancel",
    operation_id="cancel_signup",
    **contract({200: SignupOut}, *WRITE_ERRORS, idempotent=True),
)
def cancel_signup(
    request: HttpRequest,
    response: HttpResponse,
    signup_id: IdPath,
    payload: CancelIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Cancel your sign-up (a confirmed place until the deadline; a waitlist place at
    any time); the first on the waitlist moves up and is told. A coordinator removes
    anyone, with a `reason`. Someone else's sign-up answers 404, as a missing one. Cancelling what
    is cancelled answers it unchanged."""

    def perform() -> tuple[int, dict[str, Any]]:
        user = caller(request)
        signup = services.cancel_signup(
            actor=user,
            signup=_signup(signup_id, user=user),
            reason=payload.reason,
            source="api:cancel_signup",
        )
        return 200, signup_out(signup)

    return run_write(
        request,
        response,
        key=idempotency_key,
        operation="cancel_signup",
        payload=payload,
        perform=perform,
        signup_id=signup_id,
    )
