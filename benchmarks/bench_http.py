"""The HTTP benchmark (issue 12): Deelpunt served by gunicorn with production settings
(1 worker, 1 thread, 127.0.0.1, access log off) on a prepared SQLite database, and on
PostgreSQL too when BENCH_PG_URL is set, timed over HTTP through one keep-alive
connection per token, after warm-up. Every figure is
also a ratio to the bare view over HTTP of the same run (``ratio_to_http_baseline``),
so it can be set beside other systems measured the same way.

Measured: ``GET /gezond/`` (the HTTP baseline), a scan that resolves an item (volunteer),
a one-line stock issue (``adjust_stock`` -1, coordinator), a one-line transfer, a
location's stock list of 50 rows, the counter's check-in (``check_eligibility``) and a
3-line distribution (``record_distribution``, a fresh household and Idempotency-Key
each time)."""

from __future__ import annotations

import itertools
import json
import os
import sys
import tempfile
import uuid
from collections.abc import Iterator
from typing import Any

from benchmarks import serving

BASELINE = "http_baseline_bare_view"
WARMUP = 10  # harness.measure's warm-up calls


def benchmarks(repeat: int, client_factory: Any = None) -> Iterator[tuple[str, Any, int, dict]]:
    """Yield (name, callable, repeat, extra); the server runs while the generator does.
    On SQLite always; on PostgreSQL as well when BENCH_PG_URL names a ``…bench…``
    database (dropped and made again), with names ``http_pg_…``."""
    yield from _run(repeat, "", "sqlite", None)
    pg_url = os.environ.get("BENCH_PG_URL", "").strip()
    if pg_url:
        yield from _run(repeat, "pg_", "postgresql", pg_url)
    else:
        print(
            "# http: PostgreSQL half skipped: set BENCH_PG_URL=postgres://…/dp_bench_http "
            "to measure it too",
            file=sys.stderr,
        )


def _run(
    repeat: int, prefix: str, db: str, url: str | None
) -> Iterator[tuple[str, Any, int, dict]]:
    check_ins = 200
    with tempfile.TemporaryDirectory(prefix="deelpunt-http-") as var_dir:
        env = serving.server_env(var_dir, url)
        data = serving.prepare(
            env, counters=0, households=check_ins + repeat + WARMUP + 5, shifts=0
        )
        with serving.Server(env, workers=1, threads=1) as server:
            yield from _measurements(server, data, repeat, check_ins, prefix, db)
            errors = server.error_log()
    # The error log holds tracebacks of any 500 the run caused; it must be empty.
    assert "Traceback" not in errors, errors[-3000:]


def _measurements(
    server: serving.Server,
    data: dict[str, Any],
    repeat: int,
    check_ins: int,
    prefix: str,
    db: str,
) -> Iterator[tuple[str, Any, int, dict]]:
    anonymous = serving.Client(server.port, "")
    volunteer = serving.Client(server.port, data["volunteer_token"])
    coordinator = serving.Client(server.port, data["coordinator_token"])
    point, store = data["point_id"], data["store_id"]
    codes = data["household_codes"]
    readers = itertools.cycle(codes[:check_ins])
    fresh = iter(codes[check_ins:])
    baseline = BASELINE.replace("http_", "http_" + prefix, 1)
    compare = {"compare_to": baseline, "server": "gunicorn 1 worker 1 thread", "db": db}

    def expect(status: int, answer: tuple[int, bytes]) -> bytes:
        assert answer[0] == status, answer
        return answer[1]

    def bare_view() -> None:
        conn = anonymous
        expect(200, conn.request("GET", "/gezond/"))

    def scan() -> None:
        body = expect(200, volunteer.request("POST", "/api/v1/scan", {"code": data["item_code"]}))
        assert json.loads(body)["kind"] == "item", body

    def stock_issue() -> None:
        expect(
            201,
            coordinator.request(
                "POST",
                "/api/v1/voorraad/adjustments",
                {
                    "product_id": data["store_product_id"],
                    "location_id": store,
                    "quantity": -1,
                    "reason": "uitgifte",
                },
                key=uuid.uuid4().hex,
            ),
        )

    def transfer() -> None:
        expect(
            201,
            coordinator.request(
                "POST",
                "/api/v1/voorraad/transfers",
                {
                    "from_location_id": store,
                    "to_location_id": data["warehouse_id"],
                    "lines": [{"product_id": data["store_product_id"], "quantity": 1}],
                },
                key=uuid.uuid4().hex,
            ),
        )

    def stock_list() -> None:
        body = expect(
            200, coordinator.request("GET", f"/api/v1/voorraad/levels?location_id={store}&limit=50")
        )
        assert len(json.loads(body)) == serving.STOCK_LIST_ROWS

    def check_in() -> None:
        body = expect(
            200,
            volunteer.request(
                "POST",
                "/api/v1/toegang/eligibility",
                {"location_id": point, "household_code": next(readers)},
            ),
        )
        assert any(e["allowed"] for e in json.loads(body)["entitlements"]), body

    def distribution() -> None:
        expect(
            201,
            volunteer.request(
                "POST",
                "/api/v1/uitlening/distributions",
                {
                    "location_id": point,
                    "household_code": next(fresh),
                    "lines": [{"product_id": pk, "packs": 1} for pk in data["product_ids"]],
                },
                key=uuid.uuid4().hex,
            ),
        )

    try:
        yield baseline, bare_view, repeat, {"server": compare["server"], "db": db}
        for name, call in (
            ("http_scan_item", scan),
            ("http_stock_issue_one_line", stock_issue),
            ("http_transfer_one_line", transfer),
            ("http_stock_list_50_rows", stock_list),
            ("http_counter_check_in", check_in),
            ("http_distribution_3_lines", distribution),
        ):
            yield name.replace("http_", "http_" + prefix, 1), call, repeat, dict(compare)
    finally:
        for client in (anonymous, volunteer, coordinator):
            client.close()
