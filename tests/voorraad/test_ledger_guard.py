import pytest
from django.db import DatabaseError, connection, transaction

from tests.voorraad.factories import DonorFactory, ProductFactory
from voorraad import services
from voorraad.models import StockMovement


@pytest.fixture
def movement(coordinator, point):
    product = ProductFactory(name="Billendoekjes", pack_size=64)
    services.receive_donation(
        actor=coordinator, donor=DonorFactory(), location=point, lines=[services.Line(product, 64)]
    )
    return StockMovement.objects.get()


def test_ledger_rows_cannot_be_changed_or_deleted_through_the_orm(movement):
    with pytest.raises(TypeError, match="append-only"):
        StockMovement.objects.filter(pk=movement.pk).update(quantity=1000)
    with pytest.raises(TypeError, match="append-only"):
        StockMovement.objects.filter(pk=movement.pk).delete()
    with pytest.raises(TypeError, match="append-only"):
        movement.save()
    with pytest.raises(TypeError, match="append-only"):
        movement.delete()
    assert StockMovement.objects.get(pk=movement.pk).quantity == 64


def test_the_database_refuses_a_raw_update_of_a_ledger_row(movement):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE voorraad_stockmovement SET quantity = 1000 WHERE id = %s", [movement.pk]
        )
    assert StockMovement.objects.get(pk=movement.pk).quantity == 64
    assert services.reconcile() == []
