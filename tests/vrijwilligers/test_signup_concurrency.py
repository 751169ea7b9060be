"""Real threads against the configured database (SQLite file in WAL mode with BEGIN
IMMEDIATE, or PostgreSQL with DATABASE_URL): a shift never goes over its maximum, no
volunteer is twice in one shift, the waitlist has a definite order, and a cancel racing
a sign-up leaves the place to exactly one person."""

from __future__ import annotations

import pytest
from django.apps import apps

from kern.roles import sync_role_groups
from tests.factories import LocationFactory
from tests.voorraad.test_stock_concurrency import errors_of, run_together
from tests.vrijwilligers.factories import ShiftFactory, SignupFactory, VolunteerFactory, tomorrow_at
from vrijwilligers import services
from vrijwilligers.models import Signup
from vrijwilligers.selectors.signups import waitlist_rank

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def roles(transactional_db):
    # A transactional test empties every table afterwards, the role groups included.
    sync_role_groups(apps)


@pytest.fixture
def place(transactional_db):
    return LocationFactory(name="Uitdeelpunt Centrum")


def volunteers(place, n: int):
    made = [VolunteerFactory(locations=[place]) for _ in range(n)]
    for volunteer in made:
        assert volunteer.user.has_perm("kern.work_shifts")  # fills the cache before sharing
    return made


def confirmed(shift) -> list[Signup]:
    return list(Signup.objects.filter(shift=shift, status="confirmed"))


def test_sixteen_volunteers_for_the_last_place_give_one_signup_and_an_ordered_waitlist(place):
    shift = ShiftFactory(location=place, max_volunteers=3)
    SignupFactory(shift=shift, volunteer=VolunteerFactory(locations=[place]))
    SignupFactory(shift=shift, volunteer=VolunteerFactory(locations=[place]))
    people = volunteers(place, 16)

    outcomes = run_together(
        lambda v: services.sign_up(actor=v.user, shift=shift), [(v,) for v in people]
    )

    assert errors_of(outcomes) == []
    signups = [value for _kind, value in outcomes]
    assert sum(1 for s in signups if s.status == "confirmed") == 1
    assert len(confirmed(shift)) == 3
    assert sorted(s.place for s in confirmed(shift)) == [1, 2, 3]
    waiting = Signup.objects.filter(shift=shift, status="waitlisted")
    assert sorted(waitlist_rank(s) for s in waiting) == list(range(1, 16))
    assert len({s.waitlist_position for s in waiting}) == 15


def test_a_volunteer_clicking_twice_at_once_is_in_the_shift_once(place):
    shift = ShiftFactory(location=place, max_volunteers=3)
    [sara] = volunteers(place, 1)
    outcomes = run_together(lambda: services.sign_up(actor=sara.user, shift=shift), [()] * 6)
    assert errors_of(outcomes) == []
    assert len({value.pk for _kind, value in outcomes}) == 1
    assert Signup.objects.filter(shift=shift, volunteer=sara).count() == 1


def test_overlapping_shifts_signed_up_for_at_once_give_one(place):
    shifts = [
        ShiftFactory(location=place, role=f"Rol {n}", starts_at=tomorrow_at(9 + n))
        for n in range(3)
    ]
    [sara] = volunteers(place, 1)
    outcomes = run_together(
        lambda shift: services.sign_up(actor=sara.user, shift=shift), [(s,) for s in shifts]
    )
    failed = errors_of(outcomes)
    assert len(failed) == 2, outcomes
    assert all(exc.code == "overlapping_shift" for exc in failed)
    assert Signup.objects.filter(volunteer=sara, status="confirmed").count() == 1


def test_a_cancel_and_a_signup_racing_leave_the_place_to_exactly_one(place):
    for round_number in range(4):
        shift = ShiftFactory(
            location=place, role=f"Balie {round_number}", starts_at=tomorrow_at(8 + round_number)
        )
        leaving, waiting, newcomer = volunteers(place, 3)
        mine = SignupFactory(shift=shift, volunteer=leaving)
        if round_number % 2:
            shift.max_volunteers = 1
            shift.save()
            services.sign_up(actor=waiting.user, shift=shift)

        outcomes = run_together(
            lambda work: work(),
            [
                (lambda mine=mine: services.cancel_signup(actor=mine.volunteer.user, signup=mine),),
                (lambda shift=shift, v=newcomer: services.sign_up(actor=v.user, shift=shift),),
            ],
        )

        assert errors_of(outcomes) == []
        in_shift = confirmed(shift)
        assert len(in_shift) <= shift.max_volunteers
        assert leaving.pk not in {s.volunteer_id for s in in_shift}
        if round_number % 2:
            # One place: whoever waited first gets it, the newcomer waits.
            assert [s.volunteer_id for s in in_shift] == [waiting.pk]
            assert Signup.objects.get(shift=shift, volunteer=newcomer).status == "waitlisted"
        else:
            assert newcomer.pk in {s.volunteer_id for s in in_shift}


def test_cancels_racing_promote_each_waiting_volunteer_once(place):
    shift = ShiftFactory(location=place, max_volunteers=4)
    in_shift = volunteers(place, 4)
    mine = [SignupFactory(shift=shift, volunteer=v) for v in in_shift]
    waiting = volunteers(place, 6)
    for v in waiting:
        services.sign_up(actor=v.user, shift=shift)

    outcomes = run_together(
        lambda s: services.cancel_signup(actor=s.volunteer.user, signup=s), [(s,) for s in mine]
    )

    assert errors_of(outcomes) == []
    now_in = confirmed(shift)
    assert sorted(s.volunteer_id for s in now_in) == sorted(v.pk for v in waiting[:4])
    assert sorted(s.place for s in now_in) == [1, 2, 3, 4]
    still = Signup.objects.filter(shift=shift, status="waitlisted").order_by("waitlist_position")
    assert [s.volunteer_id for s in still] == [v.pk for v in waiting[4:]]


def test_two_volunteers_taking_one_swap_at_once_give_one_taker(place):
    shift = ShiftFactory(location=place, max_volunteers=2)
    giver, *takers = volunteers(place, 5)
    swap = services.offer_swap(
        actor=giver.user, signup=services.sign_up(actor=giver.user, shift=shift)
    )
    outcomes = run_together(
        lambda v: services.take_swap(actor=v.user, swap=swap), [(v,) for v in takers]
    )
    failed = errors_of(outcomes)
    assert len(failed) == 3 and all(exc.code == "swap_closed" for exc in failed), outcomes
    assert len(confirmed(shift)) == 1
