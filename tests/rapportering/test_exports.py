"""Report exports: a report table (or all of them) with "< 5" kept, and the distributions
of a period with one column per product, streamed, never naming a household."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kern.models import Municipality
from kern.roles import Role
from rapportering.anonymity import Figure
from rapportering.selectors.filters import ReportFilter
from rapportering.selectors.report import KeyFigure, Report, Table
from rapportering.views import exports as views
from tests.factories import LocationFactory
from tests.toegang.factories import HouseholdFactory, ProgramFactory
from tests.voorraad.factories import CategoryFactory, ProductFactory
from uitlening.models import Distribution, DistributionLine

YEAR = 2025
PERIOD = {"van": f"{YEAR}-01-01", "tot": f"{YEAR}-12-31"}


def moment(month: int, day: int, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(YEAR, month, day, hour))


def csv_lines(response) -> list[str]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return text[1:].splitlines()


def sheet_rows(response, sheet: str | None = None) -> list[tuple]:
    assert isinstance(response, FileResponse)
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list((book[sheet] if sheet else book.active).iter_rows(values_only=True))


@pytest.fixture
def handed_out(db, coordinator):
    """Three distributions in the year and one outside it, one corrected:

    1. 15/02 Centrum, Gent, pamperbank: 60 luiers maat 4, 2 doekjes
    2. 03/03 Melle, Melle, pamperbank + babytheek: 30 luiers maat 4, 30 luiers maat 5
    3. 20/12 Centrum, Gent, pamperbank: 1 doekjes
    (4. corrected, 5. in the year before: neither in the export)"""
    gent = Municipality.objects.create(name="Gent", postcodes=["9000"])
    melle = Municipality.objects.create(name="Melle", postcodes=["9090"])
    centrum = LocationFactory(name="Centrum", municipality=gent)
    melle_point = LocationFactory(name="Punt Melle", municipality=melle)
    pamperbank = ProgramFactory(name="Pamperbank")
    babytheek = ProgramFactory(name="Babytheek")
    diapers = CategoryFactory(name="Luiers")
    care = CategoryFactory(name="Verzorging")
    size4 = ProductFactory(name="Luiers maat 4", category=diapers, pack_size=30)
    size5 = ProductFactory(name="Luiers maat 5", category=diapers, pack_size=30)
    wipes = ProductFactory(name="Doekjes", category=care)
    ProductFactory(name="Nooit uitgedeeld", category=care)
    in_gent = HouseholdFactory(municipality=gent)
    in_melle = HouseholdFactory(municipality=melle)

    def give(household, point, when, *lines, corrected=False):
        distribution = Distribution.objects.create(
            household=household,
            location=point,
            user=coordinator,
            created_at=when,
            corrected_at=when if corrected else None,
        )
        for product, program, units in lines:
            DistributionLine.objects.create(
                distribution=distribution,
                product=product,
                program=program,
                packs=max(1, units // product.pack_size),
                units=units,
            )
        return distribution

    give(in_gent, centrum, moment(2, 15), (size4, pamperbank, 60), (wipes, pamperbank, 2))
    give(in_melle, melle_point, moment(3, 3), (size4, pamperbank, 30), (size5, babytheek, 30))
    give(in_gent, centrum, moment(12, 20), (wipes, pamperbank, 1))
    give(in_gent, centrum, moment(6, 1), (size4, pamperbank, 90), corrected=True)
    give(
        in_gent,
        centrum,
        timezone.make_aware(dt.datetime(YEAR - 1, 12, 31, 12)),
        (size4, pamperbank, 30),
    )
    return {
        "households": [in_gent, in_melle],
        "pamperbank": pamperbank,
        "babytheek": babytheek,
        "centrum": centrum,
        "melle": melle,
    }


# --- the distributions of a period --------------------------------------------------------


def test_distributions_csv_has_one_row_per_distribution_and_one_column_per_product(
    login, coordinator, handed_out
):
    url = reverse("rapportering:distributions_export", args=["csv"])
    response = login(coordinator).get(url, PERIOD)
    assert response.status_code == 200
    assert response.streaming
    assert "no-cache" in response["Cache-Control"]
    assert (
        f'filename="uitdelingen-{YEAR}-01-01-{YEAR}-12-31.csv"' in (response["Content-Disposition"])
    )
    lines = csv_lines(response)
    assert lines == [
        "Datum;Uitdeelpunt;Gemeente;Programma's;"
        "Luiers maat 4 (stuks);Luiers maat 5 (stuks);Doekjes (stuks)",
        # One household in each municipality: neither is named (see the test below).
        f"15/02/{YEAR};Centrum;Andere gemeente;Pamperbank;60;;2",
        f"03/03/{YEAR};Punt Melle;Andere gemeente;Pamperbank, Babytheek;30;30;",
        f"20/12/{YEAR};Centrum;Andere gemeente;Pamperbank;;;1",
    ]


def test_a_municipality_of_fewer_than_five_households_is_written_as_another_municipality(
    login, coordinator, handed_out
):
    # Four more Gent families at Centrum on 01/04: Gent has 5 households in the year and
    # is named; Melle keeps its one household and is not.
    gent = Municipality.objects.get(name="Gent")
    product = DistributionLine.objects.filter(units=2).get().product
    for _ in range(4):
        distribution = Distribution.objects.create(
            household=HouseholdFactory(municipality=gent),
            location=handed_out["centrum"],
            user=coordinator,
            created_at=moment(4, 1),
        )
        DistributionLine.objects.create(
            distribution=distribution,
            product=product,
            program=handed_out["pamperbank"],
            packs=1,
            units=1,
        )
    url = reverse("rapportering:distributions_export", args=["csv"])
    lines = csv_lines(login(coordinator).get(url, PERIOD))
    municipalities = [line.split(";")[2] for line in lines[1:]]
    assert municipalities == ["Gent", "Andere gemeente", *["Gent"] * 4, "Gent"]
    rows = sheet_rows(
        login(coordinator).get(reverse("rapportering:distributions_export", args=["xlsx"]), PERIOD)
    )
    assert [row[2] for row in rows[1:3]] == ["Gent", "Andere gemeente"]


def test_distributions_export_never_names_a_household(login, coordinator, handed_out):
    url = reverse("rapportering:distributions_export", args=["csv"])
    text = "\n".join(csv_lines(login(coordinator).get(url, PERIOD)))
    for household in handed_out["households"]:
        assert household.code not in text


def test_distributions_export_follows_the_report_filter(login, coordinator, handed_out):
    client = login(coordinator)
    url = reverse("rapportering:distributions_export", args=["csv"])
    by_program = csv_lines(client.get(url, {**PERIOD, "programma": handed_out["babytheek"].pk}))
    assert by_program == [
        "Datum;Uitdeelpunt;Gemeente;Programma's;Luiers maat 5 (stuks)",
        f"03/03/{YEAR};Punt Melle;Andere gemeente;Babytheek;30",  # one household
    ]
    by_point = csv_lines(client.get(url, {**PERIOD, "punt": handed_out["centrum"].pk}))
    assert len(by_point) == 3 and all("Centrum" in line for line in by_point[1:])
    by_municipality = csv_lines(client.get(url, {**PERIOD, "gemeente": handed_out["melle"].pk}))
    assert len(by_municipality) == 2 and "Punt Melle" in by_municipality[1]


def test_distributions_xlsx_has_typed_cells(login, coordinator, handed_out):
    url = reverse("rapportering:distributions_export", args=["xlsx"])
    response = login(coordinator).get(url, PERIOD)
    assert response.status_code == 200
    rows = sheet_rows(response)
    assert rows[0][:4] == ("Datum", "Uitdeelpunt", "Gemeente", "Programma's")
    assert len(rows) == 4
    assert rows[1] == (
        dt.datetime(YEAR, 2, 15), "Centrum", "Andere gemeente", "Pamperbank", 60, None, 2,
    )  # fmt: skip


def test_distribution_rows_are_read_in_chunks_as_plain_values(handed_out):
    filters = ReportFilter(start=dt.date(YEAR, 1, 1), end=dt.date(YEAR, 12, 31))
    products = views.distribution_products(filters)
    rows = views.distribution_rows(filters, products, chunk_size=1)  # a chunk per line
    assert [row[1] for row in rows] == ["Centrum", "Punt Melle", "Centrum"]


def test_an_empty_period_exports_only_the_header(login, coordinator, handed_out):
    url = reverse("rapportering:distributions_export", args=["csv"])
    lines = csv_lines(login(coordinator).get(url, {"van": "2020-01-01", "tot": "2020-01-31"}))
    assert lines == ["Datum;Uitdeelpunt;Gemeente;Programma's"]


# --- report tables --------------------------------------------------------------------


@pytest.fixture
def small_report(monkeypatch):
    def build(*, filters, sections=()):
        return Report(
            filters=filters,
            key_figures=[KeyFigure("households_reached", "Bereikte gezinnen", Figure(None))],
            tables=[
                Table(
                    key="reach_by_municipality",
                    title="Bereik per gemeente",
                    columns=["Gemeente", "Gezinnen", "Waarde (EUR)"],
                    rows=[
                        ["Gent", Figure(12), Decimal("10.50")],
                        ["Melle", Figure(None), Decimal("1.25")],
                    ],
                ),
                Table(
                    key="goods",
                    title="Goederen",
                    columns=["Product", "Stuks"],
                    rows=[["Luiers maat 4", Figure(120)]],
                ),
            ],
        )

    monkeypatch.setattr(views, "build_report", build)


def test_a_report_table_exports_masked_figures_as_less_than_five(login, coordinator, small_report):
    url = reverse("rapportering:report_export", args=["reach_by_municipality", "csv"])
    response = login(coordinator).get(url, PERIOD)
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    assert csv_lines(response) == [
        "Bereik per gemeente",
        "Gemeente;Gezinnen;Waarde (EUR)",
        "Gent;12;10,50",
        "Melle;< 5;1,25",
        "",
    ]


def test_all_report_tables_in_one_workbook_one_sheet_each(login, coordinator, small_report):
    url = reverse("rapportering:report_export", args=["all", "xlsx"])
    response = login(coordinator).get(url, PERIOD)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["Kerncijfers", "Bereik per gemeente", "Goederen"]
    assert list(book["Kerncijfers"].iter_rows(values_only=True))[1][:2] == (
        "Bereikte gezinnen",
        "< 5",
    )
    assert list(book["Bereik per gemeente"].iter_rows(values_only=True))[2] == (
        "Melle",
        "< 5",
        1.25,
    )


def test_all_report_tables_in_one_csv_with_a_title_row_each(login, coordinator, small_report):
    url = reverse("rapportering:report_export", args=["all", "csv"])
    lines = csv_lines(login(coordinator).get(url, PERIOD))
    titles = [line for line in lines if line in ("Kerncijfers", "Bereik per gemeente", "Goederen")]
    assert titles == ["Kerncijfers", "Bereik per gemeente", "Goederen"]
    assert "Bereikte gezinnen;< 5;" in lines


def test_the_real_report_masks_a_small_group_in_its_export(login, coordinator, handed_out):
    """Two households were reached in the year: the key figure exports as "< 5"."""
    url = reverse("rapportering:report_export", args=["all", "csv"])
    lines = csv_lines(login(coordinator).get(url, PERIOD))
    assert any(line.endswith(";< 5;") for line in lines[2:])
    assert not any(line.split(";")[1:2] == ["2"] for line in lines[2:])


@pytest.mark.parametrize(
    "url",
    [
        reverse("rapportering:report_export", args=["no_such_table", "csv"]),
        reverse("rapportering:report_export", args=["all", "pdf"]),
        reverse("rapportering:distributions_export", args=["json"]),
    ],
)
def test_unknown_table_or_format_is_not_found(login, coordinator, small_report, url):
    assert login(coordinator).get(url).status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.VOLUNTEER, 403),
        (Role.SOCIAL_WORKER, 403),
        (Role.COORDINATOR, 200),
        (Role.ADMIN, 200),
    ],
)
def test_only_who_may_see_reports_exports_them(login, users_by_role, small_report, role, status):
    client = login(users_by_role[role])
    for url in (
        reverse("rapportering:report_export", args=["all", "csv"]),
        reverse("rapportering:distributions_export", args=["csv"]),
    ):
        assert client.get(url).status_code == status


def test_anonymous_is_sent_to_log_in(client, db):
    response = client.get(reverse("rapportering:distributions_export", args=["csv"]))
    assert response.status_code == 302 and "aanmelden" in response["Location"]


def test_the_export_links_partial_keeps_the_report_filter(rf, coordinator):
    from django.template.loader import render_to_string

    request = rf.get("/rapporten/rapport/", {"van": "2025-01-01", "tot": "2025-12-31"})
    request.user = coordinator
    whole = render_to_string("rapportering/partials/export_links.html", request=request)
    assert "/rapporten/export/all/xlsx/?van=2025-01-01&amp;tot=2025-12-31" in whole
    assert "/rapporten/uitdelingen/export/csv/?van=2025-01-01" in whole
    one = render_to_string(
        "rapportering/partials/export_links.html", {"export_key": "goods"}, request=request
    )
    assert "/rapporten/export/goods/csv/?van=" in one and "uitdelingen" not in one
