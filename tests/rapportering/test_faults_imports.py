"""The database failing while an import is checked or applied, and two ``expire_imports``
runs at once. A failure of the database itself (``OperationalError``: a lost connection,
a full disk) is not blamed on a row: nothing is imported, the batch keeps its staged rows
and its state, the person gets the Dutch "nothing was saved" with a button to try again,
and the retry imports every row once."""

from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from kern.models import AuditEntry
from kern.roles import Role, sync_role_groups
from rapportering import services
from rapportering.models import ImportBatch, ImportRow
from tests.factories import UserFactory
from tests.faults import fail_on
from voorraad.models import Category, Product

pytestmark = pytest.mark.django_db

START = reverse("rapportering:import_start")
ROWS = 10
CSV = "naam;categorie;stuks_per_pak\n" + "".join(
    f"Product {n};Luiers;{n + 1}\n" for n in range(ROWS)
)
NOTHING_SAVED = "niets bewaard"


def upload(client, text=CSV) -> ImportBatch:
    file = SimpleUploadedFile("producten.csv", text.encode(), content_type="text/csv")
    assert client.post(START, {"kind": "producten", "file": file}).status_code == 302
    return ImportBatch.objects.latest("pk")


def checked(client) -> ImportBatch:
    batch = upload(client)
    client.post(reverse("rapportering:import_check", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CHECKED and batch.created_count == ROWS
    return batch


def test_the_database_failing_at_the_third_row_of_an_apply_imports_nothing(login, coordinator):
    client = login(coordinator)
    batch = checked(client)
    url = reverse("rapportering:import_apply", args=[batch.pk])
    audit_before = AuditEntry.objects.count()
    with fail_on("voorraad_product", nth=3) as fault:
        failed = client.post(url)
    assert fault.raised == 1
    page = failed.content.decode()
    assert failed.status_code == 503
    assert NOTHING_SAVED in page and f'action="{url}"' in page
    # Not blamed on a row: the batch is as it was, ready to apply again.
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CHECKED and batch.apply_error == ""
    assert not Product.objects.exists() and not Category.objects.exists()
    assert ImportRow.objects.filter(batch=batch).exclude(cells={}).count() == ROWS
    assert AuditEntry.objects.count() == audit_before

    assert client.post(url).status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    assert Product.objects.count() == ROWS


def test_the_database_failing_after_the_rows_imports_nothing(login, coordinator):
    client = login(coordinator)
    batch = checked(client)
    with fail_on("rapportering_importbatch", statement="UPDATE", nth=1):
        failed = client.post(reverse("rapportering:import_apply", args=[batch.pk]))
    assert failed.status_code == 503
    assert not Product.objects.exists()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CHECKED


def test_the_database_failing_during_the_check_refuses_no_row(login, coordinator):
    client = login(coordinator)
    batch = upload(client)
    check = reverse("rapportering:import_check", args=[batch.pk])
    with fail_on("voorraad_product", nth=3):
        failed = client.post(check, HTTP_HX_REQUEST="true")
    assert failed.status_code == 503 and NOTHING_SAVED in failed.content.decode()
    assert not ImportRow.objects.filter(batch=batch, outcome="refuse").exists()
    client.post(check)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CHECKED and batch.refused_count == 0


def test_an_import_whose_value_does_not_fit_is_still_refused_by_row(coordinator):
    # A value the database refuses (not the database failing) stays a refused row.
    from django.db import DataError

    text = "naam;categorie;stuks_per_pak\nA;Luiers;2\n"
    batch = services.upload_import(
        actor=coordinator, kind="producten", file_name="p.csv", data=text.encode()
    )
    with fail_on("voorraad_product", error=DataError):
        batch = services.check_all(actor=coordinator, batch=batch)
    assert batch.refused_count == 1


@pytest.mark.django_db(transaction=True)
def test_two_expire_imports_runs_at_once_cancel_each_stale_batch_once(transactional_db):
    sync_role_groups(apps)  # the roles' groups are flushed after a transactional test
    coordinator = UserFactory(username="coordinator-cron", role=Role.COORDINATOR)
    for n in range(6):
        services.upload_import(
            actor=coordinator, kind="producten", file_name=f"{n}.csv", data=CSV.encode()
        )
    ImportBatch.objects.update(created_at=timezone.now() - dt.timedelta(days=2))
    counts: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        from django.db import connection

        try:
            barrier.wait()
            counts.append(services.expire_stale_imports())
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(counts) == 6
    assert ImportBatch.objects.filter(status=ImportBatch.Status.CANCELLED).count() == 6
    assert not ImportRow.objects.exists()
    call_command("expire_imports", stdout=io.StringIO())
    assert ImportBatch.objects.filter(status=ImportBatch.Status.CANCELLED).count() == 6


def test_an_applied_batch_is_never_cancelled_by_a_late_expiry(login, coordinator):
    client = login(coordinator)
    batch = checked(client)
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    stale_ids = list(ImportBatch.objects.values_list("pk", flat=True))
    client.post(reverse("rapportering:import_apply", args=[batch.pk]))  # applied meanwhile
    assert stale_ids == [batch.pk]
    assert services.expire_stale_imports() == 0
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
