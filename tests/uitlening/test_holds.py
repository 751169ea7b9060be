"""Reservations and waitlists: joining, the hold when a matching item comes back or is
added, the counter refusing a held item to anyone else, collecting, expiring, the queue
a coordinator reorders, renewals and the loan maximum while families wait."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from kern.errors import Conflict, DomainError, NotAllowed
from kern.models import AuditEntry
from tests.factories import LocationFactory, OpeningHoursFactory
from tests.toegang.factories import HouseholdFactory, ReferralFactory
from tests.uitlening.conftest import months_ago
from tests.voorraad.factories import CategoryFactory, ItemFactory, ItemTypeFactory
from uitlening import selectors
from uitlening.models import Loan, Reservation
from uitlening.selectors import holds as hold_selectors
from uitlening.selectors.reminder_finders import FINDERS
from uitlening.services import (
    LoanLine,
    cancel_reservation,
    checkout_loan,
    expire_holds,
    renew_loan,
    reorder_reservation,
    reserve_item,
    return_loan,
)
from voorraad import services as stock
from voorraad.models import Item

Status = Reservation.Status
pytestmark = pytest.mark.django_db


def reserve(volunteer, household, item_type, point, size=""):
    return reserve_item(
        actor=volunteer, household=household, item_type=item_type, size=size, location=point
    )


def lend(volunteer, point, household, item):
    return checkout_loan(
        actor=volunteer,
        location=point,
        household=household,
        item=item,
        accessories=list(item.accessories or []),
        condition="goed",
        deposit_payment="cash",
    )


def give_back(volunteer, point, loan):
    return return_loan(actor=volunteer, location=point, loan=loan, condition="goed")


def fresh(obj):
    obj.refresh_from_db()
    return obj


@pytest.fixture
def third_family(db, pamperbank, babytheek, fietsbib):
    household = HouseholdFactory(children=[months_ago(40)])
    ReferralFactory(household=household, programs=[pamperbank, babytheek, fietsbib])
    return household


@pytest.fixture
def lent_bike(volunteer, point, third_family, small_bike):
    """The 16" bike on loan to the third family: it comes back later."""
    return lend(volunteer, point, third_family, small_bike)


# --- Joining a waitlist --------------------------------------------------------------------


def test_a_family_waits_when_no_matching_item_is_on_the_shelf(
    volunteer, point, family, other_family, bike_type, lent_bike
):
    first = reserve(volunteer, family, bike_type, point, '16"')
    second = reserve(volunteer, other_family, bike_type, point, '16"')

    assert (first.status, second.status) == (Status.WAITING, Status.WAITING)
    assert first.position < second.position
    assert first.program.name == "Fietsbib"
    ranks = {e.reservation.pk: e.rank for e in hold_selectors.item_type_queue(item_type=bike_type)}
    assert ranks == {first.pk: 1, second.pk: 2}
    assert AuditEntry.objects.filter(action="reserve_item").count() == 2


def test_reserving_while_a_matching_item_is_on_the_shelf_holds_it_at_once(
    volunteer, point, family, bike_type, small_bike
):
    reservation = reserve(volunteer, family, bike_type, point, '16"')

    assert reservation.status == Status.HELD
    assert reservation.held_item == small_bike
    bike = fresh(small_bike)
    assert (bike.status, bike.held_for) == (Item.Status.RESERVED, family.code)


def test_reserving_the_same_again_returns_the_first_reservation(
    volunteer, point, family, bike_type, lent_bike
):
    first = reserve(volunteer, family, bike_type, point, ' 16" ')
    again = reserve(volunteer, family, bike_type, point, '16"')

    assert again.pk == first.pk
    assert Reservation.objects.count() == 1


def test_waiting_for_the_same_at_another_point_is_refused(
    volunteer, coordinator, point, family, bike_type, lent_bike
):
    reserve(volunteer, family, bike_type, point, '16"')
    elsewhere = LocationFactory(name="Uitdeelpunt Melle")

    with pytest.raises(Conflict) as refused:
        reserve(coordinator, family, bike_type, elsewhere, '16"')
    assert refused.value.code == "already_reserved"
    assert point.name in refused.value.message


