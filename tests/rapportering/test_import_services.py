"""Spreadsheet imports through the services: upload, check (nothing written), apply (one
transaction, once), cancel, for every kind; bad files; encodings; permissions."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from unittest import mock

import pytest
from openpyxl import Workbook

from kern.errors import DomainError, NotAllowed
from kern.models import AuditEntry
from kern.roles import Role
from rapportering import services
from rapportering.importers.products import Products
from rapportering.models import ImportBatch, ImportRow
from tests.factories import LocationFactory, MunicipalityFactory, UserFactory
from tests.voorraad.factories import (
    CategoryFactory,
    DonorFactory,
    ItemFactory,
    ItemTypeFactory,
    ProductFactory,
    ean13,
)
from tests.vrijwilligers.factories import SkillFactory, VolunteerFactory
from toegang.models import Household
from voorraad.models import Category, Donor, Item, Product, ProductBarcode
from vrijwilligers.models import Volunteer

pytestmark = pytest.mark.django_db

EAN_A = ean13("540000000001")
EAN_B = ean13("540000000002")
EAN_C = ean13("540000000003")

Status = ImportBatch.Status
Outcome = ImportRow.Outcome


def csv_bytes(text: str, *, encoding: str = "utf-8", bom: bool = False) -> bytes:
    data = text.replace("\n", "\r\n").encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(actor, kind: str, data: bytes, name: str = "bestand.csv") -> ImportBatch:
    return services.upload_import(actor=actor, kind=kind, file_name=name, data=data)


def checked(actor, kind: str, data: bytes, name: str = "bestand.csv") -> ImportBatch:
    return services.check_all(actor=actor, batch=upload(actor, kind, data, name))


def outcomes(batch: ImportBatch) -> dict[int, tuple[str, str]]:
    return {r.number: (r.outcome, r.reason) for r in batch.rows.order_by("number")}


# --- Products -------------------------------------------------------------------------------


def test_products_check_says_create_update_and_refuse_with_reason_and_writes_nothing(
    coordinator,
):
    known = ProductFactory(name="Luiers maat 3", pack_size=44)
    ProductBarcode.objects.create(gtin=EAN_A, product=known, units=44)
    data = csv_bytes(
        "naam;categorie;eenheid;stuks_per_pak;waarde_per_stuk;ean\n"
        f"Luiers maat 4;Luiers;stuk;40;0,30;{EAN_B}:40, {EAN_C}\n"
        "luiers maat 3;;;;0,28;\n"
        f"Luiers maat 5;Luiers;stuk;36;0,31;{EAN_A}\n"
    )
    batch = checked(coordinator, "producten", data)

    assert batch.status == Status.CHECKED
    rows = outcomes(batch)
    assert rows[2] == (Outcome.CREATE, "")
    assert rows[3] == (Outcome.UPDATE, "")
    assert rows[4][0] == Outcome.REFUSE
    assert EAN_A in rows[4][1] and "Luiers maat 3" in rows[4][1]
    assert (batch.created_count, batch.updated_count, batch.refused_count) == (1, 1, 1)
    # Nothing written before the user confirms.
    assert not Product.objects.filter(name="Luiers maat 4").exists()
    assert not Category.objects.filter(name="Luiers").exists()
    known.refresh_from_db()
    assert known.value_per_unit == Decimal("0.25")


def test_products_apply_writes_accepted_rows_and_skips_the_refused(coordinator):
    known = ProductFactory(name="Luiers maat 3", pack_size=44)
    ProductBarcode.objects.create(gtin=EAN_A, product=known, units=44)
    data = csv_bytes(
        "naam;categorie;stuks_per_pak;waarde_per_stuk;ean\n"
        f"Luiers maat 4;Luiers;40;0,30;{EAN_B}:40, {EAN_C}\n"
        f"Luiers maat 3;;;0,28;{EAN_C}\n"
        f"Luiers maat 5;Luiers;36;0,31;{EAN_A}\n"
        "Billendoekjes;Verzorging;1;1,5;\n"
    )
    batch = checked(coordinator, "producten", data)
    # Row 3 wants EAN_C, which row 2 already claims: refused as a duplicate in the file.
    assert outcomes(batch)[3][0] == Outcome.REFUSE
    assert "rij 2" in outcomes(batch)[3][1].lower()

    batch = services.apply_import(actor=coordinator, batch=batch)

    assert batch.status == Status.APPLIED and batch.applied_at
    new = Product.objects.get(name="Luiers maat 4")
    assert new.category.name == "Luiers" and new.pack_size == 40
    assert new.value_per_unit == Decimal("0.30")
    assert dict(new.barcodes.values_list("gtin", "units")) == {EAN_B: 40, EAN_C: 40}
    assert Product.objects.get(name="Billendoekjes").value_per_unit == Decimal("1.5")
    assert not Product.objects.filter(name="Luiers maat 5").exists()
    row = batch.rows.get(number=2)
    assert row.object_id == new.pk
    assert (batch.created_count, batch.updated_count, batch.refused_count) == (2, 0, 2)


def test_product_without_name_matched_by_ean_is_updated_and_keeps_its_other_eans(coordinator):
    known = ProductFactory(name="Luiers maat 3", pack_size=44)
    ProductBarcode.objects.create(gtin=EAN_A, product=known, units=44)
    data = csv_bytes(f"name,ean,pack_size\n,{EAN_A};{EAN_B}:22,44\n")
    batch = checked(coordinator, "producten", data)
    assert outcomes(batch)[2] == (Outcome.UPDATE, "")
    services.apply_import(actor=coordinator, batch=batch)
    known.refresh_from_db()
    assert known.name == "Luiers maat 3"
    assert dict(known.barcodes.values_list("gtin", "units")) == {EAN_A: 44, EAN_B: 22}


def test_product_refusals_name_the_problem(coordinator):
    data = csv_bytes(
        "naam;categorie;stuks_per_pak;ean\n"
        "Zonder categorie;;1;\n"
        "Slecht getal;Luiers;veel;\n"
        "Slechte EAN;Luiers;1;5400000000000\n"
        ";Luiers;1;\n"
        "Nul per pak;Luiers;0;\n"
    )
    rows = outcomes(checked(coordinator, "producten", data))
    assert all(outcome == Outcome.REFUSE for outcome, _reason in rows.values())
    assert "categorie" in rows[2][1].lower()
    assert "veel" in rows[3][1]
    assert "5400000000000" in rows[4][1]
    assert "naam" in rows[5][1]
    assert rows[6][1]


def test_a_failure_at_apply_time_writes_nothing_and_keeps_the_reason(coordinator):
    data = csv_bytes("naam;categorie\nEerste;Luiers\nTweede;Luiers\nDerde;Luiers\n")
    batch = checked(coordinator, "producten", data)
    # Between the check and the apply someone else creates "Derde".
    ProductFactory(name="Derde", category=CategoryFactory(name="Anders"))
    real_run = Products.run
    calls = []

    def failing_run(self, *, actor, cells):
        calls.append(cells["naam"])
        if cells["naam"] == "Tweede":
            raise DomainError("Er ging iets mis.")
        return real_run(self, actor=actor, cells=cells)

    with (
        mock.patch.object(Products, "run", failing_run),
        pytest.raises(services.ApplyFailed) as err,
    ):
        services.apply_import(actor=coordinator, batch=batch)

    assert "Rij 3" in str(err.value) or "Row 3" in str(err.value)
    assert calls == ["Eerste", "Tweede"]
    assert not Product.objects.filter(name__in=["Eerste", "Tweede"]).exists()
    assert not Category.objects.filter(name="Luiers").exists()
    batch.refresh_from_db()
    assert batch.status == Status.CHECKED
    assert "Er ging iets mis." in batch.apply_error


def test_applying_twice_applies_once(coordinator):
    batch = checked(coordinator, "producten", csv_bytes("naam;categorie\nEerste;Luiers\n"))
    services.apply_import(actor=coordinator, batch=batch)
    again = services.apply_import(actor=coordinator, batch=ImportBatch.objects.get(pk=batch.pk))
    assert again.status == Status.APPLIED
    assert Product.objects.filter(name="Eerste").count() == 1


def test_an_unchecked_or_cancelled_import_cannot_be_applied(coordinator):
    batch = upload(coordinator, "producten", csv_bytes("naam;categorie\nEerste;Luiers\n"))
    with pytest.raises(DomainError):
        services.apply_import(actor=coordinator, batch=batch)
    services.cancel_import(actor=coordinator, batch=batch)
    with pytest.raises(DomainError):
        services.apply_import(actor=coordinator, batch=batch)
    assert not Product.objects.exists()
    assert not ImportRow.objects.filter(batch=batch).exists()


def test_check_goes_in_chunks_with_progress(coordinator):
    lines = "".join(f"Product {n};Cat\n" for n in range(7))
    batch = upload(coordinator, "producten", csv_bytes("naam;categorie\n" + lines))
    batch = services.check_import(actor=coordinator, batch=batch, chunk=3)
    assert (batch.status, batch.checked_rows, batch.progress_percent) == (
        Status.CHECKING,
        3,
        42,
    )
    batch = services.check_import(actor=coordinator, batch=batch, chunk=3)
    batch = services.check_import(actor=coordinator, batch=batch, chunk=3)
    assert (batch.status, batch.checked_rows, batch.created_count) == (Status.CHECKED, 7, 7)


# --- Files -------------------------------------------------------------------------------


def test_xlsx_is_read_like_csv(coordinator):
    data = xlsx_bytes(
        [
            ["Naam", "Categorie", "Stuks per pak", "Waarde per stuk", "EAN"],
            ["Luiers maat 4", "Luiers", 40, 0.3, int(EAN_B)],
            [None, None, None, None, None],
            ["Luiers maat 5", "Luiers", 36, 0.31, None],
        ]
    )
    batch = checked(coordinator, "producten", data, name="producten.xlsx")
    assert outcomes(batch) == {2: (Outcome.CREATE, ""), 4: (Outcome.CREATE, "")}
    services.apply_import(actor=coordinator, batch=batch)
    product = Product.objects.get(name="Luiers maat 4")
    assert product.value_per_unit == Decimal("0.3")
    assert list(product.barcodes.values_list("gtin", flat=True)) == [EAN_B]


PRODUCT_ROWS: list[list[object]] = [["Naam", "Categorie"], ["Luiers maat 4", "Luiers"]]
MIB = 1024 * 1024


def with_extra_parts(data: bytes, parts: dict[str, bytes]) -> bytes:
    """A valid workbook with extra, highly compressible parts added to its ZIP."""
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize(
    "parts",
    [
        pytest.param({"xl/media/zeros.bin": bytes(60 * MIB)}, id="one-part-absurd-ratio"),
        pytest.param(
            {f"xl/media/zeros{n}.bin": bytes(MIB) for n in range(11)},
            id="unpacked-total-over-ten-times-the-limit",
        ),
        pytest.param({f"xl/media/p{n}.txt": b"x" for n in range(201)}, id="too-many-parts"),
    ],
)
def test_an_xlsx_that_unpacks_far_beyond_its_size_is_refused_before_unpacking(
    coordinator, settings, parts
):
    settings.IMPORT_MAX_MEGABYTES = 1
    data = with_extra_parts(xlsx_bytes(PRODUCT_ROWS), parts)
    assert len(data) < MIB  # the upload limit itself lets it through
    with (
        mock.patch("openpyxl.load_workbook") as load_workbook,
        pytest.raises(DomainError, match="zou uitgepakt veel groter worden"),
    ):
        upload(coordinator, "producten", data, name="producten.xlsx")
    load_workbook.assert_not_called()
    assert not ImportBatch.objects.exists()
    assert not ImportRow.objects.exists()


def test_an_xlsx_with_small_extra_parts_still_imports(coordinator, settings):
    settings.IMPORT_MAX_MEGABYTES = 1
    data = with_extra_parts(xlsx_bytes(PRODUCT_ROWS), {"xl/media/zeros.bin": bytes(MIB)})
    batch = checked(coordinator, "producten", data, name="producten.xlsx")
    assert outcomes(batch) == {2: (Outcome.CREATE, "")}


def test_csv_with_bom_and_comma_is_read(coordinator):
    batch = checked(
        coordinator, "schenkers", csv_bytes("naam,soort\nBasisschool Ter Beke,school\n", bom=True)
    )
    assert outcomes(batch) == {2: (Outcome.CREATE, "")}


def test_csv_in_windows_1252_is_read(coordinator):
    data = csv_bytes("naam;soort\nCrèche Sint-Rémy;kinderopvang\n", encoding="cp1252")
    batch = checked(coordinator, "schenkers", data)
    assert batch.rows.get().cells["naam"] == "Crèche Sint-Rémy"
    services.apply_import(actor=coordinator, batch=batch)
    assert Donor.objects.filter(name="Crèche Sint-Rémy", kind=Donor.Kind.CHILDCARE).exists()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"naam;kleur\nLuiers;blauw\n", ["kleur", "naam, categorie"]),
        (b"categorie;eenheid\nLuiers;stuk\n", ["naam"]),
        (b"naam;naam\nLuiers;Luiers\n", ["naam"]),
        (b"", ["leeg", "empty"]),
        (b"naam;categorie\n", ["geen rijen", "no rows"]),
        (b"PK\x03\x04garbage", ["XLSX"]),
        (b"\x00\x01\x02\x03", ["CSV"]),
    ],
)
def test_a_bad_file_is_refused_with_a_message_and_nothing_is_stored(coordinator, data, words):
    with pytest.raises(DomainError) as err:
        upload(coordinator, "producten", data)
    assert any(word.lower() in str(err.value).lower() for word in words), str(err.value)
    assert not ImportBatch.objects.exists()


def test_too_big_and_too_many_rows_are_refused(coordinator, settings):
    settings.IMPORT_MAX_ROWS = 10
    rows = "".join(f"P{n};C\n" for n in range(11))
    with pytest.raises(DomainError, match="10"):
        upload(coordinator, "producten", csv_bytes("naam;categorie\n" + rows))
    settings.IMPORT_MAX_MEGABYTES = 1
    with pytest.raises(DomainError, match="1 MB"):
        upload(coordinator, "producten", b"naam;categorie\n" + b"x" * (1024 * 1024 + 1))
    assert not ImportBatch.objects.exists()


def test_templates_have_the_dutch_columns_and_read_back(coordinator):
    csv_template = services.template_csv("producten")
    assert csv_template.startswith(b"\xef\xbb\xbfnaam;categorie;eenheid;stuks_per_pak")
    xlsx_template = services.template_xlsx("producten")
    for name, data in (("t.csv", csv_template), ("t.xlsx", xlsx_template)):
        batch = checked(coordinator, "producten", data, name=name)
        assert batch.total_rows == 1
    for kind in ("schenkers", "uitleenobjecten", "gezinnen", "vrijwilligers"):
        assert services.template_csv(kind).startswith(b"\xef\xbb\xbf")


# --- Donors --------------------------------------------------------------------------------


def test_donors_create_update_and_refuse(coordinator):
    DonorFactory(name="Bakkerij Peeters", kind=Donor.Kind.COMPANY)
    data = csv_bytes(
        "naam;soort;email;bedankbrief\n"
        "Bakkerij Peeters;;bakker@peeters.be;nee\n"
        "Basisschool Ter Beke;school;;ja\n"
        "Rare schenker;ruimteschip;;\n"
        "Bakkerij Peeters;bedrijf;;\n"
    )
    batch = checked(coordinator, "schenkers", data)
    rows = outcomes(batch)
    assert rows[2] == (Outcome.UPDATE, "")
    assert rows[3] == (Outcome.CREATE, "")
    assert rows[4][0] == Outcome.REFUSE and "ruimteschip" in rows[4][1]
    assert rows[5][0] == Outcome.REFUSE and "2" in rows[5][1]
    services.apply_import(actor=coordinator, batch=batch)
    bakker = Donor.objects.get(name="Bakkerij Peeters")
    assert (bakker.email, bakker.wants_receipt) == ("bakker@peeters.be", False)
    assert Donor.objects.get(name="Basisschool Ter Beke").kind == Donor.Kind.SCHOOL


# --- Items ---------------------------------------------------------------------------------


def test_items_create_update_by_code_and_serial_and_refuse(coordinator):
    warehouse = LocationFactory(name="Magazijn Wiedauwkaai")
    buggy = ItemTypeFactory(name="Kinderwagen")
    by_code = ItemFactory(item_type=buggy, name="Oude wagen", location=warehouse)
    by_serial = ItemFactory(item_type=buggy, name="Joolz", location=warehouse, serial_number="JH-1")
    data = csv_bytes(
        "type;naam;code;serienummer;locatie;staat;toebehoren;verworven_op\n"
        f"Kinderwagen;Nieuwe wagen;;;Magazijn Wiedauwkaai;Goed;regenhoes, voetenzak;15/03/2025\n"
        f";Oude wagen (hersteld);{by_code.code};;;Als nieuw;;\n"
        f";;;JH-1;;Kras;;\n"
        f"Fiets;Kinderfiets;;;Magazijn Wiedauwkaai;;;\n"
        f"Kinderwagen;Wagen;;;Nergens;;;\n"
    )
    batch = checked(coordinator, "uitleenobjecten", data)
    rows = outcomes(batch)
    assert [rows[n][0] for n in (2, 3, 4)] == [Outcome.CREATE, Outcome.UPDATE, Outcome.UPDATE]
    assert "Fiets" in rows[5][1]
    assert "Nergens" in rows[6][1]
    assert Item.objects.count() == 2
    services.apply_import(actor=coordinator, batch=batch)
    new = Item.objects.get(name="Nieuwe wagen")
    assert new.accessories == ["regenhoes", "voetenzak"]
    assert new.acquired_on.isoformat() == "2025-03-15"
    assert new.status == Item.Status.AVAILABLE
    by_code.refresh_from_db()
    by_serial.refresh_from_db()
    assert (by_code.name, by_code.condition) == ("Oude wagen (hersteld)", "Als nieuw")
    assert by_serial.condition == "Kras"


# --- Households ----------------------------------------------------------------------------


def test_households_are_created_with_minimal_data_and_audit_logged(coordinator):
    MunicipalityFactory(name="Melle", postcodes=["9090"])
    data = csv_bytes(
        "postcode;gemeente;volwassenen;kinderen;taal\n"
        "9000;;2;03/2024, 11/2021;nl\n"
        ";Melle;1;2025-01;Frans\n"
        "123;;1;;nl\n"
        "9000;;1;13/2024;nl\n"
        "9000;;0;;nl\n"
    )
    batch = checked(coordinator, "gezinnen", data)
    rows = outcomes(batch)
    assert [rows[n][0] for n in (2, 3)] == [Outcome.CREATE, Outcome.CREATE]
    assert all(rows[n][0] == Outcome.REFUSE and rows[n][1] for n in (4, 5, 6))
    assert not Household.objects.exists()
    services.apply_import(actor=coordinator, batch=batch)

    first, second = Household.objects.order_by("id")
    assert (first.postcode, first.adults, first.language) == ("9000", 2, "nl")
    assert sorted((c.birth_month, c.birth_year) for c in first.children.all()) == [
        (3, 2024),
        (11, 2021),
    ]
    assert (second.postcode, second.municipality.name, second.language) == ("9090", "Melle", "fr")
    assert first.first_name == first.email == first.phone == ""
    assert AuditEntry.objects.filter(action="import", object_id=str(batch.pk)).exists()
    assert AuditEntry.objects.filter(action="create", object_type="toegang.household").count() == 2
    # The staged personal data is gone; numbers and outcomes stay for the result page.
    batch.refresh_from_db()
    assert batch.purged_at is not None
    assert not batch.rows.exclude(cells={}).exists()
    assert not batch.rows.exclude(reason="").exists()


def test_every_applied_import_forgets_its_cells_but_keeps_number_outcome_and_object(
    coordinator,
):
    # Donors are not only schools: a resident donor's row holds a name, e-mail and street.
    data = csv_bytes(
        "naam;soort;contactpersoon;email;straat\n"
        "Els Peeters;inwoner;Els Peeters;els@example.org;Dorpstraat 1\n"
        "Els Peeters;inwoner;;;\n"
    )
    batch = checked(coordinator, "schenkers", data)
    services.apply_import(actor=coordinator, batch=batch)
    batch.refresh_from_db()
    donor = Donor.objects.get(name="Els Peeters")
    assert batch.purged_at is not None
    assert [
        (r.number, r.outcome, r.object_id, r.cells, r.reason) for r in batch.rows.order_by("number")
    ] == [
        (2, Outcome.CREATE, donor.pk, {}, ""),
        (3, Outcome.REFUSE, None, {}, ""),
    ]
    assert AuditEntry.objects.filter(action="import", object_id=str(batch.pk)).exists()

    products = checked(coordinator, "producten", csv_bytes("naam;categorie\nEerste;Luiers\n"))
    services.apply_import(actor=coordinator, batch=products)
    row = products.rows.get()
    assert (row.cells, row.outcome, row.object_id) == (
        {},
        Outcome.CREATE,
        Product.objects.get(name="Eerste").pk,
    )


def test_households_refuse_names_and_contact_columns(coordinator):
    with pytest.raises(DomainError, match="voornaam"):
        upload(coordinator, "gezinnen", csv_bytes("postcode;voornaam\n9000;Fatima\n"))


# --- Volunteers ----------------------------------------------------------------------------


def test_volunteers_create_update_by_email_and_refuse(coordinator):
    point = LocationFactory(name="Uitdeelpunt Centrum")
    first_aid = SkillFactory(code="ehbo", name="EHBO")
    known = VolunteerFactory(user=UserFactory(username="mieke", email="mieke@example.org"))
    data = csv_bytes(
        "voornaam;achternaam;email;telefoon;locaties;vaardigheden\n"
        "Jan;Claes;jan@example.org;0470 12 34 56;Uitdeelpunt Centrum;EHBO\n"
        "Mieke;;MIEKE@example.org;09 222 33 44;;ehbo\n"
        "Piet;;geen-adres;;;\n"
        "Els;;els@example.org;;Uitdeelpunt Nergens;\n"
        "Jan;;jan@example.org;;;\n"
    )
    batch = checked(coordinator, "vrijwilligers", data)
    rows = outcomes(batch)
    assert rows[2] == (Outcome.CREATE, "")
    assert rows[3] == (Outcome.UPDATE, "")
    assert "geen-adres" in rows[4][1]
    assert "Nergens" in rows[5][1]
    assert rows[6][0] == Outcome.REFUSE
    assert not Volunteer.objects.filter(user__email="jan@example.org").exists()

    services.apply_import(actor=coordinator, batch=batch)

    jan = Volunteer.objects.get(user__email="jan@example.org")
    assert (jan.user.username, jan.user.first_name, jan.phone) == (
        "jan@example.org",
        "Jan",
        "0470 12 34 56",
    )
    assert list(jan.user.locations.all()) == [point]
    assert list(jan.skills.values_list("skill", flat=True)) == [first_aid.pk]
    known.refresh_from_db()
    assert known.phone == "09 222 33 44"
    assert known.skills.filter(skill=first_aid).exists()
    assert AuditEntry.objects.filter(action="import", object_id=str(batch.pk)).exists()
    batch.refresh_from_db()
    assert not batch.rows.exclude(cells={}).exists()


# --- Permissions, cancel, expiry -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "role"),
    [
        ("producten", Role.VOLUNTEER),
        ("schenkers", Role.SOCIAL_WORKER),
        ("uitleenobjecten", Role.ADMIN),
        ("gezinnen", Role.VOLUNTEER),
        ("vrijwilligers", Role.SOCIAL_WORKER),
    ],
)
def test_only_the_right_role_may_import(kind, role):
    user = UserFactory(role=role)
    with pytest.raises(NotAllowed):
        upload(user, kind, csv_bytes("naam\nx\n"))


def test_each_kind_has_its_own_permission(coordinator):
    assert services.kinds_for(coordinator) == [
        "producten",
        "schenkers",
        "uitleenobjecten",
        "gezinnen",
        "vrijwilligers",
    ]
    assert services.kinds_for(UserFactory(role=Role.VOLUNTEER)) == []


def test_someone_elses_import_is_not_found(coordinator):
    batch = upload(coordinator, "producten", csv_bytes("naam;categorie\nA;B\n"))
    other = UserFactory(role=Role.COORDINATOR)
    with pytest.raises(DomainError):
        services.get_batch(actor=other, batch_id=batch.pk)
    assert services.get_batch(actor=coordinator, batch_id=batch.pk) == batch


def test_cancel_deletes_the_staged_rows(coordinator):
    batch = checked(coordinator, "gezinnen", csv_bytes("postcode;volwassenen\n9000;2\n"))
    batch = services.cancel_import(actor=coordinator, batch=batch)
    assert batch.status == Status.CANCELLED
    assert not batch.rows.exists()
    assert not Household.objects.exists()
    with pytest.raises(DomainError):
        services.apply_import(actor=coordinator, batch=batch)


def test_stale_imports_expire_and_lose_their_rows(coordinator):
    from django.utils import timezone

    old = upload(coordinator, "gezinnen", csv_bytes("postcode;volwassenen\n9000;2\n"))
    fresh = upload(coordinator, "producten", csv_bytes("naam;categorie\nA;B\n"))
    ImportBatch.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - services.STALE_AFTER - timezone.timedelta(minutes=1)
    )
    assert services.expire_stale_imports() == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == Status.CANCELLED and not old.rows.exists()
    assert fresh.status == Status.UPLOADED and fresh.rows.exists()


def test_an_unforeseen_error_refuses_the_row_and_the_others_go_on(coordinator):
    data = csv_bytes("naam;categorie\nEerste;Luiers\nTweede;Luiers\n")
    batch = upload(coordinator, "producten", data)
    real_run = Products.run

    def odd_run(self, *, actor, cells):
        if cells["naam"] == "Eerste":
            raise ValueError("waarde buiten bereik")
        return real_run(self, actor=actor, cells=cells)

    with mock.patch.object(Products, "run", odd_run):
        batch = services.check_all(actor=coordinator, batch=batch)
    rows = outcomes(batch)
    assert rows[2][0] == Outcome.REFUSE and "Rij 2" in rows[2][1]
    assert rows[3] == (Outcome.CREATE, "")


def test_an_unforeseen_database_error_is_logged_and_explained_in_dutch(coordinator, caplog):
    from django.db import DataError, IntegrityError

    data = csv_bytes(
        "naam;categorie;stuks_per_pak\n"
        "Eerste;Luiers;44\n"
        "Tweede;Luiers;99999999999\n"
        "Derde;Luiers;1\n"
    )
    batch = upload(coordinator, "producten", data)
    real_run = Products.run

    def odd_run(self, *, actor, cells):
        if cells["naam"] == "Eerste":
            raise IntegrityError("NOT NULL constraint failed: voorraad_product.name")
        if cells["naam"] == "Tweede":
            raise DataError("integer out of range")
        return real_run(self, actor=actor, cells=cells)

    with caplog.at_level("WARNING"), mock.patch.object(Products, "run", odd_run):
        batch = services.check_all(actor=coordinator, batch=batch)
    rows = outcomes(batch)
    first, second = rows[2][1], rows[3][1]
    assert "constraint" not in first and "voorraad_product" not in first
    assert "Rij 2" in first and "naam" in first
    assert "out of range" not in second
    assert "Rij 3" in second and "stuks_per_pak" in second and "te groot" in second
    assert rows[4] == (Outcome.CREATE, "")
    assert "NOT NULL constraint failed" in caplog.text  # the technical text is in the log
    assert "integer out of range" in caplog.text


def test_rows_without_the_key_are_refused_for_that_not_as_duplicates(coordinator):
    data = csv_bytes("voornaam;email\nJan;\nPiet;\n")
    rows = outcomes(checked(coordinator, "vrijwilligers", data))
    assert all(outcome == Outcome.REFUSE for outcome, _reason in rows.values())
    assert all("email" in reason and "rij" not in reason for _o, reason in rows.values())
