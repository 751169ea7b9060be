"""The stress run (issue 12): 8 counters at one distribution point at once, each its own
volunteer with its own API token and keep-alive connection, doing a fixed number of
rounds of what a counter does, against gunicorn with production settings:

- SQLite: 1 worker with 8 threads (one process, one database file, WAL);
- PostgreSQL: 4 sync workers (BENCH_PG_URL; skipped with a note when it is not set).

One round: check a household in (``check_eligibility``), hand out 3 lines
(``record_distribution``; every fifth round the scanner sends it twice with the same
Idempotency-Key), lend an item from a pool smaller than the counters want (two
counters race for one item: one gets 409), sign up for this round's shift (all 8 race
for its 3 places: 3 confirmed, the rest on the waitlist), earn and spend swap shop
points, and take the previous round's loan back. The API has no partner-request
hand-out, so that is not in the run.

Counted: requests, errors (5xx and connection errors: must be 0), "database is
locked" in any answer or the gunicorn error log (must be 0), domain refusals (4xx with
the API's error shape: expected). Afterwards ``manage.py check_invariants`` and
``reconcile_stock`` on the same database must pass.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

from benchmarks import serving
from benchmarks.harness import Measurement

COUNTERS = 8
ROUNDS = 15
LOCKED = "database is locked"


def _counter_run(
    port: int, token: str, index: int, data: dict[str, Any], start: threading.Barrier
) -> dict[str, Any]:
    client = serving.Client(port, token)
    point = data["point_id"]
    households = data["household_codes"][index * ROUNDS : (index + 1) * ROUNDS]
    items = data["item_ids"]
    samples: dict[str, list[float]] = {}
    statuses: Counter[tuple[str, int]] = Counter()
    locked = 0
    signups: list[tuple[int, str]] = []  # (shift, status answered)
    booked_twice = 0

    def call(name: str, method: str, path: str, body: Any = None, key: str | None = None):
        nonlocal locked, booked_twice
        began = time.perf_counter_ns()
        status, answer = client.request(method, path, body, key=key)
        samples.setdefault(name, []).append((time.perf_counter_ns() - began) / 1e6)
        statuses[(name, status)] += 1
        if LOCKED.encode() in answer:
            locked += 1
        return status, answer

    open_loan: int | None = None
    start.wait()
    try:
        for round_ in range(ROUNDS):
            code = households[round_]
            call(
                "check_in",
                "POST",
                "/api/v1/toegang/eligibility",
                {"location_id": point, "household_code": code},
            )
            key = uuid.uuid4().hex
            basket = {
                "location_id": point,
                "household_code": code,
                "lines": [{"product_id": pk, "packs": 1} for pk in data["product_ids"]],
            }
            status, first = call(
                "distribution", "POST", "/api/v1/uitlening/distributions", basket, key
            )
            if round_ % 5 == 0:  # the scanner's retry: answered again, not booked twice
                _again, answer = call(
                    "distribution_retry", "POST", "/api/v1/uitlening/distributions", basket, key
                )
                if status == 201 and json.loads(answer).get("id") != json.loads(first)["id"]:
                    booked_twice += 1
            item = items[(index + round_) % len(items)]
            status, answer = call(
                "loan_out",
                "POST",
                "/api/v1/uitlening/loans",
                {
                    "location_id": point,
                    "household_code": code,
                    "item_id": item,
                    "condition": "goed",
                },
                uuid.uuid4().hex,
            )
            if open_loan is not None:
                call(
                    "loan_back",
                    "POST",
                    f"/api/v1/uitlening/loans/{open_loan}/return",
                    {"location_id": point, "condition": "goed"},
                    uuid.uuid4().hex,
                )
                open_loan = None
            if status == 201:
                open_loan = json.loads(answer)["id"]
            shift = data["shift_ids"][round_]
            status, answer = call(
                "shift_sign_up",
                "POST",
                f"/api/v1/vrijwilligers/shifts/{shift}/signups",
                None,
                uuid.uuid4().hex,
            )
            if status == 201:
                signups.append((shift, json.loads(answer)["status"]))
            points = {
                "location_id": point,
                "household_code": code,
                "product_id": data["clothing_id"],
                "quantity": 1,
            }
            call("points_earn", "POST", "/api/v1/uitlening/points/earn", points, uuid.uuid4().hex)
            call("points_spend", "POST", "/api/v1/uitlening/points/spend", points, uuid.uuid4().hex)
        if open_loan is not None:
            call(
                "loan_back",
                "POST",
                f"/api/v1/uitlening/loans/{open_loan}/return",
                {"location_id": point, "condition": "goed"},
                uuid.uuid4().hex,
            )
    finally:
        client.close()
    return {
        "samples": samples,
        "statuses": statuses,
        "locked": locked,
        "signups": signups,
        "booked_twice": booked_twice,
        "connection_errors": client.connection_errors,
    }


def _manage(env: dict[str, str], *args: str) -> tuple[int, str]:
    out = subprocess.run(
        [serving.PYTHON, "manage.py", *args],
        env=env,
        cwd=serving.ROOT,
        capture_output=True,
        text=True,
    )
    return out.returncode, (out.stdout + out.stderr).strip()


def stress(database: str, url: str | None) -> tuple[list[Measurement], dict[str, Any]]:
    """One stress run; the latencies per kind of request and the counts."""
    with tempfile.TemporaryDirectory(prefix=f"deelpunt-stress-{database}-") as var_dir:
        env = serving.server_env(var_dir, url)
        data = serving.prepare(
            env, counters=COUNTERS, households=COUNTERS * ROUNDS + 5, shifts=ROUNDS
        )
        workers, threads = (1, COUNTERS) if database == "sqlite" else (4, 1)
        results: list[dict[str, Any]] = []
        failures: list[BaseException] = []
        with serving.Server(env, workers=workers, threads=threads) as server:
            start = threading.Barrier(COUNTERS)

            def run(index: int) -> None:
                try:
                    results.append(
                        _counter_run(server.port, data["counter_tokens"][index], index, data, start)
                    )
                except BaseException as exc:  # reported from the main thread
                    failures.append(exc)
                    start.abort()

            began = time.perf_counter()
            threads_ = [threading.Thread(target=run, args=(i,)) for i in range(COUNTERS)]
            for thread in threads_:
                thread.start()
            for thread in threads_:
                thread.join()
            seconds = time.perf_counter() - began
            error_log = server.error_log()
        if failures:
            raise failures[0]
        invariants_rc, invariants_out = _manage(env, "check_invariants")
        reconcile_rc, reconcile_out = _manage(env, "reconcile_stock")

    statuses: Counter[tuple[str, int]] = Counter()
    samples: dict[str, list[float]] = {}
    for result in results:
        statuses.update(result["statuses"])
        for name, values in result["samples"].items():
            samples.setdefault(name, []).extend(values)
    by_status: Counter[int] = Counter()
    for (_name, status), count in statuses.items():
        by_status[status] += count
    requests = sum(by_status.values())
    signups: Counter[tuple[int, str]] = Counter(s for r in results for s in r["signups"])
    confirmed: Counter[int] = Counter(
        {shift: n for (shift, st), n in signups.items() if st == "confirmed"}
    )
    errors = sum(c for s, c in by_status.items() if s >= 500 or s == 0)
    refusals = sum(c for s, c in by_status.items() if 400 <= s < 500)
    counts = {
        "database": database,
        "server": f"gunicorn {workers} worker(s) x {threads} thread(s)",
        "counters": COUNTERS,
        "rounds": ROUNDS,
        "requests": requests,
        "seconds": round(seconds, 1),
        "requests_per_s": round(requests / seconds, 1),
        "errors": errors,
        "connection_errors": sum(r["connection_errors"] for r in results),
        "database_is_locked": sum(r["locked"] for r in results) + error_log.count(LOCKED),
        "tracebacks_in_error_log": error_log.count("Traceback"),
        "domain_refusals": refusals,
        "distribution_retries_booked_twice": sum(r["booked_twice"] for r in results),
        "shift_signups": dict(Counter(st for (_shift, st), n in signups.items() for _ in range(n))),
        "shifts_confirmed_over_3": sum(1 for n in confirmed.values() if n > 3),
        "by_status": {str(s): c for s, c in sorted(by_status.items())},
        "refusals_by_request": {
            f"{name} {status}": count
            for (name, status), count in sorted(statuses.items())
            if 400 <= status < 500
        },
        "check_invariants": "ok" if invariants_rc == 0 else invariants_out[-2000:],
        "reconcile_stock": "ok" if reconcile_rc == 0 else reconcile_out[-2000:],
        "invariants_output": invariants_out.splitlines()[-12:],
        "reconcile_output": reconcile_out.splitlines()[-3:],
    }
    measurements = [
        Measurement(f"stress_{database}_{name}", values) for name, values in samples.items()
    ]
    every = [v for values in samples.values() for v in values]
    measurements.append(Measurement(f"stress_{database}_all_requests", every))
    return measurements, counts


def benchmarks(repeat: int = 0, client_factory: Any = None) -> Iterator[tuple[str, Any, int, dict]]:
    """Yield (name, Measurement, 0, extra): the SQLite run, then PostgreSQL's if
    BENCH_PG_URL is set. Raises after reporting when a run had errors."""
    runs: list[tuple[str, str | None]] = [("sqlite", None)]
    pg_url = os.environ.get("BENCH_PG_URL", "").strip()
    if pg_url:
        runs.append(("postgresql", pg_url))
    else:
        print(
            "# stress: PostgreSQL half skipped: set BENCH_PG_URL=postgres://…/dp_bench_stress "
            "(a database with 'bench' in its name; it is dropped and created again)",
            flush=True,
        )
    failed = []
    for database, url in runs:
        measurements, counts = stress(database, url)
        for measurement in measurements[:-1]:
            yield measurement.name, measurement, 0, {}
        yield measurements[-1].name, measurements[-1], 0, counts
        if (
            counts["errors"]
            or counts["database_is_locked"]
            or counts["tracebacks_in_error_log"]
            or counts["distribution_retries_booked_twice"]
            or counts["shifts_confirmed_over_3"]
            or counts["check_invariants"] != "ok"
            or counts["reconcile_stock"] != "ok"
        ):
            failed.append(database)
    if failed:
        raise SystemExit(f"stress run failed on {', '.join(failed)}: see the counts above")
