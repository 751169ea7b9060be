"""The demo's history for the reports (rapportering/demo.py): after ``load_demo`` the
reports show figures, not "< 5" everywhere, and the ledger stays the one truth."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from kern.demo import demo_parts
from rapportering import demo as history
from rapportering.anonymity import Figure
from rapportering.selectors import filters
from rapportering.selectors.report import build_report
from toegang.models import Household, Referral
from uitlening.models import Distribution, Loan, Membership
from voorraad.models import Donation, Purchase, StockMovement

pytestmark = pytest.mark.django_db


def load_demo() -> None:
    call_command("load_demo", "--allow-without-debug", stdout=StringIO())


def last_month() -> filters.ReportFilter:
    end = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    return filters.ReportFilter(start=end.replace(day=1), end=end)


def key_figure(report, key: str) -> Figure:
    return next(figure.value for figure in report.key_figures if figure.key == key)


def table(report, key: str):
    return next(t for t in report.tables if t.key == key)


def test_last_months_report_shows_households_and_municipalities_and_masks_a_small_one():
    load_demo()
    report = build_report(filters=last_month())

    reached = key_figure(report, "households_reached")
    assert isinstance(reached, Figure) and reached.value is not None and reached.value >= 5
    rows = table(report, "reach_by_municipality").rows
    shown = [row[0] for row in rows if not row[1].masked]
    masked = [row[0] for row in rows if row[1].masked]
    assert {"Gent", "Melle"} <= set(shown)
    assert "Lochristi" in masked


def test_this_and_last_years_reports_have_figures_for_several_municipalities():
    load_demo()
    today = timezone.localdate()
    # Early in January this year's report holds a day or a few weeks, and rightly shows
    # little: this year is asked for once two whole months lie behind us.
    years = [today.year - 1] + ([today.year] if today.month >= 3 else [])
    for year in years:
        report = build_report(filters=filters.year(year))
        reached = key_figure(report, "households_reached")
        assert reached.value is not None and reached.value >= 20, year
        rows = table(report, "reach_by_municipality").rows
        assert sum(not row[1].masked for row in rows) >= 2, year


def test_the_history_spreads_over_the_past_months_at_both_points():
    load_demo()
    now = timezone.now()
    months = defaultdict(set)
    for location, moment in Distribution.objects.values_list("location__name", "created_at"):
        months[location].add(timezone.localtime(moment).strftime("%Y-%m"))
    assert len(months["Uitdeelpunt Centrum"]) >= 12
    assert len(months["Uitdeelpunt Melle"]) >= 12
    # Last year's autumn drive, for last year's report (on 1 January too).
    assert Donation.objects.filter(
        drive__isnull=False, received_on__year=timezone.localdate().year - 1
    ).exists()
    assert Purchase.objects.count() >= 3
    returned = Loan.objects.filter(returned_at__lt=now - dt.timedelta(days=1))
    assert returned.values("household").distinct().count() >= 5
    assert Membership.objects.filter(valid_from__lt=now.date() - dt.timedelta(days=30)).count() >= 5
    assert (
        not Household.objects.exclude(first_name="", phone="", email="")
        .filter(created_at__lt=now - dt.timedelta(days=30))
        .exists()
    )  # the history's households have no name or contact
    assert Referral.objects.filter(valid_from__lt=now.date() - dt.timedelta(days=300)).exists()


def test_the_history_keeps_the_ledger_reconciled_and_its_own_stock_never_below_zero_in_time():
    parts = demo_parts()
    for part in parts:
        if part.module != history.__name__:
            part.load()
    before = StockMovement.objects.order_by("-id").values_list("id", flat=True).first() or 0
    history.load()
    call_command("reconcile_stock", stdout=StringIO())  # raises on any difference
    # What the history brings in, it takes out later: at no moment of its timeline is a
    # balance of its own movements below zero (so a chart of stock over time never dips
    # because of it, and the other parts' balances stay what they were).
    mine = StockMovement.objects.filter(id__gt=before).order_by("at", "id")
    assert mine.count() > 500
    balance: dict[tuple[int, int], int] = defaultdict(int)
    for product, location, quantity in mine.values_list("product_id", "location_id", "quantity"):
        balance[(product, location)] += quantity
        assert balance[(product, location)] >= 0


def test_loading_the_demo_twice_adds_no_history():
    load_demo()
    models = (
        Household,
        Referral,
        Distribution,
        StockMovement,
        Donation,
        Purchase,
        Loan,
        Membership,
    )
    first = [model.objects.count() for model in models]
    load_demo()
    assert [model.objects.count() for model in models] == first
