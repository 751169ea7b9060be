"""The SVG charts: well-formed, named for screen readers, the same numbers in the table
as in the series, "< 5" never drawn as a number, every label escaped."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from rapportering import charts
from rapportering.anonymity import Figure
from rapportering.selectors.trends import Series, Trend
from tests.rapportering.test_trends import year_2025  # noqa: F401  # the shared fixture

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = [dt.date(2025, m, 1) for m in range(1, 7)]


def trend(kind="line", *series):
    return Trend(
        key="t",
        title="Gezinnen <per> maand & meer",
        description="Beschrijving",
        unit="gezinnen",
        months=MONTHS,
        series=list(series),
        kind=kind,
    )


def figures(*values):
    return [None if v == "none" else Figure(v) for v in values]


def parse(svg):
    return ET.fromstring(str(svg))


@pytest.mark.parametrize("kind", ["line", "bar", "stacked"])
def test_chart_is_well_formed_svg_named_for_screen_readers(kind):
    shown = trend(kind, Series("a", "Pamperbank", figures(10, 20, 1234, 0, 5, 6)))

    root = parse(charts.svg(shown, chart_id="c1"))

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.get("width") == "100%"
    assert root.get("viewBox").startswith("0 0 720 ")
    assert root.find(f"{SVG}title").get("id") == "c1-title"
    assert root.find(f"{SVG}title").text == "Gezinnen <per> maand & meer"
    assert "1.234" in root.find(f"{SVG}desc").text  # nl-BE thousands dot
    assert root.find(f"{SVG}desc").get("id") == "c1-desc"


def test_chart_has_no_script_no_style_attribute_and_no_outside_resource():
    shown = trend(
        "stacked",
        Series("a", "A", figures(1, 2, 3, 4, 5, 6)),
        Series("b", "B", figures(6, 5, 4, 3, 2, 1)),
    )

    text = str(charts.svg(shown, chart_id="c1"))

    assert "<script" not in text
    assert "style=" not in text
    assert not re.search(r"(href|src)=\"(https?:)?//", text)
    assert "url(#c1-p0)" in text and "url(#c1-p1)" in text  # hatches, not colour alone


def test_labels_are_escaped():
    shown = trend("line", Series("a", "<script>alert(1)</script>", figures(1, 2, 3, 4, 5, 6)))

    text = str(charts.svg(shown, chart_id="c1"))

    assert "<script>" not in text
    assert "&lt;script&gt;" in text
    parse(text)


def test_lines_differ_by_dash_and_marker_not_only_colour():
    shown = trend(
        "line",
        Series("a", "A", figures(1, 2, 3, 4, 5, 6)),
        Series("b", "B", figures(6, 5, 4, 3, 2, 1)),
    )

    root = parse(charts.svg(shown, chart_id="c1"))

    groups = [g for g in root.iter(f"{SVG}g") if g.get("class") == "chart-series"]
    paths = [g.find(f"{SVG}path") for g in groups]
    assert paths[0].get("stroke-dasharray") is None
    assert paths[1].get("stroke-dasharray") == "8 4"
    assert groups[0].find(f"{SVG}circle") is not None
    assert groups[1].find(f"{SVG}rect") is not None  # squares


def test_a_masked_month_breaks_the_line_and_is_marked_not_plotted():
    shown = trend("line", Series("a", "Gezinnen", figures(10, 20, None, 30, 40, 50)))

    root = parse(charts.svg(shown, chart_id="c1"))

    series = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "chart-series")
    path = series.find(f"{SVG}path").get("d")
    assert path.count("M") == 2  # two pieces: the line breaks at March
    assert len(series.findall(f"{SVG}circle")) == 5  # no point for March
    marks = [p for p in root.iter(f"{SVG}polygon") if p.get("class") == "chart-masked"]
    assert len(marks) == 1
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "< 5" in texts


def test_a_masked_part_of_a_stacked_bar_is_not_drawn():
    shown = trend(
        "stacked",
        Series("a", "A", figures(10, 10, 10, 10, 10, 10)),
        Series("b", "B", figures(5, None, 5, 5, 5, 5)),
    )

    root = parse(charts.svg(shown, chart_id="c1"))

    groups = [g for g in root.iter(f"{SVG}g") if g.get("class") == "chart-series"]
    assert len(groups[0].findall(f"{SVG}rect")) == 6
    assert len(groups[1].findall(f"{SVG}rect")) == 5


def test_table_holds_the_same_numbers_as_the_series_and_masked_as_less_than_five():
    shown = trend(
        "stacked",
        Series("a", "Pamperbank", figures(1200, 10, 10, 10, 10, "none")),
        Series("b", "Ruilwinkel", figures(5, None, 5, 5, 5, "none")),
    )

    table = charts.table(shown)

    assert table.caption == shown.title
    assert table.header == ["Maand", "Pamperbank", "Ruilwinkel", "Totaal"]
    assert table.rows[0] == ("januari 2025", ["1.200", "5", "1.205"])
    assert table.rows[1] == ("februari 2025", ["10", "< 5", "< 5"])
    assert table.rows[5] == ("juni 2025", ["—", "—", "—"])
    assert table.masked


def test_nice_ticks_are_round():
    assert charts.nice_ticks(0) == [0, 1]
    assert charts.nice_ticks(7) == [0, 2, 4, 6, 8]
    assert charts.nice_ticks(1234) == [0, 500, 1000, 1500]


def render_tag(filters, group="program"):
    request = RequestFactory().get("/")
    return Template("{% load report_charts %}{% report_charts filters group %}").render(
        Context({"filters": filters, "group": group, "request": request})
    )


def test_the_tag_renders_three_charts_each_with_its_table(year_2025):  # noqa: F811
    html = render_tag(year_2025.filters, "program")

    assert html.count("<svg") == 3
    assert html.count("<table") == 3
    assert "Tabel bij deze grafiek" in html
    assert "<caption>Bereikte gezinnen per maand</caption>" in html
    assert "Uitgedeelde stuks per maand, per aanbod" in html
    assert "Voorraad op het einde van elke maand" in html
    # February's parts of the stack are hidden: "< 5" in the table, explained below.
    assert "&lt; 5" in html
    assert "minder dan 5 gezinnen" in html
    for svg in re.findall(r"<svg.*?</svg>", html, re.S):
        ET.fromstring(svg)
    ids = re.findall(r'<svg[^>]* id="([^"]+)"', html)
    assert len(set(ids)) == 3


def test_the_tag_stacks_by_municipality(year_2025):  # noqa: F811
    html = render_tag(year_2025.filters, "municipality")

    assert "Uitgedeelde stuks per maand, per gemeente" in html
    assert ">Melle<" in html


def test_the_tag_says_so_when_there_is_nothing_to_show(db):
    from rapportering.selectors.filters import year

    html = render_tag(year(2024))

    assert "<svg" not in html
    assert html.count("Niets te tonen voor deze periode.") == 3
