"""Screens for donors, donations (scan intake), collection drives and purchases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kern.barcodes import CodeType, encode
from kern.models import Location
from tests.voorraad.factories import (
    CollectionPointFactory,
    DonorFactory,
    DraftDonationFactory,
    DriveFactory,
    ProductFactory,
    PurchaseFactory,
    ean13,
)
from voorraad import services
from voorraad.models import (
    CollectionDrive,
    Donation,
    DonationLine,
    Donor,
    Product,
    ProductBarcode,
    Purchase,
    StockLevel,
    StockMovement,
    Supplier,
)
from voorraad.views import donations as donation_views

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def diapers(db):
    return ProductFactory(name="Luiers maat 4", pack_size=44)


@pytest.fixture
def wipes(db):
    return ProductFactory(name="Vochtige doekjes", pack_size=80)


@pytest.fixture
def records(coordinator, point, diapers):
    """One of every record the screens show."""
    donor = DonorFactory(name="Basisschool De Linde")
    drive = DriveFactory(name="Luierinzameling")
    draft = DraftDonationFactory(
        donor=donor, location=point, drive=drive, created_by=coordinator, lines=[(diapers, 44)]
    )
    posted = DraftDonationFactory(donor=donor, location=point, created_by=coordinator)
    DonationLine.objects.create(donation=posted, product=diapers, quantity=88)
    services.post_donation(actor=coordinator, donation=posted)
    purchase = PurchaseFactory(location=point, created_by=coordinator, lines=[(diapers, 44, "0.2")])
    return {"donor": donor, "drive": drive, "draft": draft, "posted": posted, "purchase": purchase}


def _pages(records) -> list[str]:
    donor, drive = records["donor"].pk, records["drive"].pk
    return [
        reverse("voorraad:donor_list"),
        reverse("voorraad:donor_create"),
        reverse("voorraad:donor_detail", args=[donor]),
        reverse("voorraad:donor_edit", args=[donor]),
        reverse("voorraad:donation_list"),
        reverse("voorraad:donation_start"),
        reverse("voorraad:donation_intake", args=[records["draft"].pk]),
        reverse("voorraad:donation_detail", args=[records["draft"].pk]),
        reverse("voorraad:donation_detail", args=[records["posted"].pk]),
        reverse("voorraad:drive_list"),
        reverse("voorraad:drive_create"),
        reverse("voorraad:drive_detail", args=[drive]),
        reverse("voorraad:drive_edit", args=[drive]),
        reverse("voorraad:purchase_list"),
        reverse("voorraad:purchase_create"),
        reverse("voorraad:purchase_detail", args=[records["purchase"].pk]),
    ]


def test_coordinator_sees_every_page(login, coordinator, records):
    client = login(coordinator)
    for url in _pages(records):
        response = client.get(url)
        assert response.status_code == 200, url


def test_volunteer_is_refused_every_page(login, volunteer, records):
    client = login(volunteer)
    for url in _pages(records):
        assert client.get(url).status_code == 403, url
    draft = records["draft"]
    for name in ("donation_scan", "donation_map_gtin", "donation_post"):
        url = reverse(f"voorraad:{name}", args=[draft.pk])
        assert client.post(url, {"code": "x"}).status_code == 403, url
    assert draft.lines.count() == 1


def test_posted_intake_url_shows_the_detail(login, coordinator, records):
    posted = records["posted"]
    response = login(coordinator).get(reverse("voorraad:donation_intake", args=[posted.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("voorraad:donation_detail", args=[posted.pk])


# --- The intake journey -----------------------------------------------------------------


def _scan(client, donation, code, **extra):
    return client.post(
        reverse("voorraad:donation_scan", args=[donation.pk]), {"code": code, **extra}, **HTMX
    )


def _units(donation) -> dict[str, int]:
    return dict(donation.lines.values_list("product__name", "quantity"))


def test_intake_journey_from_start_to_booking(login, coordinator, point, diapers, wipes):
    donor = DonorFactory(name="Kinderopvang Het Nest", kind=Donor.Kind.CHILDCARE)
    client = login(coordinator)

    page = client.get(reverse("voorraad:donation_start"))
    assert f'value="{point.pk}"' in page.content.decode()
    response = client.post(
        reverse("voorraad:donation_start"),
        {
            "donor": donor.pk,
            "location": point.pk,
            "received_on": timezone.localdate().isoformat(),
            "note": "twee dozen",
        },
    )
    donation = Donation.objects.get(donor=donor)
    assert response.status_code == 302
    assert response["Location"] == reverse("voorraad:donation_intake", args=[donation.pk])
    assert donation.status == Donation.Status.DRAFT and donation.created_by == coordinator

    html = client.get(response["Location"]).content.decode()
    assert "data-scan-form" in html and 'data-scan-target="#scan-results"' in html
    assert "data-scan-input" in html and 'name="aantal"' in html
    assert reverse("voorraad:donation_scan", args=[donation.pk]) in html

    # A product label counts one pack; a second scan adds to the same line.
    first = _scan(client, donation, diapers.code)
    assert 'data-scan-outcome="added"' in first.content.decode()
    answer = _scan(client, donation, diapers.code.lower()).content.decode()
    assert _units(donation) == {"Luiers maat 4": 88}
    assert 'id="donation-lines"' in answer and 'hx-swap-oob="true"' in answer
    assert 'data-quantity="88"' in answer

    # An EAN nobody mapped: the answer offers the mapping form and adds nothing.
    gtin = ean13("541234500001")
    answer = _scan(client, donation, gtin).content.decode()
    assert 'data-scan-outcome="unknown_gtin"' in answer
    assert "data-map-gtin-form" in answer
    assert reverse("voorraad:donation_map_gtin", args=[donation.pk]) in answer
    assert f'value="{gtin}"' in answer
    assert _units(donation) == {"Luiers maat 4": 88}

    # Map it (ten wipes per scanned pack): the scan that found it is counted.
    answer = client.post(
        reverse("voorraad:donation_map_gtin", args=[donation.pk]),
        {"gtin": gtin, "aantal": "1", "product": wipes.pk, "units": "10"},
        **HTMX,
    ).content.decode()
    assert 'data-scan-outcome="added"' in answer
    assert ProductBarcode.objects.get(gtin=gtin).product == wipes
    assert _units(donation) == {"Luiers maat 4": 88, "Vochtige doekjes": 10}

    # Scanned again it is known; "aantal" counts several packs at once.
    _scan(client, donation, gtin, aantal="3")
    assert _units(donation) == {"Luiers maat 4": 88, "Vochtige doekjes": 40}

    # Typing a quantity corrects a line; 0 removes it.
    line_url = reverse("voorraad:donation_line", args=[donation.pk, wipes.pk])
    answer = client.post(line_url, {"units": "25"}, **HTMX).content.decode()
    assert 'id="donation-lines"' in answer and 'data-quantity="25"' in answer
    assert _units(donation) == {"Luiers maat 4": 88, "Vochtige doekjes": 25}
    client.post(line_url, {"units": "0"}, **HTMX)
    assert _units(donation) == {"Luiers maat 4": 88}

    # Book it.
    response = client.post(reverse("voorraad:donation_post", args=[donation.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("voorraad:donation_detail", args=[donation.pk])
    donation.refresh_from_db()
    assert donation.status == Donation.Status.POSTED and donation.posted_at is not None
    assert StockLevel.objects.get(product=diapers, location=point).on_hand == 88
    assert not StockLevel.objects.filter(product=wipes, location=point, on_hand__gt=0).exists()
    movements = StockMovement.objects.filter(document_type="donation", document_id=donation.pk)
    assert list(movements.values_list("product_id", "quantity", "kind")) == [
        (diapers.pk, 88, StockMovement.Kind.DONATION)
    ]

    # A booked donation takes no more scans.
    answer = _scan(client, donation, diapers.code).content.decode()
    assert 'data-scan-outcome="error"' in answer
    assert _units(donation) == {"Luiers maat 4": 88}
    client.post(line_url, {"units": "5"}, **HTMX)
    assert _units(donation) == {"Luiers maat 4": 88}
    assert StockLevel.objects.get(product=diapers, location=point).on_hand == 88


def test_mistyped_code_shows_an_error_card_and_adds_nothing(login, coordinator, point, diapers):
    donation = DraftDonationFactory(location=point, created_by=coordinator)
    client = login(coordinator)
    good = diapers.code
    typo = good[:-1] + ("0" if good[-1] != "0" else "1")
    for code in (typo, "12345", encode(CodeType.HOUSEHOLD, 5), ean13("541234500001")[:-1] + "0"):
        answer = _scan(client, donation, code).content.decode()
        assert 'data-scan-outcome="error"' in answer, code
        assert "data-map-gtin-form" not in answer, code
    assert not donation.lines.exists()


def test_packs_must_be_a_whole_number(login, coordinator, point, diapers):
    donation = DraftDonationFactory(location=point, created_by=coordinator)
    answer = _scan(login(coordinator), donation, diapers.code, aantal="0").content.decode()
    assert 'data-scan-outcome="error"' in answer
    assert not donation.lines.exists()


def test_scan_without_javascript_redirects_back_to_the_intake(login, coordinator, point, diapers):
    donation = DraftDonationFactory(location=point, created_by=coordinator)
    url = reverse("voorraad:donation_scan", args=[donation.pk])
    response = login(coordinator).post(url, {"code": diapers.code})
    assert response.status_code == 302
    assert response["Location"] == reverse("voorraad:donation_intake", args=[donation.pk])
    assert _units(donation) == {"Luiers maat 4": 44}


def test_a_wrong_line_quantity_keeps_what_was_typed(login, coordinator, point, diapers):
    donation = DraftDonationFactory(location=point, created_by=coordinator, lines=[(diapers, 44)])
    url = reverse("voorraad:donation_line", args=[donation.pk, diapers.pk])
    answer = login(coordinator).post(url, {"units": "-3"}, **HTMX).content.decode()
    assert "data-line-error" in answer and 'value="-3"' in answer
    assert _units(donation) == {"Luiers maat 4": 44}


def test_booking_an_empty_donation_says_why(login, coordinator, point):
    donation = DraftDonationFactory(location=point, created_by=coordinator)
    client = login(coordinator)
    response = client.post(reverse("voorraad:donation_post", args=[donation.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("voorraad:donation_intake", args=[donation.pk])
    assert 'class="message error"' in response.content.decode()
    donation.refresh_from_db()
    assert donation.status == Donation.Status.DRAFT


def test_start_with_a_new_donor_made_on_the_spot(login, coordinator, point):
    drive = DriveFactory(name="Winteractie")
    response = login(coordinator).post(
        reverse("voorraad:donation_start"),
        {
            "nieuw-name": "  Bibliotheek Melle ",
            "nieuw-kind": Donor.Kind.LIBRARY,
            "location": point.pk,
            "drive": drive.pk,
            "received_on": timezone.localdate().isoformat(),
        },
    )
    donor = Donor.objects.get(name="Bibliotheek Melle")
    donation = Donation.objects.get(donor=donor)
    assert donor.kind == Donor.Kind.LIBRARY and donation.drive == drive
    assert response["Location"] == reverse("voorraad:donation_intake", args=[donation.pk])


def test_start_in_the_future_keeps_what_was_typed_and_makes_no_donor(login, coordinator, point):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = login(coordinator).post(
        reverse("voorraad:donation_start"),
        {
            "nieuw-name": "Bakkerij Janssens",
            "nieuw-kind": "bedrijf",
            "location": point.pk,
            "received_on": tomorrow,
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="Bakkerij Janssens"' in html and f'value="{tomorrow}"' in html
    assert 'class="field has-error"' in html
    assert not Donor.objects.filter(name="Bakkerij Janssens").exists()
    assert not Donation.objects.exists()


def test_only_drives_running_today_can_be_chosen(login, coordinator):
    DriveFactory(name="Lopende actie")
    DriveFactory(
        name="Oude actie",
        starts_on=dt.date(2020, 1, 1),
        ends_on=dt.date(2020, 2, 1),
    )
    html = login(coordinator).get(reverse("voorraad:donation_start")).content.decode()
    assert "Lopende actie" in html and "Oude actie" not in html


def test_letter_is_the_pdf_of_the_documents_module(login, coordinator, records, monkeypatch):
    monkeypatch.setattr(
        donation_views,
        "donation_letter_pdf",
        lambda donation: b"%PDF-1.4 letter for " + str(donation.pk).encode(),
    )
    posted = records["posted"]
    response = login(coordinator).get(reverse("voorraad:donation_letter", args=[posted.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert response.content == b"%PDF-1.4 letter for " + str(posted.pk).encode()


# --- Fixed numbers of queries -----------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def _make_donations(count, *, coordinator, point, product):
    for n in range(count):
        donor = DonorFactory(kind=Donor.Kind.SCHOOL)
        drive = DriveFactory()
        DraftDonationFactory(
            donor=donor,
            location=point,
            drive=drive if n % 2 else None,
            created_by=coordinator,
            lines=[(product, 10 + n)],
        )
        posted = DraftDonationFactory(
            donor=donor, location=point, created_by=coordinator, lines=[(product, 5)]
        )
        services.post_donation(actor=coordinator, donation=posted)


@pytest.mark.parametrize("name", ["donation_list", "donor_list", "drive_list"])
def test_lists_take_a_fixed_number_of_queries(login, coordinator, point, diapers, name):
    client = login(coordinator)
    url = reverse(f"voorraad:{name}")
    client.get(url)  # warm up the session and permission caches
    _make_donations(3, coordinator=coordinator, point=point, product=diapers)
    few = _queries(client, url)
    _make_donations(27, coordinator=coordinator, point=point, product=diapers)
    many = _queries(client, url)
    assert few == many


def test_donor_list_totals_and_filters(login, coordinator, point, diapers):
    _make_donations(2, coordinator=coordinator, point=point, product=diapers)
    school = DonorFactory(name="Basisschool Sint-Jozef", city="Melle", kind=Donor.Kind.SCHOOL)
    DraftDonationFactory(donor=school, location=point, created_by=coordinator, lines=[(diapers, 7)])
    client = login(coordinator)
    html = client.get(reverse("voorraad:donor_list"), {"q": "sint-jozef"}).content.decode()
    assert f'data-donor="{school.pk}"' in html
    assert html.count("data-donor=") == 1
    resident = client.get(reverse("voorraad:donor_list"), {"kind": "inwoner"}).content.decode()
    assert "data-donor=" not in resident

    donor = Donor.objects.exclude(pk=school.pk).first()
    detail = client.get(reverse("voorraad:donor_detail", args=[donor.pk])).content.decode()
    assert 'data-total="donations">1<' in detail and 'data-total="units">5<' in detail


def test_donation_list_filters_on_status_and_donor(login, coordinator, records):
    client = login(coordinator)
    drafts = client.get(reverse("voorraad:donation_list"), {"status": "ontwerp"}).content.decode()
    assert f'data-donation="{records["draft"].pk}"' in drafts
    assert f'data-donation="{records["posted"].pk}"' not in drafts
    none = client.get(reverse("voorraad:donation_list"), {"q": "niemand"}).content.decode()
    assert "data-donation=" not in none


# --- Donors and drives ------------------------------------------------------------------


def test_create_and_change_a_donor(login, coordinator):
    client = login(coordinator)
    response = client.post(
        reverse("voorraad:donor_create"),
        {
            "name": "Bedrijf Luma",
            "kind": Donor.Kind.COMPANY,
            "email": "info@luma.be",
            "wants_receipt": "on",
            "is_active": "on",
        },
    )
    donor = Donor.objects.get(name="Bedrijf Luma")
    assert response["Location"] == reverse("voorraad:donor_detail", args=[donor.pk])
    response = client.post(
        reverse("voorraad:donor_edit", args=[donor.pk]),
        {
            "name": "Bedrijf Luma",
            "kind": Donor.Kind.COMPANY,
            "email": "geen-adres",
            "is_active": "on",
        },
    )
    assert response.status_code == 200 and 'value="geen-adres"' in response.content.decode()
    donor.refresh_from_db()
    assert donor.email == "info@luma.be"


def test_drive_create_validates_dates_and_points(login, coordinator, point):
    collection_point = CollectionPointFactory(name="Bibliotheek Zuid")
    client = login(coordinator)
    page = client.get(reverse("voorraad:drive_create")).content.decode()
    assert "Bibliotheek Zuid" in page and point.name not in page

    wrong = client.post(
        reverse("voorraad:drive_create"),
        {"name": "Lenteactie", "starts_on": "2030-04-10", "ends_on": "2030-04-01"},
    )
    assert wrong.status_code == 200
    assert 'value="Lenteactie"' in wrong.content.decode()
    assert 'class="field has-error"' in wrong.content.decode()
    assert not CollectionDrive.objects.exists()

    response = client.post(
        reverse("voorraad:drive_create"),
        {
            "name": "Lenteactie",
            "starts_on": "2030-04-01",
            "ends_on": "2030-04-30",
            "target_units": "500",
            "collection_points": [collection_point.pk],
        },
    )
    drive = CollectionDrive.objects.get(name="Lenteactie")
    assert response["Location"] == reverse("voorraad:drive_detail", args=[drive.pk])
    assert list(drive.collection_points.all()) == [collection_point]
    assert collection_point.kind == Location.Kind.COLLECTION_POINT


def test_drive_detail_shows_progress_and_donors(login, coordinator, point, diapers):
    drive = DriveFactory(name="Luierweek", target_units=200)
    donor = DonorFactory(name="Crèche Kadee")
    donation = DraftDonationFactory(
        donor=donor, location=point, drive=drive, created_by=coordinator, lines=[(diapers, 50)]
    )
    services.post_donation(actor=coordinator, donation=donation)
    html = login(coordinator).get(reverse("voorraad:drive_detail", args=[drive.pk])).content
    html = html.decode()
    assert '<progress max="200" value="50">' in html
    assert f'data-donor="{donor.pk}"' in html and 'data-received="50"' in html


# --- Purchases --------------------------------------------------------------------------


def test_purchase_with_a_decimal_comma(login, coordinator, point, diapers):
    data = {
        "key": "abc123",
        "new_supplier": "Luierfabriek",
        "location": point.pk,
        "received_on": timezone.localdate().isoformat(),
        "reference": "F-2024-17",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": diapers.pk,
        "lines-0-packs": "2",
        "lines-0-unit_cost": "0,23",
    }
    client = login(coordinator)
    response = client.post(reverse("voorraad:purchase_create"), data)
    purchase = Purchase.objects.get()
    assert response["Location"] == reverse("voorraad:purchase_detail", args=[purchase.pk])
    assert purchase.supplier == Supplier.objects.get(name="Luierfabriek")
    line = purchase.lines.get()
    assert (line.product, line.quantity, line.unit_cost) == (diapers, 88, Decimal("0.23"))
    assert Product.objects.get(pk=diapers.pk).last_cost_per_unit == Decimal("0.23")
    assert StockLevel.objects.get(product=diapers, location=point).on_hand == 88

    # A second click on the same form books nothing twice.
    client.post(reverse("voorraad:purchase_create"), data)
    assert Purchase.objects.count() == 1

    detail = client.get(response["Location"]).content.decode()
    assert 'data-unit-cost="0.2300"' in detail and "data-total-cost" in detail


def test_purchase_form_keeps_what_was_typed_on_an_error(login, coordinator, point, diapers):
    data = {
        "new_supplier": "Luierfabriek",
        "location": point.pk,
        "received_on": timezone.localdate().isoformat(),
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": diapers.pk,
        "lines-0-packs": "2",
        "lines-0-unit_cost": "twee euro",
    }
    response = login(coordinator).post(reverse("voorraad:purchase_create"), data)
    html = response.content.decode()
    assert response.status_code == 200 and 'value="twee euro"' in html
    assert not Purchase.objects.exists() and not Supplier.objects.exists()


def test_purchase_form_can_get_more_lines(login, coordinator, point):
    data = {"lines-TOTAL_FORMS": "6", "lines-INITIAL_FORMS": "0", "more_lines": "1"}
    html = login(coordinator).post(reverse("voorraad:purchase_create"), data).content.decode()
    assert 'name="lines-10-packs"' in html and 'name="lines-11-packs"' not in html
    assert not Purchase.objects.exists()