def test_reserving_a_type_the_family_has_on_loan_is_refused_naming_the_type(
    volunteer, point, third_family, bike_type, lent_bike
):
    with pytest.raises(Conflict) as refused:
        reserve(volunteer, third_family, bike_type, point, '20"')
    assert refused.value.code == "type_on_loan"
    assert "Kinderfiets" in refused.value.message
    assert third_family.code in refused.value.message


def test_a_reservation_over_the_programs_maximum_is_refused(
    volunteer, point, family, fietsbib, bike_type, lent_bike
):
    fietsbib.max_concurrent_loans = 1
    fietsbib.save()
    reserve(volunteer, family, bike_type, point, '16"')

    with pytest.raises(DomainError) as refused:
        reserve(volunteer, family, bike_type, point, '20"')
    assert refused.value.code == "max_loans"
    assert "Fietsbib" in refused.value.message


def test_a_family_without_access_cannot_reserve(volunteer, point, bike_type, lent_bike):
    stranger = HouseholdFactory(children=[months_ago(30)])

    with pytest.raises(DomainError) as refused:
        reserve(volunteer, stranger, bike_type, point)
    assert refused.value.code == "no_access"
    assert not Reservation.objects.exists()


def test_a_volunteer_reserves_only_at_their_own_points(volunteer, family, bike_type):
    elsewhere = LocationFactory(name="Uitdeelpunt Melle")
    with pytest.raises(NotAllowed):
        reserve(volunteer, family, bike_type, elsewhere)


def test_a_warehouse_is_not_a_place_to_collect(coordinator, family, bike_type):
    warehouse = LocationFactory(name="Magazijn", kind="magazijn")
    with pytest.raises(DomainError) as refused:
        reserve(coordinator, family, bike_type, warehouse)
    assert refused.value.field == "location"


def test_an_absurdly_long_size_is_refused(volunteer, point, family, bike_type):
    with pytest.raises(DomainError) as refused:
        reserve(volunteer, family, bike_type, point, "x" * 31)
    assert refused.value.field == "size"


# --- The hold when an item comes back or is added ----------------------------------------


def test_a_returned_item_is_held_for_the_first_waiting_family_not_put_on_the_shelf(
    volunteer, point, family, other_family, bike_type, lent_bike
):
    first = reserve(volunteer, family, bike_type, point, '16"')
    second = reserve(volunteer, other_family, bike_type, point, "")

    give_back(volunteer, point, lent_bike)

    bike = fresh(lent_bike.item)
    assert (bike.status, bike.held_for) == (Item.Status.RESERVED, family.code)
    assert fresh(first).status == Status.HELD
    assert fresh(first).held_item == bike
    assert fresh(second).status == Status.WAITING
    assert AuditEntry.objects.filter(action="hold_item").count() == 1


def test_a_return_goes_to_a_family_waiting_for_any_size_when_it_is_first(
    volunteer, point, family, other_family, bike_type, lent_bike
):
    anything = reserve(volunteer, family, bike_type, point, "")
    reserve(volunteer, other_family, bike_type, point, '16"')

    give_back(volunteer, point, lent_bike)

    assert fresh(anything).status == Status.HELD


def test_a_return_of_another_size_stays_on_the_shelf(
    volunteer, point, family, bike_type, lent_bike
):
    waiting = reserve(volunteer, family, bike_type, point, '20"')

    give_back(volunteer, point, lent_bike)

    assert fresh(lent_bike.item).status == Item.Status.AVAILABLE
    assert fresh(waiting).status == Status.WAITING


def test_an_item_kept_at_another_point_is_not_held_for_this_points_queue(
    volunteer, point, family, bike_type, lent_bike
):
    reserve(volunteer, family, bike_type, point, '16"')
    Item.objects.filter(pk=lent_bike.item_id).update(
        location=LocationFactory(name="Uitdeelpunt Melle")
    )

    give_back(volunteer, point, lent_bike)

    assert fresh(lent_bike.item).status == Item.Status.AVAILABLE


