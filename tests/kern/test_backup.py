"""manage.py backup and restore (kern.backups): a back-up, plain and encrypted, restored
into a fresh database (a new file on SQLite, a new database on PostgreSQL) holds the same
rows, and reconcile_stock and every invariant check pass on it; a wrong key, a changed
or cut-off file, the other engine's file and a restore without --yes are refused and
change nothing."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.db import connections as db_connections

from kern import backups
from kern.models import Location, User
from kern.roles import Role
from tests.conftest import require_tool
from tests.factories import LocationFactory, UserFactory
from tests.toegang.factories import HouseholdFactory
from tests.uitlening.factories import LoanFactory
from tests.voorraad.factories import ProductFactory
from tests.voorraad.helpers import book, take
from tests.vrijwilligers.factories import ShiftFactory, SignupFactory
from toegang.models import Household
from uitlening.models import Loan, PointsBalance, PointsEntry
from voorraad.models import Item, Product, StockLevel, StockMovement
from vrijwilligers.models import Shift, Signup

KEY = "een-lange-sleutel-voor-de-test-0123456789"
MAIN_TABLES = [
    User,
    Location,
    Household,
    Product,
    StockMovement,
    StockLevel,
    Item,
    Loan,
    PointsEntry,
    PointsBalance,
    Shift,
    Signup,
]
COUNTS_SCRIPT = """
import json
from django.apps import apps
from django.core.management import call_command
call_command("reconcile_stock")
call_command("check_invariants")
print("COUNTS=" + json.dumps({m: apps.get_model(m).objects.count() for m in %r}))
"""


def _label(model) -> str:
    return f"{model._meta.app_label}.{model.__name__}"


def _counts() -> dict[str, int]:
    return {_label(model): model.objects.count() for model in MAIN_TABLES}


def _manage(*args: str, database_url: str, var_dir: Path, key: str | None = None):
    """Run manage.py as cron or an operator would: its own process and settings."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "DEELPUNT_VAR_DIR": str(var_dir),
    }
    environment.pop("BACKUP_ENCRYPTION_KEY", None)
    if key:
        environment["BACKUP_ENCRYPTION_KEY"] = key
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def fresh_database(tmp_path):
    """The URL of an empty database of the engine under test, dropped afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    require_tool("pg_dump", "back-ups of PostgreSQL (Debian: postgresql-client)")
    require_tool("pg_restore", "restores of PostgreSQL (Debian: postgresql-client)")
    name = f"dp_restore_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    params = connection.settings_dict
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    yield (
        f"postgres://{params['USER']}{password}@{params['HOST'] or 'localhost'}"
        f":{params['PORT'] or 5432}/{name}"
    )
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def loaded(transactional_db):
    """A little of everything the invariants look at, committed (pg_dump and the SQLite
    copy read from their own connections)."""
    call_command("sync_roles", verbosity=0)  # an earlier transactional test flushed them
    point = LocationFactory(name="Uitdeelpunt Centrum")
    keeper = UserFactory(username="magazijn", role=Role.COORDINATOR)
    diapers = ProductFactory(name="Luiers maat 4", pack_size=44)
    wipes = ProductFactory(name="Billendoekjes", pack_size=1)
    book(keeper, point, (diapers, 10 * 44), (wipes, 12))
    take(keeper, diapers, point, 44)
    LoanFactory(location=point)
    household = HouseholdFactory()
    PointsEntry.objects.create(household=household, delta=30, balance_after=30, kind="toegekend")
    PointsEntry.objects.create(household=household, delta=-12, balance_after=18, kind="besteed")
    PointsBalance.objects.create(household=household, balance=18)
    shift = ShiftFactory(location=point, max_volunteers=2)
    SignupFactory(shift=shift)
    SignupFactory(shift=shift, status=Signup.Status.WAITLISTED)
    counts = _counts()
    assert all(counts.values()), counts
    return counts


@pytest.mark.parametrize("key", [None, KEY], ids=["plain", "encrypted"])
def test_a_backup_restored_into_a_fresh_database_holds_the_same_rows_and_invariants(
    loaded, fresh_database, tmp_path, monkeypatch, capsys, key
):
    if key:
        monkeypatch.setenv("BACKUP_ENCRYPTION_KEY", key)
    else:
        monkeypatch.delenv("BACKUP_ENCRYPTION_KEY", raising=False)
    call_command("backup", dir=tmp_path / "backups")
    out = capsys.readouterr().out
    (made,) = (tmp_path / "backups").iterdir()
    assert str(made) in out
    assert made.name.endswith(backups.SUFFIXES[connection.vendor] + (".enc" if key else ""))
    assert made.stat().st_mode & 0o077 == 0  # personal data: readable by its owner only
    assert backups.kind_of(made) == ("encrypted" if key else connection.vendor)

    restored = _manage(
        "restore", str(made), "--yes", database_url=fresh_database, var_dir=tmp_path, key=key
    )
    assert restored.returncode == 0, restored.stderr + restored.stdout
    assert made.name in restored.stdout and "✘" not in restored.stdout

    labels = [_label(model) for model in MAIN_TABLES]
    checked = _manage(
        "shell",
        "-c",
        COUNTS_SCRIPT % labels,
        database_url=fresh_database,
        var_dir=tmp_path,
    )
    assert checked.returncode == 0, checked.stderr + checked.stdout
    counts = json.loads(checked.stdout.split("COUNTS=")[1])
    assert counts == loaded


@pytest.fixture
def sentinel(db):
    """A row that must still be there after every refused restore."""
    return LocationFactory(name="Mag niet verdwijnen")


def _assert_unchanged(sentinel) -> None:
    assert Location.objects.filter(pk=sentinel.pk, name="Mag niet verdwijnen").exists()


@pytest.fixture
def sqlite_file(tmp_path) -> Path:
    """A small real SQLite database that looks like a Deelpunt one (on SQLite), or the
    wrong engine's back-up (on PostgreSQL)."""
    path = tmp_path / "deelpunt-2026-01-01T000000Z.sqlite3"
    database = sqlite3.connect(path)
    database.execute("CREATE TABLE django_migrations (id integer primary key, app text)")
    database.execute("CREATE TABLE filler (payload blob)")
    database.executemany("INSERT INTO filler VALUES (?)", [(os.urandom(4000),)] * 600)
    database.commit()
    database.close()
    return path


