"""Confirming a whole counter visit: products, loans, returns and exchanges at once, all
or nothing, once per idempotency key."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kern.errors import Conflict, DomainError, NotAllowed
from tests.voorraad.helpers import balance
from uitlening.models import Distribution, Loan, RepairTicket, Visit
from uitlening.services import LoanLine, ProductLine, ReturnLine, checkout_loan, confirm_visit
from voorraad.models import Item, StockMovement

pytestmark = pytest.mark.django_db


def confirm(actor, point, household, *lines, **kwargs):
    return confirm_visit(actor=actor, location=point, household=household, lines=lines, **kwargs)


def stroller_line(stroller, **kwargs):
    kwargs.setdefault("accessories", ("regenhoes", "voetenzak"))
    kwargs.setdefault("condition", "goed")
    kwargs.setdefault("deposit_payment", "cash")
    return LoanLine(item=stroller, **kwargs)


def test_a_basket_of_products_a_loan_and_a_return_is_recorded_at_once(
    volunteer, point, family, diapers, stroller, small_bike
):
    bike_loan = checkout_loan(
        actor=volunteer,
        location=point,
        household=family,
        item=small_bike,
        accessories=[],
        condition="goed",
        deposit_payment="cash",
    )

    result = confirm(
        volunteer,
        point,
        family,
        ProductLine(diapers, 2),
        stroller_line(stroller),
        ReturnLine(item=small_bike, condition="goed"),
        idempotency_key="basket-1",
    )

    assert not result.replayed
    assert result.distribution is not None
    assert result.distribution.visit == result.visit
    assert [line.packs for line in result.distribution.lines.all()] == [2]
    assert [loan.item for loan in result.loans] == [stroller]
    assert [loan.pk for loan in result.returns] == [bike_loan.pk]
    assert result.returns[0].return_visit == result.visit
    assert balance(diapers, point) == 18 * 44
    assert Item.objects.get(pk=small_bike.pk).status == Item.Status.AVAILABLE


def test_a_refused_line_records_nothing_of_the_basket(volunteer, point, family, diapers, stroller):
    with pytest.raises(DomainError, match="voetenzak"):
        confirm(
            volunteer,
            point,
            family,
            ProductLine(diapers, 2),
            stroller_line(stroller, accessories=("regenhoes",)),
        )
    assert not Visit.objects.exists()
    assert not Distribution.objects.exists()
    assert not StockMovement.objects.filter(document_type="distribution").exists()
    assert Item.objects.get(pk=stroller.pk).status == Item.Status.AVAILABLE


def test_a_refused_product_after_a_good_return_keeps_the_loan_open(
    volunteer, point, family, diapers, small_bike
):
    loan = checkout_loan(
        actor=volunteer, location=point, household=family, item=small_bike,
        accessories=[], condition="goed", deposit_payment="cash",
    )  # fmt: skip
    with pytest.raises(NotAllowed):
        confirm(
            volunteer,
            point,
            family,
            ReturnLine(item=small_bike, condition="goed"),
            ProductLine(diapers, 9),
        )
    loan.refresh_from_db()
    assert loan.returned_at is None
    assert Item.objects.get(pk=small_bike.pk).status == Item.Status.ON_LOAN


def test_a_retried_confirm_returns_the_first_result_and_records_nothing_twice(
    volunteer, point, family, diapers, stroller
):
    lines = (ProductLine(diapers, 1), stroller_line(stroller))
    first = confirm(volunteer, point, family, *lines, idempotency_key="k-7")
    again = confirm(volunteer, point, family, *lines, idempotency_key="k-7")

    assert again.replayed
    assert again.visit.pk == first.visit.pk
    assert again.distribution.pk == first.distribution.pk
    assert [loan.pk for loan in again.loans] == [loan.pk for loan in first.loans]
    assert Visit.objects.count() == 1
    assert Distribution.objects.count() == 1
    assert Loan.objects.count() == 1
    assert balance(diapers, point) == 19 * 44


def test_one_key_for_another_basket_is_a_conflict(volunteer, point, family, diapers):
    confirm(volunteer, point, family, ProductLine(diapers, 1), idempotency_key="k-8")
    with pytest.raises(Conflict):
        confirm(volunteer, point, family, ProductLine(diapers, 2), idempotency_key="k-8")
    assert Distribution.objects.count() == 1


def test_the_same_key_of_another_volunteer_is_another_visit(volunteer, point, family, diapers):
    from kern.roles import Role
    from tests.factories import UserFactory

    colleague = UserFactory(username="jef", role=Role.VOLUNTEER, locations=[point])
    confirm(volunteer, point, family, ProductLine(diapers, 1), idempotency_key="k-9")
    confirm(colleague, point, family, ProductLine(diapers, 1), idempotency_key="k-9")
    assert Distribution.objects.count() == 2


def test_an_exchange_in_a_basket_carries_the_deposit(
    volunteer, point, family, small_bike, big_bike
):
    old = checkout_loan(
        actor=volunteer, location=point, household=family, item=small_bike,
        accessories=[], condition="goed", deposit_payment="cash",
    )  # fmt: skip
    result = confirm(
        volunteer,
        point,
        family,
        ReturnLine(item=small_bike, condition="goed"),
        LoanLine(item=big_bike, condition="goed", deposit_payment="cash", replaces=small_bike),
    )
    [new] = result.loans
    assert new.exchanged_from_id == old.pk
    assert new.deposit_carried == Decimal("10")
    old.refresh_from_db()
    assert old.deposit_outcome == "overgedragen"


def test_an_exchange_needs_the_old_item_in_the_basket(
    volunteer, point, family, small_bike, big_bike
):
    with pytest.raises(DomainError, match="wordt bij dit bezoek niet teruggebracht"):
        confirm(
            volunteer,
            point,
            family,
            LoanLine(item=big_bike, condition="goed", deposit_payment="cash", replaces=small_bike),
        )


def test_a_return_frees_a_place_under_the_program_maximum_in_the_same_visit(
    volunteer, point, family, stroller, second_stroller, car_seat
):
    confirm(volunteer, point, family, stroller_line(stroller))
    confirm(
        volunteer,
        point,
        family,
        LoanLine(item=second_stroller, condition="goed", deposit_payment="cash"),
    )
    result = confirm(
        volunteer,
        point,
        family,
        ReturnLine(item=stroller, condition="goed"),
        LoanLine(item=car_seat, condition="goed"),
    )
    assert [loan.item for loan in result.loans] == [car_seat]


def test_a_return_damaged_in_a_visit_opens_a_repair_ticket(volunteer, point, family, stroller):
    confirm(volunteer, point, family, stroller_line(stroller))
    confirm(
        volunteer,
        point,
        family,
        ReturnLine(item=stroller, condition="slecht", damage="Scheur in de kap"),
    )
    assert RepairTicket.objects.get().item == stroller


def test_an_item_on_loan_to_another_household_is_not_taken_back_here(
    volunteer, point, family, other_family, stroller
):
    confirm(volunteer, point, family, stroller_line(stroller))
    with pytest.raises(DomainError, match="ander gezin"):
        confirm(volunteer, point, other_family, ReturnLine(item=stroller, condition="goed"))


def test_an_item_twice_in_the_basket_is_refused(volunteer, point, family, stroller):
    with pytest.raises(Conflict, match="twee keer"):
        confirm(volunteer, point, family, stroller_line(stroller), stroller_line(stroller))


def test_an_empty_basket_is_refused(volunteer, point, family):
    with pytest.raises(DomainError, match="leeg"):
        confirm(volunteer, point, family)


def test_a_coordinator_overrides_the_whole_visit_with_one_reason(
    coordinator, point, family, diapers
):
    result = confirm(
        coordinator, point, family, ProductLine(diapers, 6), override_reason="Noodsituatie"
    )
    assert result.distribution.override_reason == "Noodsituatie"


def test_a_volunteer_confirms_only_at_their_own_points(volunteer, other_point, family, diapers):
    with pytest.raises(NotAllowed):
        confirm(volunteer, other_point, family, ProductLine(diapers, 1))


def test_two_loan_lines_replacing_one_returned_item_are_refused_not_a_server_error(
    volunteer, point, family, small_bike, big_bike, stroller
):
    checkout_loan(
        actor=volunteer, location=point, household=family, item=small_bike,
        accessories=[], condition="goed", deposit_payment="cash",
    )  # fmt: skip
    with pytest.raises(DomainError, match='Btwin 16"') as refused:
        confirm(
            volunteer,
            point,
            family,
            ReturnLine(item=small_bike, condition="goed"),
            LoanLine(item=big_bike, condition="goed", deposit_payment="cash", replaces=small_bike),
            stroller_line(stroller, replaces=small_bike),
        )
    assert refused.value.code == "exchange_twice"
    assert Loan.objects.count() == 1


def test_an_unexpected_database_refusal_while_lending_is_a_conflict(
    volunteer, point, family, stroller
):
    from unittest import mock

    from django.db import IntegrityError

    with (
        mock.patch.object(Loan.objects, "create", side_effect=IntegrityError("boom")),
        pytest.raises(Conflict, match="Bugaboo Fox") as refused,
    ):
        confirm(volunteer, point, family, stroller_line(stroller))
    assert refused.value.code == "loan_not_recorded"


def test_an_item_not_on_loan_to_this_household_is_refused_with_the_preview_message(
    volunteer, point, family, other_family, stroller
):
    from uitlening import selectors

    confirm(volunteer, point, family, stroller_line(stroller))
    line = ReturnLine(item=stroller, condition="goed")
    preview = selectors.price_basket(household=other_family, location=point, lines=[line])
    with pytest.raises(Conflict) as refused:
        confirm(volunteer, point, other_family, line)
    assert [r.code for r in preview.refusals] == [refused.value.code]
    assert str(refused.value) == preview.refusals[0].message


def test_a_return_of_a_third_party_deposit_is_refunded_to_the_third_party(
    volunteer, point, family, stroller
):
    confirm(
        volunteer,
        point,
        family,
        stroller_line(
            stroller, deposit_payer="derde", deposit_payment="geen", third_party="OCMW Gent"
        ),
    )
    [returned] = confirm(
        volunteer, point, family, ReturnLine(item=stroller, condition="goed")
    ).returns
    assert returned.deposit_outcome == Loan.DepositOutcome.REFUNDED_TO_THIRD_PARTY
    assert returned.deposit_refund_to == "OCMW Gent"