def test_a_damaged_return_goes_to_repair_and_is_held_when_repaired(
    volunteer, coordinator, point, family, bike_type, lent_bike
):
    waiting = reserve(volunteer, family, bike_type, point, '16"')
    return_loan(
        actor=volunteer, location=point, loan=lent_bike, condition="ketting", damage="ketting los"
    )
    assert fresh(lent_bike.item).status == Item.Status.IN_REPAIR
    assert fresh(waiting).status == Status.WAITING

    stock.finish_repair(item=lent_bike.item, user=coordinator, note="hersteld")

    assert fresh(waiting).status == Status.HELD
    assert fresh(lent_bike.item).held_for == family.code


def test_a_new_item_in_the_catalogue_is_held_for_the_waiting_family(
    volunteer, coordinator, point, family, bike_type, lent_bike
):
    waiting = reserve(volunteer, family, bike_type, point, '16"')
    bike = Item(item_type=bike_type, name='Puky 16"', size='16"', location=point)

    saved = stock.save_item(actor=coordinator, item=bike)

    assert saved.status == Item.Status.RESERVED
    assert fresh(waiting).held_item == saved


def test_the_hold_lasts_to_the_end_of_the_first_opening_day_after_the_hold_days(point, settings):
    settings.RESERVATION_HOLD_DAYS = 7
    OpeningHoursFactory(location=point, weekday=1, opens=dt.time(9), closes=dt.time(12))
    OpeningHoursFactory(location=point, weekday=1, opens=dt.time(13), closes=dt.time(16))
    OpeningHoursFactory(location=point, weekday=3, opens=dt.time(13), closes=dt.time(18))
    monday = timezone.make_aware(dt.datetime(2026, 3, 2, 10, 0))  # a Monday

    deadline = hold_selectors.hold_deadline(location=point, start=monday)

    # Monday + 7 = Monday 9 March, closed; the next opening day is Tuesday 10 March.
    assert timezone.localtime(deadline) == timezone.make_aware(dt.datetime(2026, 3, 10, 16, 0))
    # Wednesday + 7 = Wednesday 11 March, closed; open Thursday 12 March until 18:00.
    wednesday_start = timezone.make_aware(dt.datetime(2026, 3, 4, 10, 0))
    assert timezone.localtime(
        hold_selectors.hold_deadline(location=point, start=wednesday_start)
    ) == timezone.make_aware(dt.datetime(2026, 3, 12, 18, 0))


def test_without_opening_hours_the_hold_lasts_to_the_end_of_the_day(point, settings):
    settings.RESERVATION_HOLD_DAYS = 3
    start = timezone.make_aware(dt.datetime(2026, 3, 2, 10, 0))
    deadline = timezone.localtime(hold_selectors.hold_deadline(location=point, start=start))
    assert (deadline.date(), deadline.hour) == (dt.date(2026, 3, 5), 23)


# --- At the counter --------------------------------------------------------------------


def test_the_counter_refuses_a_held_item_to_another_family(
    volunteer, point, family, other_family, bike_type, lent_bike
):
    reserve(volunteer, family, bike_type, point, '16"')
    give_back(volunteer, point, lent_bike)
    bike = fresh(lent_bike.item)

    check = selectors.check_loan(
        household=other_family,
        location=point,
        line=LoanLine(item=bike, accessories=(), condition="goed"),
    )
    assert "item_held" in {r.code for r in check.refusals}
    with pytest.raises(Conflict) as refused:
        lend(volunteer, point, other_family, bike)
    assert refused.value.code == "item_held"
    assert not Loan.objects.filter(item=bike, returned_at__isnull=True).exists()


def test_the_waiting_family_borrows_its_held_item_and_the_reservation_is_collected(
    volunteer, point, family, bike_type, lent_bike
):
    reservation = reserve(volunteer, family, bike_type, point, '16"')
    give_back(volunteer, point, lent_bike)

    loan = lend(volunteer, point, family, fresh(lent_bike.item))

    reservation = fresh(reservation)
    assert reservation.status == Status.COLLECTED
    assert reservation.loan == loan
    assert fresh(lent_bike.item).status == Item.Status.ON_LOAN
    assert hold_selectors.household_reservations(household=family) == []


