"""Report figures against hand-computed expectations on the March world
(tests/rapportering/factories.py explains who did what)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rapportering.anonymity import Figure
from rapportering.selectors import figures
from rapportering.selectors.filters import ReportFilter
from tests.rapportering.factories import MARCH, march_world

pytestmark = pytest.mark.django_db

HIDDEN = Figure(None)


@pytest.fixture
def world():
    return march_world()


def value(report, key):
    return report.figure(key).value


def rows(report, key):
    return report.table(key).rows


def test_reach_counts_each_household_once_with_its_children_and_first_time_versus_returning(
    world,
):
    report = figures.build(filters=MARCH)
    # G1–G5, M1–M5, L1 by distributions; L2 by its loan (its distribution was corrected).
    assert value(report, "households_reached") == Figure(12)
    # G1 has two children, the eleven others one each.
    assert value(report, "children_reached") == Figure(13)
    # G1–G5 came in February too.
    assert value(report, "returning_households") == Figure(5)
    assert value(report, "first_time_households") == Figure(7)


def test_a_municipality_of_fewer_than_five_households_is_hidden_and_so_is_the_next_smallest(
    world,
):
    table = rows(figures.build(filters=MARCH), "reach_by_municipality")
    by_name = {row[0]: row[1:] for row in table}
    # Lochristi has 2 households: hidden. Gent and Melle have 5 each; hiding only Lochristi
    # would let 12 − 5 − 5 give it away, so the first of the two (Gent) is hidden too.
    assert by_name["Lochristi"] == [HIDDEN] * 4
    assert by_name["Gent"] == [HIDDEN] * 4
    # Melle: 5 households, 5 children, all five new.
    assert by_name["Melle"] == [Figure(5), Figure(5), Figure(5), Figure(0)]


def test_reach_per_program_hides_small_programs(world):
    by_name = {row[0]: row[1:] for row in rows(figures.build(filters=MARCH), "reach_by_program")}
    assert by_name["Pamperbank"] == [Figure(11), Figure(12)]
    assert by_name["Ruilwinkel"] == [HIDDEN, HIDDEN]  # G2 alone
    assert by_name["Babytheek"] == [HIDDEN, HIDDEN]  # 7, but the next smallest


def test_goods_count_units_packs_and_value_without_the_corrected_distribution(world):
    report = figures.build(filters=MARCH)
    # 5 × 36 (maat 4) + 5 × 80 (maat 3) + 1 shampoo + 40 (L1); L2's 120 corrected away.
    assert value(report, "units_distributed") == Figure(621)
    assert value(report, "packs_distributed") == Figure(17)
    # 180 × 0.30 (last cost) + 440 × 0.25 (estimate) + 1 × 3.00 = 54 + 110 + 3
    assert value(report, "estimated_value") == Figure(167)
    assert report.figure("estimated_value").unit == "EUR"


def test_goods_per_product_say_where_the_value_comes_from_and_hide_small_groups(world):
    by_name = {row[0]: row for row in rows(figures.build(filters=MARCH), "goods_by_product")}
    assert by_name["Luiers maat 3"] == [
        "Luiers maat 3",
        "Luiers",
        Figure(6),
        Figure(11),
        Figure(440),
        Figure(110),
        Decimal("0.25"),
        "schatting",
    ]
    # The shampoo went to M1 alone; maat 4 (5 households) is the next smallest.
    assert by_name["Babyshampoo"][2:6] == [HIDDEN] * 4
    assert by_name["Luiers maat 4"][2:6] == [HIDDEN] * 4
    assert by_name["Luiers maat 4"][6:] == [Decimal("0.30"), "laatste aankoopprijs"]


def test_loans_of_two_households_are_hidden_and_items_never_lent_are_plain(world):
    report = figures.build(filters=MARCH)
    for key in ("loans_started", "loans_active_at_end", "loans_overdue_at_end", "lent_days"):
        assert value(report, key) == HIDDEN, key
    assert rows(report, "items_not_lent") == [["Autostoel", 1, 1, 1], ["Kinderwagen", 2, 0, 0]]


def test_loans_show_when_the_rule_allows_and_lent_days_cross_the_dst_change(world, settings):
    settings.REPORT_MIN_HOUSEHOLDS = 1
    report = figures.build(filters=MARCH)
    assert value(report, "loans_started") == Figure(1)  # L2's stroller
    assert value(report, "loans_active_at_end") == Figure(1)
    assert value(report, "loans_overdue_at_end") == Figure(1)  # due 24 March
    # L2: 10 March 10:00 → 1 April 00:00 local = 21 d 13 h (the night of 29 March has
    # 23 hours); G1: 1 March 00:00 → 5 March 12:00 = 4 d 12 h. Together 26 d 1 h → 26.
    assert value(report, "lent_days") == Figure(26)


def test_memberships_points_partners_and_seasonal(world):
    report = figures.build(filters=MARCH)
    assert value(report, "memberships_social_fee") == Figure(5)
    assert value(report, "memberships_normal_fee") == Figure(0)
    assert value(report, "points_earned") == HIDDEN  # G2 alone
    assert value(report, "points_spent") == HIDDEN
    assert value(report, "seasonal_packages") == Figure(0)
    assert value(report, "partner_packs_requested") == Figure(10)
    assert value(report, "partner_packs_handed_out") == Figure(8)
    assert rows(report, "partner_requests") == [
        ["Luiers maat 3", 1, Figure(6), Figure(10), Figure(8), Figure(8)]
    ]


def test_intake_counts_posted_donations_and_purchases_as_plain_numbers(world):
    report = figures.build(filters=MARCH)
    assert value(report, "donated_units") == 150  # the draft's 999 do not count
    assert value(report, "donated_value") == Decimal("42.50")  # 100 × 0.30 + 50 × 0.25
    assert value(report, "purchased_units") == 360
    assert value(report, "purchase_cost") == Decimal("108.00")
    assert rows(report, "donations_by_drive") == [
        ["Luierinzameling", 1, 50, Decimal("12.50")],
        ["Geen inzamelactie", 1, 100, Decimal("30.00")],
    ]


def test_volunteer_hours_and_no_shows_per_location_without_names(world):
    report = figures.build(filters=MARCH)
    assert value(report, "volunteer_hours") == Decimal("6.50")  # 3 h + 3.5 h corrected
    assert value(report, "volunteer_no_shows") == 1
    assert rows(report, "volunteer_hours_by_location") == [
        ["Rapport Centrum", 1, Decimal("3.00"), 1],
        ["Rapport Melle", 1, Decimal("3.50"), 0],
    ]


def test_a_program_filter_narrows_the_reach(world):
    report = figures.build(
        filters=ReportFilter(MARCH.start, MARCH.end, programs=(world.programs["Pamperbank"].pk,))
    )
    assert value(report, "households_reached") == Figure(11)  # not L2 (loan only)
    assert value(report, "units_distributed") == Figure(621)
    assert value(report, "points_earned") == Figure(0)  # the swap shop is not chosen


def test_a_municipality_filter_narrows_to_its_households(world):
    melle = world.municipalities["Melle"].pk
    report = figures.build(filters=ReportFilter(MARCH.start, MARCH.end, municipalities=(melle,)))
    assert value(report, "households_reached") == Figure(5)
    assert value(report, "units_distributed") == Figure(401)  # 5 × 80 + 1 shampoo
    assert value(report, "children_reached") == Figure(5)


def test_a_point_filter_narrows_to_what_happened_there(world):
    centrum = world.points["Centrum"].pk
    report = figures.build(filters=ReportFilter(MARCH.start, MARCH.end, locations=(centrum,)))
    # G1–G5 and L1 took goods there, L2 borrowed there (G2's points are there too).
    assert value(report, "households_reached") == Figure(7)
    assert value(report, "units_distributed") == Figure(220)  # 5 × 36 + 40
    assert value(report, "volunteer_hours") == Decimal("3.00")


def test_sections_limit_the_tables_and_the_summary_has_none(world):
    only = figures.build(filters=MARCH, sections=("intake",))
    assert {table.section for table in only.tables} == {"intake"}
    assert {kf.key for kf in only.key_figures} == {
        "donated_units",
        "donated_value",
        "purchased_units",
        "purchase_cost",
    }
    summary = figures.build(filters=MARCH, key_figures_only=True)
    assert summary.tables == []
    assert value(summary, "households_reached") == Figure(12)


def test_item_and_partner_columns_say_what_they_count_in_plain_flemish(world):
    report = figures.build(filters=MARCH)
    # "In gebruik" would read as "lent out right now", next to "not lent in the period".
    assert report.table("items_not_lent").columns[1] == "Objecten in omloop (niet afgeschreven)"
    assert "Geholpen gezinnen (volgens de partnerorganisatie)" in (
        report.table("partner_requests").columns
    )
