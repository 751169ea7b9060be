"""Distributions at the counter: entitlement, quota over the basket and stock checked
and the ledger posted in one transaction; overrides; idempotency; same-day correction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kern.errors import Conflict, DomainError, NotAllowed
from kern.models import AuditEntry
from tests.factories import UserFactory
from tests.toegang.factories import HouseholdFactory
from tests.voorraad.factories import CategoryFactory, ProductFactory
from tests.voorraad.helpers import balance, ledger_sum
from toegang import selectors as access
from uitlening import selectors
from uitlening.models import Distribution, DistributionLine
from uitlening.services import ProductLine, correct_distribution, record_distribution
from voorraad.models import StockMovement

pytestmark = pytest.mark.django_db


def hand_out(actor, point, household, *lines, **kwargs):
    return record_distribution(
        actor=actor,
        location=point,
        household=household,
        lines=[ProductLine(product, packs) for product, packs in lines],
        **kwargs,
    )


def remaining(household, program, point):
    return access.entitlement(household=household, program=program, location=point).quota_remaining


def test_a_distribution_within_quota_posts_the_ledger_and_uses_the_quota(
    volunteer, point, family, pamperbank, diapers
):
    assert remaining(family, pamperbank, point) == 4

    distribution = hand_out(volunteer, point, family, (diapers, 3))

    [line] = distribution.lines.all()
    assert (line.product, line.program, line.packs, line.units) == (diapers, pamperbank, 3, 132)
    assert distribution.payment == Distribution.Payment.FREE
    [movement] = StockMovement.objects.filter(document_type="distribution")
    assert movement.document_id == distribution.pk
    assert movement.quantity == -132
    assert movement.kind == StockMovement.Kind.DISTRIBUTION
    assert balance(diapers, point) == 17 * 44 == ledger_sum(diapers, point)
    assert (
        selectors.packs_taken(household=family, program=pamperbank, since=timezone.localdate()) == 3
    )
    assert remaining(family, pamperbank, point) == 1


def test_over_quota_is_refused_with_product_program_household_and_numbers(
    volunteer, point, family, pamperbank, diapers
):
    hand_out(volunteer, point, family, (diapers, 2))

    with pytest.raises(NotAllowed) as refused:
        hand_out(volunteer, point, family, (diapers, 3))

    message = str(refused.value)
    assert "Luiers maat 4" in message
    assert "Pamperbank" in message
    assert family.code in message
    assert "2" in message and "3" in message
    assert refused.value.code == "over_quota"
    assert Distribution.objects.count() == 1
    assert balance(diapers, point) == 18 * 44


def test_the_quota_counts_every_product_of_the_program_in_one_basket(
    volunteer, point, family, diapers, wipes
):
    with pytest.raises(NotAllowed) as refused:
        hand_out(volunteer, point, family, (diapers, 3), (wipes, 2))
    assert "Billendoekjes" in str(refused.value)
    assert "1" in str(refused.value)
    assert Distribution.objects.count() == 0
    assert StockMovement.objects.filter(document_type="distribution").count() == 0


def test_repeated_scans_of_one_product_add_up_to_one_line(volunteer, point, family, diapers):
    distribution = hand_out(volunteer, point, family, (diapers, 1), (diapers, 2))
    assert [(line.packs, line.units) for line in distribution.lines.all()] == [(3, 132)]


def test_a_coordinator_goes_over_the_quota_with_a_reason_kept_and_logged(
    coordinator, point, family, pamperbank, diapers
):
    distribution = hand_out(
        coordinator, point, family, (diapers, 6), override_reason="Tweeling op komst"
    )

    assert distribution.override_reason == "Tweeling op komst"
    entry = AuditEntry.objects.get(action="override_counter_rule")
    assert entry.object_id == str(distribution.pk)
    assert entry.details["reason"] == "Tweeling op komst"
    assert entry.details["rules"] == ["over_quota"]
    assert remaining(family, pamperbank, point) == 0


def test_a_coordinator_without_a_reason_is_asked_for_one(coordinator, point, family, diapers):
    with pytest.raises(DomainError) as refused:
        hand_out(coordinator, point, family, (diapers, 6), override_reason="  ")
    assert refused.value.field == "override_reason"
    assert Distribution.objects.count() == 0


def test_a_volunteer_cannot_override_even_with_a_reason(volunteer, point, family, diapers):
    with pytest.raises(NotAllowed, match="coördinator"):
        hand_out(volunteer, point, family, (diapers, 6), override_reason="Dringend")
    assert Distribution.objects.count() == 0


def test_an_override_reason_is_not_recorded_when_nothing_was_overridden(
    coordinator, point, family, diapers
):
    distribution = hand_out(coordinator, point, family, (diapers, 1), override_reason="x")
    assert distribution.override_reason == ""
    assert not AuditEntry.objects.filter(action="override_counter_rule").exists()


def test_a_product_of_no_program_is_refused_with_how_to_fix_it(
    volunteer, point, family, stock_keeper
):
    from tests.voorraad.helpers import book

    soap = ProductFactory(name="Zeep", category=CategoryFactory(name="Verzorging"))
    book(stock_keeper, point, (soap, 5))
    with pytest.raises(DomainError, match="Zeep hoort bij geen programma"):
        hand_out(volunteer, point, family, (soap, 1))


def test_a_household_without_access_is_refused(volunteer, point, diapers):
    stranger = HouseholdFactory(children=[(timezone.localdate().year, 1)])
    with pytest.raises(DomainError) as refused:
        hand_out(volunteer, point, stranger, (diapers, 1))
    assert refused.value.code == "no_access"
    assert stranger.code in str(refused.value)
    assert Distribution.objects.count() == 0


def test_not_enough_stock_at_the_point_is_a_conflict_and_records_nothing(
    volunteer, point, other_point, family, diapers
):
    volunteer.locations.add(other_point)
    with pytest.raises(Conflict, match="Luiers maat 4"):
        hand_out(volunteer, other_point, family, (diapers, 1))
    assert Distribution.objects.count() == 0
    assert DistributionLine.objects.count() == 0


def test_a_volunteer_hands_out_only_at_their_own_points(volunteer, other_point, family, diapers):
    with pytest.raises(NotAllowed):
        hand_out(volunteer, other_point, family, (diapers, 1))


@pytest.mark.parametrize("packs", [0, -1, True, "2"])
def test_a_wrong_number_of_packs_is_refused(volunteer, point, family, diapers, packs):
    with pytest.raises(DomainError, match="Luiers maat 4"):
        hand_out(volunteer, point, family, (diapers, packs))


def test_an_empty_distribution_is_refused(volunteer, point, family, pamperbank):
    with pytest.raises(DomainError):
        record_distribution(actor=volunteer, location=point, household=family, lines=[])


def test_a_contribution_due_needs_cash_or_payconiq(volunteer, point, family, pamperbank, diapers):
    pamperbank.contribution = Decimal("1.50")
    pamperbank.save()
    with pytest.raises(DomainError, match="1,50"):
        hand_out(volunteer, point, family, (diapers, 1))
    with pytest.raises(DomainError, match="1,50"):
        hand_out(volunteer, point, family, (diapers, 1), payment="gratis")

    distribution = hand_out(volunteer, point, family, (diapers, 1), payment="payconiq")

    assert distribution.contribution == Decimal("1.50")
    assert distribution.payment == "payconiq"


def test_the_same_key_from_the_same_volunteer_records_once(volunteer, point, family, diapers):
    first = hand_out(volunteer, point, family, (diapers, 1), idempotency_key="k-1")
    again = hand_out(volunteer, point, family, (diapers, 1), idempotency_key="k-1")

    assert again.pk == first.pk
    assert Distribution.objects.count() == 1
    assert balance(diapers, point) == 19 * 44


def test_the_same_key_for_another_household_is_a_conflict(
    volunteer, point, family, other_family, diapers
):
    hand_out(volunteer, point, family, (diapers, 1), idempotency_key="k-1")
    with pytest.raises(Conflict):
        hand_out(volunteer, point, other_family, (diapers, 1), idempotency_key="k-1")


def test_a_same_day_correction_reverses_the_ledger_and_gives_the_quota_back(
    volunteer, point, family, pamperbank, diapers
):
    distribution = hand_out(volunteer, point, family, (diapers, 4))
    assert remaining(family, pamperbank, point) == 0

    corrected = correct_distribution(
        actor=volunteer, distribution=distribution, reason="Verkeerde maat meegegeven"
    )

    assert corrected.corrected_by == volunteer
    assert corrected.correction_reason == "Verkeerde maat meegegeven"
    reversal = StockMovement.objects.get(kind=StockMovement.Kind.REVERSAL)
    assert reversal.quantity == 4 * 44
    assert reversal.document_id == distribution.pk
    assert balance(diapers, point) == 20 * 44 == ledger_sum(diapers, point)
    assert remaining(family, pamperbank, point) == 4
    assert AuditEntry.objects.filter(action="correct_distribution").count() == 1


def test_a_distribution_is_corrected_once(volunteer, point, family, diapers):
    distribution = hand_out(volunteer, point, family, (diapers, 1))
    correct_distribution(actor=volunteer, distribution=distribution, reason="fout")
    with pytest.raises(Conflict):
        correct_distribution(actor=volunteer, distribution=distribution, reason="fout")
    assert StockMovement.objects.filter(kind=StockMovement.Kind.REVERSAL).count() == 1


def test_a_correction_needs_a_reason(volunteer, point, family, diapers):
    distribution = hand_out(volunteer, point, family, (diapers, 1))
    with pytest.raises(DomainError):
        correct_distribution(actor=volunteer, distribution=distribution, reason=" ")


def test_a_distribution_of_an_earlier_day_is_not_corrected_at_the_counter(
    volunteer, point, family, diapers
):
    distribution = hand_out(volunteer, point, family, (diapers, 1))
    Distribution.objects.filter(pk=distribution.pk).update(
        created_at=timezone.now() - dt.timedelta(days=1)
    )
    with pytest.raises(DomainError) as refused:
        correct_distribution(actor=volunteer, distribution=distribution, reason="fout")
    assert refused.value.code == "not_same_day"
    assert not StockMovement.objects.filter(kind=StockMovement.Kind.REVERSAL).exists()


def test_a_volunteer_of_another_point_cannot_correct(
    point, family, diapers, volunteer, other_point
):
    distribution = hand_out(volunteer, point, family, (diapers, 1))
    elsewhere = UserFactory(username="jan", locations=[other_point])
    with pytest.raises(NotAllowed):
        correct_distribution(actor=elsewhere, distribution=distribution, reason="fout")


def test_packs_taken_counts_the_period_and_skips_corrected_distributions(
    volunteer, point, family, pamperbank, diapers
):
    kept = hand_out(volunteer, point, family, (diapers, 1))
    undone = hand_out(volunteer, point, family, (diapers, 2))
    correct_distribution(actor=volunteer, distribution=undone, reason="fout")
    old = hand_out(volunteer, point, family, (diapers, 1))
    Distribution.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    today = timezone.localdate()

    assert selectors.packs_taken(household=family, program=pamperbank, since=today) == 1
    assert (
        selectors.packs_taken(
            household=family, program=pamperbank, since=today - dt.timedelta(days=41)
        )
        == 2
    )
    del kept


def test_the_same_key_for_another_basket_is_a_conflict(volunteer, point, family, diapers, wipes):
    hand_out(volunteer, point, family, (diapers, 1), idempotency_key="k-2")
    with pytest.raises(Conflict) as more:
        hand_out(volunteer, point, family, (diapers, 2), idempotency_key="k-2")
    assert more.value.code == "idempotency_key_reused"
    with pytest.raises(Conflict):
        hand_out(volunteer, point, family, (wipes, 1), idempotency_key="k-2")
    assert Distribution.objects.count() == 1


def test_a_retried_correction_with_the_same_key_gets_the_first_answer(
    volunteer, point, family, diapers
):
    distribution = hand_out(volunteer, point, family, (diapers, 1))
    first = correct_distribution(
        actor=volunteer, distribution=distribution, reason="fout", idempotency_key="corr-1"
    )
    again = correct_distribution(
        actor=volunteer, distribution=distribution, reason="fout", idempotency_key="corr-1"
    )
    assert again.pk == first.pk and again.corrected_at == first.corrected_at
    assert StockMovement.objects.filter(kind=StockMovement.Kind.REVERSAL).count() == 1


def test_only_the_volunteer_who_recorded_it_or_a_coordinator_corrects_a_distribution(
    volunteer, coordinator, point, family, diapers
):
    from kern.roles import Role

    colleague = UserFactory(username="jef", role=Role.VOLUNTEER, locations=[point])
    distribution = hand_out(volunteer, point, family, (diapers, 1))
    with pytest.raises(NotAllowed):
        correct_distribution(actor=colleague, distribution=distribution, reason="fout")
    coordinator.locations.add(point)
    assert (
        correct_distribution(
            actor=coordinator, distribution=distribution, reason="fout"
        ).corrected_by
        == coordinator
    )


def test_an_unknown_payment_is_named(volunteer, point, family, diapers):
    with pytest.raises(DomainError, match="bitcoin"):
        hand_out(volunteer, point, family, (diapers, 1), payment="bitcoin")