def test_borrowing_a_matching_item_off_the_shelf_ends_the_familys_wait(
    volunteer, point, family, bike_type, lent_bike
):
    waiting = reserve(volunteer, family, bike_type, point, "")
    other = ItemFactory(item_type=bike_type, name='Btwin 20"', size='20"', location=point)

    lend(volunteer, point, family, other)

    assert fresh(waiting).status == Status.COLLECTED


def test_a_hold_counts_with_the_loans_under_the_programs_maximum(
    volunteer, point, family, fietsbib, bike_type, big_bike, lent_bike
):
    fietsbib.max_concurrent_loans = 1
    fietsbib.save()
    reserve(volunteer, family, bike_type, point, '16"')
    give_back(volunteer, point, lent_bike)  # held for the family now

    check = selectors.check_loan(
        household=family,
        location=point,
        line=LoanLine(item=big_bike, accessories=(), condition="goed"),
    )
    refusal = next(r for r in check.refusals if r.code == "max_loans")
    assert "held" in refusal.message or "vastgehouden" in refusal.message
    # ... but the held bike itself may be collected.
    held = selectors.check_loan(
        household=family,
        location=point,
        line=LoanLine(item=fresh(lent_bike.item), accessories=(), condition="goed"),
    )
    assert "max_loans" not in {r.code for r in held.refusals}


def test_a_renewal_is_refused_while_another_family_waits_for_that_type_and_size(
    volunteer, point, family, bike_type, lent_bike
):
    reserve(volunteer, family, bike_type, point, '16"')
    assert selectors.households_waiting(bike_type) == 1

    with pytest.raises(DomainError) as refused:
        renew_loan(actor=volunteer, location=point, loan=lent_bike)
    assert refused.value.code == "others_waiting"
    assert fresh(lent_bike).renewals == 0


def test_a_renewal_goes_ahead_when_the_family_waiting_wants_another_size(
    volunteer, point, family, bike_type, lent_bike
):
    reserve(volunteer, family, bike_type, point, '20"')

    renewed = renew_loan(actor=volunteer, location=point, loan=lent_bike)

    assert renewed.renewals == 1


# --- Leaving, reordering, expiring -------------------------------------------------------


def test_cancelling_a_held_reservation_offers_the_item_to_the_next_family(
    volunteer, point, family, other_family, bike_type, lent_bike
):
    first = reserve(volunteer, family, bike_type, point, '16"')
    second = reserve(volunteer, other_family, bike_type, point, '16"')
    give_back(volunteer, point, lent_bike)

    cancel_reservation(actor=volunteer, reservation=first, reason="verhuisd")

    assert fresh(first).status == Status.CANCELLED
    assert fresh(first).end_reason == "verhuisd"
    assert fresh(second).status == Status.HELD
    assert fresh(lent_bike.item).held_for == other_family.code


def test_cancelling_twice_changes_nothing_the_second_time(
    volunteer, point, family, bike_type, lent_bike
):
    reservation = reserve(volunteer, family, bike_type, point)
    cancel_reservation(actor=volunteer, reservation=reservation)
    ended_at = fresh(reservation).ended_at

    again = cancel_reservation(actor=volunteer, reservation=reservation)

    assert again.status == Status.CANCELLED
    assert again.ended_at == ended_at
    assert AuditEntry.objects.filter(action="cancel_reservation").count() == 1


def test_cancelling_the_last_hold_puts_the_item_back_on_the_shelf(
    volunteer, point, family, bike_type, small_bike
):
    reservation = reserve(volunteer, family, bike_type, point)
    cancel_reservation(actor=volunteer, reservation=reservation)
    assert fresh(small_bike).status == Item.Status.AVAILABLE
    assert fresh(small_bike).held_for == ""


def test_a_coordinator_moves_a_family_up_with_a_reason_that_is_kept_and_logged(
    volunteer, coordinator, point, family, other_family, third_family, bike_type, big_bike
):
    # Nobody has a 16" bike on loan; nothing on the shelf of that size.
    rows = [reserve(volunteer, h, bike_type, point, '16"') for h in (family, other_family)]
    last = reserve(coordinator, third_family, bike_type, point, '16"')

    moved = reorder_reservation(
        actor=coordinator, reservation=last, rank=1, reason="medische noodzaak"
    )

    assert moved.reorder_reason == "medische noodzaak"
    order = [e.reservation.pk for e in hold_selectors.item_type_queue(item_type=bike_type)]
    assert order == [last.pk, rows[0].pk, rows[1].pk]
    entry = AuditEntry.objects.get(action="reorder_reservation")
    assert entry.details["reason"] == "medische noodzaak"
    assert (entry.details["old"], entry.details["new"]) == (3, 1)


