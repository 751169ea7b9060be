"""Reports (issue 11) on the large dataset (``benchmarks.dataset_large``: a million ledger
rows, 200,000 distributions, 50,000 loans, 100,000 sign-ups, 20,000 households).

Measured through the test client as the coordinator, the real pages: the dashboard
(``rapportering:dashboard``), the report of last month and of the last year
(``rapportering:report``), the annual PDF (``rapportering:annual``'s PDF) and the CSV
export of a year of distributions, streamed and read to the end chunk by chunk (as a
browser saves it). Each with its median and p95 and, in a separate run under tracemalloc
(which slows Python down), its peak memory. The export's memory is measured for half a
year (N rows) and the whole year (2N rows): flat means the two peaks are about equal.

Targets (the issue): dashboard and monthly report under 1 s, annual PDF under 3 s,
export memory flat as rows double.
"""

from __future__ import annotations

import datetime as dt
import gc
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

from benchmarks.harness import Measurement, measure

MIB = 1024 * 1024


def peak_mib(func: Callable[[], object]) -> float:
    """The most memory Python held at once while ``func`` ran (above what it held before)."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        func()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return round((peak - before) / MIB, 2)


def consume(response: Any) -> int:
    """Read a response to the end without keeping it; the bytes it had."""
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    if response.streaming:
        size = 0
        for chunk in response.streaming_content:
            size += len(chunk)
        response.close()
        return size
    return len(response.content)


def annual_pdf_url(year: int) -> str:
    """The annual report's PDF: the URL name the annual part gives it, else the annual
    page asked for a PDF (the page exists from the start; the PDF comes with that part)."""
    from django.urls import NoReverseMatch, reverse

    for name, args in (
        ("rapportering:annual_pdf", [year]),
        ("rapportering:annual_pdf", []),
    ):
        try:
            url = reverse(name, args=args)
        except NoReverseMatch:
            continue
        return url if args else f"{url}?jaar={year}"
    return f"{reverse('rapportering:annual')}?jaar={year}&formaat=pdf"


def benchmarks(repeat: int, client_factory) -> Iterator[tuple[str, Any, int, dict]]:
    """Yield (name, callable or Measurement, repeat, extra)."""
    from django.urls import reverse

    from benchmarks import dataset_large

    data = dataset_large.generate()
    coordinator = client_factory("coordinator")
    last_day = data["last_day"]
    year_start = last_day - dt.timedelta(days=dataset_large.DAYS - 1)
    half_start = last_day - dt.timedelta(days=dataset_large.DAYS // 2 - 1)
    month_end = last_day.replace(day=1) - dt.timedelta(days=1)
    month = {"van": month_end.replace(day=1).isoformat(), "tot": month_end.isoformat()}
    year = {"van": year_start.isoformat(), "tot": last_day.isoformat()}
    half = {"van": half_start.isoformat(), "tot": last_day.isoformat()}
    dataset = {
        key: data[key]
        for key in (
            "ledger_rows",
            "signups",
            "households",
            "distributions",
            "distribution_lines",
            "loans",
            "municipalities",
            "points",
            "seconds",
        )
    }
    dataset.update({k: v for k, v in data.items() if k.endswith("_s")})
    few = max(3, min(repeat // 15, 20))

    def page(url: str, query: dict[str, str] | None = None) -> Callable[[], int]:
        return lambda: consume(coordinator.get(url, query or {}))

    pages = [
        ("reports_dashboard", page(reverse("rapportering:dashboard")), few, dataset),
        ("reports_monthly_report", page(reverse("rapportering:report"), month), few, month),
        (
            "reports_yearly_report",
            page(reverse("rapportering:report"), year),
            max(3, few // 2),
            year,
        ),
    ]
    pdf_year = month_end.year
    pdf_url = annual_pdf_url(pdf_year)
    pages.append(("reports_annual_pdf", page(pdf_url), max(3, few // 4), {"url": pdf_url}))
    for name, func, times, extra in pages:
        size = func()
        result = measure(name, func, repeat=times, warmup=1)
        yield name, result, times, {**extra, "bytes": size, "peak_mib": peak_mib(func)}

    export = reverse("rapportering:distributions_export", args=["csv"])
    year_export = page(export, year)
    half_export = page(export, half)
    year_bytes, half_bytes = year_export(), half_export()
    year_peak, half_peak = peak_mib(year_export), peak_mib(half_export)
    from uitlening.models import Distribution

    def rows(query: dict[str, str]) -> int:
        from rapportering.selectors.filters import from_query

        filters = from_query(query)
        return Distribution.objects.filter(
            created_at__gte=filters.since, created_at__lt=filters.until, corrected_at__isnull=True
        ).count()

    times = 3
    result: Measurement = measure("reports_export_year_csv", year_export, repeat=times, warmup=0)
    yield (
        "reports_export_year_csv",
        result,
        times,
        {
            **year,
            "rows": rows(year),
            "bytes": year_bytes,
            "peak_mib": year_peak,
            "half_year_rows": rows(half),
            "half_year_bytes": half_bytes,
            "half_year_peak_mib": half_peak,
            "peak_ratio_2n_to_n": round(year_peak / half_peak, 2) if half_peak else None,
        },
    )
