"""Settings shared by every mode, read from the environment.

Development is the default (``config.settings``); production is
``config.settings.production``. See README.md, "Configuratie".
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("DEELPUNT_VAR_DIR", str(BASE_DIR / "var")))


SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0123456789abcdef")
DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "kern",
    "voorraad",
    "toegang",
    "uitlening",  # after the apps it builds on: its demo data needs theirs
    "vrijwilligers",
    "rapportering",  # reads every app above it
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tables2",
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",  # last: its signal handlers run after kern's audit of a failed login
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kern.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kern.middleware.PrivateNoStoreMiddleware",
    "kern.middleware.DenialAuditMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "kern.two_factor.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "kern.session_security.SessionSecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A DatabaseError in a view: a Dutch "nothing was saved" with the input kept, not a 500.
    "kern.database_errors.DatabaseErrorMiddleware",
    # Last, as django-axes asks: turns a lockout into the Dutch login page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kern.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# SQLite under var/ by default; PostgreSQL (psycopg 3) when DATABASE_URL says so.
SQLITE_OPTIONS = {
    # BEGIN IMMEDIATE takes the write lock up front, so two writers queue on the busy
    # timeout instead of failing with "database is locked" when one upgrades its lock.
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=NORMAL;"
        "PRAGMA busy_timeout=20000;"
        "PRAGMA foreign_keys=ON;"
    ),
}


def database_from_env() -> dict[str, Any]:
    url = env_str("DATABASE_URL", "").strip()
    # Connections are kept between requests (per worker thread) on both databases:
    # opening one per request cost more than a scan's own work (SQLite runs its init
    # PRAGMAs on every connect).
    conn_max_age = env_int("CONN_MAX_AGE", 60, minimum=0)
    if not url:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "deelpunt.sqlite3",
            "OPTIONS": dict(SQLITE_OPTIONS),
            "CONN_MAX_AGE": conn_max_age,
            "TEST": {"NAME": env_str("DEELPUNT_TEST_SQLITE", "") or None},
        }
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=conn_max_age))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = dict(SQLITE_OPTIONS)
    elif config["ENGINE"] == "django.db.backends.postgresql":
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {"default": database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -------------------------------------------------------------------
AUTH_USER_MODEL = "kern.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    # First: refuses every attempt (even with the right password) while the account or
    # the address is locked out, before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend with a user's permissions read in one query.
    "kern.auth_backends.PermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # ASVS 5.0 level 2 (6.2.1): at least 12 characters.
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language, time -------------------------------------------------------------------
LANGUAGE_CODE = "nl-be"
LANGUAGES = [("nl-be", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Brussels")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"

# --- E-mail ---------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Deelpunt <deelpunt@localhost>")

# --- Security that holds in every mode ------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 10  # a counter shift, not a week
# Signed out after this many minutes without a request (kern.session_security); a
# session in counter-tablet mode sooner, as the tablet stays at the counter unattended.
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30, minimum=1, maximum=600)
COUNTER_IDLE_MINUTES = env_int("COUNTER_IDLE_MINUTES", 10, minimum=1, maximum=120)
# Signed out this many hours after signing in, however active (ASVS 7.3.2): the cookie age
# above slides with every session save, so it alone would let a busy session live forever.
SESSION_MAX_HOURS = env_int("SESSION_MAX_HOURS", 12, minimum=1, maximum=72)
SECURE_REFERRER_POLICY = "same-origin"
# No inline script anywhere; htmx's own indicator style is switched off in base.html.
# base-uri 'none': no page uses <base>, so an injected one cannot redirect relative URLs.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

DJANGO_TABLES2_TEMPLATE = "django_tables2/table.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "table"}

# Keyed hashes of personal identifiers (UiTPAS numbers, API tokens) use this pepper.
IDENTIFIER_HASH_KEY = env_str("IDENTIFIER_HASH_KEY", SECRET_KEY)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- UiTPAS (publiq API v4) -------------------------------------------------------------
# Default: the local stand-in that `make run` and the tests start (python -m
# toegang.uitpas.standin). Production: https://api.uitpas.be and
# https://account.uitid.be/realms/uitid/protocol/openid-connect/token, with the
# municipality's client credentials.
UITPAS_API_URL = env_str("UITPAS_API_URL", "http://127.0.0.1:8100")
UITPAS_TOKEN_URL = env_str("UITPAS_TOKEN_URL", "http://127.0.0.1:8100/token")
UITPAS_CLIENT_ID = env_str("UITPAS_CLIENT_ID", "deelpunt-demo")
UITPAS_CLIENT_SECRET = env_str("UITPAS_CLIENT_SECRET", "demo-secret")
UITPAS_TIMEOUT = env_float("UITPAS_TIMEOUT", 3.0, minimum=0.1)

# --- Waitlists ----------------------------------------------------------------------------
# Days an item is held at least for a waiting family (to the end of the first opening day
# after them); one promise for every program, so a setting rather than a program field.
RESERVATION_HOLD_DAYS = env_int("RESERVATION_HOLD_DAYS", 7, minimum=0, maximum=90)

# --- Volunteers and shifts ----------------------------------------------------------------
# Volunteers sign up and cancel themselves until this many hours before a shift starts.
VOLUNTEER_SIGNUP_DEADLINE_HOURS = env_int(
    "VOLUNTEER_SIGNUP_DEADLINE_HOURS", 3, minimum=0, maximum=24 * 14
)
# Hours before a shift that its volunteers get a reminder (one e-mail per value).
VOLUNTEER_REMINDER_HOURS = tuple(
    sorted(
        {
            int(hours)
            for hours in env_str("VOLUNTEER_REMINDER_HOURS", "48,24").split(",")
            if hours.strip().isdigit() and 0 < int(hours) <= 24 * 14
        },
        reverse=True,
    )
)
# Coordinators hear about under-staffed shifts this many days ahead.
VOLUNTEER_UNDERSTAFFED_DAYS = env_int("VOLUNTEER_UNDERSTAFFED_DAYS", 3, minimum=1, maximum=60)
# After this many no-shows a volunteer's own sign-up pauses until a coordinator lifts it.
VOLUNTEER_NO_SHOW_PAUSE_AFTER = env_int("VOLUNTEER_NO_SHOW_PAUSE_AFTER", 3, minimum=1, maximum=50)
# Checking in later than this many minutes after the start counts as late.
VOLUNTEER_LATE_AFTER_MINUTES = env_int("VOLUNTEER_LATE_AFTER_MINUTES", 10, minimum=0, maximum=240)
# Generating shifts from templates covers this many weeks ahead by default.
VOLUNTEER_SHIFT_WEEKS_AHEAD = env_int("VOLUNTEER_SHIFT_WEEKS_AHEAD", 6, minimum=1, maximum=52)

# Reports: a figure about fewer households than this is shown as "< 5" (screen, export, API).
REPORT_MIN_HOUSEHOLDS = env_int("REPORT_MIN_HOUSEHOLDS", 5, minimum=2, maximum=50)
# Signals for policy: a household that came regularly and has not been seen for this long.
REPORT_ABSENT_WEEKS = env_int("REPORT_ABSENT_WEEKS", 8, minimum=2, maximum=52)
# Imports: the largest spreadsheet one upload may hold.
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 50000, minimum=10, maximum=1000000)
IMPORT_MAX_MEGABYTES = env_int("IMPORT_MAX_MEGABYTES", 20, minimum=1, maximum=500)

# --- Back-ups (manage.py backup / restore, kern.backups) -------------------------------------
# Where back-ups go; BACKUP_ENCRYPTION_KEY (read from the environment when a back-up is
# made or restored, never kept in settings) encrypts them.
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(VAR_DIR / "backups")))

# --- Login protection (kern.login_protection, kern.two_factor) -------------------------
# Lockout after repeated failed logins (django-axes): per account, whatever the address,
# and per address, whatever the account. The address limit is higher because a Sociaal
# Huis or a distribution point sends all its staff through one address.
LOGIN_FAILURES_PER_ACCOUNT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 5, minimum=3, maximum=100)
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 20, minimum=3, maximum=1000)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1, maximum=24 * 60)
# Reverse proxies in front of the app that append the client's address to
# X-Forwarded-For (0: the client connects directly, REMOTE_ADDR is the address).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=5)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = "kern.login_protection.failure_limit"
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
# A failure counts until the cool-off has passed; one's own successful login does not
# wipe the address's count, and attempts while locked do not prolong the lockout.
AXES_RESET_ON_SUCCESS = False
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "kern.login_protection.lockout_response"
AXES_CLIENT_IP_CALLABLE = "kern.login_protection.client_address"
# Successful logins are in the audit log already; no second register of addresses.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False

# Second factor (django-otp: TOTP app + single-use recovery codes). When required, social
# workers, coordinators and admins (anyone who may do more than a volunteer) must enrol;
# whoever has enrolled is always asked for a code. Off here so `make run`'s demo accounts
# and the tests log in with a password alone; on in production.
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", False)
OTP_TOTP_ISSUER = "Deelpunt"
