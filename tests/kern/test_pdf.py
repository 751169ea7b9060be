"""The PDF house style of kern.pdf: how a PDF is served (never cached; private when it
carries personal data), the date format, the language switch, page numbers, and the
distribution points with their opening hours."""

from __future__ import annotations

import datetime as dt
import subprocess
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import translation
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak

from kern import pdf
from kern.models import Location, OpeningHours
from tests.conftest import require_tool
from tests.factories import LocationFactory
from tests.voorraad.factories import ProductFactory
from voorraad import services
from voorraad.models import Donor

# --- Serving ------------------------------------------------------------------------------


def test_a_pdf_with_personal_data_is_private_and_never_stored():
    response = pdf.pdf_response(b"%PDF-1.4", filename="brief.pdf", personal=True)
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"] == 'inline; filename="brief.pdf"'
    assert response.content == b"%PDF-1.4"


def test_a_pdf_without_personal_data_is_still_never_stored():
    response = pdf.pdf_response(b"%PDF-1.4", filename="telblad.pdf", personal=False)
    assert response["Cache-Control"] == "no-store"


def test_a_pdf_can_be_served_as_a_download():
    response = pdf.pdf_response(b"%PDF", filename="x.pdf", personal=False, attachment=True)
    assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.django_db
def test_the_donation_thank_you_letter_with_the_donors_address_is_private_and_no_store(
    login, coordinator, point
):
    donor = Donor.objects.create(
        name="Familie Peeters",
        kind=Donor.Kind.RESIDENT,
        street="Kerkstraat 1",
        postcode="9000",
        city="Gent",
    )
    donation = services.receive_donation(
        actor=coordinator,
        donor=donor,
        location=point,
        lines=[services.Line(ProductFactory(), 3)],
    )
    response = login(coordinator).get(reverse("voorraad:donation_letter", args=[donation.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"%PDF")


@pytest.mark.django_db
def test_the_stock_sheets_are_no_store(login, coordinator, point, other_point):
    product = ProductFactory()
    services.receive_donation(
        actor=coordinator,
        donor=services.anonymous_donor(),
        location=point,
        lines=[services.Line(product, 5)],
    )
    transfer = services.plan_transfer(
        actor=coordinator,
        from_location=point,
        to_location=other_point,
        lines=[services.Line(product, 2)],
    )
    count = services.start_count(actor=coordinator, location=point)
    client = login(coordinator)
    for url in (
        reverse("voorraad:transfer_picklist", args=[transfer.pk]),
        reverse("voorraad:count_sheet", args=[count.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store"


# --- Text ---------------------------------------------------------------------------------


def test_a_day_is_written_day_month_year():
    assert pdf.format_day(dt.date(2025, 1, 31)) == "31/01/2025"


def test_a_moment_is_written_as_its_local_day(settings):
    late_utc = dt.datetime(2025, 3, 31, 22, 30, tzinfo=zoneinfo.ZoneInfo("UTC"))
    assert pdf.format_day(late_utc) == "01/04/2025"  # Brussels is two hours ahead


def test_a_paragraph_escapes_markup_in_names():
    paragraph = pdf.paragraph("Tom & Jerry <vzw>")
    assert "Tom &amp; Jerry &lt;vzw&gt;" in paragraph.text


def test_lines_markup_skips_empty_parts():
    assert pdf.lines_markup("A & B", "", "C") == "A &amp; B<br/>C"


def test_in_language_renders_in_the_asked_language_and_then_restores_the_active_one():
    with translation.override("en"):
        said = pdf.in_language(lambda: translation.get_language().encode(), "nl-be")
        assert said == b"nl-be"
        assert translation.get_language() == "en"
        assert pdf.in_language(lambda: translation.get_language().encode(), None) == b"nl-be"


# --- Pages --------------------------------------------------------------------------------


def test_every_page_says_page_x_of_y(tmp_path):
    pdftotext = require_tool("pdftotext", "apt-get install poppler-utils")
    story = [pdf.paragraph("een"), PageBreak(), pdf.paragraph("twee"), PageBreak()]
    story.append(pdf.BarcodeFlowable("P-000001", width=60 * mm, bar_height=10 * mm))
    story.append(pdf.WriteInBox(8 * mm, 8 * mm))
    with translation.override("nl-be"):
        content = pdf.render(story, title="Test", footer="Voettekst", watermark="ONTWERP")
    path = tmp_path / "test.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        [pdftotext, "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = text.split("\f")
    assert "Pagina 1 van 3" in pages[0] and "Pagina 3 van 3" in pages[2]
    assert all("Voettekst" in page for page in pages[:3])


# --- Places -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_distribution_points_are_the_active_ones_with_their_hours(point):
    LocationFactory(name="Gesloten punt", is_active=False)
    LocationFactory(name="Magazijn", kind=Location.Kind.WAREHOUSE)
    OpeningHours.objects.create(location=point, weekday=0, opens=dt.time(9), closes=dt.time(12))
    OpeningHours.objects.create(
        location=point, weekday=0, opens=dt.time(13, 30), closes=dt.time(16)
    )
    OpeningHours.objects.create(location=point, weekday=2, opens=dt.time(14), closes=dt.time(17))
    points = list(pdf.distribution_points())
    assert points == [point]
    with translation.override("nl-be"):
        assert pdf.opening_hours_lines(points[0]) == [
            "Maandag 09:00–12:00, 13:30–16:00",
            "Woensdag 14:00–17:00",
        ]
    table = pdf.opening_hours_table(points)
    assert len(table._cellvalues) == 2  # the header and one point