def test_reordering_needs_a_coordinator_and_a_reason(
    volunteer, coordinator, point, family, bike_type
):
    reservation = reserve(volunteer, family, bike_type, point, '16"')
    with pytest.raises(NotAllowed):
        reorder_reservation(actor=volunteer, reservation=reservation, rank=1, reason="x")
    with pytest.raises(DomainError) as refused:
        reorder_reservation(actor=coordinator, reservation=reservation, rank=1, reason="  ")
    assert refused.value.field == "reason"


def test_a_held_reservation_does_not_move_in_the_queue(
    volunteer, coordinator, point, family, bike_type, small_bike
):
    held = reserve(volunteer, family, bike_type, point)
    with pytest.raises(Conflict):
        reorder_reservation(actor=coordinator, reservation=held, rank=1, reason="waarom niet")


def test_an_expired_hold_goes_to_the_next_family_and_a_second_run_does_nothing(
    volunteer, point, family, other_family, bike_type, lent_bike
):
    first = reserve(volunteer, family, bike_type, point, '16"')
    second = reserve(volunteer, other_family, bike_type, point, '16"')
    give_back(volunteer, point, lent_bike)
    # Not collected in time: its deadline passed a minute ago.
    Reservation.objects.filter(pk=first.pk).update(
        held_until=timezone.now() - dt.timedelta(minutes=1)
    )

    assert expire_holds() == 1
    assert expire_holds() == 0

    assert fresh(first).status == Status.EXPIRED
    second = fresh(second)
    assert second.status == Status.HELD
    assert second.held_until > timezone.now() + dt.timedelta(days=6)
    assert fresh(lent_bike.item).held_for == other_family.code


def test_a_hold_before_its_deadline_is_kept(volunteer, point, family, bike_type, small_bike):
    reservation = reserve(volunteer, family, bike_type, point)
    assert expire_holds(now=fresh(reservation).held_until - dt.timedelta(minutes=1)) == 0
    assert fresh(reservation).status == Status.HELD


def test_an_expired_hold_without_anyone_next_puts_the_item_on_the_shelf(
    volunteer, point, family, bike_type, small_bike
):
    reservation = reserve(volunteer, family, bike_type, point)
    call_command("expire_holds", verbosity=0)  # not yet due: nothing
    assert fresh(reservation).status == Status.HELD

    expire_holds(now=fresh(reservation).held_until + dt.timedelta(seconds=1))

    assert fresh(small_bike).status == Item.Status.AVAILABLE


def test_a_hold_whose_item_went_to_repair_waits_again_in_its_place(
    volunteer, coordinator, point, family, bike_type, small_bike
):
    reservation = reserve(volunteer, family, bike_type, point)
    stock.send_item_to_repair(item=small_bike, user=coordinator, note="band plat")

    expire_holds()

    reservation = fresh(reservation)
    assert reservation.status == Status.WAITING
    assert reservation.held_item is None
    stock.finish_repair(item=small_bike, user=coordinator)
    assert fresh(reservation).status == Status.HELD


def test_a_hold_released_by_hand_goes_back_to_the_queue_in_the_same_step(
    volunteer, coordinator, point, family, other_family, bike_type, small_bike
):
    first = reserve(volunteer, family, bike_type, point)
    second = reserve(volunteer, other_family, bike_type, point)

    stock.change_item_status(
        actor=coordinator, item=small_bike, status=Item.Status.AVAILABLE, note="per ongeluk"
    )

    # The first family keeps its place, so the bike is held for it again.
    assert fresh(first).status == Status.HELD
    assert fresh(second).status == Status.WAITING
    assert Reservation.objects.filter(held_item=small_bike, status=Status.HELD).count() == 1
    assert AuditEntry.objects.filter(action="hold_lost").count() == 1


