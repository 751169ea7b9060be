"""HTTP client for publiq's UiTPAS API v4: what Deelpunt needs to check a card.

Only the standard library: ``urllib.request`` with short timeouts. A client-credentials
token is fetched once per (token URL, client id), cached in the process and reused until
shortly before it expires; a 401 from the API fetches a new token once and retries.

``get_pass(number)`` answers a ``PassInfo`` with the social tariff, its card system and the
counter messages, never the holder's name. Every failure is an ``UitpasError`` (a
``DomainError``) with a ``code`` and a message ready to show; ``end_user_message`` carries
publiq's own Dutch text when the API gives one, cleaned and bounded like every text of
UiTPAS that reaches a screen (``shown_text``). The full UiTPAS number never appears in
a message or a log line: at most its last four digits.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import enum
import html
import http.client
import json
import logging
import math
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kern.errors import DomainError

logger = logging.getLogger(__name__)

PROBLEM_BASE = "https://api.publiq.be/probs"
PASS_NOT_FOUND = f"{PROBLEM_BASE}/uitpas/pass-not-found"
PASSHOLDER_BLOCKED = f"{PROBLEM_BASE}/uitpas/passholder-blocked"
INVALID_CARD_STATUS = f"{PROBLEM_BASE}/uitpas/invalid-card-status"

#: Bodies larger than this are not read: a pass answer is about 1 kB.
MAX_BODY_BYTES = 512 * 1024
USER_AGENT = "Deelpunt (UiTPAS client)"

_now = time.monotonic  # replaced in tests to let time pass

#: The most of UiTPAS's own words shown at the counter (a real message is a sentence or
#: two), and the most messages of one pass.
MAX_SHOWN_CHARS = 300
MAX_MESSAGES = 5
#: A 429's ``Retry-After`` is believed up to an hour.
MAX_RETRY_AFTER_SECONDS = 3600


# --- Configuration ------------------------------------------------------------------------


@dataclass(frozen=True)
class UitpasConfig:
    """Where the API and its token endpoint are, and Deelpunt's client credentials."""

    api_url: str
    token_url: str
    client_id: str
    client_secret: str
    timeout_seconds: float

    def __repr__(self) -> str:  # never show the secret
        return (
            f"UitpasConfig(api_url={self.api_url!r}, token_url={self.token_url!r}, "
            f"client_id={self.client_id!r}, client_secret='***', "
            f"timeout_seconds={self.timeout_seconds!r})"
        )

    @classmethod
    def from_settings(cls) -> UitpasConfig:
        """Read ``UITPAS_API_URL``, ``UITPAS_TOKEN_URL``, ``UITPAS_CLIENT_ID``,
        ``UITPAS_CLIENT_SECRET`` and ``UITPAS_TIMEOUT`` (their defaults, the local
        stand-in, are in config/settings/base.py)."""
        from django.conf import settings

        return cls(
            api_url=str(settings.UITPAS_API_URL).rstrip("/"),
            token_url=str(settings.UITPAS_TOKEN_URL),
            client_id=str(settings.UITPAS_CLIENT_ID),
            client_secret=str(settings.UITPAS_CLIENT_SECRET),
            timeout_seconds=float(settings.UITPAS_TIMEOUT),
        )


# --- What Deelpunt keeps of a pass --------------------------------------------------------


class SocialTariffStatus(enum.StrEnum):
    """``socialTariff.status``: judge kansentarief by this, not by the end date."""

    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"
    NONE = "NONE"


@dataclass(frozen=True)
class PassMessage:
    """A message UiTPAS says must be shown at the counter; level INFO, WARN or ERROR."""

    level: str
    text: str


