"""Volunteer allowances: the day and year ceilings (2025: € 42,31 and € 1.692,51), no
ceiling for the year, flat-rate and actual costs not mixed, corrections, the named list
CSV; and two payments racing past the year ceiling on real threads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import reverse

from kern.errors import DomainError, NotAllowed
from kern.models import AuditEntry
from kern.roles import Role, sync_role_groups
from tests.factories import UserFactory
from tests.voorraad.test_stock_concurrency import errors_of, run_together
from tests.vrijwilligers.factories_attendance import make_volunteer
from vrijwilligers import services
from vrijwilligers.models import AllowanceCeiling, AllowancePayment

FLAT = "flat_rate"
COSTS = "actual_costs"
DAY = dt.date(2025, 3, 8)


@pytest.fixture
def ceiling_2025(db):
    return AllowanceCeiling.objects.create(
        year=2025, per_day=Decimal("42.31"), per_year=Decimal("1692.51")
    )


@pytest.fixture
def sara(db):
    return make_volunteer(username="sara", first_name="Sara", last_name="Peeters")


def pay(actor, volunteer, amount, *, day=DAY, kind=FLAT, note=""):
    return services.record_payment(
        actor=actor,
        volunteer_id=volunteer.pk,
        day=day,
        amount=Decimal(amount),
        kind=kind,
        note=note,
    )


@pytest.mark.django_db
class TestCeilings:
    def test_up_to_the_day_ceiling_is_paid_and_audited(self, coordinator, sara, ceiling_2025):
        pay(coordinator, sara, "20.00")
        pay(coordinator, sara, "22.31")
        assert AllowancePayment.objects.filter(volunteer=sara).count() == 2
        assert AuditEntry.objects.filter(action="allowance_payment", actor=coordinator).count() == 2

    def test_over_the_day_ceiling_is_refused_naming_what_is_left(
        self, coordinator, sara, ceiling_2025
    ):
        pay(coordinator, sara, "30.00")
        with pytest.raises(DomainError) as refused:
            pay(coordinator, sara, "12.32")
        assert refused.value.code == "allowance_over_day_ceiling"
        assert "€ 12,31" in refused.value.message  # what is left that day
        assert "€ 42,31" in refused.value.message
        assert "Sara Peeters" in refused.value.message
        assert AllowancePayment.objects.count() == 1

    def test_over_the_year_ceiling_is_refused_naming_what_is_left(
        self, coordinator, sara, ceiling_2025
    ):
        for i in range(40):  # 40 days × 42,31 = 1.692,40
            pay(coordinator, sara, "42.31", day=dt.date(2025, 1, 1) + dt.timedelta(days=i))
        with pytest.raises(DomainError) as refused:
            pay(coordinator, sara, "0.12", day=dt.date(2025, 6, 1))
        assert refused.value.code == "allowance_over_year_ceiling"
        assert "€ 0,11" in refused.value.message
        assert "€ 1.692,51" in refused.value.message
        pay(coordinator, sara, "0.11", day=dt.date(2025, 6, 1))  # exactly up to the ceiling

    def test_the_year_is_the_calendar_year_of_the_day(self, coordinator, sara, ceiling_2025):
        AllowanceCeiling.objects.create(
            year=2026, per_day=Decimal("43.00"), per_year=Decimal("10.00")
        )
        pay(coordinator, sara, "42.31", day=dt.date(2025, 12, 31))
        with pytest.raises(DomainError):
            pay(coordinator, sara, "10.01", day=dt.date(2026, 1, 1))
        pay(coordinator, sara, "10.00", day=dt.date(2026, 1, 1))

    def test_no_ceiling_for_the_year_is_refused(self, coordinator, sara, ceiling_2025):
        with pytest.raises(DomainError) as refused:
            pay(coordinator, sara, "5.00", day=dt.date(2027, 2, 1))
        assert refused.value.code == "allowance_no_ceiling"
        assert "2027" in refused.value.message
        assert not AllowancePayment.objects.exists()

    def test_actual_costs_have_no_ceiling(self, coordinator, sara, ceiling_2025):
        pay(coordinator, sara, "120.00", kind=COSTS, note="treinticket Brussel")
        assert AllowancePayment.objects.get().kind == COSTS


@pytest.mark.django_db
class TestKindsAndCorrections:
    def test_flat_rate_after_actual_costs_in_one_year_is_refused(
        self, coordinator, sara, ceiling_2025
    ):
        pay(coordinator, sara, "15.00", kind=COSTS)
        with pytest.raises(DomainError) as refused:
            pay(coordinator, sara, "10.00", day=dt.date(2025, 9, 1))
        assert refused.value.code == "allowance_kinds_mixed"
        assert "reële kosten" in refused.value.message

    def test_actual_costs_after_flat_rate_is_refused_but_another_year_is_fine(
        self, coordinator, sara, ceiling_2025
    ):
        pay(coordinator, sara, "10.00")
        with pytest.raises(DomainError):
            pay(coordinator, sara, "15.00", kind=COSTS)
        pay(coordinator, sara, "15.00", kind=COSTS, day=dt.date(2024, 5, 1))

    def test_a_negative_correction_frees_room_under_the_ceiling(
        self, coordinator, sara, ceiling_2025
    ):
        pay(coordinator, sara, "42.31")
        with pytest.raises(DomainError):
            pay(coordinator, sara, "-10.00")  # no note
        pay(coordinator, sara, "-10.00", note="te veel betaald")
        pay(coordinator, sara, "10.00")
        assert sum(p.amount for p in AllowancePayment.objects.all()) == Decimal("42.31")

    def test_a_correction_cannot_take_back_more_than_was_paid(
        self, coordinator, sara, ceiling_2025
    ):
        pay(coordinator, sara, "5.00")
        with pytest.raises(DomainError) as refused:
            pay(coordinator, sara, "-5.01", note="fout")
        assert refused.value.code == "allowance_correction_too_large"

    def test_a_fully_corrected_kind_no_longer_blocks_the_other(
        self, coordinator, sara, ceiling_2025
    ):
        pay(coordinator, sara, "5.00")
        pay(coordinator, sara, "-5.00", note="verkeerde soort")
        pay(coordinator, sara, "5.00", kind=COSTS)

    def test_zero_and_a_volunteer_as_payer_are_refused(self, coordinator, sara, ceiling_2025):
        with pytest.raises(DomainError):
            pay(coordinator, sara, "0")
        with pytest.raises(NotAllowed):
            pay(sara.user, sara, "5.00")


@pytest.mark.django_db
def test_setting_a_ceiling_is_validated_and_audited(coordinator):
    with pytest.raises(DomainError):
        services.set_ceiling(
            actor=coordinator, year=2025, per_day=Decimal("50"), per_year=Decimal("40")
        )
    services.set_ceiling(
        actor=coordinator, year=2025, per_day=Decimal("42.31"), per_year=Decimal("1692.51")
    )
    services.set_ceiling(
        actor=coordinator, year=2025, per_day=Decimal("42.31"), per_year=Decimal("1692.52")
    )
    assert AllowanceCeiling.objects.get(year=2025).per_year == Decimal("1692.52")
    entry = AuditEntry.objects.filter(action="set_allowance_ceiling").latest("id")
    assert entry.details["before"] == {"per_day": "42.31", "per_year": "1692.51"}


@pytest.mark.django_db
def test_the_named_list_csv_has_a_line_per_volunteer_and_day(
    client, coordinator, sara, ceiling_2025
):
    tom = make_volunteer(username="tom", first_name="Tom", last_name="Claes")
    pay(coordinator, sara, "20.00")
    pay(coordinator, sara, "5.00")
    pay(coordinator, sara, "-5.00", note="dubbel")
    pay(coordinator, tom, "42.31", day=dt.date(2025, 4, 1))
    pay(coordinator, tom, "3.00", day=dt.date(2024, 4, 1), kind=COSTS)  # another year
    client.force_login(coordinator)
    response = client.get(reverse("vrijwilligers:allowance_named_list", args=[2025]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    lines = response.content.decode("utf-8-sig").strip().split("\r\n")
    assert lines[0] == "Vrijwilliger;Vrijwilligerscode;Dag;Soort;Bedrag"
    assert lines[1:] == [
        f"Sara Peeters;{sara.code};08/03/2025;forfaitaire vergoeding;20,00",
        f"Tom Claes;{tom.code};01/04/2025;forfaitaire vergoeding;42,31",
    ]


@pytest.mark.django_db
def test_the_allowance_screen_refuses_over_the_ceiling_with_the_message(
    client, coordinator, sara, ceiling_2025
):
    client.force_login(coordinator)
    url = reverse("vrijwilligers:allowance_list")
    data = {"volunteer": sara.pk, "day": "2025-03-08", "amount": "50.00", "kind": FLAT}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "blijft nog € 42,31 over" in response.content.decode()
    assert not AllowancePayment.objects.exists()
    data["amount"] = "40.00"
    assert client.post(url, data).status_code == 302
    assert client.get(url + "?jaar=2025").status_code == 200


@pytest.mark.django_db
def test_a_volunteer_cannot_open_the_allowances(client, sara):
    client.force_login(sara.user)
    assert client.get(reverse("vrijwilligers:allowance_list")).status_code == 403


# --- Concurrency ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_payments_racing_past_the_year_ceiling_one_is_refused(transactional_db):
    sync_role_groups(apps)
    AllowanceCeiling.objects.create(year=2025, per_day=Decimal("42.31"), per_year=Decimal("100"))
    coordinators = [UserFactory(username=f"coord-{i}", role=Role.COORDINATOR) for i in range(2)]
    for user in coordinators:
        assert user.has_perm("kern.manage_shifts")  # fills the permission cache first
    for round_number in range(3):
        volunteer = make_volunteer(username=f"race-{round_number}")
        pay(coordinators[0], volunteer, "40.00", day=dt.date(2025, 1, 2))
        # 60 left for the year: each 40 fits alone, both together do not.
        outcomes = run_together(
            lambda user, day, volunteer=volunteer: pay(user, volunteer, "40.00", day=day),
            [(coordinators[0], dt.date(2025, 2, 1)), (coordinators[1], dt.date(2025, 2, 2))],
        )
        errors = errors_of(outcomes)
        assert len(errors) == 1, outcomes
        assert isinstance(errors[0], DomainError)
        assert errors[0].code == "allowance_over_year_ceiling"
        total = sum(p.amount for p in AllowancePayment.objects.filter(volunteer=volunteer))
        assert total == Decimal("80.00")
