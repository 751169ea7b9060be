"""Lendable items: saving, status changes along ITEM_TRANSITIONS, car-seat safety, and
the item history (an ItemEvent for every change)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from kern.errors import Conflict, DomainError, NotAllowed
from tests.voorraad.factories import ItemFactory, ItemTypeFactory
from voorraad import services
from voorraad.models import Item, ItemEvent, ItemType

pytestmark = pytest.mark.django_db

Status = Item.Status
ALL_STATUSES = list(Status.values)


@pytest.fixture
def car_seat_type(db):
    return ItemTypeFactory(name="Autostoel groep 0+", safety=ItemType.Safety.CAR_SEAT)


@pytest.fixture
def bike_type(db):
    return ItemTypeFactory(name="Kinderfiets")


def sound_car_seat(car_seat_type, point, **kwargs) -> Item:
    values = {
        "name": "Maxi-Cosi Pebble",
        "approval": Item.Approval.R129,
        "end_of_life_on": timezone.localdate() + dt.timedelta(days=365),
        **kwargs,
    }
    return ItemFactory(item_type=car_seat_type, location=point, **values)


# --- Saving -----------------------------------------------------------------------------


def test_save_item_of_a_new_item_writes_an_added_event(coordinator, point, bike_type):
    item = services.save_item(
        actor=coordinator, item=Item(item_type=bike_type, name="Btwin 16 inch", location=point)
    )
    event = ItemEvent.objects.get(item=item)
    assert (event.from_status, event.to_status, event.user) == ("", Status.AVAILABLE, coordinator)
    assert event.note


def test_save_item_of_an_existing_item_without_a_status_change_adds_no_event(
    coordinator, point, bike_type
):
    item = services.save_item(
        actor=coordinator, item=Item(item_type=bike_type, name="Btwin 16 inch", location=point)
    )
    item.condition = "Bel ontbreekt"
    services.save_item(actor=coordinator, item=item)
    assert ItemEvent.objects.filter(item=item).count() == 1


@pytest.mark.parametrize("status", [Status.AVAILABLE, Status.RESERVED])
def test_a_crashed_car_seat_is_retired_automatically(coordinator, point, car_seat_type, status):
    seat = Item(
        item_type=car_seat_type,
        name="Cybex Aton",
        location=point,
        approval=Item.Approval.R44_04,
        crashed=True,
        status=status,
    )
    services.save_item(actor=coordinator, item=seat)

    seat.refresh_from_db()
    assert seat.status == Status.RETIRED
    event = ItemEvent.objects.get(item=seat)
    assert event.to_status == Status.RETIRED
    assert event.note


def test_marking_a_stored_car_seat_as_crashed_retires_it_and_records_the_change(
    coordinator, point, car_seat_type
):
    seat = services.save_item(
        actor=coordinator,
        item=Item(
            item_type=car_seat_type,
            name="Cybex Aton",
            location=point,
            approval=Item.Approval.R129,
            end_of_life_on=timezone.localdate() + dt.timedelta(days=900),
        ),
    )
    seat.crashed = True
    services.save_item(actor=coordinator, item=seat)

    seat.refresh_from_db()
    assert seat.status == Status.RETIRED
    last = ItemEvent.objects.filter(item=seat).order_by("id").last()
    assert (last.from_status, last.to_status, last.user) == (
        Status.AVAILABLE,
        Status.RETIRED,
        coordinator,
    )


def test_a_volunteer_may_not_save_or_change_an_item(volunteer, point, bike_type):
    item = ItemFactory(item_type=bike_type, location=point)
    with pytest.raises(NotAllowed):
        services.save_item(
            actor=volunteer, item=Item(item_type=bike_type, name="X", location=point)
        )
    with pytest.raises(NotAllowed):
        services.change_item_status(actor=volunteer, item=item, status=Status.IN_REPAIR)
    assert not ItemEvent.objects.exists()
    assert Item.objects.count() == 1


# --- Status changes ---------------------------------------------------------------------

ALLOWED = [
    (current, wanted)
    for current, targets in services.MANUAL_TRANSITIONS.items()
    for wanted in sorted(targets)
]
REFUSED = [
    (current, wanted)
    for current in ALL_STATUSES
    for wanted in ALL_STATUSES
    if wanted != current and wanted not in services.MANUAL_TRANSITIONS[current]
]


def test_the_transition_table_covers_every_status():
    assert set(services.ITEM_TRANSITIONS) == set(ALL_STATUSES)
    assert services.ITEM_TRANSITIONS[Status.RETIRED] == set()
    assert set(services.MANUAL_TRANSITIONS) == set(ALL_STATUSES)


@pytest.mark.parametrize("current", [Status.AVAILABLE, Status.RESERVED])
def test_a_coordinator_does_not_put_an_item_on_loan_by_hand(coordinator, point, bike_type, current):
    item = ItemFactory(item_type=bike_type, location=point, status=current)
    with pytest.raises(Conflict, match="uitlening"):
        services.change_item_status(actor=coordinator, item=item, status=Status.ON_LOAN)
    item.refresh_from_db()
    assert item.status == current


@pytest.mark.parametrize("wanted", [Status.AVAILABLE, Status.IN_REPAIR, Status.RETIRED])
def test_a_coordinator_does_not_take_an_item_off_loan_by_hand(
    coordinator, point, bike_type, wanted
):
    item = ItemFactory(item_type=bike_type, location=point, status=Status.ON_LOAN)
    with pytest.raises(Conflict, match="uitlening"):
        services.change_item_status(actor=coordinator, item=item, status=wanted)
    item.refresh_from_db()
    assert item.status == Status.ON_LOAN
    assert not ItemEvent.objects.exists()


@pytest.mark.parametrize(("current", "wanted"), ALLOWED)
def test_change_item_status_follows_an_allowed_transition_and_writes_an_event(
    coordinator, point, bike_type, current, wanted
):
    item = ItemFactory(item_type=bike_type, location=point, status=current)

    changed = services.change_item_status(
        actor=coordinator, item=item, status=wanted, note="na controle"
    )

    assert changed.status == wanted
    item.refresh_from_db()
    assert item.status == wanted
    event = ItemEvent.objects.get(item=item)
    assert (event.from_status, event.to_status, event.note, event.user) == (
        current,
        wanted,
        "na controle",
        coordinator,
    )


@pytest.mark.parametrize(("current", "wanted"), REFUSED)
def test_change_item_status_refuses_a_transition_outside_the_table(
    coordinator, point, bike_type, current, wanted
):
    item = ItemFactory(item_type=bike_type, location=point, status=current)
    with pytest.raises(Conflict):
        services.change_item_status(actor=coordinator, item=item, status=wanted)
    item.refresh_from_db()
    assert item.status == current
    assert not ItemEvent.objects.exists()


def test_a_retired_item_can_never_come_back(coordinator, point, bike_type):
    item = ItemFactory(item_type=bike_type, location=point, status=Status.RETIRED)
    for wanted in set(ALL_STATUSES) - {Status.RETIRED}:
        with pytest.raises(Conflict):
            services.change_item_status(actor=coordinator, item=item, status=wanted)


def test_change_item_status_to_the_same_status_writes_nothing(coordinator, point, bike_type):
    item = ItemFactory(item_type=bike_type, location=point, status=Status.ON_LOAN)
    services.change_item_status(actor=coordinator, item=item, status=Status.ON_LOAN)
    assert not ItemEvent.objects.exists()


def test_change_item_status_to_an_unknown_status_is_refused(coordinator, point, bike_type):
    item = ItemFactory(item_type=bike_type, location=point)
    with pytest.raises(DomainError):
        services.change_item_status(actor=coordinator, item=item, status="gestolen")
    assert not ItemEvent.objects.exists()


def test_every_change_of_an_item_writes_one_event(coordinator, point, bike_type):
    item = services.save_item(
        actor=coordinator, item=Item(item_type=bike_type, name="Woom 3", location=point)
    )
    path = [Status.RESERVED, Status.IN_REPAIR, Status.AVAILABLE, Status.RETIRED]
    for status in path:
        services.change_item_status(actor=coordinator, item=item, status=status)

    events = list(ItemEvent.objects.filter(item=item).order_by("id"))
    assert [(e.from_status, e.to_status) for e in events] == [
        ("", Status.AVAILABLE),
        (Status.AVAILABLE, Status.RESERVED),
        (Status.RESERVED, Status.IN_REPAIR),
        (Status.IN_REPAIR, Status.AVAILABLE),
        (Status.AVAILABLE, Status.RETIRED),
    ]


# --- Car-seat safety --------------------------------------------------------------------

# By hand an item goes out only as far as a hold; a loan checks its safety in lend_item.
GOING_OUT = [
    (Status.AVAILABLE, Status.RESERVED),
    (Status.IN_REPAIR, Status.AVAILABLE),
]


@pytest.mark.parametrize(("current", "wanted"), GOING_OUT)
@pytest.mark.parametrize("days_left", [-1, 0], ids=["past-end-of-life", "ends-today"])
def test_a_car_seat_past_its_end_of_life_may_not_go_out(
    coordinator, point, car_seat_type, current, wanted, days_left
):
    seat = sound_car_seat(
        car_seat_type,
        point,
        status=current,
        end_of_life_on=timezone.localdate() + dt.timedelta(days=days_left),
    )
    with translation.override("en"), pytest.raises(DomainError) as excinfo:
        services.change_item_status(actor=coordinator, item=seat, status=wanted)

    assert excinfo.value.code == "unsafe_item"
    assert "end of life" in str(excinfo.value)
    seat.refresh_from_db()
    assert seat.status == current
    assert not ItemEvent.objects.exists()


@pytest.mark.parametrize(("current", "wanted"), GOING_OUT)
def test_a_car_seat_without_a_known_approval_may_not_go_out(
    coordinator, point, car_seat_type, current, wanted
):
    seat = sound_car_seat(car_seat_type, point, status=current, approval=Item.Approval.NONE)
    with translation.override("en"), pytest.raises(DomainError) as excinfo:
        services.change_item_status(actor=coordinator, item=seat, status=wanted)
    assert excinfo.value.code == "unsafe_item"
    assert "approval" in str(excinfo.value)
    assert not ItemEvent.objects.exists()


def test_a_crashed_car_seat_may_not_go_out(coordinator, point, car_seat_type):
    seat = sound_car_seat(car_seat_type, point, crashed=True)  # saved without the service
    with pytest.raises(DomainError) as excinfo:
        services.change_item_status(actor=coordinator, item=seat, status=Status.RESERVED)
    assert excinfo.value.code == "unsafe_item"


@pytest.mark.parametrize("wanted", [Status.IN_REPAIR, Status.RETIRED])
def test_an_unsafe_car_seat_may_still_go_to_repair_or_be_retired(
    coordinator, point, car_seat_type, wanted
):
    seat = sound_car_seat(
        car_seat_type, point, end_of_life_on=timezone.localdate() - dt.timedelta(days=30)
    )
    services.change_item_status(actor=coordinator, item=seat, status=wanted)
    seat.refresh_from_db()
    assert seat.status == wanted
    assert ItemEvent.objects.filter(item=seat, to_status=wanted).count() == 1


def test_a_sound_car_seat_goes_out(coordinator, point, car_seat_type):
    seat = sound_car_seat(car_seat_type, point)
    services.change_item_status(actor=coordinator, item=seat, status=Status.RESERVED)
    seat.refresh_from_db()
    assert seat.status == Status.RESERVED


def test_safety_rules_are_for_car_seats_only(coordinator, point, bike_type):
    bike = ItemFactory(item_type=bike_type, location=point, approval=Item.Approval.NONE)
    assert services.item_safety_problem(bike) is None
    services.change_item_status(actor=coordinator, item=bike, status=Status.RESERVED)


def test_a_car_seat_of_unknown_age_cannot_be_added_as_available(coordinator, point, car_seat_type):
    with pytest.raises(DomainError, match="Maxi-Cosi"):
        services.save_item(
            actor=coordinator,
            item=Item(
                item_type=car_seat_type, name="Maxi-Cosi Pebble", location=point, approval="R44/04"
            ),
        )
    assert not Item.objects.exists()


def test_a_car_seat_older_than_ten_years_without_end_of_life_is_not_lent(point, car_seat_type):
    seat = Item(
        item_type=car_seat_type,
        name="Oude stoel",
        location=point,
        approval="R44/04",
        manufactured_on=timezone.localdate() - dt.timedelta(days=11 * 365),
    )
    assert services.item_safety_problem(seat) is not None
    seat.manufactured_on = timezone.localdate() - dt.timedelta(days=2 * 365)
    assert services.item_safety_problem(seat) is None
