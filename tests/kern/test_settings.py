import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from config.settings import env

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, env_extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DEBUG", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_without_warnings(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_extra={
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": "k3y-" + "x9Qz7Lm2Vb8Nc4Rt6Yh1Ju5Ik0Op3As" * 2,
            "ALLOWED_HOSTS": "deelpunt.gent.be",
            "DEELPUNT_VAR_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    result = run_manage(
        "check",
        env_extra={
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": "",
            "ALLOWED_HOSTS": "deelpunt.gent.be",
            "DEELPUNT_VAR_DIR": str(tmp_path),
        },
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_database_is_the_one_database_url_asks_for(db):
    wanted = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert connection.vendor == wanted


def test_sqlite_file_database_runs_in_wal_mode_with_immediate_transactions(tmp_path):
    code = (
        "import django, os;"
        "django.setup();"
        "from django.db import connection;"
        "c = connection.cursor();"
        "print(c.execute('PRAGMA journal_mode').fetchone()[0], c.execute('PRAGMA synchronous').fetchone()[0],"
        " c.execute('PRAGMA busy_timeout').fetchone()[0], connection.transaction_mode)"
    )
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DEELPUNT_VAR_DIR": str(tmp_path)})
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["wal", "1", "20000", "IMMEDIATE"], result.stderr


def test_time_zone_and_language_are_belgian():
    assert settings.TIME_ZONE == "Europe/Brussels"
    assert settings.LANGUAGE_CODE == "nl-be"


# --- Unreadable values stop start-up ----------------------------------------------------


def import_settings(module, env_extra, tmp_path):
    """Import a settings module in a fresh interpreter with only ``env_extra`` set."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k in {"PATH", "HOME", "LANG", "PYTHONPATH", "VIRTUAL_ENV"}
    }
    env.update({"DEELPUNT_VAR_DIR": str(tmp_path), **env_extra})
    code = (
        "import importlib, json, sys\n"
        f"s = importlib.import_module({module!r})\n"
        "print(json.dumps({k: getattr(s, k) for k in sys.argv[1:]}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *env_extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


PRODUCTION = {
    "SECRET_KEY": "k3y-" + "x9Qz7Lm2Vb8Nc4Rt6Yh1Ju5Ik0Op3As" * 2,
    "ALLOWED_HOSTS": "deelpunt.gent.be",
}


@pytest.mark.parametrize(
    ("module", "variable", "value", "accepted"),
    [
        ("config.settings.production", "SECURE_SSL_REDIRECT", "ture", "true"),
        ("config.settings.production", "BEHIND_PROXY", "nope", "false"),
        ("config.settings.production", "SECURE_HSTS_SECONDS", "1 year", "whole number"),
        ("config.settings.base", "DEBUG", "yes please", "yes"),
        ("config.settings.base", "EMAIL_USE_TLS", "2", "off"),
        ("config.settings.base", "UITPAS_TIMEOUT", "abc", "number"),
        ("config.settings.base", "UITPAS_TIMEOUT", "nan", "number"),
        ("config.settings.base", "UITPAS_TIMEOUT", "0", "at least 0.1"),
        ("config.settings.base", "EMAIL_PORT", "25a", "from 1 to 65535"),
        ("config.settings.base", "EMAIL_PORT", "70000", "from 1 to 65535"),
    ],
)
def test_an_unreadable_value_stops_start_up_naming_the_variable_and_what_it_accepts(
    tmp_path, module, variable, value, accepted
):
    env = {**PRODUCTION, variable: value}
    result = import_settings(module, env, tmp_path)
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured: "), result.stderr
    assert f"{variable}={value!r}" in last_line
    assert accepted in last_line


def test_a_bad_conn_max_age_stops_start_up_with_a_postgres_url(tmp_path):
    env = {"DATABASE_URL": "postgres://deelpunt@db.intern/deelpunt", "CONN_MAX_AGE": "x"}
    result = import_settings("config.settings.base", env, tmp_path)
    assert "ImproperlyConfigured: CONN_MAX_AGE='x' is not a whole number" in result.stderr


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("TRUE", True), ("ja", True), (" on ", True), ("0", False), ("Nee", False)],
)
def test_readable_yes_no_values_are_accepted(tmp_path, value, expected):
    result = import_settings(
        "config.settings.production", {**PRODUCTION, "SECURE_SSL_REDIRECT": value}, tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["SECURE_SSL_REDIRECT"] is expected


def test_numbers_are_read_and_empty_values_take_the_default(tmp_path):
    result = import_settings(
        "config.settings.base",
        {"UITPAS_TIMEOUT": "2.5", "EMAIL_PORT": "587", "DEBUG": "", "EMAIL_USE_TLS": " "},
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "UITPAS_TIMEOUT": 2.5,
        "EMAIL_PORT": 587,
        "DEBUG": True,
        "EMAIL_USE_TLS": False,
    }


def test_the_env_helpers_read_what_they_are_given(monkeypatch):
    monkeypatch.setenv("DP_TEST_LIST", " a, b ,,c ")
    monkeypatch.setenv("DP_TEST_INT", "-3")
    monkeypatch.setenv("DP_TEST_PASSWORD", " s3cret ")
    assert env.env_list("DP_TEST_LIST", []) == ["a", "b", "c"]
    assert env.env_int("DP_TEST_INT", 0) == -3
    assert env.env_str("DP_TEST_PASSWORD", "") == " s3cret "  # as written
    assert env.env_float("DP_TEST_UNSET", 1.5) == 1.5
    with pytest.raises(ImproperlyConfigured, match="DP_TEST_INT='-3' is out of range"):
        env.env_int("DP_TEST_INT", 0, minimum=0)


# --- UiTPAS: defaults in one place ------------------------------------------------------


def test_uitpas_defaults_to_the_local_standin(tmp_path):
    """Moved from tests/toegang/test_uitpas_client.py: the defaults now live only in
    config/settings/base.py, and the client reads them from there."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("UITPAS_") and k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DEELPUNT_VAR_DIR": str(tmp_path)})
    code = (
        "import dataclasses, django; django.setup()\n"
        "from toegang.uitpas.client import UitpasConfig\n"
        "config = UitpasConfig.from_settings()\n"
        "print(dataclasses.astuple(config))\n"
        "try:\n"
        "    config.client_id = 'other'\n"
        "except dataclasses.FrozenInstanceError:\n"
        "    print('frozen')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        str(
            (
                "http://127.0.0.1:8100",
                "http://127.0.0.1:8100/token",
                "deelpunt-demo",
                "demo-secret",
                3.0,
            )
        ),
        "frozen",
    ]


def test_the_uitpas_client_keeps_no_defaults_of_its_own():
    source = (ROOT / "toegang" / "uitpas" / "client.py").read_text()
    assert "8100" not in source
    assert "demo-secret" not in source
    assert 'getattr(settings, "UITPAS' not in source


def test_make_run_points_the_app_at_the_standin_it_starts():
    result = subprocess.run(
        ["make", "-n", "run", "PORT=8555", "UITPAS_PORT=8655"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    commands = result.stdout.replace("\\\n", " ")  # one line per shell command
    assert "toegang.uitpas.standin --port 8655" in commands
    runserver = next(line for line in commands.splitlines() if "runserver" in line)
    assert "UITPAS_API_URL=http://127.0.0.1:8655 " in runserver
    assert "UITPAS_TOKEN_URL=http://127.0.0.1:8655/token " in runserver
    assert runserver.rstrip().endswith("runserver 127.0.0.1:8555")
