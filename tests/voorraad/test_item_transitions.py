"""The item transitions other apps' services call for loans: lend, take back, hold,
release and send to repair. Each one checks the item's state (and safety when it goes
out), writes one history row, and refuses in Dutch with nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from kern.errors import Conflict, DomainError
from tests.voorraad.factories import ItemFactory, ItemTypeFactory
from voorraad import services
from voorraad.models import Item, ItemEvent, ItemType

pytestmark = pytest.mark.django_db

Status = Item.Status
HOUSEHOLD = "G-0001"
OTHER_HOUSEHOLD = "G-0002"


@pytest.fixture
def bike(point):
    return ItemFactory(item_type=ItemTypeFactory(name="Kinderfiets"), location=point, name="Btwin")


def item_in(status: str, point, *, held_for: str = "") -> Item:
    return ItemFactory(location=point, name="Kinderfiets 20 inch", status=status, held_for=held_for)


def history(item: Item) -> list[tuple[str, str]]:
    return list(
        ItemEvent.objects.filter(item=item).order_by("id").values_list("from_status", "to_status")
    )


def unsafe_car_seat(point) -> Item:
    return ItemFactory(
        item_type=ItemTypeFactory(safety=ItemType.Safety.CAR_SEAT),
        location=point,
        name="Oude autostoel",
        approval=Item.Approval.R44_04,
        end_of_life_on=timezone.localdate() - dt.timedelta(days=1),
    )


def refused_in_dutch(call, error=DomainError) -> str:
    """Run ``call`` in Dutch, expect ``error``, return its message."""
    with translation.override("nl-be"), pytest.raises(error) as caught:
        call()
    return caught.value.message


# --- Lend ---------------------------------------------------------------------------------


def test_lending_an_available_item_puts_it_on_loan_with_one_history_row(bike, volunteer):
    lent = services.lend_item(item=bike, borrower=HOUSEHOLD, user=volunteer, note="2 weken")
    bike.refresh_from_db()
    assert lent.status == bike.status == Status.ON_LOAN
    assert bike.held_for == ""
    event = ItemEvent.objects.get(item=bike)
    assert (event.from_status, event.to_status, event.user, event.note) == (
        Status.AVAILABLE,
        Status.ON_LOAN,
        volunteer,
        "2 weken",
    )


def test_an_item_held_for_the_borrower_can_be_lent_to_them(point, volunteer):
    item = item_in(Status.RESERVED, point, held_for=HOUSEHOLD)
    services.lend_item(item=item, borrower=HOUSEHOLD, user=volunteer)
    item.refresh_from_db()
    assert (item.status, item.held_for) == (Status.ON_LOAN, "")


def test_an_item_held_for_someone_else_is_not_lent(point, volunteer):
    item = item_in(Status.RESERVED, point, held_for=OTHER_HOUSEHOLD)
    message = refused_in_dutch(
        lambda: services.lend_item(item=item, borrower=HOUSEHOLD, user=volunteer), Conflict
    )
    assert "iemand anders" in message
    item.refresh_from_db()
    assert (item.status, item.held_for) == (Status.RESERVED, OTHER_HOUSEHOLD)
    assert history(item) == []


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (Status.IN_REPAIR, "in herstelling"),
        (Status.RETIRED, "afgevoerd"),
        (Status.ON_LOAN, "uitgeleend"),
    ],
)
def test_an_item_in_repair_retired_or_on_loan_is_not_lent(point, volunteer, status, words):
    item = item_in(status, point)
    message = refused_in_dutch(
        lambda: services.lend_item(item=item, borrower=HOUSEHOLD, user=volunteer), Conflict
    )
    assert item.name in message and words in message and "uitgeleend worden" in message
    item.refresh_from_db()
    assert item.status == status
    assert history(item) == []


def test_an_unsafe_car_seat_is_not_lent(point, volunteer):
    seat = unsafe_car_seat(point)
    with pytest.raises(DomainError) as caught:
        services.lend_item(item=seat, borrower=HOUSEHOLD, user=volunteer)
    assert caught.value.code == "unsafe_item"
    assert caught.value.message == services.item_safety_problem(seat)
    seat.refresh_from_db()
    assert seat.status == Status.AVAILABLE
    assert history(seat) == []


@pytest.mark.parametrize("borrower", ["", "   "])
def test_lending_needs_to_know_to_whom(bike, volunteer, borrower):
    with pytest.raises(DomainError) as caught:
        services.lend_item(item=bike, borrower=borrower, user=volunteer)
    assert caught.value.field == "held_for"
    bike.refresh_from_db()
    assert bike.status == Status.AVAILABLE


# --- Take back ----------------------------------------------------------------------------


def test_taking_back_a_lent_item_makes_it_available(point, volunteer):
    item = item_in(Status.ON_LOAN, point)
    services.take_back_item(item=item, user=volunteer)
    item.refresh_from_db()
    assert item.status == Status.AVAILABLE
    assert history(item) == [(Status.ON_LOAN, Status.AVAILABLE)]


def test_an_item_that_came_back_broken_goes_to_repair(point, volunteer):
    item = item_in(Status.ON_LOAN, point)
    services.take_back_item(item=item, user=volunteer, needs_repair=True, note="Ketting los")
    item.refresh_from_db()
    assert item.status == Status.IN_REPAIR
    assert ItemEvent.objects.get(item=item).note == "Ketting los"


@pytest.mark.parametrize(
    "status", [Status.AVAILABLE, Status.RESERVED, Status.IN_REPAIR, Status.RETIRED]
)
def test_only_a_lent_item_can_be_taken_back(point, volunteer, status):
    item = item_in(status, point)
    message = refused_in_dutch(lambda: services.take_back_item(item=item, user=volunteer), Conflict)
    assert "niet uitgeleend" in message
    item.refresh_from_db()
    assert item.status == status
    assert history(item) == []


# --- Hold and release ---------------------------------------------------------------------


def test_holding_an_available_item_reserves_it_for_that_person(bike, volunteer):
    services.hold_item(item=bike, held_for=HOUSEHOLD, user=volunteer)
    bike.refresh_from_db()
    assert (bike.status, bike.held_for) == (Status.RESERVED, HOUSEHOLD)
    assert history(bike) == [(Status.AVAILABLE, Status.RESERVED)]


def test_holding_it_again_for_the_same_person_changes_nothing(bike, volunteer):
    services.hold_item(item=bike, held_for=HOUSEHOLD, user=volunteer)
    services.hold_item(item=bike, held_for=HOUSEHOLD, user=volunteer)
    assert len(history(bike)) == 1


def test_an_item_held_for_one_person_cannot_be_held_for_another(bike, volunteer):
    services.hold_item(item=bike, held_for=HOUSEHOLD, user=volunteer)
    with pytest.raises(Conflict) as caught:
        services.hold_item(item=bike, held_for=OTHER_HOUSEHOLD, user=volunteer)
    assert caught.value.code == "item_held"
    bike.refresh_from_db()
    assert bike.held_for == HOUSEHOLD


@pytest.mark.parametrize("status", [Status.ON_LOAN, Status.IN_REPAIR, Status.RETIRED])
def test_an_item_on_loan_in_repair_or_retired_cannot_be_held(point, volunteer, status):
    item = item_in(status, point)
    message = refused_in_dutch(
        lambda: services.hold_item(item=item, held_for=HOUSEHOLD, user=volunteer), Conflict
    )
    assert "klaargelegd" in message
    item.refresh_from_db()
    assert (item.status, item.held_for) == (status, "")


def test_an_unsafe_car_seat_cannot_be_held(point, volunteer):
    seat = unsafe_car_seat(point)
    with pytest.raises(DomainError) as caught:
        services.hold_item(item=seat, held_for=HOUSEHOLD, user=volunteer)
    assert caught.value.code == "unsafe_item"
    assert history(seat) == []


def test_a_hold_that_is_too_long_a_reference_is_refused(bike, volunteer):
    with pytest.raises(DomainError):
        services.hold_item(item=bike, held_for="x" * 41, user=volunteer)


def test_releasing_a_hold_makes_the_item_available_for_anyone(bike, volunteer):
    services.hold_item(item=bike, held_for=HOUSEHOLD, user=volunteer)
    services.release_item(item=bike, user=volunteer)
    bike.refresh_from_db()
    assert (bike.status, bike.held_for) == (Status.AVAILABLE, "")
    services.lend_item(item=bike, borrower=OTHER_HOUSEHOLD, user=volunteer)


def test_releasing_an_item_that_is_not_held_is_refused(bike, volunteer):
    with pytest.raises(Conflict):
        services.release_item(item=bike, user=volunteer)


# --- Repair -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.AVAILABLE, Status.RESERVED])
def test_sending_an_item_to_repair_takes_it_out_of_use_and_ends_a_hold(point, volunteer, status):
    item = item_in(status, point, held_for=HOUSEHOLD if status == Status.RESERVED else "")
    services.send_item_to_repair(item=item, user=volunteer, note="Band lek")
    item.refresh_from_db()
    assert (item.status, item.held_for) == (Status.IN_REPAIR, "")
    assert ItemEvent.objects.get(item=item).note == "Band lek"


def test_an_unsafe_car_seat_may_still_go_to_repair(point, volunteer):
    seat = unsafe_car_seat(point)
    services.send_item_to_repair(item=seat, user=volunteer, note="Riem rafelt")
    seat.refresh_from_db()
    assert seat.status == Status.IN_REPAIR


def test_repair_needs_to_say_what_is_wrong(bike, volunteer):
    with pytest.raises(DomainError) as caught:
        services.send_item_to_repair(item=bike, user=volunteer, note=" ")
    assert caught.value.field == "note"
    assert history(bike) == []


@pytest.mark.parametrize("status", [Status.ON_LOAN, Status.IN_REPAIR, Status.RETIRED])
def test_an_item_on_loan_in_repair_or_retired_cannot_be_sent_to_repair(point, volunteer, status):
    item = item_in(status, point)
    message = refused_in_dutch(
        lambda: services.send_item_to_repair(item=item, user=volunteer, note="Kapot"), Conflict
    )
    assert "herstelling" in message
    item.refresh_from_db()
    assert item.status == status
    assert history(item) == []


# --- Who may ------------------------------------------------------------------------------


def test_the_transitions_check_no_role_the_calling_service_decides(bike):
    """A loan service may call them for a volunteer, or a system job without a user."""
    services.hold_item(item=bike, held_for=HOUSEHOLD, user=None)
    services.lend_item(item=bike, borrower=HOUSEHOLD, user=None)
    services.take_back_item(item=bike, user=None)
    bike.refresh_from_db()
    assert bike.status == Status.AVAILABLE
    assert len(history(bike)) == 3


def test_a_full_loan_cycle_leaves_a_complete_history(bike, volunteer):
    services.hold_item(item=bike, held_for=HOUSEHOLD, user=volunteer)
    services.lend_item(item=bike, borrower=HOUSEHOLD, user=volunteer)
    services.take_back_item(item=bike, user=volunteer, needs_repair=True)
    assert history(bike) == [
        (Status.AVAILABLE, Status.RESERVED),
        (Status.RESERVED, Status.ON_LOAN),
        (Status.ON_LOAN, Status.IN_REPAIR),
    ]
