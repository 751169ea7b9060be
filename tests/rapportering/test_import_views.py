"""The import screens: upload → preview (checked in chunks through htmx) → confirm →
result; per-kind permissions; templates; errors keep the page usable."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kern.roles import Role
from rapportering.models import ImportBatch
from tests.factories import UserFactory
from tests.voorraad.factories import ProductFactory
from voorraad.models import Product

pytestmark = pytest.mark.django_db

START = reverse("rapportering:import_start")
CSV = "naam;categorie;stuks_per_pak\nLuiers maat 4;Luiers;40\nLuiers maat 3;Luiers;x\n"


def post_file(client, kind="producten", text=CSV, name="producten.csv"):
    upload = SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")
    return client.post(START, {"kind": kind, "file": upload})


def test_the_start_page_offers_the_kinds_the_role_allows(login, coordinator):
    response = login(coordinator).get(START)
    assert response.status_code == 200
    body = response.content.decode()
    for kind in ("producten", "schenkers", "uitleenobjecten", "gezinnen", "vrijwilligers"):
        assert f'value="{kind}"' in body
        assert reverse("rapportering:import_template", args=[kind, "csv"]) in body


def test_a_volunteer_may_not_import(login, volunteer):
    assert login(volunteer).get(START).status_code == 403


def test_the_whole_journey_upload_preview_confirm_result(login, coordinator):
    client = login(coordinator)
    response = post_file(client)
    batch = ImportBatch.objects.get()
    detail = reverse("rapportering:import_detail", args=[batch.pk])
    assert response.status_code == 302 and response["Location"] == detail

    page = client.get(detail).content.decode()
    assert 'id="import-progress"' in page
    check = reverse("rapportering:import_check", args=[batch.pk])
    assert check in page

    # htmx polls: the check is done in one chunk here, so it answers with a redirect.
    response = client.post(check, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == detail
    page = client.get(detail).content.decode()
    assert 'id="import-confirm"' in page
    assert "“x”" in page  # the reason of the refused row
    refused = client.get(detail + "?toon=geweigerd").content.decode()
    assert 'data-row="3"' in refused and 'data-row="2"' not in refused
    assert not Product.objects.exists()

    response = client.post(reverse("rapportering:import_apply", args=[batch.pk]))
    assert response.status_code == 302
    product = Product.objects.get()
    result = client.get(detail).content.decode()
    assert 'id="import-result"' in result
    assert reverse("voorraad:product_detail", args=[product.pk]) in result
    # A second confirm (a double click) changes nothing.
    client.post(reverse("rapportering:import_apply", args=[batch.pk]))
    assert Product.objects.count() == 1


def test_the_check_without_script_is_a_post_and_a_redirect(login, coordinator):
    client = login(coordinator)
    post_file(client)
    batch = ImportBatch.objects.get()
    response = client.post(reverse("rapportering:import_check", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CHECKED


def test_a_bad_file_shows_the_reason_on_the_form(login, coordinator):
    response = post_file(login(coordinator), text="kleur\nblauw\n")
    assert response.status_code == 400
    assert 'id="import-error"' in response.content.decode()
    assert "kleur" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_an_apply_failure_keeps_the_upload_and_shows_why(login, coordinator):
    client = login(coordinator)
    post_file(client)
    batch = ImportBatch.objects.get()
    client.post(reverse("rapportering:import_check", args=[batch.pk]))
    ProductFactory(name="Luiers maat 4", pack_size=40)  # meanwhile someone made it
    # Now "Luiers maat 4" would be an update, not a create: still fine. Force a failure:
    Product.objects.filter(name="Luiers maat 4").update(name="Luiers maat 4")
    from unittest import mock

    from kern.errors import DomainError
    from rapportering.importers.products import Products

    with mock.patch.object(Products, "run", side_effect=DomainError("Kapot.")):
        response = client.post(reverse("rapportering:import_apply", args=[batch.pk]), follow=True)
    page = response.content.decode()
    assert "Kapot." in page and 'id="import-confirm"' in page
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CHECKED


def test_cancel_leads_back_to_the_start(login, coordinator):
    client = login(coordinator)
    post_file(client)
    batch = ImportBatch.objects.get()
    response = client.post(reverse("rapportering:import_cancel", args=[batch.pk]))
    assert response["Location"] == START
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CANCELLED


def test_someone_elses_import_is_404(login, coordinator):
    post_file(login(coordinator))
    batch = ImportBatch.objects.get()
    other = UserFactory(role=Role.COORDINATOR)
    assert (
        login(other).get(reverse("rapportering:import_detail", args=[batch.pk])).status_code == 404
    )


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_templates_download(login, coordinator, extension):
    response = login(coordinator).get(
        reverse("rapportering:import_template", args=["producten", extension])
    )
    assert response.status_code == 200
    assert f"sjabloon-producten.{extension}" in response["Content-Disposition"]


def test_a_template_of_a_kind_the_role_may_not_import_is_403(login, coordinator):
    user = UserFactory(role=Role.COORDINATOR)
    user.groups.clear()
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="manage_shifts"))
    client = login(user)
    assert (
        client.get(reverse("rapportering:import_template", args=["producten", "csv"])).status_code
        == 403
    )
    assert (
        client.get(
            reverse("rapportering:import_template", args=["vrijwilligers", "csv"])
        ).status_code
        == 200
    )
    response = post_file(client, kind="producten")
    assert response.status_code == 400  # not a choice for this user
    assert not ImportBatch.objects.exists()
