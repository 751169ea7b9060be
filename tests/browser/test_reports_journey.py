"""In a real browser, the coordinator's reporting journey: log in and land on the dashboard
(stock below minimum, today's shift under-staffed, households this month), open last
month's report through the navigation and its period preset (key figures, a chart with
its title and its table, a small municipality shown as "< 5"), download the annual PDF,
a report table as CSV and the product list as Excel, and import a CSV of products with
one refused row explained. At 1280 and 768 px; screenshots are kept in test-artifacts/.

The figures come from a small world built here in last month (so the "Last month" preset
always finds it), counted by hand:

- Gent: six households (one with two children, the others one each), one pack of
  "Luiers maat 4 reis" (36 units) each; Melle: two households, two packs each;
  Lochristi: one household, one pack. No household came before: all first-time.
- Households 9, children 10, packs 6 + 4 + 1 = 11, units 11 × 36 = 396, value
  396 × 0.25 = 99 EUR. Per municipality: Gent 6; Melle (2) and Lochristi (1) "< 5".
- Stock at the point: 108 units in (donation), 36 out (distribution) = 72, minimum 200.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import subprocess
from decimal import Decimal

import openpyxl
import pytest
from django.apps import apps as django_apps
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect

from kern.roles import Role, sync_role_groups
from tests.browser.conftest import screenshot
from tests.conftest import require_tool
from tests.factories import PASSWORD, LocationFactory, MunicipalityFactory, UserFactory
from tests.voorraad.factories import ean13
from toegang.models import Child, Household, Program
from uitlening.models import Distribution, DistributionLine
from voorraad import services
from voorraad.models import Category, MinimumLevel, Product, ProductBarcode, StockMovement
from vrijwilligers.models import Shift

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COORDINATOR = "rapportreis-coordinator"
POINT = "Uitdeelpunt Rapportplein"
PRODUCT = "Luiers maat 4 reis"
PACK = 36
TAKEN_EAN = ean13("209999100001")
NEW_EAN = ean13("209999100002")


def last_month() -> dt.date:
    """The first day of last month (local)."""
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def reports_world() -> Product:
    # A transactional test's flush also empties the role groups the migrations made.
    sync_role_groups(django_apps)
    user = UserFactory(username=COORDINATOR, role=Role.COORDINATOR)
    gent, melle, lochristi = (
        MunicipalityFactory(name=name) for name in ("Gent", "Melle", "Lochristi")
    )
    point = LocationFactory(name=POINT, municipality=gent)
    pamperbank = Program.objects.create(name="Pamperbank", kind=Program.Kind.DIAPERS)
    product = Product.objects.create(
        name=PRODUCT,
        category=Category.objects.create(name="Luiers"),
        pack_size=PACK,
        value_per_unit=Decimal("0.25"),
    )
    ProductBarcode.objects.create(product=product, gtin=TAKEN_EAN, units=PACK)
    first = last_month()
    households = [(gent, 2 if n == 0 else 1, 1) for n in range(6)]
    households += [(melle, 1, 2), (melle, 1, 2), (lochristi, 1, 1)]
    for n, (municipality, children, packs) in enumerate(households):
        found = Household.objects.create(postcode="9000", municipality=municipality)
        for c in range(children):
            Child.objects.create(household=found, birth_year=2025, birth_month=1 + c)
        made = Distribution.objects.create(
            household=found, location=point, user=user, created_at=at(first, 9 + n)
        )
        DistributionLine.objects.create(
            distribution=made,
            product=product,
            program=pamperbank,
            packs=packs,
            units=packs * PACK,
        )
    # Stock as the ledger holds it, below the point's minimum.
    for quantity, kind, day in (
        (3 * PACK, StockMovement.Kind.DONATION, first),
        (-PACK, StockMovement.Kind.DISTRIBUTION, first + dt.timedelta(days=4)),
    ):
        with transaction.atomic():
            services.post_movement(
                product=product, location=point, quantity=quantity, kind=kind, user=user, at=at(day)
            )
    MinimumLevel.objects.create(product=product, location=point, minimum_units=200)
    # Today's shift with nobody signed up yet: under-staffed.
    today = timezone.localdate()
    Shift.objects.create(
        location=point,
        role="Balie",
        starts_at=at(today, 13),
        ends_at=at(today, 16),
        min_volunteers=2,
        max_volunteers=3,
    )
    return product


def log_in(page) -> None:
    page.goto(page.base_url + "/aanmelden/")
    page.get_by_label("Gebruikersnaam").fill(COORDINATOR)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(page.base_url + "/")


def download(page, link):
    """Click ``link`` and return the downloaded file's bytes."""
    with page.expect_download() as info:
        link.click()
    return info.value, open(info.value.path(), "rb").read()


