"""Swaps: a volunteer offers their place, another who may work the shift takes it over
in one step; refusals change nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kern.errors import Conflict, DomainError, NotAllowed
from tests.vrijwilligers.factories import (
    ShiftFactory,
    SignupFactory,
    SkillFactory,
    VolunteerFactory,
)
from vrijwilligers import services
from vrijwilligers.models import Signup, SwapRequest
from vrijwilligers.selectors.signups import swap_offers_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def shift(point):
    return ShiftFactory(location=point, max_volunteers=2)


def volunteer_at(point, **kwargs):
    return VolunteerFactory(locations=[point], **kwargs)


def test_a_place_offered_and_taken_moves_to_the_taker(point, shift):
    sara, tom = volunteer_at(point), volunteer_at(point)
    mine = services.sign_up(actor=sara.user, shift=shift)
    swap = services.offer_swap(actor=sara.user, signup=mine, note="familiefeest")
    assert [o.pk for o in swap_offers_for(volunteer=tom, now=timezone.now())] == [swap.pk]
    assert swap_offers_for(volunteer=sara, now=timezone.now()) == []

    taken = services.take_swap(actor=tom.user, swap=swap)

    mine.refresh_from_db()
    swap.refresh_from_db()
    assert (taken.volunteer, taken.status, taken.place) == (tom, "confirmed", 1)
    assert mine.status == "cancelled"
    assert (swap.status, swap.taken_by) == ("taken", tom)
    assert Signup.objects.filter(shift=shift, status="confirmed").count() == 1


def test_offering_twice_returns_the_open_offer(point, shift):
    sara = volunteer_at(point)
    mine = services.sign_up(actor=sara.user, shift=shift)
    first = services.offer_swap(actor=sara.user, signup=mine)
    assert services.offer_swap(actor=sara.user, signup=mine).pk == first.pk


def test_a_taker_without_the_skill_is_refused_and_nothing_moves(point):
    driver = SkillFactory(code="chauffeur", name="Chauffeur")
    shift = ShiftFactory(location=point, required_skill=driver)
    sara, tom = volunteer_at(point, skills=[driver]), volunteer_at(point)
    mine = services.sign_up(actor=sara.user, shift=shift)
    swap = services.offer_swap(actor=sara.user, signup=mine)
    with pytest.raises(DomainError) as info:
        services.take_swap(actor=tom.user, swap=swap)
    assert info.value.code == "missing_skill"
    mine.refresh_from_db()
    swap.refresh_from_db()
    assert mine.status == "confirmed" and swap.status == "open"


def test_a_taken_offer_cannot_be_taken_again(point, shift):
    sara, tom, lies = volunteer_at(point), volunteer_at(point), volunteer_at(point)
    swap = services.offer_swap(
        actor=sara.user, signup=services.sign_up(actor=sara.user, shift=shift)
    )
    services.take_swap(actor=tom.user, swap=swap)
    with pytest.raises(Conflict) as info:
        services.take_swap(actor=lies.user, swap=swap)
    assert info.value.code == "swap_closed"


def test_one_cannot_take_ones_own_offer_or_offer_anothers_place(point, shift):
    sara, tom = volunteer_at(point), volunteer_at(point)
    mine = services.sign_up(actor=sara.user, shift=shift)
    swap = services.offer_swap(actor=sara.user, signup=mine)
    with pytest.raises(DomainError):
        services.take_swap(actor=sara.user, swap=swap)
    with pytest.raises(NotAllowed):
        services.offer_swap(actor=tom.user, signup=mine)
    with pytest.raises(NotAllowed):
        services.withdraw_swap(actor=tom.user, swap=swap)


def test_someone_on_the_waitlist_takes_over_with_their_own_row(point):
    shift = ShiftFactory(location=point, max_volunteers=1)
    sara, tom = volunteer_at(point), volunteer_at(point)
    mine = services.sign_up(actor=sara.user, shift=shift)
    waiting = services.sign_up(actor=tom.user, shift=shift)
    swap = services.offer_swap(actor=sara.user, signup=mine)
    taken = services.take_swap(actor=tom.user, swap=swap)
    assert taken.pk == waiting.pk and taken.status == "confirmed"
    assert Signup.objects.filter(shift=shift, status__in=["confirmed", "waitlisted"]).count() == 1


def test_a_withdrawn_offer_or_a_cancelled_signup_closes_the_offer(point, shift):
    sara, tom = volunteer_at(point), volunteer_at(point)
    mine = services.sign_up(actor=sara.user, shift=shift)
    swap = services.offer_swap(actor=sara.user, signup=mine)
    assert services.withdraw_swap(actor=sara.user, swap=swap).status == "withdrawn"
    again = services.offer_swap(actor=sara.user, signup=mine)
    services.cancel_signup(actor=sara.user, signup=mine)
    again.refresh_from_db()
    assert again.status == "withdrawn"
    with pytest.raises(Conflict):
        services.take_swap(actor=tom.user, swap=again)


def test_a_swap_after_the_start_is_refused(point):
    shift = ShiftFactory(location=point, starts_at=timezone.now() + dt.timedelta(hours=5))
    signup = SignupFactory(shift=shift, volunteer=volunteer_at(point))
    with pytest.raises(DomainError):
        services.offer_swap(
            actor=signup.volunteer.user, signup=signup, now=timezone.now() + dt.timedelta(hours=6)
        )
    assert not SwapRequest.objects.exists()
