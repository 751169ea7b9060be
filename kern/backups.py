"""Back-ups of the whole database to one file, and restoring one.

SQLite is copied with SQLite's online backup API: a consistent snapshot taken while the
app keeps writing (WAL: readers and the copy do not block writers). PostgreSQL is dumped
with ``pg_dump --format=custom`` and restored with ``pg_restore`` in one transaction, so
a restore that fails halfway leaves the database as it was.

A back-up holds every household and volunteer, so it is written readable by its owner
only and can be encrypted with a key from the environment (``BACKUP_ENCRYPTION_KEY``):
AES-256-GCM in chunks of 1 MiB (a file of any size in constant memory), the key
stretched with scrypt and a fresh salt per file. Each chunk is authenticated with the
file header and its own position, and the last one is marked as last, so a changed,
reordered, cut-off or lengthened file is refused instead of half restored. A short key
check in the header tells a wrong key apart from a damaged file.

Whatever the input (a missing file, a wrong key, a file of the other engine or no
back-up at all), a refusal comes before anything in the database changes.
"""

from __future__ import annotations

import datetime as dt
import hmac
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.conf import settings
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _

from kern.errors import DomainError

KEY_VARIABLE = "BACKUP_ENCRYPTION_KEY"
MIN_KEY_LENGTH = 16
SUFFIXES = {"sqlite": ".sqlite3", "postgresql": ".pgdump"}
ENCRYPTED_SUFFIX = ".enc"
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
NAME_PATTERN = re.compile(
    r"^deelpunt-\d{4}-\d{2}-\d{2}T\d{6}Z(?:-\d+)?(?P<suffix>\.sqlite3|\.pgdump)(?:\.enc)?$"
)

# What the first bytes of a file say it is.
SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
ENCRYPTED_MAGIC = b"DPBACKUP"
FORMAT_VERSION = 1

# Encryption: header = magic, version, salt, nonce prefix, key check.
SALT_BYTES = 16
NONCE_PREFIX_BYTES = 7  # + 4 bytes chunk counter + 1 byte "last chunk" flag = 12
KEY_CHECK_BYTES = 16
HEADER_BYTES = len(ENCRYPTED_MAGIC) + 1 + SALT_BYTES + NONCE_PREFIX_BYTES + KEY_CHECK_BYTES
CHUNK_BYTES = 1024 * 1024
TAG_BYTES = 16
SCRYPT_N = 2**15  # 32 MiB of memory, about a tenth of a second: cheap once, costly per guess


class BackupError(DomainError):
    """A back-up or restore that cannot be done; nothing was changed."""

    code = "backup"


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int
    encrypted: bool
    seconds: float
    removed: tuple[Path, ...] = ()


# --- Keys and encryption ----------------------------------------------------------------


def key_from_environment() -> str | None:
    """The encryption key, or None when back-ups are not encrypted."""
    value = os.environ.get(KEY_VARIABLE, "")
    return value if value.strip() else None


def generate_key() -> str:
    """A random key to put in ``BACKUP_ENCRYPTION_KEY`` (256 bits, URL-safe text)."""
    return secrets.token_urlsafe(32)


def _check_key(key: str) -> None:
    if len(key) < MIN_KEY_LENGTH:
        raise BackupError(
            _(
                "%(variable)s is too short: use at least %(length)d characters "
                "(manage.py backup --generate-key makes one)."
            )
            % {"variable": KEY_VARIABLE, "length": MIN_KEY_LENGTH}
        )


def _derive(key: str, salt: bytes) -> tuple[bytes, bytes]:
    """The AES key and the key check: two halves of one scrypt output."""
    derived = Scrypt(salt=salt, length=64, n=SCRYPT_N, r=8, p=1).derive(key.encode())
    return derived[:32], derived[32 : 32 + KEY_CHECK_BYTES]


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def encrypt_file(source: Path, target: Path, key: str) -> None:
    _check_key(key)
    salt, prefix = os.urandom(SALT_BYTES), os.urandom(NONCE_PREFIX_BYTES)
    aes_key, key_check = _derive(key, salt)
    header = ENCRYPTED_MAGIC + bytes([FORMAT_VERSION]) + salt + prefix + key_check
    cipher = AESGCM(aes_key)
    with source.open("rb") as plain, _private_file(target) as out:
        out.write(header)
        chunk = plain.read(CHUNK_BYTES)
        counter = 0
        while True:
            following = plain.read(CHUNK_BYTES)
            last = not following
            sealed = cipher.encrypt(_nonce(prefix, counter, last), chunk, header)
            out.write(len(sealed).to_bytes(4, "big") + sealed)
            if last:
                break
            chunk, counter = following, counter + 1
            if counter >= 2**32:
                raise BackupError(_("The back-up is too large to encrypt."))