def see_dashboard(page, width: int) -> None:
    expect(page.locator("h1")).to_have_text("Dashboard")
    low = page.locator('[data-card="low-stock"]')
    expect(low).to_contain_text("Voorraad onder het minimum")
    row = low.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(PRODUCT)
    expect(row).to_contain_text(POINT)
    assert [cell.strip() for cell in row.locator("td.num").all_inner_texts()[:2]] == ["72", "200"]
    # Every column of a card's table is in view, days of cover too: nothing to scroll.
    overflowing = page.locator(".dashboard .table-scroll").evaluate_all(
        "boxes => boxes.filter(box => box.scrollWidth > box.clientWidth)"
        ".map(box => box.closest('[data-card]').dataset.card)"
    )
    assert overflowing == []
    shifts = page.locator('[data-card="shifts"]')
    expect(shifts).to_contain_text("Diensten vandaag")
    expect(shifts.locator("tbody tr")).to_contain_text("13:00–16:00")
    expect(shifts.locator("tbody tr")).to_contain_text(f"Balie · {POINT}")
    expect(shifts.locator(".badge.danger")).to_be_visible()
    # Nobody came this month yet (the world is last month's): zero is shown as 0.
    expect(page.locator('[data-card="households"] [data-figure="households"]')).to_have_text("0")
    screenshot(page, f"reports-1-dashboard-{width}")


def see_last_months_report(page, width: int) -> None:
    page.locator(".mainnav").get_by_role("link", name="Rapporten").click()
    expect(page.locator("h1")).to_have_text("Rapport")
    page.get_by_label("Periode").select_option(label="Vorige maand")
    page.get_by_role("button", name="Toon rapport").click()
    first = last_month()
    expect(page.locator("body")).to_contain_text(f"Van {first:%d/%m/%Y}")

    figures = page.locator("[data-key-figures]")
    for key, text in (
        ("households_reached", "9"),
        ("children_reached", "10"),
        ("first_time_households", "9"),
        ("returning_households", "0"),
        ("units_distributed", "396"),
        ("packs_distributed", "11"),
        ("estimated_value", "99 EUR"),
    ):
        expect(figures.locator(f'li[data-key="{key}"] strong')).to_have_text(text)

    chart = page.locator('[data-chart="households"]')
    svg = chart.locator('svg[role="img"]')
    expect(svg).to_be_visible()
    expect(svg.locator("title")).to_have_text("Bereikte gezinnen per maand")
    chart.get_by_text("Tabel bij deze grafiek").click()
    table = chart.locator("table.chart-table")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tbody td")).to_have_text("9")

    per_municipality = page.locator('[data-table="reach_by_municipality"] tbody tr')
    expect(per_municipality).to_have_count(3)
    rows = [
        [cell.strip() for cell in row.locator("td").all_inner_texts()]
        for row in per_municipality.all()
    ]
    assert rows == [
        ["Gent", "6", "7", "6", "0"],
        ["Lochristi", "< 5", "< 5", "< 5", "< 5"],
        ["Melle", "< 5", "< 5", "< 5", "< 5"],
    ]
    screenshot(page, f"reports-2-report-{width}")


def export_report_table(page) -> None:
    link = page.locator('[data-table="reach_by_municipality"] a[data-export="csv"]')
    _download, content = download(page, link)
    text = content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header = ["Gemeente", "Gezinnen", "Kinderen", "Eerste keer", "Terugkerend"]
    assert header in rows, rows
    body = [row for row in rows[rows.index(header) + 1 :] if row]
    assert body == [
        ["Gent", "6", "7", "6", "0"],
        ["Lochristi", "< 5", "< 5", "< 5", "< 5"],
        ["Melle", "< 5", "< 5", "< 5", "< 5"],
    ]


