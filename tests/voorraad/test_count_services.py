"""Stock counts: one open count per location, lines counted against the ledger at that
moment, corrections when finalised."""

from __future__ import annotations

import pytest
from django.utils import translation

from kern.errors import Conflict, DomainError, NotFound
from tests.voorraad.helpers import balance, book, database_state, take
from voorraad import services
from voorraad.models import (
    StockCount,
    StockCountLine,
    StockMovement,
)
from voorraad.services import MAX_UNITS_PER_LINE

pytestmark = pytest.mark.django_db

Kind = StockMovement.Kind


# --- Counts -----------------------------------------------------------------------------


def test_a_second_count_at_the_same_location_is_refused_while_one_is_open(
    coordinator, point, other_point
):
    first = services.start_count(actor=coordinator, location=point)
    with pytest.raises(Conflict):
        services.start_count(actor=coordinator, location=point)
    services.start_count(actor=coordinator, location=other_point)  # another place is fine
    services.finalise_count(actor=coordinator, count=first)
    services.start_count(actor=coordinator, location=point)  # after closing, a new one
    assert StockCount.objects.filter(location=point).count() == 2


def test_counting_a_product_not_kept_at_the_location_raises_not_found(
    coordinator, point, other_point, wipes
):
    book(coordinator, other_point, (wipes, 10))
    count = services.start_count(actor=coordinator, location=point)
    with translation.override("en"), pytest.raises(NotFound) as excinfo:
        services.record_count(actor=coordinator, count=count, product=wipes, counted=3)
    assert str(excinfo.value) == (
        "Billendoekjes is not kept at Uitdeelpunt Centrum: there is nothing to count."
    )
    assert not StockCountLine.objects.exists()


def test_finalising_a_count_posts_counted_minus_expected_per_product(
    coordinator, point, diapers, wipes, formula
):
    book(coordinator, point, (diapers, 440), (wipes, 50), (formula, 12))
    count = services.start_count(actor=coordinator, location=point)
    services.record_count(actor=coordinator, count=count, product=diapers, counted=450)
    services.record_count(actor=coordinator, count=count, product=wipes, counted=50)
    services.record_count(actor=coordinator, count=count, product=formula, counted=0)

    corrections = services.finalise_count(actor=coordinator, count=count)

    assert sorted((m.product.name, m.quantity) for m in corrections) == [
        ("Flesvoeding 1", -12),
        ("Luiers maat 4", 10),
    ]
    assert {(m.kind, m.document_type, m.document_id) for m in corrections} == {
        (Kind.COUNT, "count", count.pk)
    }
    assert (balance(diapers, point), balance(wipes, point), balance(formula, point)) == (450, 50, 0)
    count.refresh_from_db()
    assert count.status == StockCount.Status.FINALISED
    assert count.finalised_at is not None
    assert services.reconcile() == []


def test_a_movement_after_counting_but_before_finalising_is_kept(coordinator, point, wipes):
    book(coordinator, point, (wipes, 10))
    count = services.start_count(actor=coordinator, location=point)
    line = services.record_count(actor=coordinator, count=count, product=wipes, counted=8)
    assert (line.expected, line.variance) == (10, -2)

    take(coordinator, wipes, point, 3)  # handed out while the count was still open
    services.finalise_count(actor=coordinator, count=count)

    assert balance(wipes, point) == 5
    assert services.reconcile() == []


def test_recounting_a_product_replaces_its_line(coordinator, point, wipes):
    book(coordinator, point, (wipes, 10))
    count = services.start_count(actor=coordinator, location=point)
    services.record_count(actor=coordinator, count=count, product=wipes, counted=8)
    services.record_count(actor=coordinator, count=count, product=wipes, counted=11)
    assert count.lines.get().counted == 11
    services.finalise_count(actor=coordinator, count=count)
    assert balance(wipes, point) == 11


@pytest.mark.parametrize("counted", [-1, "acht", MAX_UNITS_PER_LINE + 1])
def test_a_senseless_count_is_refused(coordinator, point, wipes, counted):
    book(coordinator, point, (wipes, 10))
    count = services.start_count(actor=coordinator, location=point)
    with pytest.raises(DomainError) as excinfo:
        services.record_count(actor=coordinator, count=count, product=wipes, counted=counted)
    assert "Billendoekjes" in str(excinfo.value)
    assert not StockCountLine.objects.exists()


def test_counting_zero_is_allowed(coordinator, point, wipes):
    book(coordinator, point, (wipes, 10))
    count = services.start_count(actor=coordinator, location=point)
    services.record_count(actor=coordinator, count=count, product=wipes, counted=0)
    services.finalise_count(actor=coordinator, count=count)
    assert balance(wipes, point) == 0


def test_recording_a_count_after_finalising_is_refused(coordinator, point, wipes):
    book(coordinator, point, (wipes, 10))
    count = services.start_count(actor=coordinator, location=point)
    services.record_count(actor=coordinator, count=count, product=wipes, counted=8)
    services.finalise_count(actor=coordinator, count=count)
    before = database_state()

    with pytest.raises(Conflict):
        services.record_count(actor=coordinator, count=count, product=wipes, counted=2)
    with pytest.raises(Conflict):
        services.finalise_count(actor=coordinator, count=count)

    assert database_state() == before


def test_a_cancelled_count_posts_nothing(coordinator, point, wipes):
    book(coordinator, point, (wipes, 10))
    count = services.start_count(actor=coordinator, location=point)
    services.record_count(actor=coordinator, count=count, product=wipes, counted=2)
    services.cancel_count(actor=coordinator, count=count)
    assert balance(wipes, point) == 10
    assert not StockMovement.objects.filter(kind=Kind.COUNT).exists()
    with pytest.raises(Conflict):
        services.finalise_count(actor=coordinator, count=count)
