"""The transitions that end a repair: finish_repair (available again, when safe) and
retire_item (out of use for good, with a reason). No role check: the calling app's
service decides who may."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kern.errors import Conflict, DomainError
from tests.voorraad.factories import ItemFactory, ItemTypeFactory
from voorraad import services
from voorraad.models import Item, ItemEvent, ItemType

pytestmark = pytest.mark.django_db

Status = Item.Status


def history(item):
    return list(
        ItemEvent.objects.filter(item=item)
        .order_by("id")
        .values_list("from_status", "to_status", "note")
    )


def test_finish_repair_makes_an_item_available_with_a_history_row(point):
    item = ItemFactory(location=point, status=Status.IN_REPAIR, name="Kinderwagen")
    services.finish_repair(item=item, user=None, note="Wiel vervangen")
    item.refresh_from_db()
    assert item.status == Status.AVAILABLE
    assert history(item) == [(Status.IN_REPAIR, Status.AVAILABLE, "Wiel vervangen")]


@pytest.mark.parametrize("status", [Status.AVAILABLE, Status.ON_LOAN, Status.RETIRED])
def test_finish_repair_needs_an_item_in_repair(point, status):
    item = ItemFactory(location=point, status=status, name="Kinderwagen")
    with pytest.raises(Conflict, match="Kinderwagen"):
        services.finish_repair(item=item, user=None)
    assert not ItemEvent.objects.exists()


def test_an_unsafe_car_seat_is_not_made_available(point):
    seat = ItemFactory(
        item_type=ItemTypeFactory(safety=ItemType.Safety.CAR_SEAT),
        location=point,
        status=Status.IN_REPAIR,
        name="Maxi-Cosi",
        approval="R129",
        end_of_life_on=timezone.localdate() - dt.timedelta(days=1),
    )
    with pytest.raises(DomainError, match="Maxi-Cosi"):
        services.finish_repair(item=seat, user=None)
    seat.refresh_from_db()
    assert seat.status == Status.IN_REPAIR


@pytest.mark.parametrize("status", [Status.AVAILABLE, Status.RESERVED, Status.IN_REPAIR])
def test_retire_item_takes_an_item_out_for_good(point, status):
    item = ItemFactory(location=point, status=status, name="Kinderwagen")
    services.retire_item(item=item, user=None, note="Frame gebarsten")
    item.refresh_from_db()
    assert item.status == Status.RETIRED
    assert history(item)[-1] == (status, Status.RETIRED, "Frame gebarsten")


@pytest.mark.parametrize("status", [Status.ON_LOAN, Status.RETIRED])
def test_retire_item_refuses_an_item_on_loan_or_retired(point, status):
    item = ItemFactory(location=point, status=status, name="Kinderwagen")
    with pytest.raises(Conflict):
        services.retire_item(item=item, user=None, note="weg")


def test_retire_item_needs_a_reason(point):
    item = ItemFactory(location=point, name="Kinderwagen")
    with pytest.raises(DomainError):
        services.retire_item(item=item, user=None, note="  ")
    item.refresh_from_db()
    assert item.status == Status.AVAILABLE