def decrypt_file(source: Path, target: Path, key: str | None) -> None:
    with source.open("rb") as sealed_file:
        header = sealed_file.read(HEADER_BYTES)
        if len(header) < HEADER_BYTES or not header.startswith(ENCRYPTED_MAGIC):
            raise BackupError(_("%(file)s is not an encrypted back-up.") % {"file": source.name})
        if header[len(ENCRYPTED_MAGIC)] != FORMAT_VERSION:
            raise BackupError(
                _("%(file)s was encrypted by a newer Deelpunt (format %(version)d).")
                % {"file": source.name, "version": header[len(ENCRYPTED_MAGIC)]}
            )
        if key is None:
            raise BackupError(
                _("%(file)s is encrypted: set %(variable)s to the key it was made with.")
                % {"file": source.name, "variable": KEY_VARIABLE}
            )
        start = len(ENCRYPTED_MAGIC) + 1
        salt = header[start : start + SALT_BYTES]
        prefix = header[start + SALT_BYTES : start + SALT_BYTES + NONCE_PREFIX_BYTES]
        stored_check = header[start + SALT_BYTES + NONCE_PREFIX_BYTES :]
        aes_key, key_check = _derive(key, salt)
        if not hmac.compare_digest(key_check, stored_check):
            raise BackupError(
                _(
                    "Wrong key: %(file)s was encrypted with another %(variable)s. "
                    "Nothing was restored."
                )
                % {"file": source.name, "variable": KEY_VARIABLE}
            )
        cipher = AESGCM(aes_key)
        damaged = BackupError(
            _(
                "%(file)s is damaged or was changed after it was made (it does not "
                "authenticate). Nothing was restored."
            )
            % {"file": source.name}
        )
        with _private_file(target) as out:
            counter = 0
            length = sealed_file.read(4)
            while True:
                if len(length) != 4:
                    raise damaged
                size = int.from_bytes(length, "big")
                if size > CHUNK_BYTES + TAG_BYTES:
                    raise damaged
                sealed = sealed_file.read(size)
                if len(sealed) != size:
                    raise damaged
                length = sealed_file.read(4)
                last = not length
                try:
                    out.write(cipher.decrypt(_nonce(prefix, counter, last), sealed, header))
                except InvalidTag:
                    raise damaged from None
                if last:
                    return
                counter += 1


@contextmanager
def _private_file(path: Path) -> Iterator[IO[bytes]]:
    """A new file only its owner can read: a back-up holds personal data."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        yield handle


# --- Which engine, which file -----------------------------------------------------------


def _vendor(alias: str) -> str:
    vendor = connections[alias].vendor
    if vendor not in SUFFIXES:
        raise BackupError(
            _("Back-ups are made of SQLite and PostgreSQL databases, not of %(engine)s.")
            % {"engine": vendor}
        )
    return vendor


def kind_of(path: Path) -> str | None:
    """'sqlite', 'postgresql', 'encrypted' or None, from the file's first bytes."""
    with path.open("rb") as handle:
        start = handle.read(len(SQLITE_MAGIC))
    if start.startswith(SQLITE_MAGIC):
        return "sqlite"
    if start.startswith(PGDUMP_MAGIC):
        return "postgresql"
    if start.startswith(ENCRYPTED_MAGIC):
        return "encrypted"
    return None


def backup_directory() -> Path:
    return Path(getattr(settings, "BACKUP_DIR", Path(settings.VAR_DIR) / "backups"))


def _new_name(directory: Path, vendor: str, encrypted: bool, now: dt.datetime) -> Path:
    stamp = now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H%M%SZ")
    suffix = SUFFIXES[vendor] + (ENCRYPTED_SUFFIX if encrypted else "")
    path = directory / f"deelpunt-{stamp}{suffix}"
    number = 1
    while path.exists():  # two back-ups within one second keep both
        number += 1
        path = directory / f"deelpunt-{stamp}-{number}{suffix}"
    return path


