"""Loans at the counter: check-out with its safety gates, maximum, overdue block,
checklist and deposit; return with repair tickets and the deposit; renewal; exchange."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from kern.errors import Conflict, DomainError, NotAllowed
from kern.models import AuditEntry
from tests.uitlening.factories import LoanFactory
from uitlening.models import Loan, RepairTicket
from uitlening.services import (
    LoanLine,
    ReturnLine,
    checkout_loan,
    exchange_loan,
    renew_loan,
    return_loan,
)
from voorraad.models import Item, ItemType

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def lend(actor, point, household, item, **kwargs):
    kwargs.setdefault("accessories", list(item.accessories))
    kwargs.setdefault("condition", "goed")
    kwargs.setdefault("deposit_payment", "cash")
    return checkout_loan(actor=actor, location=point, household=household, item=item, **kwargs)


def status(item) -> str:
    item.refresh_from_db()
    return item.status


# --- Check-out ---------------------------------------------------------------------------


def test_a_checkout_lends_the_item_for_the_program_loan_days_with_the_social_deposit(
    volunteer, point, family, babytheek, stroller
):
    loan = lend(volunteer, point, family, stroller)

    assert loan.program == babytheek
    assert loan.due_on == TODAY() + dt.timedelta(days=30)
    assert loan.deposit == Decimal("5")  # the family has the social tariff (a referral)
    assert loan.deposit_payer == Loan.Payer.HOUSEHOLD
    assert loan.accessories_out == ["regenhoes", "voetenzak"]
    assert loan.condition_out == "goed"
    assert status(stroller) == Item.Status.ON_LOAN


def test_a_program_without_loan_days_lends_for_21_days(volunteer, point, family, small_bike):
    loan = lend(volunteer, point, family, small_bike)
    assert loan.due_on == TODAY() + dt.timedelta(days=21)


def test_a_household_without_the_social_tariff_pays_the_full_deposit(
    volunteer, point, babytheek, stroller
):
    from tests.toegang.factories import HouseholdFactory

    babytheek.open_to_all = True
    babytheek.save()
    neighbour = HouseholdFactory()
    loan = lend(volunteer, point, neighbour, stroller)
    assert loan.deposit == Decimal("20")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"status": Item.Status.IN_REPAIR}, "item_unavailable"),
        ({"status": Item.Status.RETIRED}, "item_unavailable"),
        ({"status": Item.Status.ON_LOAN}, "item_unavailable"),
        ({"status": Item.Status.RESERVED, "held_for": "G0000020"}, "item_held"),
    ],
)
def test_an_item_that_is_not_free_is_refused(volunteer, point, family, stroller, change, code):
    Item.objects.filter(pk=stroller.pk).update(**change)
    stroller.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        lend(volunteer, point, family, stroller)
    assert refused.value.code == code
    assert "Bugaboo Fox" in str(refused.value)
    assert not Loan.objects.exists()


def test_an_item_held_for_this_household_is_lent_to_it(volunteer, point, family, stroller):
    Item.objects.filter(pk=stroller.pk).update(status=Item.Status.RESERVED, held_for=family.code)
    stroller.refresh_from_db()
    lend(volunteer, point, family, stroller)
    assert status(stroller) == Item.Status.ON_LOAN


def test_a_car_seat_past_its_end_of_life_is_refused(volunteer, point, family, car_seat):
    car_seat.end_of_life_on = TODAY() - dt.timedelta(days=1)
    car_seat.save()
    with pytest.raises(DomainError, match="Maxi-Cosi Pebble") as refused:
        lend(volunteer, point, family, car_seat)
    assert refused.value.code == "unsafe_item"
    assert status(car_seat) == Item.Status.AVAILABLE


def test_a_car_seat_after_a_crash_is_refused(volunteer, point, family, car_seat):
    Item.objects.filter(pk=car_seat.pk).update(crashed=True)
    car_seat.refresh_from_db()
    with pytest.raises(DomainError, match="ongeval") as refused:
        lend(volunteer, point, family, car_seat)
    assert refused.value.code == "unsafe_item"


def test_a_safe_car_seat_is_lent(volunteer, point, family, car_seat):
    assert lend(volunteer, point, family, car_seat).item == car_seat


@pytest.fixture
def laptop(db, point):
    from tests.uitlening.factories import ProgramCategoryFactory
    from tests.voorraad.factories import CategoryFactory, ItemFactory, ItemTypeFactory
    from toegang.models import Program

    program = Program.objects.create(name="Laptops", kind="laptops", open_to_all=True)
    category = CategoryFactory(name="Laptops")
    ProgramCategoryFactory(program=program, category=category)
    item_type = ItemTypeFactory(name="Laptop", category=category, safety=ItemType.Safety.LAPTOP)
    return ItemFactory(
        item_type=item_type, name="Lenovo T480", accessories=["lader"], location=point
    )


def test_a_laptop_never_wiped_is_refused(volunteer, point, family, laptop):
    with pytest.raises(DomainError, match="Lenovo T480") as refused:
        lend(volunteer, point, family, laptop)
    assert refused.value.code == "laptop_not_wiped"


def test_a_laptop_not_wiped_since_its_last_loan_is_refused_and_lent_once_wiped(
    volunteer, point, family, laptop
):
    laptop.wiped_on = TODAY() - dt.timedelta(days=60)
    laptop.save()
    loan = lend(volunteer, point, family, laptop)
    return_loan(actor=volunteer, location=point, loan=loan, condition="goed")
    laptop.refresh_from_db()

    with pytest.raises(DomainError) as refused:
        lend(volunteer, point, family, laptop)
    assert refused.value.code == "laptop_not_wiped"

    # It came back yesterday and was wiped today: after the return.
    Loan.objects.filter(pk=loan.pk).update(returned_at=timezone.now() - dt.timedelta(days=1))
    laptop.wiped_on = TODAY()
    laptop.save()
    assert lend(volunteer, point, family, laptop).item == laptop


def test_the_program_maximum_of_open_loans_is_kept(
    volunteer, point, family, babytheek, stroller, second_stroller, car_seat
):
    lend(volunteer, point, family, stroller)
    lend(volunteer, point, family, second_stroller, accessories=[])
    with pytest.raises(DomainError) as refused:
        lend(volunteer, point, family, car_seat, accessories=[])
    assert refused.value.code == "max_loans"
    assert "2" in str(refused.value) and "Babytheek" in str(refused.value)


def test_an_overdue_loan_blocks_new_loans_in_that_program(
    volunteer, point, family, babytheek, stroller, second_stroller
):
    loan = lend(volunteer, point, family, stroller)
    Loan.objects.filter(pk=loan.pk).update(due_on=TODAY() - dt.timedelta(days=3))

    with pytest.raises(NotAllowed) as refused:
        lend(volunteer, point, family, second_stroller, accessories=[])
    assert refused.value.code == "overdue"
    assert "Bugaboo Fox" in str(refused.value)
    assert status(second_stroller) == Item.Status.AVAILABLE


def test_an_overdue_loan_in_another_program_does_not_block(
    volunteer, point, family, stroller, small_bike
):
    loan = lend(volunteer, point, family, small_bike)
    Loan.objects.filter(pk=loan.pk).update(due_on=TODAY() - dt.timedelta(days=3))
    assert lend(volunteer, point, family, stroller).item == stroller


def test_a_coordinator_lends_despite_an_overdue_loan_with_a_reason(
    coordinator, point, family, stroller, second_stroller
):
    loan = lend(coordinator, point, family, stroller)
    Loan.objects.filter(pk=loan.pk).update(due_on=TODAY() - dt.timedelta(days=3))

    second = lend(
        coordinator,
        point,
        family,
        second_stroller,
        accessories=[],
        override_reason="Afspraak met maatschappelijk werker",
    )

    assert second.override_reason == "Afspraak met maatschappelijk werker"
    entry = AuditEntry.objects.get(action="override_counter_rule")
    assert entry.object_id == str(second.pk)
    assert entry.details["rules"] == ["overdue"]


def test_every_accessory_must_be_ticked(volunteer, point, family, stroller):
    with pytest.raises(DomainError, match="voetenzak") as refused:
        lend(volunteer, point, family, stroller, accessories=["regenhoes"])
    assert refused.value.code == "accessories_missing"
    with pytest.raises(DomainError, match="parasol"):
        lend(volunteer, point, family, stroller, accessories=["regenhoes", "voetenzak", "parasol"])
    assert status(stroller) == Item.Status.AVAILABLE


def test_the_condition_must_be_confirmed(volunteer, point, family, stroller):
    with pytest.raises(DomainError) as refused:
        lend(volunteer, point, family, stroller, condition="  ")
    assert refused.value.code == "condition_missing"


def test_a_deposit_due_must_be_paid(volunteer, point, family, stroller):
    with pytest.raises(DomainError, match="5,00") as refused:
        lend(volunteer, point, family, stroller, deposit_payment="geen")
    assert refused.value.code == "deposit_unpaid"


def test_a_third_party_paying_the_deposit_is_named_and_recorded(volunteer, point, family, stroller):
    with pytest.raises(DomainError) as refused:
        lend(volunteer, point, family, stroller, deposit_payer="derde", deposit_payment="geen")
    assert refused.value.code == "deposit_third_party"

    loan = lend(
        volunteer,
        point,
        family,
        stroller,
        deposit_payer="derde",
        deposit_payment="geen",
        third_party="OCMW Gent",
    )
    assert (loan.deposit_payer, loan.deposit_third_party) == ("derde", "OCMW Gent")


def test_a_due_deposit_is_waived_only_by_a_coordinator_with_a_reason(
    volunteer, coordinator, point, family, stroller
):
    with pytest.raises(NotAllowed):
        lend(volunteer, point, family, stroller, deposit_payer="kwijtgescholden")
    loan = lend(
        coordinator,
        point,
        family,
        stroller,
        deposit_payer="kwijtgescholden",
        deposit_payment="geen",
        override_reason="Crisisopvang",
    )
    assert loan.deposit_payer == "kwijtgescholden"
    assert loan.override_reason == "Crisisopvang"


def test_a_deposit_of_zero_is_simply_waived(volunteer, point, family, stroller_type, stroller):
    from uitlening.models import DepositRule

    DepositRule.objects.filter(item_type=stroller_type).update(social_amount=0)
    loan = lend(
        volunteer, point, family, stroller, deposit_payer="kwijtgescholden", deposit_payment="geen"
    )
    assert loan.deposit == 0


def test_a_volunteer_lends_only_at_their_own_points(volunteer, other_point, family, stroller):
    with pytest.raises(NotAllowed):
        lend(volunteer, other_point, family, stroller)


def test_an_item_of_no_program_is_refused(volunteer, point, family):
    from tests.voorraad.factories import ItemFactory

    thing = ItemFactory(name="Naaimachine", location=point)
    with pytest.raises(DomainError, match="Naaimachine hoort bij geen programma"):
        lend(volunteer, point, family, thing)


def test_the_database_refuses_a_second_open_loan_of_one_item(family, stroller, babytheek, point):
    LoanFactory(item=stroller, household=family, program=babytheek, location=point)
    with pytest.raises(IntegrityError), transaction.atomic():
        LoanFactory(item=stroller, household=family, program=babytheek, location=point)
    # a returned loan does not count
    Loan.objects.update(returned_at=timezone.now())
    LoanFactory(item=stroller, household=family, program=babytheek, location=point)


def test_the_same_key_returns_the_first_loan(volunteer, point, family, stroller):
    first = lend(volunteer, point, family, stroller, idempotency_key="lend-1")
    again = lend(volunteer, point, family, stroller, idempotency_key="lend-1")
    assert again.pk == first.pk
    assert Loan.objects.count() == 1


# --- Return ------------------------------------------------------------------------------


def test_a_return_in_order_makes_the_item_available_and_refunds_the_deposit(
    volunteer, point, other_point, family, stroller
):
    volunteer.locations.add(other_point)
    loan = lend(volunteer, point, family, stroller)

    returned = return_loan(actor=volunteer, location=other_point, loan=loan, condition="goed")

    assert returned.returned_at is not None
    assert returned.return_location == other_point
    assert returned.deposit_outcome == Loan.DepositOutcome.REFUNDED
    assert returned.deposit_kept == 0
    assert status(stroller) == Item.Status.AVAILABLE
    assert not RepairTicket.objects.exists()


def test_damage_opens_a_repair_ticket_and_puts_the_item_in_repair(
    volunteer, point, family, stroller
):
    loan = lend(volunteer, point, family, stroller)

    return_loan(
        actor=volunteer,
        location=point,
        loan=loan,
        condition="vuil",
        damage="Wiel gebroken",
        deposit_outcome="deels",
        deposit_kept=Decimal("2.50"),
        deposit_reason="Wiel vervangen",
    )

    loan.refresh_from_db()
    ticket = RepairTicket.objects.get()
    assert (ticket.item, ticket.loan, ticket.status) == (stroller, loan, "beoordelen")
    assert "Wiel gebroken" in ticket.problem
    assert status(stroller) == Item.Status.IN_REPAIR
    assert (loan.deposit_outcome, loan.deposit_kept) == ("deels", Decimal("2.50"))
    assert AuditEntry.objects.filter(action="keep_deposit").count() == 1


def test_missing_accessories_open_a_repair_ticket_naming_them(volunteer, point, family, stroller):
    loan = lend(volunteer, point, family, stroller)
    return_loan(
        actor=volunteer,
        location=point,
        loan=loan,
        condition="goed",
        missing_accessories=["regenhoes"],
    )
    assert "regenhoes" in RepairTicket.objects.get().problem
    assert status(stroller) == Item.Status.IN_REPAIR


def test_an_accessory_that_did_not_go_out_cannot_be_missing(volunteer, point, family, stroller):
    loan = lend(volunteer, point, family, stroller)
    with pytest.raises(DomainError, match="parasol"):
        return_loan(
            actor=volunteer,
            location=point,
            loan=loan,
            condition="goed",
            missing_accessories=["parasol"],
        )


@pytest.mark.parametrize(
    ("outcome", "kept", "reason"),
    [
        ("gehouden", Decimal("0"), ""),  # no reason
        ("deels", Decimal("9"), "kapot"),  # more than paid
        ("deels", Decimal("0"), "kapot"),  # nothing
        ("geen", Decimal("0"), ""),  # a paid deposit must be refunded or kept
    ],
)
def test_the_deposit_outcome_must_add_up(volunteer, point, family, stroller, outcome, kept, reason):
    loan = lend(volunteer, point, family, stroller)
    with pytest.raises(DomainError):
        return_loan(
            actor=volunteer,
            location=point,
            loan=loan,
            condition="goed",
            deposit_outcome=outcome,
            deposit_kept=kept,
            deposit_reason=reason,
        )
    loan.refresh_from_db()
    assert loan.returned_at is None
    assert status(stroller) == Item.Status.ON_LOAN


def test_keeping_the_whole_deposit_keeps_what_was_paid(volunteer, point, family, stroller):
    loan = lend(volunteer, point, family, stroller)
    returned = return_loan(
        actor=volunteer,
        location=point,
        loan=loan,
        condition="goed",
        deposit_outcome="gehouden",
        deposit_reason="Niet teruggebracht op tijd",
    )
    assert returned.deposit_kept == Decimal("5")


def test_a_loan_is_returned_once(volunteer, point, family, stroller):
    loan = lend(volunteer, point, family, stroller)
    return_loan(actor=volunteer, location=point, loan=loan, condition="goed")
    with pytest.raises(Conflict):
        return_loan(actor=volunteer, location=point, loan=loan, condition="goed")


# --- Renewal -----------------------------------------------------------------------------


def test_a_renewal_adds_a_loan_period_up_to_twice(volunteer, point, family, stroller):
    loan = lend(volunteer, point, family, stroller)
    first_due = loan.due_on

    renewed = renew_loan(actor=volunteer, location=point, loan=loan)
    assert renewed.due_on == first_due + dt.timedelta(days=30)
    renew_loan(actor=volunteer, location=point, loan=loan)

    with pytest.raises(DomainError) as refused:
        renew_loan(actor=volunteer, location=point, loan=loan)
    assert refused.value.code == "max_renewals"
    loan.refresh_from_db()
    assert loan.renewals == 2


def test_an_overdue_loan_is_renewed_from_today(volunteer, point, family, stroller):
    loan = lend(volunteer, point, family, stroller)
    Loan.objects.filter(pk=loan.pk).update(due_on=TODAY() - dt.timedelta(days=10))
    renewed = renew_loan(actor=volunteer, location=point, loan=loan)
    assert renewed.due_on == TODAY() + dt.timedelta(days=30)


def test_a_renewal_is_refused_while_another_household_waits(volunteer, point, family, stroller):
    loan = lend(volunteer, point, family, stroller)
    with (
        mock.patch("uitlening.services.loans.households_waiting", return_value=1),
        pytest.raises(DomainError, match="Kinderwagen") as refused,
    ):
        renew_loan(actor=volunteer, location=point, loan=loan)
    assert refused.value.code == "others_waiting"
    loan.refresh_from_db()
    assert loan.renewals == 0


# --- Exchange ----------------------------------------------------------------------------


def test_an_exchange_returns_the_old_bike_and_lends_the_new_one_carrying_the_deposit(
    volunteer, point, family, small_bike, big_bike
):
    old = lend(volunteer, point, family, small_bike)
    assert old.deposit == Decimal("10")

    new = exchange_loan(
        actor=volunteer,
        location=point,
        loan=old,
        back=ReturnLine(item=small_bike, condition="goed"),
        out=LoanLine(item=big_bike, condition="goed", deposit_payment="cash"),
    )

    old.refresh_from_db()
    assert old.returned_at is not None
    assert old.deposit_outcome == Loan.DepositOutcome.CARRIED
    assert new.exchanged_from == old
    assert new.deposit == Decimal("15")
    assert new.deposit_carried == Decimal("10")
    assert new.deposit_difference == Decimal("5")
    assert status(small_bike) == Item.Status.AVAILABLE
    assert status(big_bike) == Item.Status.ON_LOAN


def test_an_exchange_whose_carried_deposit_covers_the_new_one_needs_no_payment(
    volunteer, point, family, small_bike, big_bike
):
    old = lend(volunteer, point, family, big_bike)
    new = exchange_loan(
        actor=volunteer,
        location=point,
        loan=old,
        back=ReturnLine(item=big_bike, condition="goed"),
        out=LoanLine(item=small_bike, condition="goed"),
    )
    assert new.deposit_difference == Decimal("-5")  # refunded at the exchange


def test_a_refused_exchange_changes_nothing(volunteer, point, family, small_bike, big_bike):
    old = lend(volunteer, point, family, small_bike)
    Item.objects.filter(pk=big_bike.pk).update(status=Item.Status.IN_REPAIR)
    with pytest.raises(DomainError):
        exchange_loan(
            actor=volunteer,
            location=point,
            loan=old,
            back=ReturnLine(item=small_bike, condition="goed"),
            out=LoanLine(item=big_bike, condition="goed", deposit_payment="cash"),
        )
    old.refresh_from_db()
    assert old.returned_at is None
    assert status(small_bike) == Item.Status.ON_LOAN
    assert Loan.objects.count() == 1


# --- Idempotency, retries, third parties, lock order ---------------------------------------


def test_the_same_key_for_another_item_or_household_is_a_conflict(
    volunteer, point, family, other_family, stroller, small_bike
):
    first = lend(volunteer, point, family, stroller, idempotency_key="uit-1")
    with pytest.raises(Conflict) as other_item:
        lend(volunteer, point, family, small_bike, idempotency_key="uit-1")
    assert other_item.value.code == "idempotency_key_reused"
    with pytest.raises(Conflict) as other_household:
        lend(volunteer, point, other_family, stroller, idempotency_key="uit-1")
    assert other_household.value.code == "idempotency_key_reused"
    assert list(Loan.objects.all()) == [first]
    assert status(small_bike) == Item.Status.AVAILABLE


def test_a_double_click_on_renew_renews_once(volunteer, point, family, stroller):
    loan = lend(volunteer, point, family, stroller)
    first = renew_loan(actor=volunteer, location=point, loan=loan, idempotency_key="ren-1")
    again = renew_loan(actor=volunteer, location=point, loan=loan, idempotency_key="ren-1")
    assert again.pk == first.pk
    assert again.due_on == first.due_on == TODAY() + dt.timedelta(days=60)
    loan.refresh_from_db()
    assert loan.renewals == 1
    assert AuditEntry.objects.filter(action="renew_loan").count() == 1


def test_a_renewal_is_refused_when_the_household_lost_access(volunteer, point, family, stroller):
    from toegang.models import Referral

    loan = lend(volunteer, point, family, stroller)
    Referral.objects.filter(household=family).update(revoked_at=timezone.now())
    with pytest.raises(DomainError, match="Babytheek") as refused:
        renew_loan(actor=volunteer, location=point, loan=loan)
    assert refused.value.code == "no_access"
    loan.refresh_from_db()
    assert loan.renewals == 0


def test_a_retried_return_with_the_same_key_gets_the_first_answer(
    volunteer, point, family, stroller
):
    loan = lend(volunteer, point, family, stroller)
    first = return_loan(
        actor=volunteer, location=point, loan=loan, condition="goed", idempotency_key="terug-1"
    )
    again = return_loan(
        actor=volunteer, location=point, loan=loan, condition="goed", idempotency_key="terug-1"
    )
    assert again.pk == first.pk and again.returned_at == first.returned_at
    with pytest.raises(Conflict) as reused:
        return_loan(
            actor=volunteer, location=point, loan=loan, condition="vuil", idempotency_key="terug-1"
        )
    assert reused.value.code == "idempotency_key_reused"


def test_a_retried_exchange_with_the_same_key_gets_the_first_answer(
    volunteer, point, family, small_bike, big_bike
):
    old = lend(volunteer, point, family, small_bike)

    def exchange():
        return exchange_loan(
            actor=volunteer,
            location=point,
            loan=old,
            back=ReturnLine(item=small_bike, condition="goed"),
            out=LoanLine(item=big_bike, condition="goed", deposit_payment="cash"),
            idempotency_key="ruil-1",
        )

    first = exchange()
    again = exchange()
    assert again.pk == first.pk
    assert Loan.objects.count() == 2


def test_a_return_of_a_third_party_deposit_is_refunded_to_the_third_party(
    volunteer, point, family, stroller
):
    loan = lend(volunteer, point, family, stroller, deposit_payer="derde", deposit_payment="geen",
                third_party="OCMW Gent")  # fmt: skip
    returned = return_loan(actor=volunteer, location=point, loan=loan, condition="goed")
    assert returned.deposit_outcome == Loan.DepositOutcome.REFUNDED_TO_THIRD_PARTY
    assert returned.deposit_refund_to == "OCMW Gent"


def test_an_exchange_carries_the_third_party_payer_with_the_deposit(
    volunteer, point, family, small_bike, big_bike
):
    old = lend(volunteer, point, family, small_bike, deposit_payer="derde", deposit_payment="geen",
               third_party="OCMW Gent")  # fmt: skip
    new = exchange_loan(
        actor=volunteer,
        location=point,
        loan=old,
        back=ReturnLine(item=small_bike, condition="goed"),
        out=LoanLine(item=big_bike, condition="goed"),
    )
    assert (new.deposit_payer, new.deposit_third_party) == ("derde", "OCMW Gent")
    assert new.deposit_carried == Decimal("10")


def test_a_laptop_wiped_on_the_day_it_came_back_is_not_taken_as_wiped(
    volunteer, point, family, laptop
):
    laptop.wiped_on = TODAY() - dt.timedelta(days=60)
    laptop.save()
    loan = lend(volunteer, point, family, laptop)
    return_loan(actor=volunteer, location=point, loan=loan, condition="goed")
    # The wipe may have been done in the morning, before the laptop came back.
    Item.objects.filter(pk=laptop.pk).update(wiped_on=TODAY())
    laptop.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        lend(volunteer, point, family, laptop)
    assert refused.value.code == "laptop_not_wiped"


def test_a_damaged_return_while_a_ticket_is_open_adds_to_that_ticket(
    volunteer, coordinator, point, family, stroller
):
    from uitlening.services import open_repair_ticket
    from voorraad import services as stock

    ticket = open_repair_ticket(actor=coordinator, item=stroller, problem="Rem hapert")
    stock.change_item_status(actor=coordinator, item=stroller, status=Item.Status.AVAILABLE)
    loan = lend(volunteer, point, family, stroller)

    return_loan(actor=volunteer, location=point, loan=loan, condition="slecht", damage="Wiel krom")

    ticket.refresh_from_db()
    assert RepairTicket.objects.count() == 1
    assert "Rem hapert" in ticket.problem and "Wiel krom" in ticket.problem
    assert ticket.loan == loan
    assert status(stroller) == Item.Status.IN_REPAIR


def test_a_return_locks_the_item_before_the_loan(volunteer, point, family, stroller):
    from uitlening.services import loans as loan_services

    loan = lend(volunteer, point, family, stroller)
    order = []
    lock_item, lock_open_loan = loan_services.lock_item, loan_services.lock_open_loan
    with (
        mock.patch.object(
            loan_services, "lock_item", side_effect=lambda i: order.append("item") or lock_item(i)
        ),
        mock.patch.object(
            loan_services,
            "lock_open_loan",
            side_effect=lambda lo: order.append("loan") or lock_open_loan(lo),
        ),
    ):
        return_loan(actor=volunteer, location=point, loan=loan, condition="goed")
    assert order[:2] == ["item", "loan"]
