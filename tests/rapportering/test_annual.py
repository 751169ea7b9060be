"""The annual report: its page, the PDF (read back with pdftotext) and who may see it."""

from __future__ import annotations

import subprocess

import pytest
from django.urls import reverse

from rapportering.anonymity import Figure
from rapportering.documents import annual_report_pdf, cell_text
from tests.conftest import require_tool
from tests.rapportering.test_trends import year_2025  # noqa: F401  # the shared fixture

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    tool = require_tool("pdftotext", "apt-get install poppler-utils")
    result = subprocess.run(
        [tool, "-layout", "-", "-"], input=content, capture_output=True, check=True
    )
    return result.stdout.decode("utf-8")


def test_annual_report_has_cover_key_figures_charts_tables_and_municipalities(year_2025):  # noqa: F811
    text = pdf_text(annual_report_pdf(year=2025))

    assert "Jaarverslag 2025" in text
    assert "alle gemeenten" in text
    assert "Van 01/01/2025 tot en met 31/12/2025" in text
    assert "Kerncijfers" in text
    assert "Bereikte gezinnen per maand" in text
    assert "Uitgedeelde stuks per maand, per aanbod" in text
    assert "Uitgedeelde stuks per maand, per gemeente" in text
    assert "Voorraad op het einde van elke maand" in text
    assert "Per gemeente" in text
    assert "Melle" in text and "Gent" in text
    assert "< 5" in text
    assert "minder dan 5 gezinnen" in text  # the footnote explains "< 5"
    assert "Pagina 1 van" in text


def test_annual_report_tables_show_the_figures_of_the_months(year_2025):  # noqa: F811
    text = pdf_text(annual_report_pdf(year=2025))
    # pdftotext may drop the narrow space in a right-aligned "< 5".
    lines = [" ".join(line.split()).replace("< ", "<") for line in text.splitlines()]

    assert "januari 2025 7" in lines  # households in January
    assert "januari 2025 70 0 70" in lines  # Pamperbank, Ruilwinkel, total
    assert "februari 2025 <5 <5 <5" in lines  # both parts hidden, and so the total
    assert "februari 2025 150 5" in lines  # stock of diapers and baby food
    assert "maart 2025 250 5" in lines  # diapers on hand after the March delivery


def test_annual_report_of_one_municipality_has_no_section_per_municipality(year_2025):  # noqa: F811
    text = pdf_text(annual_report_pdf(year=2025, municipality=year_2025.melle))

    assert "Jaarverslag 2025 · Melle" in text
    assert "Per gemeente" not in text
    # One municipality: no chart of units stacked per municipality either.
    assert "Uitgedeelde stuks per maand, per gemeente" not in text


def test_an_empty_year_says_so_instead_of_empty_charts(db):
    text = pdf_text(annual_report_pdf(year=2024))

    assert "Jaarverslag 2024" in text
    assert "Niets te tonen voor deze periode." in text


def test_cells_are_written_the_belgian_way():
    from decimal import Decimal

    assert cell_text(Figure(None)) == "< 5"
    assert cell_text(Figure(12345)) == "12.345"
    assert cell_text(Decimal("1234.5")) == "1.234,50"
    assert cell_text(None) == "—"