def backups_in(directory: Path, vendor: str) -> list[Path]:
    """This engine's back-ups in ``directory``, newest first (their names sort by time)."""
    if not directory.is_dir():
        return []
    found = [
        path
        for path in directory.iterdir()
        if path.is_file()
        and (match := NAME_PATTERN.match(path.name))
        and match["suffix"] == SUFFIXES[vendor]
    ]
    return sorted(found, key=_sort_key, reverse=True)


def _sort_key(path: Path) -> tuple[str, int]:
    stem = path.name.split(".")[0]  # deelpunt-<stamp>[-n]
    parts = stem.split("-")
    number = int(parts[-1]) if len(parts) == 5 else 1
    return ("-".join(parts[:4]), number)


def prune(*, directory: Path, keep: int, vendor: str) -> tuple[Path, ...]:
    """Delete all but the newest ``keep`` back-ups of this engine in ``directory``.
    Files not named like a back-up are never touched."""
    if keep < 1:
        raise BackupError(_("Keep at least one back-up."))
    removed = tuple(backups_in(directory, vendor)[keep:])
    for path in removed:
        path.unlink()
    return removed


# --- Making a back-up -------------------------------------------------------------------


def backup(
    *,
    directory: Path | None = None,
    key: str | None = None,
    keep: int | None = None,
    alias: str = "default",
) -> Backup:
    """Write a timestamped back-up of database ``alias`` into ``directory`` (default
    ``BACKUP_DIR``), encrypted when ``key`` is given; then keep the newest ``keep``."""
    started = time.monotonic()
    vendor = _vendor(alias)
    if key is not None:
        _check_key(key)
    if keep is not None and keep < 1:
        raise BackupError(_("Keep at least one back-up."))
    directory = directory or backup_directory()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = _new_name(directory, vendor, key is not None, timezone.now())
    work = Path(tempfile.mkdtemp(prefix=".deelpunt-backup-", dir=directory))
    try:
        plain = work / ("plain" + SUFFIXES[vendor])
        if vendor == "sqlite":
            _sqlite_backup(connections[alias].settings_dict, plain)
        else:
            _pg_dump(connections[alias].settings_dict, plain)
        finished = work / "finished"
        if key is not None:
            encrypt_file(plain, finished, key)
        else:
            plain.rename(finished)
        os.chmod(finished, 0o600)
        # Only a complete file gets a back-up's name: a crash leaves no half back-up.
        os.replace(finished, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    removed = prune(directory=directory, keep=keep, vendor=vendor) if keep else ()
    return Backup(
        path=target,
        size=target.stat().st_size,
        encrypted=key is not None,
        seconds=time.monotonic() - started,
        removed=removed,
    )


def _sqlite_path(settings_dict: dict[str, Any]) -> Path:
    name = str(settings_dict["NAME"])
    if not name or name == ":memory:" or name.startswith("file:"):
        raise BackupError(_("An in-memory SQLite database has no back-up."))
    return Path(name)


def _sqlite_backup(settings_dict: dict[str, Any], target: Path) -> None:
    path = _sqlite_path(settings_dict)
    if not path.is_file():
        raise BackupError(_("The database %(file)s does not exist.") % {"file": path})
    source = sqlite3.connect(path, timeout=20)
    copy = sqlite3.connect(target)
    try:
        # One step: the whole copy reads one snapshot, while the app goes on writing.
        source.backup(copy)
        # A back-up is one self-contained file, not a WAL database with side files.
        copy.execute("PRAGMA journal_mode=DELETE")
        (result,) = copy.execute("PRAGMA quick_check").fetchone()
        if result != "ok":
            raise BackupError(
                _("The copy of the database does not check out: %(result)s") % {"result": result}
            )
    except sqlite3.Error as error:
        raise BackupError(
            _("SQLite could not copy the database: %(error)s") % {"error": error}
        ) from error
    finally:
        copy.close()
        source.close()


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            _(
                "%(tool)s is not installed: install the PostgreSQL client tools "
                "(Debian: apt-get install postgresql-client) of the server's version."
            )
            % {"tool": name}
        )
    return found