def test_a_held_item_repaired_before_the_expiry_run_is_held_once(
    volunteer, coordinator, point, family, bike_type, small_bike
):
    reservation = reserve(volunteer, family, bike_type, point)
    stock.send_item_to_repair(item=small_bike, user=coordinator, note="band plat")

    stock.finish_repair(item=small_bike, user=coordinator)

    assert fresh(reservation).status == Status.HELD
    assert fresh(small_bike).held_for == family.code


# --- The database rules ------------------------------------------------------------------


def test_the_database_allows_one_active_reservation_per_family_type_and_size(
    volunteer, point, family, fietsbib, bike_type
):
    fields = dict(
        household=family,
        item_type=bike_type,
        size='16"',
        program=fietsbib,
        location=point,
        created_by=volunteer,
    )
    Reservation.objects.create(position=1, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reservation.objects.create(position=2, **fields)
    Reservation.objects.create(position=3, status=Status.CANCELLED, **fields)


def test_the_database_allows_one_hold_per_item(
    volunteer, point, family, other_family, fietsbib, bike_type, small_bike
):
    until = timezone.now() + dt.timedelta(days=7)
    common = dict(
        item_type=bike_type,
        program=fietsbib,
        location=point,
        created_by=volunteer,
        status=Status.HELD,
        held_item=small_bike,
        held_until=until,
    )
    Reservation.objects.create(household=family, position=1, **common)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reservation.objects.create(household=other_family, position=2, **common)


def test_the_database_refuses_a_hold_without_item_or_deadline(
    volunteer, point, family, fietsbib, bike_type
):
    with pytest.raises(IntegrityError), transaction.atomic():
        Reservation.objects.create(
            household=family,
            item_type=bike_type,
            program=fietsbib,
            location=point,
            created_by=volunteer,
            position=1,
            status=Status.HELD,
        )


# --- Reads -------------------------------------------------------------------------------


def test_the_hold_ready_reminder_is_found_once_per_hold(
    volunteer, point, family, bike_type, small_bike
):
    reservation = reserve(volunteer, family, bike_type, point)
    due = [d for finder in FINDERS for d in finder(timezone.now()) if d.kind == "hold_ready"]

    assert [d.key for d in due] == [f"hold_ready:{reservation.pk}:{small_bike.pk}"]
    assert due[0].household_id == family.pk
    assert due[0].context["item_code"] == small_bike.code


def test_the_household_panel_shows_the_reservations_with_their_place(
    volunteer, point, family, other_family, bike_type, lent_bike
):
    reserve(volunteer, other_family, bike_type, point, '16"')
    reserve(volunteer, family, bike_type, point, '16"')

    panel = selectors.household_panel(household=family, location=point)

    [section] = [s for s in panel.sections if s.template.endswith("panel_holds.html")]
    [entry] = section.context["reservations"]
    assert entry.rank == 2
    assert any(t.name == "Kinderfiets" for t, _sizes in section.context["types"])


def test_sizes_compete_only_when_they_overlap(volunteer, point, family, other_family, bike_type):
    big = reserve(volunteer, family, bike_type, point, '20"')
    small = reserve(volunteer, other_family, bike_type, point, '16"')
    ranks = {e.reservation.pk: e.rank for e in hold_selectors.item_type_queue(item_type=bike_type)}
    assert ranks == {big.pk: 1, small.pk: 1}


def test_the_catalogue_counts_items_and_waiting_families_without_naming_anyone(
    volunteer, point, family, bike_type, lent_bike, django_assert_max_num_queries
):
    bike_type.description = "Een kinderfiets die meegroeit."
    bike_type.save()
    ItemFactory(item_type=bike_type, name='Btwin 20"', size='20"', location=point)
    reserve(volunteer, family, bike_type, point, '16"')
    ItemTypeFactory(name="Laptop", category=CategoryFactory(name="Laptops"))  # no program

    with django_assert_max_num_queries(6):
        [entry] = hold_selectors.public_catalogue()

    [bikes] = entry.types
    sizes = {s.size: (s.available, s.out, s.waiting) for s in bikes.sizes}
    assert sizes == {'16"': (0, 1, 1), '20"': (1, 0, 0)}
    assert Decimal(bikes.available) == 1