@dataclass(frozen=True)
class PassInfo:
    """The outcome of a card check: no name, no passholder id, no number, no points."""

    pass_type: str
    social_tariff_status: SocialTariffStatus
    social_tariff_end: dt.datetime | None  # aware, UTC
    card_system_id: int
    card_system_name: str
    card_system_postal_codes: tuple[str, ...]
    postal_code: str
    messages: tuple[PassMessage, ...] = ()

    @property
    def has_social_tariff(self) -> bool:
        return self.social_tariff_status is SocialTariffStatus.ACTIVE

    @property
    def social_tariff_end_date(self) -> dt.date | None:
        """The last day of the tariff, in Belgian time."""
        if self.social_tariff_end is None:
            return None
        from zoneinfo import ZoneInfo

        return self.social_tariff_end.astimezone(ZoneInfo("Europe/Brussels")).date()

    def card_system_covers(self, postal_code: str) -> bool:
        """Whether the card system (region) includes this postal code."""
        return postal_code.strip() in self.card_system_postal_codes


# --- Errors -------------------------------------------------------------------------------


class UitpasError(DomainError):
    """UiTPAS could not answer the check; ``code`` says why, the message what to do."""

    status = 502
    code = "uitpas_error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        end_user_message: str | None = None,
        problem_type: str | None = None,
    ):
        super().__init__(message, code=code)
        self.end_user_message = end_user_message
        self.problem_type = problem_type


class UitpasPassNotFound(UitpasError):
    status = 404
    code = "pass_not_found"


