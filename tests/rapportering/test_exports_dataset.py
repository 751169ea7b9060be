"""The large benchmark dataset of the reports, made small: it writes what the export and
the reports read, on SQLite and PostgreSQL (rows with ids of its own, sequences moved on)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from benchmarks import dataset_large
from kern.roles import Role
from tests.factories import UserFactory
from tests.toegang.factories import ProgramFactory
from toegang.models import Household, Program
from uitlening.models import Distribution, DistributionLine, Loan


@pytest.fixture
def small(monkeypatch, db):
    monkeypatch.setattr(dataset_large, "HOUSEHOLDS", 40)
    monkeypatch.setattr(dataset_large, "ITEMS", 10)
    monkeypatch.setattr(dataset_large, "LOANS", 60)
    UserFactory(username="vrijwilliger", role=Role.VOLUNTEER)
    for name, kind in (
        ("Pamperbank", Program.Kind.DIAPERS),
        ("Ruilwinkel", Program.Kind.SWAP_SHOP),
        ("Babytheek", Program.Kind.BABY_LIBRARY),
    ):
        ProgramFactory(name=name, kind=kind)
    timings: dict[str, float] = {}
    dataset_large._generate_reports_data(distributions=300, seed=3, timings=timings)
    return timings


def test_the_dataset_has_households_distributions_and_loans_over_a_year(small):
    assert Household.objects.count() == 40
    assert Household.objects.values("municipality").distinct().count() == 4
    assert Distribution.objects.count() == 300
    assert DistributionLine.objects.count() >= 300
    assert Loan.objects.count() == 60
    assert Loan.objects.filter(returned_at__isnull=True).count() == 4  # items 0, 3, 6, 9
    first = Distribution.objects.order_by("created_at").first().created_at
    assert (timezone.now() - first).days == dataset_large.DAYS
    assert set(small) == {"households_s", "distributions_s", "loans_s"}


def test_new_rows_after_the_dataset_get_fresh_ids(small, coordinator):
    household = Household.objects.first()
    made = Distribution.objects.create(
        household=household, location_id=Distribution.objects.first().location_id, user=coordinator
    )
    assert made.pk > Distribution.objects.exclude(pk=made.pk).order_by("-pk").first().pk


def test_the_year_of_distributions_exports_from_the_dataset(small, login, coordinator):
    today = timezone.localdate()
    query = {"van": today.replace(year=today.year - 1).isoformat(), "tot": today.isoformat()}
    response = login(coordinator).get(
        reverse("rapportering:distributions_export", args=["csv"]), query
    )
    lines = b"".join(response.streaming_content).decode().splitlines()
    # every distribution but the corrected one (the first of each 500), and a header
    assert len(lines) == 300 - 1 + 1
    assert "Rapport luiers maat" in lines[0]
