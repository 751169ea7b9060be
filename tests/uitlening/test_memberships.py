"""Memberships: the fee chosen from the household's entitlement, a year from the day, a
payment refused when paid twice (service check, stale form and database constraint),
retries answered once, renewal after the current year, waiving by a coordinator only,
the gate on new loans, the coordinators' overview and the ``membership_ending``
reminders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from kern.errors import Conflict, DomainError, NotAllowed
from kern.models import AuditEntry
from tests.toegang.factories import HouseholdFactory
from tests.uitlening.conftest import months_ago
from toegang.models import Program
from uitlening import selectors, services
from uitlening.models import Membership
from uitlening.selectors.memberships import (
    RENEW_WINDOW_DAYS,
    membership_end,
    membership_ending,
    membership_offer,
    membership_overview,
    membership_refusal,
)

pytestmark = pytest.mark.django_db

Payment = Membership.Payment


@pytest.fixture
def fees(babytheek, fietsbib):
    Program.objects.filter(pk__in=[babytheek.pk, fietsbib.pk]).update(
        membership_fee_normal=Decimal("25"), membership_fee_social=Decimal("5")
    )
    babytheek.refresh_from_db()
    fietsbib.refresh_from_db()
    return babytheek


@pytest.fixture
def speelotheek(db):
    return Program.objects.create(
        name="Speelotheek",
        kind="speelotheek",
        open_to_all=True,
        membership_fee_normal=Decimal("15"),
        membership_fee_social=Decimal("3"),
    )


def record(volunteer, point, household, program, **kwargs):
    kwargs.setdefault("payment", Payment.CASH)
    return services.record_membership(
        actor=volunteer, location=point, household=household, program=program, **kwargs
    )


def move_back(membership, days):
    start = membership.valid_from - dt.timedelta(days=days)
    Membership.objects.filter(pk=membership.pk).update(
        valid_from=start, valid_until=membership_end(start)
    )
    membership.refresh_from_db()
    return membership


# --- The fee and the year --------------------------------------------------------------


def test_a_household_with_a_referral_pays_the_social_fee_chosen_automatically(
    volunteer, point, family, fees
):
    membership = record(volunteer, point, family, fees)
    today = timezone.localdate()
    assert membership.fee_kind == Membership.FeeKind.SOCIAL
    assert membership.amount == Decimal("5")
    assert membership.valid_from == today
    assert membership.valid_until == membership_end(today)
    assert membership.payment == Payment.CASH


def test_a_household_without_evidence_pays_the_normal_fee_in_an_open_program(
    volunteer, point, speelotheek
):
    household = HouseholdFactory(children=[months_ago(30)])
    membership = record(volunteer, point, household, speelotheek, payment=Payment.PAYCONIQ)
    assert (membership.fee_kind, membership.amount) == (Membership.FeeKind.NORMAL, Decimal("15"))


def test_the_fee_is_the_one_the_entitlement_gives_like_the_social_deposit(
    point, family, fees, stroller
):
    """One rule: the membership offer and the loan check read ``social`` from the same
    entitlement."""
    offer = membership_offer(household=family, program=fees, location=point)
    check = selectors.check_loan(
        household=family, location=point, line=selectors.LoanLine(item=stroller)
    )
    assert offer.social is check.social is True


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (dt.date(2026, 12, 1), dt.date(2027, 11, 30)),
        (dt.date(2027, 1, 1), dt.date(2027, 12, 31)),
        (dt.date(2028, 2, 29), dt.date(2029, 2, 28)),
        (dt.date(2027, 3, 1), dt.date(2028, 2, 29)),
    ],
)
def test_a_membership_lasts_one_year(start, end):
    assert membership_end(start) == end


# --- Paid twice, retries ---------------------------------------------------------------


def test_a_membership_paid_twice_is_refused_in_dutch_and_recorded_once(
    volunteer, point, family, fees
):
    first = record(volunteer, point, family, fees)
    with pytest.raises(Conflict) as refused:
        record(volunteer, point, family, fees, payment=Payment.PAYCONIQ)
    assert refused.value.code == "membership_paid_twice"
    assert family.code in refused.value.message and "Babytheek" in refused.value.message
    assert f"{first.valid_until:%d/%m/%Y}" in refused.value.message
    assert Membership.objects.count() == 1


def test_a_second_form_showing_the_same_start_is_refused_as_paid_twice(
    volunteer, point, family, fees
):
    """Both forms showed "from today": the second payment must not buy next year."""
    record(volunteer, point, family, fees)
    # Inside the renewal window the next year could start, but the form said today.
    Membership.objects.update(valid_until=timezone.localdate() + dt.timedelta(days=5))
    with pytest.raises(Conflict) as refused:
        record(volunteer, point, family, fees, starts_on=timezone.localdate())
    assert refused.value.code == "membership_paid_twice"
    assert Membership.objects.count() == 1


def test_a_retry_with_the_same_key_answers_the_first_membership(volunteer, point, family, fees):
    first = record(volunteer, point, family, fees, idempotency_key="lid-1")
    again = record(volunteer, point, family, fees, idempotency_key="lid-1")
    assert again.pk == first.pk
    assert Membership.objects.count() == 1
    with pytest.raises(Conflict) as reused:
        record(volunteer, point, family, fees, idempotency_key="lid-1", payment=Payment.PAYCONIQ)
    assert reused.value.code == "idempotency_key_reused"


def test_the_database_refuses_two_memberships_with_the_same_start(volunteer, point, family, fees):
    first = record(volunteer, point, family, fees)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            household=family,
            program=fees,
            location=point,
            valid_from=first.valid_from,
            valid_until=first.valid_until,
            fee_kind=first.fee_kind,
            amount=first.amount,
            payment=Payment.CASH,
            recorded_by=volunteer,
        )


def test_the_database_refuses_a_waived_fee_without_reason(volunteer, point, family, fees):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            household=family,
            program=fees,
            location=point,
            valid_from=dt.date(2026, 1, 1),
            valid_until=dt.date(2026, 12, 31),
            fee_kind="sociaal",
            amount=Decimal("5"),
            payment=Payment.WAIVED,
            recorded_by=volunteer,
        )


# --- Renewal --------------------------------------------------------------------------


def test_a_renewal_starts_the_day_after_the_current_year_ends(volunteer, point, family, fees):
    current = move_back(record(volunteer, point, family, fees), 350)
    offer = membership_offer(household=family, program=fees, location=point)
    assert offer.renewal and offer.ending_soon
    renewed = record(volunteer, point, family, fees, starts_on=offer.starts_on)
    assert renewed.valid_from == current.valid_until + dt.timedelta(days=1)
    assert renewed.valid_until == membership_end(renewed.valid_from)


def test_a_renewal_is_refused_until_the_last_month_of_the_year(volunteer, point, family, fees):
    move_back(record(volunteer, point, family, fees), 365 - RENEW_WINDOW_DAYS - 5)
    offer = membership_offer(household=family, program=fees, location=point)
    assert offer.starts_on is None and "vernieuwd" in offer.blocked


def test_a_lapsed_membership_is_renewed_from_today(volunteer, point, family, fees):
    move_back(record(volunteer, point, family, fees), 400)
    offer = membership_offer(household=family, program=fees, location=point)
    assert offer.lapsed and offer.starts_on == timezone.localdate()
    renewed = record(volunteer, point, family, fees, starts_on=offer.starts_on)
    assert renewed.valid_from == timezone.localdate()


# --- Waived, free, refused ------------------------------------------------------------


def test_only_a_coordinator_waives_the_fee_and_with_a_reason(
    volunteer, coordinator, point, family, fees
):
    with pytest.raises(NotAllowed):
        record(volunteer, point, family, fees, payment=Payment.WAIVED, waive_reason="OCMW")
    with pytest.raises(DomainError) as no_reason:
        record(coordinator, point, family, fees, payment=Payment.WAIVED)
    assert no_reason.value.field == "waive_reason"
    waived = record(coordinator, point, family, fees, payment=Payment.WAIVED, waive_reason="OCMW")
    assert waived.payment == Payment.WAIVED and waived.waive_reason == "OCMW"


def test_a_free_social_fee_is_recorded_as_nothing_to_pay(volunteer, point, family, fees):
    Program.objects.filter(pk=fees.pk).update(membership_fee_social=Decimal("0"))
    fees.refresh_from_db()
    membership = record(volunteer, point, family, fees)
    assert (membership.amount, membership.payment) == (Decimal("0"), Payment.FREE)


def test_an_unknown_payment_is_refused(volunteer, point, family, fees):
    with pytest.raises(DomainError) as refused:
        record(volunteer, point, family, fees, payment="bitcoin")
    assert refused.value.field == "payment"


def test_a_program_without_a_fee_has_no_membership(volunteer, point, family, babytheek):
    with pytest.raises(DomainError) as refused:
        record(volunteer, point, family, babytheek)
    assert refused.value.code == "no_membership"


def test_a_household_without_access_cannot_join(volunteer, point, fees):
    household = HouseholdFactory(children=[months_ago(3)])
    with pytest.raises(DomainError) as refused:
        record(volunteer, point, household, fees)
    assert refused.value.code == "no_access" and household.code in refused.value.message
    assert not Membership.objects.exists()


def test_a_volunteer_records_only_at_their_own_point(volunteer, other_point, family, fees):
    with pytest.raises(DomainError):
        record(volunteer, other_point, family, fees)
    assert not Membership.objects.exists()


def test_recording_a_membership_is_audit_logged(volunteer, point, family, fees):
    membership = record(volunteer, point, family, fees, source="test")
    entry = AuditEntry.objects.get(action="record_membership")
    assert entry.object_id == str(family.pk)
    assert entry.details["membership"] == membership.pk and entry.details["fee"] == "sociaal"


# --- The gate on loans ----------------------------------------------------------------


def loan_check(household, point, item):
    return selectors.check_loan(
        household=household,
        location=point,
        line=selectors.LoanLine(
            item=item, accessories=tuple(item.accessories), condition="goed",
            deposit_payment="cash",
        ),
    )  # fmt: skip


def test_a_household_that_is_no_member_cannot_borrow_and_is_offered_the_membership(
    point, family, fees, stroller
):
    refusals = [r for r in loan_check(family, point, stroller).refusals]
    [gate] = [r for r in refusals if r.code == "membership_lapsed"]
    assert family.code in gate.message and "Babytheek" in gate.message
    assert "€ 5,00" in gate.message and not gate.overridable


def test_a_lapsed_membership_blocks_a_new_loan_naming_the_day_it_lapsed(
    volunteer, point, family, fees, stroller
):
    lapsed = move_back(record(volunteer, point, family, fees), 400)
    refusal = membership_refusal(household=family, program=fees, on=timezone.localdate())
    assert refusal is not None and f"{lapsed.valid_until:%d/%m/%Y}" in refusal.message
    with pytest.raises(DomainError) as refused:
        services.checkout_loan(
            actor=volunteer,
            location=point,
            household=family,
            item=stroller,
            accessories=list(stroller.accessories),
            condition="goed",
            deposit_payment="cash",
        )
    assert refused.value.code == "membership_lapsed"


def test_a_member_borrows(volunteer, point, family, fees, stroller):
    record(volunteer, point, family, fees)
    assert not [r for r in loan_check(family, point, stroller).refusals]


def test_a_program_without_a_fee_needs_no_membership(point, family, babytheek, stroller):
    assert not [
        r for r in loan_check(family, point, stroller).refusals if r.code == "membership_lapsed"
    ]


# --- Coordinators and reminders -------------------------------------------------------


def test_the_overview_splits_active_ending_and_lapsed_and_counts_the_fees(
    volunteer, point, fees, speelotheek, family, other_family
):
    record(volunteer, point, family, fees)
    move_back(record(volunteer, point, other_family, fees), 350)
    lapsed = HouseholdFactory()
    move_back(record(volunteer, point, lapsed, speelotheek), 10)
    Membership.objects.filter(household=lapsed).update(program=fees, fee_kind="normaal")
    Membership.objects.filter(household=lapsed).update(
        valid_from=dt.date(2020, 1, 1), valid_until=dt.date(2020, 12, 31)
    )
    overview = membership_overview(program=fees)
    assert [m.household for m in overview.active] == [family]
    assert [m.household for m in overview.ending] == [other_family]
    assert [m.household for m in overview.lapsed] == [lapsed]
    assert (overview.social_count, overview.normal_count) == (2, 0)


def test_membership_ending_reminds_thirty_days_before_and_on_the_day_unless_renewed(
    volunteer, point, family, other_family, fees
):
    ending = move_back(record(volunteer, point, family, fees), 340)  # ends in ~25 days
    today_end = record(volunteer, point, other_family, fees)
    Membership.objects.filter(pk=today_end.pk).update(
        valid_from=timezone.localdate() - dt.timedelta(days=364),
        valid_until=timezone.localdate(),
    )
    now = timezone.now()
    due = {r.key: r for r in membership_ending(now)}
    assert set(due) == {f"membership_ending:{ending.pk}:30", f"membership_ending:{today_end.pk}:0"}
    assert due[f"membership_ending:{ending.pk}:30"].context["program"] == "Babytheek"
    assert due[f"membership_ending:{ending.pk}:30"].household_id == family.pk
    # Renewed: nothing to remind of.
    record(volunteer, point, family, fees)
    assert {r.key for r in membership_ending(now)} == {f"membership_ending:{today_end.pk}:0"}
    # The finder is plugged into the reminder run.
    from uitlening.selectors.reminder_finders import FINDERS

    assert membership_ending in FINDERS


def test_the_membership_ending_templates_render_in_dutch(volunteer, point, family, fees):
    from django.template.loader import render_to_string
    from django.utils import translation

    ending = move_back(record(volunteer, point, family, fees), 340)
    [due] = membership_ending(timezone.now())
    with translation.override("nl"):
        subject = render_to_string("uitlening/reminders/membership_ending_subject.txt", due.context)
        body = render_to_string("uitlening/reminders/membership_ending_body.txt", due.context)
    assert "Babytheek" in subject and "lidmaatschap" in subject.lower()
    assert f"{ending.valid_until:%d/%m/%Y}" in body


# --- A fee that cannot be decided ------------------------------------------------------


@pytest.fixture
def open_fietsbib(db):
    return Program.objects.create(
        name="Fietsbib open",
        kind="fietsbib",
        open_to_all=True,
        accepts_uitpas=True,
        membership_fee_normal=Decimal("20"),
        membership_fee_social=Decimal("5"),
    )


@pytest.fixture
def stale_kansentarief(point, open_fietsbib):
    """A household whose only evidence is an UiTPAS with an active social tariff, checked
    longer ago than the program reuses a check."""
    from tests.toegang.factories import EvidenceFactory
    from toegang.models import Evidence

    household = HouseholdFactory(postcode=point.postcode or "9000")
    evidence = EvidenceFactory(
        household=household, card_system_postcodes=[point.postcode or "9000"]
    )
    hours = open_fietsbib.uitpas_check_reuse_hours + 1
    Evidence.objects.filter(pk=evidence.pk).update(
        checked_at=timezone.now() - dt.timedelta(hours=hours)
    )
    return household


def test_a_membership_is_refused_while_an_old_uitpas_check_leaves_the_fee_undecided(
    volunteer, point, open_fietsbib, stale_kansentarief
):
    offer = membership_offer(household=stale_kansentarief, program=open_fietsbib, location=point)
    assert offer.fee_undecided and offer.starts_on is None
    assert "UiTPAS" in offer.blocked

    with pytest.raises(DomainError) as refused:
        record(volunteer, point, stale_kansentarief, open_fietsbib)

    assert refused.value.code == "uitpas_check_needed"
    assert "Scan de UiTPAS opnieuw" in refused.value.message
    assert not Membership.objects.exists()


def test_the_loan_gate_asks_for_an_uitpas_scan_instead_of_offering_the_normal_fee(
    point, open_fietsbib, stale_kansentarief
):
    from toegang import selectors as access

    on = timezone.localdate()
    entitlement = access.entitlement(
        household=stale_kansentarief, program=open_fietsbib, location=point, on=on
    )
    refusal = membership_refusal(
        household=stale_kansentarief, program=open_fietsbib, on=on, entitlement=entitlement
    )
    assert refusal is not None
    assert "Scan de UiTPAS opnieuw" in refusal.message and "20,00" not in refusal.message


@pytest.mark.parametrize(
    ("language", "ended", "not_today"),
    [("nl", "liep af op", "vandaag"), ("fr", "s'est terminée le", "aujourd'hui")],
)
def test_a_membership_ending_reminder_caught_up_after_the_end_says_it_ended(
    volunteer, point, family, fees, language, ended, not_today
):
    from django.template.loader import render_to_string
    from django.utils import translation

    lapsed = record(volunteer, point, family, fees)
    end = timezone.localdate() - dt.timedelta(days=2)
    Membership.objects.filter(pk=lapsed.pk).update(
        valid_from=end - dt.timedelta(days=364), valid_until=end
    )
    [due] = membership_ending(timezone.now())
    assert due.context["lapsed"] is True and due.context["days_left"] == 0

    with translation.override(language):
        subject = render_to_string("uitlening/reminders/membership_ending_subject.txt", due.context)
        body = render_to_string("uitlening/reminders/membership_ending_body.txt", due.context)
    assert f"{ended} {end:%d/%m/%Y}" in body
    assert not_today not in body.lower() and not_today not in subject.lower()


def test_a_membership_ending_on_the_day_still_says_today(volunteer, point, family, fees):
    from django.template.loader import render_to_string
    from django.utils import translation

    ending = record(volunteer, point, family, fees)
    today = timezone.localdate()
    Membership.objects.filter(pk=ending.pk).update(
        valid_from=today - dt.timedelta(days=364), valid_until=today
    )
    [due] = membership_ending(timezone.now())
    assert due.context["lapsed"] is False
    with translation.override("nl"):
        body = render_to_string("uitlening/reminders/membership_ending_body.txt", due.context)
    assert "vandaag" in body
    # The footer speaks to the family with "u", like the rest of the letter.
    assert "U krijgt deze e-mail omdat u uw e-mailadres bij Deelpunt achterliet." in body