def download_annual_pdf(page, tmp_path) -> None:
    year = last_month().year
    page.locator(".subnav").get_by_role("link", name="Jaarverslag").click()
    expect(page.locator("h1")).to_have_text("Jaarverslag")
    form = page.locator("[data-annual-form]")
    form.locator("#jaar").select_option(str(year))
    form.get_by_role("button", name="Kiezen").click()
    expect(page.locator("[data-annual-pdf]")).to_contain_text(str(year))
    done, content = download(page, page.locator("[data-annual-pdf]"))
    assert done.suggested_filename == f"jaarverslag-{year}.pdf"
    assert content.startswith(b"%PDF")
    pdf = tmp_path / "jaarverslag.pdf"
    pdf.write_bytes(content)
    pdftotext = require_tool("pdftotext", "apt-get install poppler-utils")
    text = subprocess.run(
        [pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert f"Jaarverslag {year}" in text
    # The key figures of the year, and the sections of Gent and of the small municipalities.
    assert re.search(r"^ *Bereikte gezinnen +9$", text, re.M), text
    assert re.search(r"^ *Uitgedeelde stuks +396$", text, re.M), text
    assert re.search(r"^ *Bereikte gezinnen +6$", text, re.M), text
    assert len(re.findall(r"^ *Bereikte gezinnen +< ?5$", text, re.M)) == 2, text


def export_products(page) -> None:
    page.goto(page.base_url + "/voorraad/producten/")
    done, content = download(page, page.locator('.export-links a[data-export="xlsx"]'))
    assert done.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "Naam" and "EAN-codes" in rows[0], rows[0]
    (mine,) = [row for row in rows[1:] if row[0] == PRODUCT]
    assert mine[1:3] == ["Luiers", PACK] and mine[rows[0].index("EAN-codes")] == 1, mine


def import_products(page, tmp_path, product: Product, width: int) -> None:
    csv_file = tmp_path / "producten.csv"
    csv_file.write_text(
        "naam;categorie;eenheid;stuks_per_pak;waarde_per_stuk;ean\n"
        f"Zwemluiers maat 5 reis;Luiers;stuk;12;0,45;{NEW_EAN}:12\n"
        f"Luiers proefpak reis;Luiers;stuk;10;0,30;{TAKEN_EAN}\n",
        encoding="utf-8",
    )
    page.locator(".mainnav").get_by_role("link", name="Importeren").click()
    form = page.locator("#import-form")
    form.get_by_label("Producten").check()
    form.locator("input[type=file]").set_input_files(str(csv_file))
    form.get_by_role("button", name="Opladen en controleren").click()

    summary = page.locator("#import-summary")
    expect(summary).to_contain_text("1 nieuw", timeout=20_000)
    expect(summary).to_contain_text("1 geweigerd")
    refused = page.locator('#import-rows tr[data-row="3"]')
    expect(refused).to_contain_text("Geweigerd")
    expect(refused).to_contain_text(f"EAN {TAKEN_EAN} hoort al bij {product.name}")
    assert not Product.objects.filter(name="Zwemluiers maat 5 reis").exists()
    screenshot(page, f"reports-3-import-preview-{width}")

    page.locator("#import-confirm").click()
    expect(page.locator("#count-created")).to_have_text("1")
    expect(page.locator("#count-refused")).to_have_text("1")
    page.locator('#import-rows tr[data-row="2"] a').click()
    expect(page.locator("h1")).to_contain_text("Zwemluiers maat 5 reis")
    assert not Product.objects.filter(name="Luiers proefpak reis").exists()


@pytest.mark.parametrize("width", [1280, 768])
def test_coordinator_reads_reports_downloads_them_and_imports_products(page, tmp_path, width):
    product = reports_world()
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page)
    see_dashboard(page, width)
    see_last_months_report(page, width)
    export_report_table(page)
    download_annual_pdf(page, tmp_path)
    export_products(page)
    import_products(page, tmp_path, product, width)
    assert page.console_errors == []