class UitpasPassRefused(UitpasError):
    """The card exists but cannot be used: ``passholder_blocked`` or ``invalid_card_status``."""

    status = 400
    code = "passholder_blocked"

    def __init__(self, message: str, *, card_status: str | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.card_status = card_status


class UitpasRateLimited(UitpasError):
    status = 503
    code = "rate_limited"
    #: Seconds UiTPAS asked to wait (its ``Retry-After``), when it said so.
    retry_after: int | None = None


class UitpasUnauthorized(UitpasError):
    status = 502
    code = "unauthorized"


class UitpasTimeout(UitpasError):
    status = 504
    code = "timeout"


class UitpasUnavailable(UitpasError):
    """No usable answer: refused, DNS, 5xx (``unavailable``) or a garbled answer
    (``bad_response``)."""

    status = 503
    code = "unavailable"


def card_status_text(status: str) -> str:
    """What an UiTPAS card status means, in words for the counter: UiTPAS's own names
    (``LOCAL_STOCK``) mean nothing to a volunteer or a family."""
    texts = {
        "PROVISIONED": _("it has not been handed out yet"),
        "LOCAL_STOCK": _("it has not been registered to a card holder yet"),
        "BLOCKED": _("it is blocked"),
        "DELETED": _("it was cancelled"),
    }
    return texts.get(status, _("its status does not allow it"))


def card_hint(number: str) -> str:
    """What may be shown of a card number: its last four digits."""
    return "…" + number[-4:] if number else "…"


# Script and style elements lose their content, not only their tags.
_SCRIPT = re.compile(r"<(script|style)\b.*?(</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
# Control characters, zero-width and bidirectional overrides: nothing a person should see.
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def shown_text(value: Any, *, limit: int = MAX_SHOWN_CHARS) -> str | None:
    """UiTPAS's own words made fit to show a person: plain text without markup or
    control characters, whitespace collapsed, at most ``limit`` characters (cut at a
    word, with "…"). ``None`` when there is nothing left to show (not a string, empty).

    Every text from UiTPAS that reaches a screen passes here, so the templates' escaping
    is never the only defence and a garbled answer cannot flood the counter."""
    if not isinstance(value, str):
        return None
    text = value[: limit * 20]  # a huge answer is not worth cleaning in full
    text = _SCRIPT.sub(" ", text)
    text = strip_tags(html.unescape(strip_tags(text)))
    text = " ".join(_INVISIBLE.sub(" ", text).split())
    if len(text) > limit:
        cut = text[: limit - 1]
        text = (cut.rsplit(" ", 1)[0] if " " in cut[limit // 2 :] else cut) + "…"
    return text or None


def retry_after_seconds(value: str) -> int | None:
    """A ``Retry-After`` header (seconds or an HTTP date) as seconds from now, bounded to
    ``MAX_RETRY_AFTER_SECONDS``; ``None`` when absent or unreadable."""
    value = (value or "").strip()
    if not value:
        return None
    seconds: float
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        seconds = (when - dt.datetime.now(dt.UTC)).total_seconds()
    if seconds <= 0:
        return None
    return int(min(seconds, MAX_RETRY_AFTER_SECONDS))


def _unavailable() -> UitpasUnavailable:
    return UitpasUnavailable(
        _("UiTPAS cannot be reached right now; a coordinator can grant a documented exception.")
    )


def _timeout() -> UitpasTimeout:
    return UitpasTimeout(
        _(
            "UiTPAS did not answer in time. Try again in a moment; if it keeps happening, "
            "a coordinator can grant a documented exception."
        )
    )


def _unauthorized() -> UitpasUnauthorized:
    return UitpasUnauthorized(_("Deelpunt's UiTPAS credentials are refused: tell the admin."))


def _rate_limited(
    end_user_message: str | None = None, *, retry_after: int | None = None
) -> UitpasRateLimited:
    """Not retried here: asking again at once is what a rate limit forbids."""
    minutes = math.ceil(retry_after / 60) if retry_after else 1
    if minutes <= 1:
        message = _("UiTPAS gets too many requests right now. Try again in a minute.")
    else:
        message = ngettext(
            "UiTPAS gets too many requests right now. Try again in %(minutes)d minute; "
            "meanwhile a coordinator can grant a documented exception.",
            "UiTPAS gets too many requests right now. Try again in %(minutes)d minutes; "
            "meanwhile a coordinator can grant a documented exception.",
            minutes,
        ) % {"minutes": minutes}
    error = UitpasRateLimited(message, end_user_message=end_user_message)
    error.retry_after = retry_after
    return error


def _bad_response() -> UitpasUnavailable:
    return UitpasUnavailable(
        _(
            "UiTPAS gave an answer Deelpunt does not understand; "
            "a coordinator can grant a documented exception."
        ),
        code="bad_response",
    )


# --- Token cache --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    value: str
    refresh_at: float  # monotonic time after which a new token is fetched


_tokens: dict[tuple[str, str], _Token] = {}
_token_locks: dict[tuple[str, str], threading.Lock] = {}
_tokens_guard = threading.Lock()


def clear_token_cache() -> None:
    """Forget every cached token (tests; after a change of credentials)."""
    with _tokens_guard:
        _tokens.clear()


def _key(config: UitpasConfig) -> tuple[str, str]:
    return (config.token_url, config.client_id)


def _lock_for(key: tuple[str, str]) -> threading.Lock:
    with _tokens_guard:
        return _token_locks.setdefault(key, threading.Lock())


def _refresh_margin(expires_in: float) -> float:
    """Renew this long before expiry: a tenth of the lifetime, at most a minute."""
    return min(60.0, expires_in / 10)


# --- HTTP ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Answer:
    status: int
    content_type: str
    body: bytes
    retry_after: str = ""

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """An API answer is never a redirect; following one could leak the bearer token."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect())  # proxies from the environment
_direct_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _opener_for(url: str) -> urllib.request.OpenerDirector:
    """The local stand-in is never reached through a proxy; the real API may need one."""
    host = urllib.parse.urlsplit(url).hostname or ""
    return _direct_opener if host in _LOOPBACK else _opener


def _send(
    url: str,
    *,
    headers: dict[str, str],
    timeout: float,
    what: str,
    data: bytes | None = None,
) -> _Answer:
    """Send a request; every network failure becomes an ``UitpasError``.

    ``what`` names the request in log lines (never with the card number).
    """
    try:
        request = urllib.request.Request(
            url, data=data, method="POST" if data is not None else "GET", headers=headers
        )
        with _opener_for(request.full_url).open(request, timeout=timeout) as response:
            return _Answer(
                response.status,
                response.headers.get_content_type(),
                response.read(MAX_BODY_BYTES),
            )
    except urllib.error.HTTPError as exc:
        with exc:
            try:
                body = exc.read(MAX_BODY_BYTES)
            except (OSError, http.client.HTTPException):
                body = b""  # the status alone is enough to judge the error
            content_type = exc.headers.get_content_type() if exc.headers else ""
            retry_after = str(exc.headers.get("Retry-After", "")) if exc.headers else ""
            return _Answer(exc.code, content_type, body, retry_after[:100])
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            logger.warning("UiTPAS %s: timed out after %.1f s", what, timeout)
            raise _timeout() from None
        logger.warning("UiTPAS %s: cannot connect (%s)", what, exc.reason)
        raise _unavailable() from None
    except TimeoutError:
        logger.warning("UiTPAS %s: timed out after %.1f s", what, timeout)
        raise _timeout() from None
    except (OSError, http.client.HTTPException) as exc:
        logger.warning("UiTPAS %s: connection failed (%s)", what, type(exc).__name__)
        raise _unavailable() from None
    except ValueError:  # not a usable URL: a configuration mistake
        logger.error("UiTPAS %s: the configured URL is not usable", what)
        raise _unavailable() from None


# --- The client ---------------------------------------------------------------------------


class UitpasClient:
    """Checks UiTPAS cards against the API (or the stand-in) described by ``config``."""

    def __init__(self, config: UitpasConfig | None = None):
        self.config = config or UitpasConfig.from_settings()

    # tokens

    def _fetch_token(self) -> _Token:
        config = self.config
        form = urllib.parse.urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": config.client_id,
                "client_secret": config.client_secret,
            }
        ).encode()
        answer = _send(
            config.token_url,
            data=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            },
            timeout=config.timeout_seconds,
            what="token request",
        )
        if answer.status in (400, 401, 403):
            logger.error(
                "UiTPAS token endpoint refused client %r (HTTP %s)",
                config.client_id,
                answer.status,
            )
            raise _unauthorized()
        if answer.status == 429:
            raise _rate_limited(retry_after=retry_after_seconds(answer.retry_after))
        if answer.status != 200:
            logger.warning("UiTPAS token endpoint answered HTTP %s", answer.status)
            raise _unavailable()
        data = answer.json()
        if not isinstance(data, dict) or not isinstance(data.get("access_token"), str):
            logger.warning("UiTPAS token endpoint: answer without access_token")
            raise _bad_response()
        try:
            expires_in = float(data.get("expires_in", 300))
        except (TypeError, ValueError):
            expires_in = 300.0
        return _Token(data["access_token"], _now() + expires_in - _refresh_margin(expires_in))

    def _token(self, *, stale: _Token | None = None) -> _Token:
        """A valid cached token, or a new one; ``stale`` is one the API just refused."""
        key = _key(self.config)
        with _lock_for(key):  # one fetch at a time per client; others wait and reuse it
            with _tokens_guard:
                cached = _tokens.get(key)
            if cached is not None and cached != stale and cached.refresh_at > _now():
                return cached
            token = self._fetch_token()
            with _tokens_guard:
                _tokens[key] = token
            return token

    # passes

    def _get(self, url: str, token: _Token) -> _Answer:
        return _send(
            url,
            headers={
                "Authorization": f"Bearer {token.value}",
                "Accept": "application/json, application/problem+json",
                "User-Agent": USER_AGENT,
            },
            timeout=self.config.timeout_seconds,
            what="pass check",
        )

    def get_pass(self, uitpas_number: str) -> PassInfo:
        """Check one card: ``GET /passes?identifier=…``. Raises ``UitpasError``."""
        number = "".join(str(uitpas_number).split())
        url = (
            f"{self.config.api_url.rstrip('/')}/passes?"
            f"{urllib.parse.urlencode({'identifier': number})}"
        )
        token = self._token()
        answer = self._get(url, token)
        if answer.status == 401:  # expired or revoked token: once more with a new one
            logger.info("UiTPAS refused the cached token; fetching a new one")
            token = self._token(stale=token)
            answer = self._get(url, token)
        if answer.status == 200:
            return _pass_info(answer)
        raise _error_for(answer, number)


def get_pass(uitpas_number: str, config: UitpasConfig | None = None) -> PassInfo:
    """Check one card with the configured UiTPAS API (see ``UitpasClient.get_pass``)."""
    return UitpasClient(config).get_pass(uitpas_number)


# --- Reading answers ----------------------------------------------------------------------


def _parse_datetime(value: Any) -> dt.datetime | None:
    """An API date-time; publiq's examples omit the offset, which means UTC."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _pass_info(answer: _Answer) -> PassInfo:
    return pass_info_from_json(answer.json())


def pass_info_from_json(data: Any) -> PassInfo:
    """Keep what Deelpunt needs of a ``Pass`` (the JSON of ``GET /passes``); drop the rest.

    Raises ``UitpasUnavailable`` (``bad_response``) when the answer is not a ``Pass``.
    """
    try:
        tariff = data["socialTariff"]
        card_system = data["cardSystem"]
        status = SocialTariffStatus(tariff["status"])
        cities = card_system.get("cities") or []
        messages = _pass_messages(data.get("messages") or [])
        return PassInfo(
            pass_type=str(data.get("passType", "INDIVIDUAL")),
            social_tariff_status=status,
            social_tariff_end=_parse_datetime(tariff.get("endDate")),
            card_system_id=int(card_system["id"]),
            card_system_name=str(card_system.get("name", "")),
            card_system_postal_codes=tuple(str(c["postalCode"]) for c in cities),
            postal_code=str(data.get("postalCode", "")),
            messages=messages,
        )
    except (TypeError, KeyError, ValueError, AttributeError):
        logger.warning("UiTPAS pass check: answer does not match the Pass schema")
        raise _bad_response() from None


_LEVELS = ("INFO", "WARN", "ERROR")


def _pass_messages(raw: Any) -> tuple[PassMessage, ...]:
    """The pass's counter messages that say something, cleaned (``shown_text``)."""
    if not isinstance(raw, list):
        raise TypeError("messages is not a list")
    messages = []
    for item in raw:
        text = shown_text(item.get("text")) if isinstance(item, dict) else None
        if text is None:
            continue
        level = str(item.get("level", "INFO")).upper()
        messages.append(PassMessage(level=level if level in _LEVELS else "INFO", text=text))
    return tuple(messages[:MAX_MESSAGES])


def _error_for(answer: _Answer, number: str) -> UitpasError:
    """The ``UitpasError`` for a non-200 answer of ``GET /passes``."""
    problem = answer.json()
    if not isinstance(problem, dict):
        problem = {}
    problem_type = problem.get("type") if isinstance(problem.get("type"), str) else None
    end_user = problem.get("endUserMessage")
    end_user_message = shown_text(end_user.get("nl")) if isinstance(end_user, dict) else None
    card = card_hint(number)
    extra = {"end_user_message": end_user_message, "problem_type": problem_type}
    logger.info(
        "UiTPAS pass check for card %s: HTTP %s %s", card, answer.status, problem_type or ""
    )

    if answer.status == 404 and problem_type == PASS_NOT_FOUND:
        return UitpasPassNotFound(
            _("UiTPAS does not know the card ending in %(card)s. Check the number on the card.")
            % {"card": card},
            **extra,
        )
    if answer.status == 400 and problem_type == PASSHOLDER_BLOCKED:
        return UitpasPassRefused(
            _(
                "The UiTPAS card ending in %(card)s is blocked. "
                "The card holder can ask at an UiTPAS counter."
            )
            % {"card": card},
            code="passholder_blocked",
            **extra,
        )
    if answer.status == 400 and problem_type == INVALID_CARD_STATUS:
        card_status = problem.get("cardStatus")
        card_status = str(card_status) if card_status else "?"
        return UitpasPassRefused(
            _(
                "The UiTPAS card ending in %(card)s cannot be used: %(reason)s. "
                "The card holder can ask at an UiTPAS counter."
            )
            % {"card": card, "reason": card_status_text(card_status)},
            code="invalid_card_status",
            card_status=card_status,
            **extra,
        )
    if answer.status == 429:
        return _rate_limited(end_user_message, retry_after=retry_after_seconds(answer.retry_after))
    error: UitpasError
    if answer.status in (401, 403):
        logger.error("UiTPAS refused Deelpunt's credentials (HTTP %s)", answer.status)
        error = _unauthorized()
    elif answer.status >= 500:
        error = _unavailable()
    elif answer.status == 400 and end_user_message:
        error = UitpasError(
            _("UiTPAS refused the check of the card ending in %(card)s.") % {"card": card},
            code="rejected",
        )
    else:
        error = _bad_response()
    error.end_user_message = end_user_message
    error.problem_type = problem_type
    return error