@pytest.fixture
def encrypted(sqlite_file, tmp_path) -> Path:
    target = tmp_path / (sqlite_file.name + ".enc")
    backups.encrypt_file(sqlite_file, target, KEY)
    return target


def test_encryption_round_trips_files_of_every_size(tmp_path):
    for size in (0, 1, backups.CHUNK_BYTES, 2 * backups.CHUNK_BYTES + 5):
        plain, sealed, opened = (tmp_path / f"{name}-{size}" for name in ("p", "s", "o"))
        data = os.urandom(size)
        plain.write_bytes(data)
        backups.encrypt_file(plain, sealed, KEY)
        if size >= 64:
            assert data[:64] not in sealed.read_bytes()
        backups.decrypt_file(sealed, opened, KEY)
        assert opened.read_bytes() == data


def test_a_wrong_key_is_refused_and_nothing_changes(sentinel, encrypted, monkeypatch):
    monkeypatch.setenv("BACKUP_ENCRYPTION_KEY", "niet-de-juiste-sleutel-123")
    with pytest.raises(CommandError, match="BACKUP_ENCRYPTION_KEY") as refused:
        call_command("restore", str(encrypted), yes=True)
    assert encrypted.name in str(refused.value)
    _assert_unchanged(sentinel)


def test_an_encrypted_backup_without_a_key_is_refused(sentinel, encrypted, monkeypatch):
    monkeypatch.delenv("BACKUP_ENCRYPTION_KEY", raising=False)
    with pytest.raises(CommandError, match="BACKUP_ENCRYPTION_KEY"):
        call_command("restore", str(encrypted), yes=True)
    _assert_unchanged(sentinel)


@pytest.mark.parametrize("damage", ["flipped byte", "cut off", "lengthened", "chunks swapped"])
def test_a_changed_encrypted_backup_is_refused_and_nothing_changes(
    sentinel, encrypted, monkeypatch, damage
):
    monkeypatch.setenv("BACKUP_ENCRYPTION_KEY", KEY)
    data = bytearray(encrypted.read_bytes())
    header, chunk = backups.HEADER_BYTES, 4 + backups.CHUNK_BYTES + backups.TAG_BYTES
    if damage == "flipped byte":
        data[len(data) // 2] ^= 0x01
    elif damage == "cut off":
        data = data[: header + chunk]  # the first chunk whole, the rest gone
    elif damage == "lengthened":
        data += data[header : header + chunk]
    else:
        first, second = data[header : header + chunk], data[header + chunk : header + 2 * chunk]
        data[header : header + 2 * chunk] = second + first
    encrypted.write_bytes(bytes(data))
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(encrypted), yes=True)
    assert encrypted.name in str(refused.value)
    assert "BACKUP_ENCRYPTION_KEY" not in str(refused.value)  # damaged, not a wrong key
    _assert_unchanged(sentinel)