def test_coordinator_downloads_the_pdf_never_cached(login, coordinator, year_2025):  # noqa: F811
    response = login(coordinator).get(reverse("rapportering:annual_pdf", args=[2025]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF")
    assert 'filename="jaarverslag-2025.pdf"' in response["Content-Disposition"]


def test_the_pdf_of_one_municipality(login, coordinator, year_2025):  # noqa: F811
    url = reverse("rapportering:annual_pdf", args=[2025]) + f"?gemeente={year_2025.gent.pk}"

    response = login(coordinator).get(url)

    assert response.status_code == 200
    assert "Jaarverslag 2025 · Gent" in pdf_text(response.content)


@pytest.mark.parametrize("query", ["?gemeente=999999", "?gemeente=abc", "?gemeente=99999999999"])
def test_an_unknown_municipality_is_not_found(login, coordinator, query):
    response = login(coordinator).get(reverse("rapportering:annual_pdf", args=[2025]) + query)

    assert response.status_code == 404


def test_a_year_out_of_range_is_not_found(login, coordinator):
    client = login(coordinator)

    assert client.get(reverse("rapportering:annual_pdf", args=[1999])).status_code == 404
    assert client.get(reverse("rapportering:annual_pdf", args=[9999])).status_code == 404


def test_the_page_offers_years_municipalities_and_the_download(login, coordinator, year_2025):  # noqa: F811
    response = login(coordinator).get(reverse("rapportering:annual"), {"jaar": "2025"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert '<option value="2025" selected>' in html
    assert f'<option value="{year_2025.gent.pk}"' in html
    assert reverse("rapportering:annual_pdf", args=[2025]) in html
    assert 'aria-current="page"' in html  # the report sub-navigation


def test_the_page_links_the_pdf_of_the_chosen_municipality(login, coordinator, year_2025):  # noqa: F811
    response = login(coordinator).get(
        reverse("rapportering:annual"), {"jaar": "2025", "gemeente": year_2025.melle.pk}
    )

    expected = reverse("rapportering:annual_pdf", args=[2025]) + f"?gemeente={year_2025.melle.pk}"
    assert expected in response.content.decode()


@pytest.mark.parametrize("role", ["volunteer", "social_worker"])
def test_only_who_may_see_reports_gets_the_annual_report(login, users_by_role, role):
    from kern.roles import Role

    user = users_by_role[Role.VOLUNTEER if role == "volunteer" else Role.SOCIAL_WORKER]
    client = login(user)

    assert client.get(reverse("rapportering:annual")).status_code == 403
    assert client.get(reverse("rapportering:annual_pdf", args=[2025])).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("rapportering:annual_pdf", args=[2025]))

    assert response.status_code == 302
    assert "login" in response["Location"] or "aanmelden" in response["Location"]


def test_admin_gets_the_annual_report(login, admin_user):
    assert login(admin_user).get(reverse("rapportering:annual")).status_code == 200


def test_every_key_figure_and_table_of_the_report_is_rendered(db, monkeypatch):
    from decimal import Decimal

    from rapportering import documents
    from rapportering.selectors.report import KeyFigure, Report, Table

    def fake_report(*, filters, sections=()):
        return Report(
            filters=filters,
            key_figures=[
                KeyFigure("children", "Bereikte kinderen", Figure(None)),
                KeyFigure("value", "Geschatte waarde", Decimal("12345.5"), "EUR"),
            ],
            tables=[
                Table(
                    key="per_product",
                    title="Per product",
                    columns=["Product", "Gezinnen", "Stuks"],
                    rows=[["Luiers maat 4", Figure(12), 1234], ["Fles", Figure(None), None]],
                    note="Geschat op de aankoopprijs.",
                    section="Goederen",
                ),
                Table(key="empty", title="Leeg", columns=["A", "B"], rows=[], section="Goederen"),
            ],
        )

    monkeypatch.setattr(documents, "build_report", fake_report)

    text = pdf_text(documents.annual_report_pdf(year=2024))
    lines = [" ".join(line.split()).replace("< ", "<") for line in text.splitlines()]

    assert "Bereikte kinderen <5" in lines
    assert "Geschatte waarde € 12.345,50" in lines
    assert "Goederen" in lines and "Per product" in lines
    assert "Luiers maat 4 12 1.234" in lines
    assert "Fles <5 —" in lines
    assert "Geschat op de aankoopprijs." in text
    assert "Niets te melden voor deze periode." in text


@pytest.mark.parametrize("query", [{"jaar": "²"}, {"gemeente": "²"}, {"jaar": "٢٠٢٥"}])
def test_a_non_ascii_digit_in_the_annual_page_query_is_not_a_server_error(login, admin_user, query):
    response = login(admin_user).get(reverse("rapportering:annual"), query)
    assert response.status_code in (200, 404)


def test_a_non_ascii_municipality_of_the_annual_pdf_is_not_found(login, admin_user):
    url = reverse("rapportering:annual_pdf", args=[2025])
    assert login(admin_user).get(url, {"gemeente": "²"}).status_code == 404


def test_a_masked_month_of_a_municipality_cannot_be_worked_out_from_its_year(db):
    import datetime as dt

    from rapportering.documents import mask_months_against_year
    from rapportering.selectors.trends import Series, Trend

    months = [dt.date(2025, m, 1) for m in (1, 2, 3)]
    # Lochristi: 180 units in January (6 households), March 120 units for 2 households
    # (hidden): the section's year figure 300 − 180 would give March away. Gent: 240 / 0
    # / 240, its March shown: with Lochristi's March hidden alone, the month total would
    # give it away too.
    trend = Trend(
        key="units-municipality",
        title="",
        description="",
        unit="",
        months=months,
        series=[
            Series("municipality-1", "Lochristi", [Figure(180), Figure(0), Figure(None)]),
            Series("municipality-2", "Gent", [Figure(240), Figure(0), Figure(240)]),
        ],
    )
    lochristi, gent = mask_months_against_year(trend).series
    # Lochristi's January is hidden beside March; so January needs a second hidden cell
    # (Gent's January), and Gent then its March: no row or column has one hidden cell.
    assert lochristi.values == [Figure(None), Figure(0), Figure(None)]
    assert gent.values == [Figure(None), Figure(0), Figure(None)]


def test_key_figures_of_one_small_municipality_are_masked_with_a_second_one():
    from rapportering.documents import mask_across_sections
    from rapportering.selectors.report import KeyFigure

    def section(units, households):
        return [
            KeyFigure("households_reached", "Households", Figure(households)),
            KeyFigure("units_distributed", "Units", Figure(units)),
            KeyFigure("donated_units", "Donated", 999),  # not about households: kept
        ]

    # All municipalities: 700 units. Lochristi's 120 (2 households) would be 700 − 580 − 0.
    sections = [section(None, None), section(580, 20), section(0, 0), section(100, 6)]
    masked = mask_across_sections(sections)
    units = [s[1].value for s in masked]
    assert units == [Figure(None), Figure(580), Figure(0), Figure(None)]
    assert [s[0].value for s in masked] == [Figure(None), Figure(20), Figure(0), Figure(None)]
    assert [s[2].value for s in masked] == [999] * 4


def test_the_cover_says_what_the_rule_does_not_that_nobody_can_be_recognised(db):
    text = pdf_text(annual_report_pdf(year=2024))
    assert "geen enkel gezin" not in text
    assert "minder dan 5" in text
