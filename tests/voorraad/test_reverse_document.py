"""reverse_document: another app's document (a distribution) undone by opposite rows
that point at each movement, once, without a role check."""

from __future__ import annotations

import pytest
from django.db import transaction

from kern.errors import Conflict, DomainError
from tests.voorraad.helpers import balance, book, ledger_sum
from voorraad import services
from voorraad.models import StockMovement
from voorraad.services import Line

pytestmark = pytest.mark.django_db

Kind = StockMovement.Kind
DISTRIBUTION = StockMovement.DocumentType.DISTRIBUTION


def hand_out(point, *lines, document_id=7):
    with transaction.atomic():
        return services.post_lines(
            document_type=DISTRIBUTION,
            document_id=document_id,
            location=point,
            lines=[Line(p, q) for p, q in lines],
            kind=Kind.DISTRIBUTION,
            user=None,
        )


def test_every_movement_of_the_document_is_reversed(coordinator, point, diapers, wipes):
    book(coordinator, point, (diapers, 440), (wipes, 50))
    movements = hand_out(point, (diapers, 88), (wipes, 10))

    reversals = services.reverse_document(
        document_type=DISTRIBUTION, document_id=7, reason="verkeerde maat", user=None
    )

    assert sorted(r.reverses_id for r in reversals) == sorted(m.pk for m in movements)
    assert all(r.kind == Kind.REVERSAL and r.reason == "verkeerde maat" for r in reversals)
    assert all(r.document_type == DISTRIBUTION and r.document_id == 7 for r in reversals)
    assert balance(diapers, point) == 440 == ledger_sum(diapers, point)
    assert balance(wipes, point) == 50
    assert services.reconcile() == []


def test_a_document_is_reversed_once(coordinator, point, diapers):
    book(coordinator, point, (diapers, 440))
    hand_out(point, (diapers, 44))
    services.reverse_document(document_type=DISTRIBUTION, document_id=7, reason="fout", user=None)
    with pytest.raises(Conflict):
        services.reverse_document(
            document_type=DISTRIBUTION, document_id=7, reason="fout", user=None
        )
    assert balance(diapers, point) == 440


def test_only_the_named_document_is_reversed(coordinator, point, diapers):
    book(coordinator, point, (diapers, 440))
    hand_out(point, (diapers, 44), document_id=7)
    hand_out(point, (diapers, 88), document_id=8)
    services.reverse_document(document_type=DISTRIBUTION, document_id=7, reason="fout", user=None)
    assert balance(diapers, point) == 440 - 88


@pytest.mark.parametrize(
    ("document_type", "document_id", "reason"),
    [("bon", 7, "fout"), (DISTRIBUTION, 7, " "), (DISTRIBUTION, 999, "fout")],
)
def test_a_wrong_document_or_no_reason_is_refused(
    coordinator, point, diapers, document_type, document_id, reason
):
    book(coordinator, point, (diapers, 440))
    hand_out(point, (diapers, 44))
    with pytest.raises(DomainError):
        services.reverse_document(
            document_type=document_type, document_id=document_id, reason=reason, user=None
        )
    assert not StockMovement.objects.filter(kind=Kind.REVERSAL).exists()
