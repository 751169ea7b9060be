"""CSV (Excel nl-BE) and XLSX exports: cells, the streamed response, several tables in
one file, and ``?export=csv|xlsx`` on the lists (every filtered row, no HTML, audit)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.http import FileResponse, StreamingHttpResponse
from openpyxl import load_workbook

from kern import exports
from kern.models import AuditEntry, Location
from rapportering.anonymity import Figure
from tests.factories import LocationFactory
from tests.toegang.factories import HouseholdFactory
from tests.voorraad.factories import ItemFactory


def csv_text(response) -> str:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content).decode("utf-8")


def workbook(response):
    assert isinstance(response, FileResponse)
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


# --- cells ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("12.5"), "12,5"),
        (Decimal("3.00"), "3,00"),
        (Decimal("-0.25"), "-0,25"),
        (1.5, "1,50"),
        (42, "42"),
        (dt.date(2026, 3, 5), "05/03/2026"),
        (True, "ja"),
        (False, "nee"),
        (None, ""),
        (Figure(None), "< 5"),
        (Figure(0), "0"),
        (Figure(1234), "1234"),
        ("Luiers maat 4", "Luiers maat 4"),
        ("-5", "-5"),
        ("+12", "+12"),
    ],
)
def test_csv_cell_reads_as_excel_in_belgium(value, expected):
    assert exports.csv_cell(value) == expected


def test_csv_cell_shows_an_aware_moment_in_local_time():
    moment = dt.datetime(2026, 7, 1, 10, 0, tzinfo=ZoneInfo("UTC"))
    assert exports.csv_cell(moment) == "01/07/2026 12:00"  # summer time in Brussels


@pytest.mark.parametrize("text", ['=HYPERLINK("x")', "+32 9 123", "-rm", "@SUM(A1)"])
def test_text_that_looks_like_a_formula_is_exported_as_text(text):
    assert exports.csv_cell(text) == "'" + text
    assert not str(exports.xlsx_cell("=1+1")).startswith("=")


def test_xlsx_cell_keeps_numbers_and_dates_typed():
    assert exports.xlsx_cell(Decimal("2.50")) == Decimal("2.50")
    assert exports.xlsx_cell(Figure(None)) == "< 5"
    assert exports.xlsx_cell(Figure(9)) == 9
    moment = dt.datetime(2026, 1, 15, 9, 30, tzinfo=ZoneInfo("UTC"))
    assert exports.xlsx_cell(moment) == dt.datetime(2026, 1, 15, 10, 30)
    assert exports.xlsx_cell("bel\x07l") == "bell"


# --- files ------------------------------------------------------------------------------


def test_csv_response_streams_with_bom_semicolons_and_header():
    response = exports.csv_response(
        "Uitdelingen 2026",
        ["datum", "bedrag", "gezinnen"],
        iter([[dt.date(2026, 1, 2), Decimal("1.5"), Figure(None)]]),
    )
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="uitdelingen-2026.csv"' in response["Content-Disposition"]
    text = csv_text(response)
    assert text.startswith("\ufeffdatum;bedrag;gezinnen\r\n")
    assert text.splitlines()[1] == "02/01/2026;1,5;< 5"


def test_csv_quotes_a_cell_with_a_semicolon():
    text = csv_text(exports.csv_response("x", ["a"], [["één; twee"]]))
    assert '"één; twee"' in text


def test_xlsx_response_opens_with_openpyxl_and_has_the_rows():
    rows = [[f"Product {n}", n, Decimal("0.25") * n] for n in range(1, 101)]
    response = exports.xlsx_response("Producten", ["product", "stuks", "waarde"], iter(rows))
    assert response["Content-Type"] == exports.XLSX_TYPE
    assert 'filename="producten.xlsx"' in response["Content-Disposition"]
    sheet = workbook(response).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("product", "stuks", "waarde")
    assert len(values) == 101
    assert values[100] == ("Product 100", 100, 25)


def test_several_tables_one_after_another_in_csv_and_one_sheet_each_in_xlsx():
    sections = [
        ("Bereik", ["gemeente", "gezinnen"], [["Gent", 12], ["Melle", Figure(None)]]),
        ("Bereik", ["punt", "gezinnen"], [["Centrum", 7]]),
    ]
    text = csv_text(exports.sections_response("csv", "rapport", sections))
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[:4] == ["Bereik", "gemeente;gezinnen", "Gent;12", "Melle;< 5"]
    assert lines[5:8] == ["Bereik", "punt;gezinnen", "Centrum;7"]
    book = workbook(exports.sections_response("xlsx", "rapport", sections))
    assert book.sheetnames == ["Bereik", "Bereik (2)"]
    assert list(book["Bereik"].iter_rows(values_only=True))[2] == ("Melle", "< 5")


# --- lists ------------------------------------------------------------------------------


def test_a_list_exports_every_filtered_row_not_one_page(login, coordinator):
    LocationFactory.create_batch(60, kind=Location.Kind.WAREHOUSE)
    LocationFactory(kind=Location.Kind.COLLECTION_POINT, name="Bibliotheek")
    client = login(coordinator)
    page = client.get("/locaties/?kind=magazijn&page=2")
    assert page.status_code == 200
    assert 'data-export="csv"' in page.content.decode()
    response = client.get("/locaties/?kind=magazijn&export=csv&sort=name")
    assert response.status_code == 200
    lines = csv_text(response).lstrip("\ufeff").splitlines()
    assert len(lines) == 61  # header and 60 warehouses, across two pages
    assert lines[0].split(";")[:2] == ["Naam", "Code"]  # the headings as shown, in Dutch
    assert not any("Bibliotheek" in line or "<" in line for line in lines)


def test_a_list_export_link_keeps_the_filters_and_drops_the_page(login, coordinator):
    LocationFactory.create_batch(2, kind=Location.Kind.WAREHOUSE)
    html = login(coordinator).get("/locaties/?kind=magazijn&page=1").content.decode()
    assert "?kind=magazijn&amp;export=xlsx" in html


def test_a_list_exports_xlsx_without_html_in_cells(login, coordinator, point):
    ItemFactory(name="Kinderwagen Joolz", location=point)
    response = login(coordinator).get("/voorraad/objecten/?export=xlsx")
    assert response.status_code == 200
    rows = list(workbook(response).active.iter_rows(values_only=True))
    assert len(rows) == 2
    assert "Kinderwagen Joolz" in rows[1]
    assert not any("<" in str(value) for row in rows for value in row if value)


def test_a_volunteer_cannot_export_a_list(login, volunteer):
    assert login(volunteer).get("/locaties/?export=csv").status_code == 403
    assert login(volunteer).get("/voorraad/?export=csv").status_code == 403


def test_exporting_the_audit_log_is_a_logged_look_at_the_households_it_names(login, admin_user):
    households = [HouseholdFactory(), HouseholdFactory()]
    for household in households + households:
        AuditEntry.objects.create(
            action="view",
            object_type="toegang.household",
            object_id=str(household.pk),
            object_repr=household.code,
        )
    response = login(admin_user).get("/auditlog/?export=csv")
    assert response.status_code == 200
    assert households[0].code in csv_text(response)
    logged = AuditEntry.objects.filter(details__list="audit log", details__export="csv")
    assert sorted(int(e.object_id) for e in logged) == sorted(h.pk for h in households)
    assert {e.actor_id for e in logged} == {admin_user.pk}
