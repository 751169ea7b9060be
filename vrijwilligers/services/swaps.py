"""Swaps: a volunteer who cannot come offers their place; another volunteer who may work
that shift (``refusal_to_schedule``, self-service rules) takes it over, and the place
moves to them in one step, so the shift is never short nor over its maximum in between.
Same locks as ``signups``: both volunteers by id, the shift, its sign-ups, then the swap."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kern import audit, permissions
from kern.errors import Conflict, DomainError, NotAllowed
from kern.models import User
from vrijwilligers.models import Signup, SwapRequest
from vrijwilligers.selectors.signups import shift_label
from vrijwilligers.services.people import own_volunteer
from vrijwilligers.services.signups import (
    MANAGE,
    WORK,
    lock,
    reason_text,
    refuse_unless_schedulable,
)


def _record(actor: User, action: str, swap: SwapRequest, source: str, **details: object) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=swap,
        source=source,
        details={"signup": swap.signup_id, **details},
    )


def offer_swap(
    *,
    actor: User,
    signup: Signup,
    note: str = "",
    now: dt.datetime | None = None,
    source: str = "",
) -> SwapRequest:
    """Offer one's confirmed place to another volunteer, before the shift starts.
    Offering it again returns the open offer."""
    permissions.require(actor, WORK)
    volunteer = own_volunteer(actor)
    if signup.volunteer_id != volunteer.pk:
        raise NotAllowed(_("You can only offer your own place."), code="not_your_signup")
    note = reason_text(note, required=False)
    now = now or timezone.now()
    with transaction.atomic():
        held = lock(volunteer_ids=[volunteer.pk], shift_id=signup.shift_id)
        current = held.of(volunteer)
        if current is None or current.status != Signup.Status.CONFIRMED:
            raise Conflict(
                _("Only a confirmed place can be swapped; you are not in %(shift)s.")
                % {"shift": shift_label(held.shift)},
                code="not_confirmed",
            )
        if held.shift.starts_at <= now:
            raise DomainError(
                _("%(shift)s has started: a swap is no longer possible.")
                % {"shift": shift_label(held.shift)},
                code="shift_started",
            )
        swap = SwapRequest.objects.filter(signup=current, status=SwapRequest.Status.OPEN).first()
        if swap is not None:
            return swap
        swap = SwapRequest.objects.create(signup=current, note=note, created_at=now)
        _record(actor, "offer_swap", swap, source)
    return swap


def withdraw_swap(
    *, actor: User, swap: SwapRequest, now: dt.datetime | None = None, source: str = ""
) -> SwapRequest:
    """Take back an open swap offer (its volunteer, or a coordinator). Withdrawing what
    is closed already changes nothing."""
    permissions.require(actor, WORK, MANAGE)
    owner = swap.signup.volunteer.user_id == actor.pk
    if not owner and not actor.has_perm(MANAGE):
        raise NotAllowed(_("You can only withdraw your own swap offer."), code="not_your_swap")
    now = now or timezone.now()
    with transaction.atomic():
        updated = SwapRequest.objects.filter(pk=swap.pk, status=SwapRequest.Status.OPEN).update(
            status=SwapRequest.Status.WITHDRAWN, closed_at=now
        )
        swap.refresh_from_db()
        if updated:
            _record(actor, "withdraw_swap", swap, source)
    return swap


def take_swap(
    *, actor: User, swap: SwapRequest, now: dt.datetime | None = None, source: str = ""
) -> Signup:
    """Take over an offered place: the offering volunteer's sign-up ends, the taker gets
    the same place (their waitlist entry for the shift, if any, becomes it). Refused
    like a sign-up (deadline, note, skill, overlap, hours, location, pause), and when the
    offer is no longer open."""
    permissions.require(actor, WORK)
    taker = own_volunteer(actor)
    now = now or timezone.now()
    offered = Signup.objects.get(pk=swap.signup_id)
    if offered.volunteer_id == taker.pk:
        raise DomainError(_("This is your own swap offer."), code="own_swap")
    with transaction.atomic():
        held = lock(volunteer_ids=[offered.volunteer_id, taker.pk], shift_id=offered.shift_id)
        swap = SwapRequest.objects.select_for_update(of=("self",)).get(pk=swap.pk)
        current = next((s for s in held.signups if s.pk == offered.pk), None)
        if (
            swap.status != SwapRequest.Status.OPEN
            or current is None
            or current.status != Signup.Status.CONFIRMED
        ):
            raise Conflict(
                _("This swap offer is no longer open: someone else took it or it was withdrawn."),
                code="swap_closed",
            )
        taker = held.volunteers[taker.pk]
        mine = held.of(taker)
        if mine is not None and mine.status == Signup.Status.CONFIRMED:
            raise Conflict(
                _("You are already in %(shift)s.") % {"shift": shift_label(held.shift)},
                code="already_signed_up",
            )
        refuse_unless_schedulable(taker, held.shift, now=now, by_coordinator=False)
        place = current.place
        giver = held.volunteers[current.volunteer_id]
        current.status, current.place = Signup.Status.CANCELLED, None
        current.cancelled_at, current.cancelled_by = now, actor
        current.reason = _("place taken over by %(name)s") % {"name": taker.first_name}
        current.save(update_fields=["status", "place", "cancelled_at", "cancelled_by", "reason"])
        if mine is not None:
            mine.status, mine.place, mine.waitlist_position = "confirmed", place, None
            mine.confirmed_at = now
            mine.save(update_fields=["status", "place", "waitlist_position", "confirmed_at"])
            signup = mine
        else:
            signup = Signup.objects.create(
                shift=held.shift,
                volunteer=taker,
                status=Signup.Status.CONFIRMED,
                place=place,
                created_by=actor,
                created_at=now,
                confirmed_at=now,
                reason=_("took over from %(name)s") % {"name": giver.first_name},
            )
        swap.status, swap.taken_by, swap.taken_at, swap.closed_at = "taken", taker, now, now
        swap.save(update_fields=["status", "taken_by", "taken_at", "closed_at"])
        _record(actor, "take_swap", swap, source, taker=taker.pk, place=place)
    return signup
