"""The report screen: who may see it, what it shows (and hides), the filter form."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from tests.rapportering.factories import march_world

pytestmark = pytest.mark.django_db

MARCH_QUERY = {"periode": "zelf", "van": "2026-03-01", "tot": "2026-03-31"}


@pytest.fixture
def world():
    return march_world()


def key_figure(html: str, key: str) -> str:
    found = re.search(rf'<li data-key="{key}"[^>]*><strong>(.*?)</strong>', html)
    assert found, key
    return found.group(1)


def table_row(html: str, table: str, label: str) -> list[str]:
    block = re.search(rf'data-table="{table}".*?</table>', html, re.S)
    assert block, table
    for row in re.findall(r"<tr>(.*?)</tr>", block.group(0), re.S):
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        if cells and cells[0] == label:
            return cells[1:]
    raise AssertionError(f"no row {label} in {table}")


def test_a_coordinator_sees_key_figures_and_tables_of_the_period(login, world):
    response = login(world.user).get(reverse("rapportering:report"), MARCH_QUERY)
    assert response.status_code == 200
    html = response.content.decode()
    assert key_figure(html, "households_reached") == "12"
    assert key_figure(html, "units_distributed") == "621"
    assert key_figure(html, "estimated_value") == "167 EUR"
    assert key_figure(html, "volunteer_hours") == "6,50 uur"
    assert table_row(html, "reach_by_municipality", "Melle") == ["5", "5", "5", "0"]
    for section in ("reach", "goods", "loans", "programs", "intake", "volunteers"):
        assert f'data-section="{section}"' in html
    assert "no-cache" in response["Cache-Control"]
    # Wide tables scroll inside their card (static/css/reports.css), not the page.
    # (The charts' own tables sit in a <details> of their own.)
    assert html.count('class="report-scroll"') == html.count('<table class="table">')
    assert "css/reports.css" in html


def test_a_group_of_fewer_than_five_households_shows_lt_5_and_not_its_number(login, world):
    html = login(world.user).get(reverse("rapportering:report"), MARCH_QUERY).content.decode()
    # L2's one loan, G2's 10 points: never the number.
    assert key_figure(html, "loans_started") == "&lt; 5"
    assert key_figure(html, "points_earned") == "&lt; 5"
    # Lochristi (2 households, 2 children) and Gent, hidden with it.
    assert table_row(html, "reach_by_municipality", "Lochristi") == ["&lt; 5"] * 4
    assert table_row(html, "reach_by_municipality", "Gent") == ["&lt; 5"] * 4
    assert table_row(html, "goods_by_product", "Babyshampoo")[1:5] == ["&lt; 5"] * 4


def test_filtering_by_municipality_narrows_the_figures(login, world):
    query = {**MARCH_QUERY, "gemeente": [world.municipalities["Melle"].pk]}
    html = login(world.user).get(reverse("rapportering:report"), query).content.decode()
    assert key_figure(html, "households_reached") == "5"
    assert key_figure(html, "units_distributed") == "401"


def test_a_period_given_as_export_link_dates_reads_back_as_own_dates(login, world):
    query = {"van": "2026-03-01", "tot": "2026-03-31", "punt": [world.points["Melle"].pk]}
    html = login(world.user).get(reverse("rapportering:report"), query).content.decode()
    assert key_figure(html, "households_reached") == "5"
    assert 'value="zelf" checked' in html or '<option value="zelf" selected>' in html


def test_a_last_day_before_the_first_is_refused_in_dutch_keeping_what_was_typed(login, world):
    query = {"periode": "zelf", "van": "2026-03-31", "tot": "2026-03-01"}
    response = login(world.user).get(reverse("rapportering:report"), query)
    html = response.content.decode()
    assert response.status_code == 200
    assert "De laatste dag (01/03/2026) valt vóór de eerste dag (31/03/2026)." in html
    assert 'value="2026-03-31"' in html and 'value="2026-03-01"' in html
    assert "data-key-figures" not in html


def test_an_unreadable_date_and_an_unknown_program_are_named(login, world):
    query = {"periode": "zelf", "van": "31-13-2026", "tot": "2026-03-01", "programma": "999999"}
    html = login(world.user).get(reverse("rapportering:report"), query).content.decode()
    assert "Geef een geldige datum." in html or "Voer een geldige datum in." in html
    assert 'value="31-13-2026"' in html
    assert "999999" in html  # Django's message names the choice that is not there
    assert "data-key-figures" not in html


def test_without_a_filter_the_report_is_of_this_month(login, world):
    response = login(world.user).get(reverse("rapportering:report"))
    assert response.status_code == 200
    assert "data-key-figures" in response.content.decode()


def test_a_volunteer_may_not_see_reports(login, volunteer):
    assert login(volunteer).get(reverse("rapportering:report")).status_code == 403


def test_export_links_carry_the_filter_when_the_export_exists(login, world, monkeypatch):
    from django.urls import NoReverseMatch

    html = login(world.user).get(reverse("rapportering:report"), MARCH_QUERY).content.decode()
    try:
        reverse("rapportering:report_export", args=["all", "csv"])
    except NoReverseMatch:
        assert 'data-export="csv"' not in html  # the page works without the exports
    else:
        assert "van=2026-03-01&amp;tot=2026-03-31" in html
        assert 'data-export="xlsx"' in html


def test_a_day_before_2000_is_refused_not_a_server_error(login, world):
    query = {"periode": "zelf", "van": "0001-01-01", "tot": "2026-03-01"}
    response = login(world.user).get(reverse("rapportering:report"), query)
    assert response.status_code == 200
    assert "Kies een dag tussen 01/01/2000 en 31/12/2999." in response.content.decode()


def test_a_preset_period_shows_its_own_dates_in_the_date_fields(login, world):
    from rapportering.forms import LAST_MONTH, ReportFilterForm, preset_period

    today = dt.date(2026, 12, 2)
    form = ReportFilterForm(
        {"periode": LAST_MONTH, "van": "2026-12-01", "tot": "2026-12-31"}, today=today
    )
    assert form.is_valid()
    start, end = preset_period(LAST_MONTH, today)
    assert (start, end) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert form["van"].value() == "2026-11-01"
    assert form["tot"].value() == "2026-11-30"


@pytest.mark.parametrize(
    "url, query",
    [
        ("rapportering:signals", {"gemeente": "²"}),
        ("rapportering:report", {"punt": "²", "programma": "١"}),
        ("rapportering:signals", {"gemeente": "99999999999999999999"}),
    ],
)
def test_a_non_ascii_or_huge_id_in_the_filter_is_ignored_not_a_server_error(
    login, world, url, query
):
    response = login(world.user).get(reverse(url), query)
    assert response.status_code == 200


def test_only_ascii_digits_of_a_bounded_length_read_as_an_id():
    from rapportering.selectors.filters import from_query, parse_id

    assert parse_id("12") == 12
    assert parse_id("²") is None
    assert parse_id("١٢") is None  # Arabic-Indic digits
    assert parse_id("0") is None
    assert parse_id("2147483648") is None  # beyond the database's integer
    assert parse_id(" 7") is None
    assert from_query({"gemeente": ["²", "3"], "punt": "²"}).municipalities == (3,)