def _pg_connection(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Command-line options and environment for pg_dump / pg_restore. The password goes
    in the environment only: a command line is visible to every user of the machine."""
    options: list[str] = ["--no-password"]
    if settings_dict.get("HOST"):
        options += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        options += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        options += ["--username", str(settings_dict["USER"])]
    environment = dict(os.environ)
    environment.pop("PGPASSWORD", None)
    if settings_dict.get("PASSWORD"):
        environment["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    extra = settings_dict.get("OPTIONS", {})
    for option, variable in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
    ):
        if extra.get(option):
            environment[variable] = str(extra[option])
    return options, environment


def _run(command: list[str], environment: dict[str, str], failure: str) -> None:
    result = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise BackupError(f"{failure} {' '.join(detail)}".strip())


def _pg_dump(settings_dict: dict[str, Any], target: Path) -> None:
    options, environment = _pg_connection(settings_dict)
    _run(
        [
            _pg_tool("pg_dump"),
            "--format=custom",
            f"--file={target}",
            *options,
            "--dbname",
            str(settings_dict["NAME"]),
        ],
        environment,
        _("pg_dump could not dump the database:"),
    )


# --- Restoring --------------------------------------------------------------------------


def restore(*, path: Path, key: str | None = None, alias: str = "default") -> str:
    """Replace everything in database ``alias`` with the back-up at ``path`` (decrypted
    with ``key`` when it is encrypted). Returns the engine's name. Refuses, changing
    nothing, a missing file, a wrong key, a damaged file or the other engine's back-up."""
    vendor = _vendor(alias)
    if not path.is_file():
        raise BackupError(_("There is no back-up file %(file)s.") % {"file": path})
    kind = kind_of(path)
    if kind is None:
        raise BackupError(
            _("%(file)s is not a Deelpunt back-up (neither SQLite, pg_dump nor encrypted).")
            % {"file": path.name}
        )
    work = Path(tempfile.mkdtemp(prefix="deelpunt-restore-"))
    try:
        source = path
        if kind == "encrypted":
            source = work / "decrypted"
            decrypt_file(path, source, key)
            kind = kind_of(source)
        if kind != vendor:
            raise BackupError(
                _(
                    "%(file)s is a back-up of a %(kind)s database, but this Deelpunt runs "
                    "on %(engine)s. Nothing was restored."
                )
                % {
                    "file": path.name,
                    "kind": ENGINE_NAMES.get(kind or "", "?"),
                    "engine": ENGINE_NAMES[vendor],
                }
            )
        if vendor == "sqlite":
            _sqlite_restore(source, alias, path.name)
        else:
            _pg_restore(source, connections[alias].settings_dict, path.name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return ENGINE_NAMES[vendor]


def _sqlite_restore(source: Path, alias: str, shown: str) -> None:
    try:
        backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            (result,) = backup_db.execute("PRAGMA quick_check").fetchone()
            migrations = backup_db.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'django_migrations'"
            ).fetchone()[0]
        finally:
            backup_db.close()
    except sqlite3.Error as error:
        raise BackupError(
            _("%(file)s is not a readable SQLite database: %(error)s")
            % {"file": shown, "error": error}
        ) from error
    if result != "ok" or not migrations:
        raise BackupError(
            _("%(file)s is damaged or is not a Deelpunt database. Nothing was restored.")
            % {"file": shown}
        )
    connection = connections[alias]
    connection.close()
    connection.ensure_connection()
    target = connection.connection
    backup_db = sqlite3.connect(source)
    try:
        # Into the open connection, page by page in one write transaction: other
        # processes keep their connections and see the restored data; a failure rolls
        # the target back.
        backup_db.backup(target)
    except sqlite3.Error as error:
        raise BackupError(
            _("SQLite could not restore %(file)s: %(error)s. Nothing was restored.")
            % {"file": shown, "error": error}
        ) from error
    finally:
        backup_db.close()
        connection.close()


def _pg_restore(source: Path, settings_dict: dict[str, Any], shown: str) -> None:
    options, environment = _pg_connection(settings_dict)
    pg_restore = _pg_tool("pg_restore")
    _run(
        [pg_restore, "--list", str(source)],
        environment,
        _("%(file)s is not a readable pg_dump file:") % {"file": shown},
    )
    connections.close_all()  # our own idle connection holds nothing the restore needs
    _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            # All or nothing: a failure halfway rolls every statement back.
            "--single-transaction",
            "--exit-on-error",
            *options,
            "--dbname",
            str(settings_dict["NAME"]),
            str(source),
        ],
        environment,
        _("pg_restore could not restore %(file)s; nothing was changed:") % {"file": shown},
    )
