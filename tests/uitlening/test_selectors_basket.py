"""The counter's reads: the basket preview (the same refusals confirm gives), the
household panel, overdue loans per point and who waits for an item type."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kern.errors import DomainError
from tests.uitlening.factories import LoanFactory
from uitlening import selectors
from uitlening.models import Loan, Visit
from uitlening.selectors import LoanLine, ProductLine, ReturnLine
from uitlening.services import checkout_loan, confirm_visit

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def test_the_preview_shows_program_packs_and_quota_left_after_the_basket(
    volunteer, point, family, pamperbank, diapers, wipes
):
    preview = selectors.price_basket(
        household=family,
        location=point,
        lines=[ProductLine(diapers, 2), ProductLine(wipes, 1)],
        actor=volunteer,
    )

    assert [(line.product, line.program, line.packs) for line in preview.products.lines] == [
        (diapers, pamperbank, 2),
        (wipes, pamperbank, 1),
    ]
    [quota] = preview.products.programs
    assert (quota.remaining_before, quota.in_basket, quota.remaining_after) == (4, 3, 1)
    assert preview.refusals == []
    assert preview.can_confirm
    assert not Visit.objects.exists()


def test_the_preview_refuses_over_quota_as_confirm_does(volunteer, point, family, diapers):
    lines = [ProductLine(diapers, 5)]
    preview = selectors.price_basket(household=family, location=point, lines=lines, actor=volunteer)

    [refusal] = preview.refusals
    assert refusal.code == "over_quota"
    assert refusal.overridable and refusal.line == 0
    assert preview.products.programs[0].over_by == 1
    assert not preview.can_confirm
    with pytest.raises(DomainError) as refused:
        confirm_visit(actor=volunteer, location=point, household=family, lines=lines)
    assert refused.value.code == refusal.code
    assert refusal.message in str(refused.value)


def test_a_coordinator_may_confirm_an_overridable_basket(coordinator, point, family, diapers):
    preview = selectors.price_basket(
        household=family, location=point, lines=[ProductLine(diapers, 5)], actor=coordinator
    )
    assert preview.needs_override and preview.may_override and preview.can_confirm


def test_the_preview_names_the_line_of_each_refusal(
    volunteer, point, family, diapers, stroller, car_seat
):
    car_seat.end_of_life_on = TODAY() - dt.timedelta(days=1)
    car_seat.save()
    preview = selectors.price_basket(
        household=family,
        location=point,
        lines=[
            ProductLine(diapers, 1),
            LoanLine(
                item=stroller, accessories=("regenhoes",), condition="goed", deposit_payment="cash"
            ),
            LoanLine(item=car_seat, condition="goed"),
        ],
    )
    assert sorted((r.line, r.code) for r in preview.refusals) == [
        (1, "accessories_missing"),
        (2, "unsafe_item"),
    ]
    assert not preview.can_confirm


def test_the_preview_counts_deposits_due_and_exchanges(
    volunteer, point, family, stroller, small_bike, big_bike
):
    checkout_loan(
        actor=volunteer, location=point, household=family, item=small_bike,
        accessories=[], condition="goed", deposit_payment="cash",
    )  # fmt: skip
    preview = selectors.price_basket(
        household=family,
        location=point,
        lines=[
            ReturnLine(item=small_bike, condition="goed"),
            LoanLine(item=big_bike, condition="goed", replaces=small_bike, deposit_payment="cash"),
            LoanLine(
                item=stroller,
                accessories=("regenhoes", "voetenzak"),
                condition="goed",
                deposit_payment="cash",
            ),
        ],
    )
    assert preview.refusals == []
    # big bike 15 minus 10 carried, stroller 5
    assert preview.deposits_due == Decimal("10")
    assert preview.deposits_refunded == Decimal("0")
    assert [r.exchanged for r in preview.returns] == [True]


def test_the_preview_of_an_item_not_on_loan_to_return_is_refused(
    volunteer, point, family, stroller
):
    preview = selectors.price_basket(
        household=family, location=point, lines=[ReturnLine(item=stroller, condition="goed")]
    )
    assert [r.code for r in preview.refusals] == ["not_on_loan"]


def test_the_household_panel_shows_entitlements_quota_and_overdue_loans(
    volunteer, point, family, pamperbank, babytheek, diapers, stroller, small_bike
):
    confirm_visit(
        actor=volunteer, location=point, household=family, lines=[ProductLine(diapers, 3)]
    )
    late = checkout_loan(
        actor=volunteer, location=point, household=family, item=small_bike,
        accessories=[], condition="goed", deposit_payment="cash",
    )  # fmt: skip
    Loan.objects.filter(pk=late.pk).update(due_on=TODAY() - dt.timedelta(days=4))
    checkout_loan(
        actor=volunteer, location=point, household=family, item=stroller,
        accessories=["regenhoes", "voetenzak"], condition="goed", deposit_payment="cash",
    )  # fmt: skip

    panel = selectors.household_panel(household=family, location=point)

    assert panel.household == family
    assert dict((p.name, left) for p, left in panel.may_still_take)["Pamperbank"] == 1
    assert [(o.loan.item, o.overdue, o.days_overdue) for o in panel.open_loans] == [
        (small_bike, True, 4),
        (stroller, False, 0),
    ]
    assert [o.loan.item for o in panel.overdue] == [small_bike]


def test_overdue_loans_are_listed_per_point_longest_overdue_first(point, other_point):
    today = TODAY()
    week = LoanFactory(location=point, due_on=today - dt.timedelta(days=7))
    day = LoanFactory(location=point, due_on=today - dt.timedelta(days=1))
    LoanFactory(location=point, due_on=today)  # due today: not overdue
    LoanFactory(location=other_point, due_on=today - dt.timedelta(days=3))
    LoanFactory(location=point, due_on=today - dt.timedelta(days=9), returned_at=timezone.now())

    overdue = selectors.overdue_loans(location=point)

    assert [(o.loan.pk, o.days_overdue) for o in overdue] == [(week.pk, 7), (day.pk, 1)]


def test_nobody_waits_for_an_item_type_until_reservations_exist(stroller_type):
    assert selectors.households_waiting(stroller_type) == 0


def test_the_preview_refuses_a_second_exchange_of_one_item_and_carries_its_deposit_once(
    volunteer, point, family, stroller, small_bike, big_bike
):
    checkout_loan(
        actor=volunteer, location=point, household=family, item=small_bike,
        accessories=[], condition="goed", deposit_payment="cash",
    )  # fmt: skip
    preview = selectors.price_basket(
        household=family,
        location=point,
        lines=[
            ReturnLine(item=small_bike, condition="goed"),
            LoanLine(item=big_bike, condition="goed", replaces=small_bike, deposit_payment="cash"),
            LoanLine(
                item=stroller,
                accessories=("regenhoes", "voetenzak"),
                condition="goed",
                deposit_payment="cash",
                replaces=small_bike,
            ),
        ],
    )
    assert [(r.code, r.line) for r in preview.refusals] == [("exchange_twice", 2)]
    assert [p.deposit_carried for p in preview.loans] == [Decimal("10"), Decimal("0")]
    # big bike 15 minus the 10 carried once, stroller 5 in full
    assert preview.deposits_due == Decimal("10")


def test_the_preview_refunds_a_third_party_deposit_to_the_third_party(
    volunteer, point, family, stroller
):
    checkout_loan(
        actor=volunteer, location=point, household=family, item=stroller,
        accessories=["regenhoes", "voetenzak"], condition="goed",
        deposit_payer="derde", third_party="OCMW Gent",
    )  # fmt: skip
    preview = selectors.price_basket(
        household=family, location=point, lines=[ReturnLine(item=stroller, condition="goed")]
    )
    assert preview.refusals == []
    assert preview.deposits_refunded == Decimal("0")
    assert preview.third_party_refunds == {"OCMW Gent": Decimal("5")}


def test_the_preview_carries_a_third_party_deposit_over_to_the_third_party(
    volunteer, point, family, small_bike, big_bike
):
    checkout_loan(
        actor=volunteer, location=point, household=family, item=big_bike,
        accessories=[], condition="goed", deposit_payer="derde", third_party="OCMW Gent",
    )  # fmt: skip
    preview = selectors.price_basket(
        household=family,
        location=point,
        lines=[
            ReturnLine(item=big_bike, condition="goed"),
            LoanLine(item=small_bike, condition="goed", replaces=big_bike),
        ],
    )
    assert preview.refusals == []
    [loan] = preview.loans
    assert (loan.check.deposit_payer, loan.check.third_party) == ("derde", "OCMW Gent")
    assert preview.deposits_due == preview.deposits_refunded == Decimal("0")
    assert preview.third_party_refunds == {"OCMW Gent": Decimal("5")}  # 15 carried, 10 due


@pytest.mark.parametrize(
    ("field", "value"), [("deposit_payer", "buurman"), ("deposit_payment", "bitcoin")]
)
def test_a_bad_deposit_payer_or_payment_is_named_with_the_item(
    point, family, stroller, field, value
):
    line = LoanLine(
        item=stroller, accessories=("regenhoes", "voetenzak"), condition="goed", **{field: value}
    )
    preview = selectors.price_basket(household=family, location=point, lines=[line])
    [refusal] = preview.refusals
    assert "Bugaboo Fox" in refusal.message and value in refusal.message


def test_a_bad_deposit_outcome_is_named_with_the_item(volunteer, point, family, stroller):
    checkout_loan(
        actor=volunteer, location=point, household=family, item=stroller,
        accessories=["regenhoes", "voetenzak"], condition="goed", deposit_payment="cash",
    )  # fmt: skip
    preview = selectors.price_basket(
        household=family,
        location=point,
        lines=[ReturnLine(item=stroller, condition="goed", deposit_outcome="weg")],
    )
    [refusal] = preview.refusals
    assert "Bugaboo Fox" in refusal.message and "weg" in refusal.message
