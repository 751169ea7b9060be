import pytest
from django.db import DatabaseError, connection, transaction

from kern import audit
from kern.models import AuditEntry


@pytest.fixture
def entry(db, coordinator, point):
    return audit.record(actor=coordinator, action="view", obj=point, source="/locaties/1/")


def test_record_names_who_what_which_record_and_from_where(entry, coordinator, point):
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.actor == coordinator
    assert stored.actor_name == "karim"
    assert (stored.action, stored.object_type, stored.object_id) == (
        "view",
        "kern.location",
        str(point.pk),
    )
    assert stored.object_repr == point.name
    assert stored.source == "/locaties/1/"


def test_saving_an_existing_entry_again_is_refused(entry):
    entry.action = "edit"
    with pytest.raises(TypeError, match="append-only"):
        entry.save()
    assert AuditEntry.objects.get(pk=entry.pk).action == "view"


def test_deleting_an_entry_is_refused(entry):
    with pytest.raises(TypeError, match="append-only"):
        entry.delete()
    with pytest.raises(TypeError, match="append-only"):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_bulk_update_is_refused(entry):
    with pytest.raises(TypeError, match="append-only"):
        AuditEntry.objects.filter(pk=entry.pk).update(action="edit")


def test_database_refuses_a_raw_update(entry):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE kern_auditentry SET action = 'edit' WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == "view"


def test_login_and_failed_login_are_logged(client, volunteer):
    client.post("/aanmelden/", {"username": "mieke", "password": "fout"})
    client.post("/aanmelden/", {"username": "mieke", "password": "test-wachtwoord-123"})
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["login_failed", "login"]
    failed = AuditEntry.objects.get(action="login_failed")
    assert failed.details == {"username": "mieke"}


def test_admin_site_offers_no_change_or_delete_of_audit_entries(login, admin_user, entry):
    client = login(admin_user)
    assert client.get(f"/beheer/kern/auditentry/{entry.pk}/change/").status_code == 200
    response = client.post(f"/beheer/kern/auditentry/{entry.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_audit_log_and_the_stock_ledger_share_one_append_only_base():
    from kern.dbguards import AppendOnlyModel, AppendOnlyQuerySet
    from voorraad.models import StockMovement

    for model in (AuditEntry, StockMovement):
        assert issubclass(model, AppendOnlyModel)
        assert isinstance(model.objects.all(), AppendOnlyQuerySet)


@pytest.mark.django_db
def test_bulk_changes_through_the_orm_are_refused_for_every_append_only_table():
    from voorraad.models import StockMovement

    for model, words in ((AuditEntry, "audit log"), (StockMovement, "stock ledger")):
        with pytest.raises(TypeError, match=f"The {words} is append-only"):
            model.objects.all().update(at=None)
        with pytest.raises(TypeError, match="cannot be deleted"):
            model.objects.all().delete()
