"""The printed stock documents: the donor's thank-you letter, the pick list of a transfer
and the blind count sheet. Each PDF is read back the way a person or a scanner would:
its text with pdftotext, its barcodes rasterised with pdftoppm and decoded with zbarimg.

Texts are compared with what the Dutch catalogue gives for their message id, so these
tests follow the catalogue as the translations are filled in."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone, translation

from kern.models import Location
from tests.conftest import require_tool
from tests.factories import LocationFactory, OrganisationFactory
from voorraad.documents import (
    count_sheet_pdf,
    donation_letter_pdf,
    format_euro,
    transfer_picklist_pdf,
)
from voorraad.models import Category, CollectionDrive, Donation, Donor, Product, StockLevel
from voorraad.services import (
    Line,
    describe_units,
    plan_transfer,
    receive_donation,
    save_product,
    set_donation_line,
    start_count,
    start_donation,
    transfer_stock,
)


def nl(msgid: str) -> str:
    """What the Dutch interface shows for ``msgid``."""
    with translation.override("nl-be"):
        return translation.gettext(msgid)


def nl_in(context: str, msgid: str) -> str:
    with translation.override("nl-be"):
        return translation.pgettext(context, msgid)


def units_nl(product: Product, units: int) -> str:
    with translation.override("nl-be"):
        return describe_units(product, units)


# --- Reading a PDF back -----------------------------------------------------------------


def pdf_text(pdf: bytes, tmp_path: Path, *, page: int | None = None) -> str:
    """The text of the PDF (or of one page), with all whitespace runs made one space."""
    pdftotext = require_tool("pdftotext", "apt-get install poppler-utils")
    source = tmp_path / "document.pdf"
    source.write_bytes(pdf)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    found = subprocess.run(
        [pdftotext, *pages, source, "-"], capture_output=True, text=True, check=True
    )
    return " ".join(found.stdout.split())


def pages_as_png(pdf: bytes, tmp_path: Path) -> list[Path]:
    pdftoppm = require_tool("pdftoppm", "apt-get install poppler-utils")
    source = tmp_path / "scan.pdf"
    source.write_bytes(pdf)
    subprocess.run([pdftoppm, "-r", "200", "-gray", "-png", source, tmp_path / "page"], check=True)
    return sorted(tmp_path.glob("page-*.png"))


def decode(page: Path) -> list[str]:
    zbarimg = require_tool("zbarimg", "apt-get install zbar-tools")
    found = subprocess.run(
        [zbarimg, "--quiet", "--raw", "-Sdisable", "-Scode128.enable", page],
        capture_output=True,
        text=True,
    )
    return [line for line in found.stdout.splitlines() if line]


def decode_pdf(pdf: bytes, tmp_path: Path) -> list[str]:
    return [value for page in pages_as_png(pdf, tmp_path) for value in decode(page)]


# --- Data -------------------------------------------------------------------------------


def make_product(actor, name: str, *, category: str = "Baby", pack_size: int = 1, value="0"):
    category_obj, _ = Category.objects.get_or_create(name=category)
    return save_product(
        actor=actor,
        product=Product(
            name=name, category=category_obj, pack_size=pack_size, value_per_unit=Decimal(value)
        ),
    )


@pytest.fixture
def sender(point):
    organisation = OrganisationFactory(
        name="Sociaal Huis Gent", email="deelpunt@sociaalhuis.example", phone="09 123 45 67"
    )
    point.organisation = organisation
    point.street, point.postcode, point.city = "Kerkstraat 1", "9000", "Gent"
    point.save()
    return organisation


@pytest.fixture
def school(db):
    return Donor.objects.create(
        name="Basisschool De Regenboog",
        kind=Donor.Kind.SCHOOL,
        contact_person="Els Peeters",
        street="Schoolstraat 12",
        postcode="9050",
        city="Gentbrugge",
    )


@pytest.fixture
def diapers(coordinator):
    return make_product(coordinator, "Luiers maat 4", pack_size=44, value="0.25")


@pytest.fixture
def shampoo(coordinator):
    return make_product(
        coordinator, "Shampoo & douchegel <500 ml>", category="Verzorging", value="3.10"
    )


@pytest.fixture
def baby_food(coordinator):
    product = make_product(coordinator, "Babyvoeding 1", value="1.00")
    Product.objects.filter(pk=product.pk).update(last_cost_per_unit=Decimal("1.50"))
    product.refresh_from_db()
    return product


@pytest.fixture
def warehouse(db):
    return LocationFactory(
        name="Magazijn Dok Noord",
        kind=Location.Kind.WAREHOUSE,
        street="Dok Noord 7",
        postcode="9000",
        city="Gent",
    )


@pytest.fixture
def donation(coordinator, point, sender, school, diapers, shampoo, baby_food):
    today = timezone.localdate()
    drive = CollectionDrive.objects.create(
        name="Luierinzameling voorjaar",
        starts_on=today - dt.timedelta(days=10),
        ends_on=today + dt.timedelta(days=10),
    )
    return receive_donation(
        actor=coordinator,
        donor=school,
        location=point,
        drive=drive,
        received_on=today - dt.timedelta(days=3),
        lines=[Line(diapers, 93), Line(shampoo, 4), Line(baby_food, 10)],
    )


# --- Money ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("12.5"), "€ 12,50"),
        (Decimal("0"), "€ 0,00"),
        (Decimal("1234.5"), "€ 1.234,50"),
        (Decimal("1234567.891"), "€ 1.234.567,89"),
        (Decimal("0.005"), "€ 0,01"),
    ],
)
def test_money_is_written_belgian_style(amount, text):
    assert format_euro(amount) == text


# --- Thank-you letter -------------------------------------------------------------------


def test_donation_letter_thanks_the_donor_with_sender_and_addresses(donation, tmp_path):
    text = pdf_text(donation_letter_pdf(donation), tmp_path)
    for expected in (
        "Sociaal Huis Gent",
        "Uitdeelpunt Centrum",
        "Kerkstraat 1",
        "9000 Gent",
        "Basisschool De Regenboog",
        "Schoolstraat 12",
        "9050 Gentbrugge",
        nl("Thank you for your donation"),
        nl("Dear %(name)s,") % {"name": "Els Peeters"},
        f"Gent, {timezone.localdate():%d/%m/%Y}",
        f"{donation.received_on:%d/%m/%Y}",
    ):
        assert expected in text, expected


def test_donation_letter_lists_quantities_and_estimated_values_with_a_total(
    donation, diapers, shampoo, baby_food, tmp_path
):
    text = pdf_text(donation_letter_pdf(donation), tmp_path)
    assert "Luiers maat 4" in text
    assert units_nl(diapers, 93) in text  # 2 packs and 5 units
    assert "€ 23,25" in text  # 93 × € 0,25
    assert "Shampoo & douchegel <500 ml>" in text
    assert units_nl(shampoo, 4) in text
    assert "€ 12,40" in text  # 4 × € 3,10
    assert "Babyvoeding 1" in text
    assert "€ 15,00" in text  # 10 × the last purchase cost € 1,50, not the estimate € 1,00
    assert "€ 10,00" not in text
    assert nl("Estimated total value") in text
    assert "€ 50,65" in text


def test_donation_letter_names_the_collection_drive(donation, tmp_path):
    text = pdf_text(donation_letter_pdf(donation), tmp_path)
    assert "Luierinzameling voorjaar" in text


def test_donation_letter_says_the_value_is_an_estimate_and_not_a_tax_certificate(
    donation, tmp_path
):
    text = pdf_text(donation_letter_pdf(donation), tmp_path)
    closing = nl(
        "The values are an estimate, based on what these products usually cost. This "
        "letter is a thank-you and a receipt for your records, not a tax certificate."
    )
    assert closing in text


def test_donation_letter_carries_the_donation_code_as_a_barcode(donation, tmp_path):
    assert decode_pdf(donation_letter_pdf(donation), tmp_path) == [donation.code]


def test_posted_donation_letter_is_not_marked_as_draft(donation, tmp_path):
    text = pdf_text(donation_letter_pdf(donation), tmp_path)
    assert nl("DRAFT") not in text


def test_draft_donation_letter_is_marked_as_draft_and_still_renders(
    coordinator, point, school, diapers, tmp_path
):
    draft = start_donation(actor=coordinator, donor=school, location=point)
    set_donation_line(actor=coordinator, donation=draft, product=diapers, units=44)
    assert draft.status == Donation.Status.DRAFT
    pdf = donation_letter_pdf(draft)
    text = pdf_text(pdf, tmp_path)
    assert nl("DRAFT: not booked yet, do not send.") in text
    assert units_nl(diapers, 44) in text
    assert "€ 11,00" in text
    assert "Deelpunt" in text  # the point is not run by an organisation: the fallback sender
    assert decode_pdf(pdf, tmp_path) == [draft.code]


def test_donation_letter_to_an_anonymous_donor_greets_without_a_name(
    coordinator, point, diapers, tmp_path
):
    anonymous = Donor.objects.create(name="Anonieme schenker", kind=Donor.Kind.ANONYMOUS)
    gift = receive_donation(
        actor=coordinator, donor=anonymous, location=point, lines=[Line(diapers, 10)]
    )
    text = pdf_text(donation_letter_pdf(gift), tmp_path)
    assert nl("Dear donor,") in text
    assert nl("Dear %(name)s,") % {"name": "Anonieme schenker"} not in text


def test_donation_letter_follows_the_language_asked_for(donation, tmp_path):
    text = pdf_text(donation_letter_pdf(donation, language="en"), tmp_path)
    assert "Thank you for your donation" in text
    assert "not a tax certificate" in text
    assert "€ 50,65" in text


# --- Pick list --------------------------------------------------------------------------


@pytest.fixture
def transfer(coordinator, donation, point, warehouse, diapers, shampoo, baby_food):
    return transfer_stock(
        actor=coordinator,
        from_location=point,
        to_location=warehouse,
        lines=[Line(diapers, 49), Line(shampoo, 2), Line(baby_food, 10)],
        note="Voor de actie in Melle",
    )


def test_pick_list_shows_both_locations_date_status_and_lines(transfer, diapers, shampoo, tmp_path):
    text = pdf_text(transfer_picklist_pdf(transfer), tmp_path)
    for expected in (
        nl("Pick list"),
        nl_in("transfer", "From"),
        "Uitdeelpunt Centrum",
        nl_in("transfer", "To"),
        "Magazijn Dok Noord",
        "Dok Noord 7, 9000 Gent",
        f"{timezone.localtime(transfer.created_at):%d/%m/%Y}",
        nl("done"),
        "Voor de actie in Melle",
        "Luiers maat 4",
        units_nl(diapers, 49),
        "Shampoo & douchegel <500 ml>",
        units_nl(shampoo, 2),
        "Babyvoeding 1",
        nl("Taken"),
        nl("Prepared by"),
        nl("Received by"),
    ):
        assert expected in text, expected


def test_pick_list_transfer_code_and_every_product_code_scan_back(
    transfer, diapers, shampoo, baby_food, tmp_path
):
    decoded = decode_pdf(transfer_picklist_pdf(transfer), tmp_path)
    expected = [transfer.code, diapers.code, shampoo.code, baby_food.code]
    assert sorted(decoded) == sorted(expected)


def test_pick_list_of_a_planned_transfer_says_it_is_planned(
    coordinator, donation, point, warehouse, diapers, tmp_path
):
    planned = plan_transfer(
        actor=coordinator, from_location=point, to_location=warehouse, lines=[Line(diapers, 44)]
    )
    text = pdf_text(transfer_picklist_pdf(planned), tmp_path)
    assert nl("planned") in text
    assert units_nl(diapers, 44) in text


# --- Count sheet ------------------------------------------------------------------------


@pytest.fixture
def stocked_point(coordinator, donation, point, warehouse, baby_food):
    """The point after the donation, with the baby food all moved out (0 on hand)."""
    transfer_stock(
        actor=coordinator, from_location=point, to_location=warehouse, lines=[Line(baby_food, 10)]
    )
    assert StockLevel.objects.get(product=baby_food, location=point).on_hand == 0
    return point


def test_count_sheet_has_title_start_date_and_a_row_per_product_kept_there(
    coordinator, stocked_point, diapers, shampoo, baby_food, tmp_path
):
    count = start_count(actor=coordinator, location=stocked_point)
    text = pdf_text(count_sheet_pdf(count), tmp_path)
    assert nl("Count sheet %(location)s") % {"location": "Uitdeelpunt Centrum"} in text
    assert f"{timezone.localtime(count.started_at):%d/%m/%Y}" in text
    for expected in (
        "Luiers maat 4",
        "Shampoo & douchegel <500 ml>",
        "Babyvoeding 1",  # nothing on hand, but kept here: it is counted too
        nl("per %(n)d") % {"n": 44},
        nl("Packs"),
        nl("Loose units"),
    ):
        assert expected in text, expected


def test_count_sheet_leaves_out_products_not_kept_at_the_location(
    coordinator, stocked_point, tmp_path
):
    make_product(coordinator, "Kinderfiets 20 inch")  # never at this point
    count = start_count(actor=coordinator, location=stocked_point)
    assert "Kinderfiets 20 inch" not in pdf_text(count_sheet_pdf(count), tmp_path)


def test_count_sheet_is_ordered_by_category_then_product(coordinator, point, tmp_path):
    names = [("Zeep", "Verzorging"), ("Aftershave", "Verzorging"), ("Zuigfles", "Baby")]
    products = [make_product(coordinator, name, category=cat) for name, cat in names]
    donor = Donor.objects.create(name="Bakkerij Van Hove", kind=Donor.Kind.COMPANY)
    receive_donation(
        actor=coordinator, donor=donor, location=point, lines=[Line(p, 3) for p in products]
    )
    count = start_count(actor=coordinator, location=point)
    text = pdf_text(count_sheet_pdf(count), tmp_path)
    order = ["Baby", "Zuigfles", "Verzorging", "Aftershave", "Zeep"]
    positions = [text.index(name) for name in order]
    assert positions == sorted(positions)


def test_count_sheet_does_not_show_the_expected_quantity(coordinator, point, diapers, tmp_path):
    donor = Donor.objects.create(name="Bakkerij Van Hove", kind=Donor.Kind.COMPANY)
    receive_donation(actor=coordinator, donor=donor, location=point, lines=[Line(diapers, 4271)])
    count = start_count(actor=coordinator, location=point)
    text = pdf_text(count_sheet_pdf(count), tmp_path)
    assert "Luiers maat 4" in text
    assert not re.search(r"\b4271\b", text)
    assert units_nl(diapers, 4271) not in text  # 97 packs and 3 units
    assert not re.search(r"\b97\b", text)


def test_count_sheet_product_codes_scan_back(
    coordinator, stocked_point, diapers, shampoo, baby_food, tmp_path
):
    count = start_count(actor=coordinator, location=stocked_point)
    decoded = decode_pdf(count_sheet_pdf(count), tmp_path)
    assert sorted(decoded) == sorted([diapers.code, shampoo.code, baby_food.code])


def test_long_count_sheet_flows_over_pages_repeating_the_header_and_every_code_scans(
    coordinator, point, tmp_path
):
    products = [
        make_product(
            coordinator,
            f"Product {number:02d}",
            category=f"Categorie {number % 4}",
            pack_size=1 + number % 3 * 10,
        )
        for number in range(60)
    ]
    donor = Donor.objects.create(name="Bakkerij Van Hove", kind=Donor.Kind.COMPANY)
    receive_donation(
        actor=coordinator, donor=donor, location=point, lines=[Line(p, 5) for p in products]
    )
    count = start_count(actor=coordinator, location=point)
    pdf = count_sheet_pdf(count)

    pages = pages_as_png(pdf, tmp_path)
    assert len(pages) > 1
    decoded = [value for page in pages for value in decode(page)]
    assert sorted(decoded) == sorted(product.code for product in products)
    for number in range(1, len(pages) + 1):
        page_text = pdf_text(pdf, tmp_path, page=number)
        assert nl("Loose units") in page_text, f"no header row on page {number}"
        assert nl("Page %(page)d of %(pages)d") % {"page": number, "pages": len(pages)} in (
            page_text
        )
