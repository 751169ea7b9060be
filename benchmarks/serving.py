"""Serving Deelpunt under gunicorn for the HTTP benchmark and the stress run: the
environment of a production start on 127.0.0.1, a prepared database, the server itself
and a keep-alive HTTP client with token auth.

The database is prepared in a child process with the server's own environment
(``python -m benchmarks.serving prepare``), so the same code prepares SQLite and
PostgreSQL and the parent only speaks HTTP. It prints one JSON line: tokens, ids and
codes the requests need.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(var_dir: str, database_url: str | None = None) -> dict[str, str]:
    """What a production start needs, served as plain HTTP on 127.0.0.1: a generated
    SECRET_KEY, the host, no redirect to HTTPS (no TLS proxy in front here)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DEBUG", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        BEHIND_PROXY="0",
        DEELPUNT_VAR_DIR=var_dir,
        STATIC_ROOT=str(Path(var_dir) / "static"),
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def reset_postgres(url: str) -> None:
    """Drop and create the database ``url`` names: only one whose name says it is for
    benchmarks (``…bench…``), so a production URL pasted by mistake is refused."""
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    if "bench" not in name:
        raise SystemExit(f"BENCH_PG_URL must name a database with 'bench' in it, not {name!r}.")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def prepare(env: dict[str, str], *, counters: int, households: int, shifts: int) -> dict:
    """Migrate, load the demo and the bench data in a child process with ``env``."""
    if env.get("DATABASE_URL", "").startswith("postgres"):
        reset_postgres(env["DATABASE_URL"])
    out = subprocess.run(
        [
            PYTHON,
            "-m",
            "benchmarks.serving",
            "prepare",
            str(counters),
            str(households),
            str(shifts),
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise RuntimeError(f"preparing the bench database failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


class Server:
    """gunicorn serving config.wsgi on 127.0.0.1 with the access log off; the error log
    goes to a file, read afterwards for "database is locked"."""

    def __init__(self, env: dict[str, str], *, workers: int = 1, threads: int = 1):
        self.env = env
        self.port = free_port()
        self.log = Path(env["DEELPUNT_VAR_DIR"]) / f"gunicorn-{self.port}.log"
        self.args = [
            PYTHON,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--error-logfile",
            "-",
            "--log-level",
            "warning",
            "--timeout",
            "120",
            "--keep-alive",
            "30",
        ]
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        # No --access-logfile: gunicorn writes no access log without one.
        # gunicorn's error log and Django's own log (stderr) both go to self.log.
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.args, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/gezond/")
                if conn.getresponse().status == 200:
                    conn.close()
                    return self
            except OSError:
                time.sleep(0.2)
            if self.process.poll() is not None:
                break
        self.__exit__()
        raise RuntimeError(f"gunicorn did not start: {self.error_log()[-2000:]}")

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def error_log(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@dataclass
class Client:
    """One keep-alive connection with a personal API token; reconnects after the server
    closed it (counted as a connection error when the request itself failed)."""

    port: int
    token: str
    connection_errors: int = 0
    conn: http.client.HTTPConnection | None = field(default=None, repr=False)

    def request(
        self, method: str, path: str, body: Any = None, *, key: str | None = None
    ) -> tuple[int, bytes]:
        headers = {"Host": "127.0.0.1"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if key:
            headers["Idempotency-Key"] = key
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            try:
                self.conn.request(method, path, body=payload, headers=headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A kept-alive connection the server closed between requests: retry once
                # on a new one (the request never reached a worker).
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    self.connection_errors += 1
                    return 0, b"connection error"
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


# --- Preparation (runs in the child process) --------------------------------------------

STOCK_LIST_ROWS = 50


def _prepare(counters: int, household_count: int, shift_count: int) -> dict[str, Any]:
    import django

    django.setup()
    from io import StringIO

    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    call_command("load_demo", "--allow-without-debug", "--quiet-accounts", stdout=StringIO())
    call_command("collectstatic", "--no-input", verbosity=0)

    from kern import barcodes
    from kern import services as kern_services
    from kern.models import Location, User
    from kern.roles import Role
    from toegang.models import Child, Household, Program, Referral
    from uitlening.models import Membership, PointsRate, PointsScheme, ProgramCategory
    from voorraad import services as stock
    from voorraad.models import Category, Item, ItemType, Product
    from vrijwilligers.models import Shift, Volunteer
    from vrijwilligers.services import notes

    point = Location.objects.get(name="Uitdeelpunt Centrum")
    warehouse = Location.objects.get(name="Magazijn Wiedauwkaai")
    coordinator = User.objects.get(username="coordinator")
    social_worker = User.objects.get(username="maatschappelijkwerker")

    # A store whose stock list has exactly STOCK_LIST_ROWS rows.
    store = Location.objects.get(pk=warehouse.pk)
    store.pk = None
    store.name = "Bench magazijn"
    store.save()
    shelf, _ = Category.objects.get_or_create(name="Bench rek")
    listed = [
        Product.objects.create(name=f"Bench product {n:02d}", category=shelf, pack_size=1)
        for n in range(STOCK_LIST_ROWS)
    ]
    for product in listed:
        stock.adjust_stock(
            actor=coordinator, product=product, location=store, quantity=100_000, reason="bench"
        )

    # The counter: three diaper products the pamperbank hands out, plenty at the point.
    pamperbank = Program.objects.get(name="Pamperbank")
    babytheek = Program.objects.get(name="Babytheek")
    diapers, _ = Category.objects.get_or_create(name="Bench luiers")
    lend, _ = Category.objects.get_or_create(name="Bench babymateriaal")
    ProgramCategory.objects.get_or_create(program=pamperbank, category=diapers)
    ProgramCategory.objects.get_or_create(program=babytheek, category=lend)
    products = [
        Product.objects.create(name=f"Bench luiers maat {size}", category=diapers, pack_size=30)
        for size in (3, 4, 5)
    ]
    for product in products:
        stock.adjust_stock(
            actor=coordinator, product=product, location=point, quantity=100_000, reason="bench"
        )
    # Swap shop points: earn pieces of clothing, spend them.
    swap, _ = Program.objects.get_or_create(
        name="Ruilwinkel", defaults={"kind": Program.Kind.SWAP_SHOP, "open_to_all": True}
    )
    PointsScheme.objects.get_or_create(program=swap, defaults={"expiry_days": 180})
    clothes, _ = Category.objects.get_or_create(name="Bench kleding")
    PointsRate.objects.update_or_create(
        category=clothes, defaults={"earn_points": 10, "spend_points": 1}
    )
    clothing = Product.objects.create(name="Bench kledingpakket", category=clothes, pack_size=1)

    today = timezone.localdate()
    baby = today - dt.timedelta(days=300)
    item_type, _ = ItemType.objects.get_or_create(
        name="Bench kinderwagen", defaults={"category": lend}
    )
    with transaction.atomic():
        families = Household.objects.bulk_create(
            [
                Household(postcode="9000", municipality=point.municipality, adults=1)
                for _ in range(household_count)
            ],
            batch_size=1000,
        )
        if families[0].pk is None:
            families = list(Household.objects.order_by("-id")[:household_count])[::-1]
        Child.objects.bulk_create(
            [Child(household=h, birth_year=baby.year, birth_month=baby.month) for h in families]
        )
        referrals = Referral.objects.bulk_create(
            [
                Referral(
                    household=h,
                    issued_by=social_worker,
                    organisation=social_worker.organisation,
                    valid_from=today - dt.timedelta(days=10),
                    valid_until=today + dt.timedelta(days=300),
                )
                for h in families
            ]
        )
        through = Referral.programs.through
        through.objects.bulk_create(
            [
                through(referral_id=r.pk, program_id=p.pk)
                for r in referrals
                for p in (pamperbank, babytheek)
            ]
        )
        Membership.objects.bulk_create(
            [
                Membership(
                    household=h,
                    program=babytheek,
                    location=point,
                    valid_from=today - dt.timedelta(days=10),
                    valid_until=today + dt.timedelta(days=354),
                    fee_kind=Membership.FeeKind.SOCIAL,
                    amount=babytheek.membership_fee_social,
                    payment=Membership.Payment.CASH,
                    recorded_by=coordinator,
                )
                for h in families
            ]
        )
        # Fewer items than counters want at once: two counters may race for one.
        items = Item.objects.bulk_create(
            [
                Item(item_type=item_type, name=f"Bench buggy {n}", location=point)
                for n in range(max(4, counters * 2))
            ]
        )
        if items[0].pk is None:
            items = list(Item.objects.filter(item_type=item_type).order_by("pk"))
        families = [Household.objects.get(pk=h.pk) for h in families]  # their codes

    # Counters: one volunteer each at the point, with a token and a volunteer profile.
    group = Group.objects.get(name=Role.VOLUNTEER.value)
    tokens = []
    for n in range(counters):
        user = User.objects.create(username=f"bench.balie{n}", first_name=f"Balie {n}")
        user.groups.add(group)
        user.locations.set([point])
        Volunteer.objects.create(user=user)
        note = notes.current_note()
        if note is not None:  # scheduling needs the organisation note acknowledged
            notes.mark_note_received(user=user)
            notes.acknowledge_note(user=user, version=note.version)
        tokens.append(
            kern_services.create_api_token(actor=user, owner=user, name="bench").plaintext
        )
    # Shifts with three places, one a week (no overlap, no hour limits), all raced for.
    tz = timezone.get_current_timezone()
    shifts = Shift.objects.bulk_create(
        [
            Shift(
                location=point,
                role="Bench balie",
                starts_at=dt.datetime.combine(
                    today + dt.timedelta(days=7 * (n + 1)), dt.time(10), tz
                ),
                ends_at=dt.datetime.combine(
                    today + dt.timedelta(days=7 * (n + 1)), dt.time(12), tz
                ),
                min_volunteers=1,
                max_volunteers=3,
            )
            for n in range(shift_count)
        ]
    )
    if shifts and shifts[0].pk is None:
        shifts = list(Shift.objects.filter(role="Bench balie").order_by("starts_at"))

    volunteer = User.objects.get(username="vrijwilliger")
    return {
        "coordinator_token": kern_services.create_api_token(
            actor=coordinator, owner=coordinator, name="bench"
        ).plaintext,
        "volunteer_token": kern_services.create_api_token(
            actor=volunteer, owner=volunteer, name="bench"
        ).plaintext,
        "counter_tokens": tokens,
        "point_id": point.pk,
        "warehouse_id": warehouse.pk,
        "store_id": store.pk,
        "store_product_id": listed[0].pk,
        "product_ids": [p.pk for p in products],
        "clothing_id": clothing.pk,
        "household_codes": [h.code for h in families],
        "item_ids": [i.pk for i in items],
        "item_code": barcodes.encode(barcodes.CodeType.ITEM, items[0].pk),
        "shift_ids": [s.pk for s in shifts],
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["prepare"]:
        counters, households, shift_count = (int(a) for a in sys.argv[2:5])
        print(json.dumps(_prepare(counters, households, shift_count)))
