"""`make bench`: hot paths measured against a bare Django view through the full
middleware stack (GET /gezond/), all in one process and one run.

Usage: python -m benchmarks.run [--repeat N] [--suite SUITE ...] [--only NAME ...]
Each measurement prints one JSON line: name, n, median_ms, p95_ms, ratio_to_baseline.

--suite runs only those suites (and the baseline): their data is the only data made,
e.g. ``--suite reports`` for the reports on the large dataset. Suites: core, access,
stock, counter, seasonal, points, holds, shifts, reports, http, stress. --only still
makes every selected suite's data and skips measuring the other names.

``http`` and ``stress`` serve the app under gunicorn with production settings (see
benchmarks/bench_http.py and bench_stress.py); their PostgreSQL halves need
BENCH_PG_URL (a database whose name contains "bench": it is dropped and created again).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from io import StringIO

SUITES = (
    "core",
    "access",
    "stock",
    "counter",
    "seasonal",
    "points",
    "holds",
    "shifts",
    "reports",
    "http",
    "stress",
)


def set_up_django(var_dir: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEELPUNT_VAR_DIR"] = var_dir
    os.environ["DEBUG"] = "0"  # measure what production runs, not the debug toolbar path
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_demo", "--allow-without-debug", "--quiet-accounts", stdout=StringIO())


def benchmarks(repeat: int):
    """Yield (name, callable, repeat) in order; the first one is the baseline."""
    from django.test import Client

    from kern import barcodes, services
    from kern.demo import DEMO_PASSWORD
    from kern.labels import Label, barcode_svg, labels_pdf
    from kern.models import Location, User

    anonymous = Client()
    volunteer = User.objects.get(username="vrijwilliger")
    coordinator_client = Client()
    # force_login: Client.login() authenticates without a request, which django-axes'
    # lockout backend refuses.
    coordinator = User.objects.get(username="coordinator")
    assert coordinator.check_password(DEMO_PASSWORD)
    coordinator_client.force_login(coordinator)
    token = services.create_api_token(actor=volunteer, owner=volunteer, name="bench").plaintext
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    point = Location.objects.get(name="Uitdeelpunt Centrum")
    codes = [barcodes.encode(barcodes.CodeType.ITEM, n) for n in range(1, 25)]

    def ok(response):
        assert response.status_code == 200, (response.status_code, response.content[:200])

    yield "baseline_bare_view", lambda: ok(anonymous.get("/gezond/")), repeat
    yield "login_page", lambda: ok(anonymous.get("/aanmelden/")), repeat
    yield "home_page_coordinator", lambda: ok(coordinator_client.get("/")), repeat
    yield "location_list_page", lambda: ok(coordinator_client.get("/locaties/")), repeat
    yield "api_whoami_token", lambda: ok(api.get("/api/v1/whoami")), repeat
    yield (
        "api_scan_location_token",
        lambda: ok(api.post("/api/v1/scan", {"code": point.code}, content_type="application/json")),
        repeat,
    )
    yield "barcode_decode", lambda: barcodes.decode(codes[7]), repeat
    yield "barcode_svg", lambda: barcode_svg(codes[7]), repeat
    yield (
        "label_sheet_pdf_24",
        lambda: labels_pdf([Label(c, 'Kinderfiets 20"', "Fietsbib") for c in codes]),
        max(20, repeat // 10),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument("--suite", nargs="*", default=[], choices=SUITES)
    args = parser.parse_args(argv)
    sys.path.insert(0, os.getcwd())
    with tempfile.TemporaryDirectory(prefix="deelpunt-bench-") as var_dir:
        set_up_django(var_dir)
        from benchmarks import (
            bench_access,
            bench_counter,
            bench_holds,
            bench_http,
            bench_points,
            bench_reports,
            bench_seasonal,
            bench_shifts,
            bench_stock,
            bench_stress,
        )
        from benchmarks.harness import Measurement, measure, report

        def client_for(username):
            from django.test import Client

            from kern.demo import DEMO_PASSWORD
            from kern.models import User

            user = User.objects.get(username=username)
            assert user.check_password(DEMO_PASSWORD)
            client = Client()
            client.force_login(user)  # Client.login() has no request for django-axes
            return client

        baseline = None
        results = {}
        # Generators: a suite makes its data only when it is run.
        suites = {
            "core": ((name, func, repeat, {}) for name, func, repeat in benchmarks(args.repeat)),
            "access": bench_access.benchmarks(args.repeat, client_for),
            "stock": bench_stock.benchmarks(args.repeat, client_for),
            "counter": bench_counter.benchmarks(args.repeat, client_for),
            "seasonal": bench_seasonal.benchmarks(args.repeat, client_for),
            "points": bench_points.benchmarks(args.repeat, client_for),
            "holds": bench_holds.benchmarks(args.repeat, client_for),
            "shifts": bench_shifts.benchmarks(args.repeat, client_for),
            "reports": bench_reports.benchmarks(args.repeat, client_for),
            "http": bench_http.benchmarks(args.repeat, client_for),
            "stress": bench_stress.benchmarks(args.repeat, client_for),
        }
        for suite_name, suite in suites.items():
            # Core is started even when not chosen: its first is the baseline every
            # ratio needs. A suite not chosen is never started, so makes no data.
            if args.suite and suite_name not in args.suite and suite_name != "core":
                continue
            for name, func, repeat, extra in suite:
                if baseline is not None and args.suite and suite_name not in args.suite:
                    break
                if baseline is not None and args.only and name not in args.only:
                    continue
                # A suite that measures by itself (several threads at once) yields results.
                if isinstance(func, Measurement):
                    result = func
                else:
                    result = measure(name, func, repeat=repeat)
                compare = extra.pop("compare_to", None) if extra else None
                if compare and compare in results:
                    extra = {
                        **extra,
                        "ratio_to_" + compare: round(result.median / results[compare].median, 2),
                    }
                report(result, baseline, **extra)
                results[name] = result
                baseline = baseline or result
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