def test_restoring_without_yes_is_refused_and_nothing_changes(sentinel, sqlite_file):
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(sqlite_file))
    _assert_unchanged(sentinel)


def test_a_missing_file_or_a_file_that_is_no_backup_is_refused(sentinel, tmp_path):
    with pytest.raises(CommandError, match=r"bestaat-niet\.sqlite3"):
        call_command("restore", str(tmp_path / "bestaat-niet.sqlite3"), yes=True)
    text = tmp_path / "notities.txt"
    text.write_text("geen back-up")
    with pytest.raises(CommandError, match=r"notities\.txt"):
        call_command("restore", str(text), yes=True)
    _assert_unchanged(sentinel)


def test_a_backup_of_the_other_engine_or_of_another_database_is_refused(
    sentinel, sqlite_file, tmp_path
):
    """On PostgreSQL a SQLite file is the other engine; on SQLite a pg_dump file is, and
    a SQLite file without Deelpunt's tables is no Deelpunt database."""
    other = tmp_path / "deelpunt-2026-01-01T000000Z.pgdump"
    other.write_bytes(backups.PGDUMP_MAGIC + os.urandom(200))
    if connection.vendor == "postgresql":
        other = sqlite_file
    with pytest.raises(CommandError, match=r"(SQLite|PostgreSQL)"):
        call_command("restore", str(other), yes=True)
    stranger = tmp_path / "vreemd.sqlite3"
    database = sqlite3.connect(stranger)
    database.execute("CREATE TABLE iets (x)")
    database.commit()
    database.close()
    with pytest.raises(CommandError, match=r"vreemd\.sqlite3"):
        call_command("restore", str(stranger), yes=True)
    _assert_unchanged(sentinel)


def test_keep_leaves_the_newest_backups_of_this_engine_and_nothing_else(tmp_path):
    suffix = backups.SUFFIXES[connection.vendor]
    names = [
        f"deelpunt-2026-11-{day:02d}T020000Z{suffix}{'.enc' if day % 2 else ''}"
        for day in (1, 2, 3, 4)
    ] + [f"deelpunt-2026-11-04T020000Z-2{suffix}", "notities.txt", "deelpunt-oud.sqlite3"]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    removed = backups.prune(directory=tmp_path, keep=2, vendor=connection.vendor)
    assert sorted(path.name for path in removed) == sorted(names[:3])
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(names[3:])


def test_a_key_that_is_too_short_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKUP_ENCRYPTION_KEY", "kort")
    with pytest.raises(CommandError, match="BACKUP_ENCRYPTION_KEY"):
        call_command("backup", dir=tmp_path / "backups")
    assert not (tmp_path / "backups").exists()


def test_generate_key_prints_a_usable_key(capsys):
    call_command("backup", generate_key=True)
    key = capsys.readouterr().out.strip()
    assert len(key) >= backups.MIN_KEY_LENGTH and key != backups.generate_key()


def test_a_backup_taken_while_the_counter_writes_is_one_consistent_moment(
    loaded, fresh_database, tmp_path
):
    """Stock moves (ledger row and balance in one transaction) in another thread all
    through the back-up; the restored copy's balances still equal its ledger."""
    keeper = User.objects.get(username="magazijn")
    point = Location.objects.get(name="Uitdeelpunt Centrum")
    wipes = Product.objects.get(name="Billendoekjes")
    stop, written, failures = threading.Event(), [], []

    def counter() -> None:
        try:
            while not stop.is_set():
                book(keeper, point, (wipes, 3))
                take(keeper, wipes, point, 1)
                written.append(2)
        except Exception as error:  # the assertion below shows it
            failures.append(error)
        finally:
            db_connections.close_all()

    writer = threading.Thread(target=counter)
    writer.start()
    try:
        while len(written) < 3 and writer.is_alive():
            time.sleep(0.01)
        made = backups.backup(directory=tmp_path / "backups")
        before = len(written)
        while len(written) < before + 3 and writer.is_alive():
            time.sleep(0.01)
    finally:
        stop.set()
        writer.join(timeout=60)
    assert not failures, failures
    assert len(written) >= before + 3  # the writes went on during and after the back-up
    restored = _manage(
        "restore", str(made.path), "--yes", database_url=fresh_database, var_dir=tmp_path
    )
    assert restored.returncode == 0, restored.stderr + restored.stdout
    assert "✘" not in restored.stdout
