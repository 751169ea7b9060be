"""Donations: scanning into a draft, setting lines, the date a donation can have, donors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kern.errors import Conflict, DomainError
from tests.voorraad.factories import ean13
from tests.voorraad.helpers import balance
from voorraad import services
from voorraad.models import (
    CollectionDrive,
    Donation,
    Donor,
    StockMovement,
)

pytestmark = pytest.mark.django_db

Kind = StockMovement.Kind


def test_scanning_into_a_donation_adds_repeat_scans_to_one_line(coordinator, point, diapers, donor):
    code = ean13("541234500001")
    services.map_gtin(actor=coordinator, gtin=code, product=diapers, units=22)
    draft = services.start_donation(actor=coordinator, donor=donor, location=point)

    services.scan_into_donation(actor=coordinator, donation=draft, code=diapers.code)
    services.scan_into_donation(actor=coordinator, donation=draft, code=code, packs=2)

    assert draft.lines.get().quantity == 44 + 44
    assert not StockMovement.objects.exists()  # a draft books nothing
    services.post_donation(actor=coordinator, donation=draft)
    assert balance(diapers, point) == 88
    with pytest.raises(Conflict):
        services.post_donation(actor=coordinator, donation=draft)
    with pytest.raises(Conflict):
        services.scan_into_donation(actor=coordinator, donation=draft, code=diapers.code)
    assert balance(diapers, point) == 88


def test_setting_a_donation_line_to_zero_removes_it(coordinator, point, wipes, donor):
    draft = services.start_donation(actor=coordinator, donor=donor, location=point)
    services.set_donation_line(actor=coordinator, donation=draft, product=wipes, units=12)
    assert draft.lines.get().quantity == 12
    assert (
        services.set_donation_line(actor=coordinator, donation=draft, product=wipes, units=0)
        is None
    )
    assert not draft.lines.exists()
    with pytest.raises(DomainError):
        services.post_donation(actor=coordinator, donation=draft)
    assert not StockMovement.objects.exists()


def test_a_donation_cannot_be_received_in_the_future_or_outside_its_drive(
    coordinator, point, donor
):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(DomainError):
        services.start_donation(
            actor=coordinator, donor=donor, location=point, received_on=tomorrow
        )
    drive = CollectionDrive.objects.create(
        name="Luierinzameling", starts_on=dt.date(2024, 3, 1), ends_on=dt.date(2024, 3, 31)
    )
    with pytest.raises(DomainError) as excinfo:
        services.start_donation(
            actor=coordinator,
            donor=donor,
            location=point,
            drive=drive,
            received_on=dt.date(2024, 4, 2),
        )
    assert excinfo.value.field == "drive"
    assert not Donation.objects.exists()


def test_save_donor_with_a_bad_email_is_a_domain_error_on_that_field(coordinator):
    with pytest.raises(DomainError) as caught:
        services.save_donor(
            actor=coordinator,
            donor=Donor(name="School", kind=Donor.Kind.SCHOOL, email="geen-adres"),
        )
    assert caught.value.field == "email"


# --- The day goods came in ----------------------------------------------------------------


@pytest.mark.parametrize("day", [dt.date(1, 1, 1), dt.date(1999, 12, 31)])
def test_a_donation_dated_before_2000_is_refused_in_dutch(coordinator, point, day):
    from django.utils import translation

    with translation.override("nl-be"), pytest.raises(DomainError) as caught:
        services.start_donation(
            actor=coordinator, donor=services.anonymous_donor(), location=point, received_on=day
        )
    assert caught.value.field == "received_on"
    assert "controleer de datum" in caught.value.message
    assert "01/01/2000" in caught.value.message


def test_a_donation_of_the_first_day_of_2000_is_accepted(coordinator, point):
    donation = services.start_donation(
        actor=coordinator,
        donor=services.anonymous_donor(),
        location=point,
        received_on=dt.date(2000, 1, 1),
    )
    assert donation.received_on == dt.date(2000, 1, 1)


@pytest.mark.parametrize("days", [-9000, 1])
def test_a_purchase_dated_before_2000_or_in_the_future_is_refused(
    coordinator, point, supplier, wipes, days
):
    day = dt.date(2000, 1, 1) + dt.timedelta(days=days) if days < 0 else timezone.localdate()
    if days > 0:
        day += dt.timedelta(days=days)
    with pytest.raises(DomainError) as caught:
        services.record_purchase(
            actor=coordinator,
            supplier=supplier,
            location=point,
            lines=[services.CostLine(wipes, 1, Decimal("1"))],
            received_on=day,
        )
    assert caught.value.field == "received_on"
    assert balance(wipes, point) == 0
