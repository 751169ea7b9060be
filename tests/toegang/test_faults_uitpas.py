"""UiTPAS misbehaving, against a tiny local server that answers whatever a test tells it:
refusing connections, too slow, rate limiting (429 with and without ``Retry-After``),
bodies that are not JSON, JSON of the wrong shape, truncated or huge, and an end-user
text that is not a real message (empty, HTML, a script, huge, control characters).

What must hold, through the service, the counter's check-in page and the check-in API:
a Dutch message saying UiTPAS cannot answer and what to do, no server error, nothing
written (no evidence, no card link, no audit entry of a check), no raw upstream text shown
unescaped or unbounded, and no retry where one is not safe (a 429 or a timeout is asked
once: asking again at once is what a rate limit forbids and doubles the wait)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import translation

from kern.models import AuditEntry
from tests.api_client import bearer, post
from toegang import services
from toegang.models import Evidence, Household, Program, UitpasCard
from toegang.uitpas import client as uitpas_client
from toegang.uitpas.client import (
    MAX_SHOWN_CHARS,
    UitpasClient,
    UitpasError,
    clear_token_cache,
    retry_after_seconds,
    shown_text,
)

pytestmark = pytest.mark.django_db

NUMBER = "0900000067513"
TOKEN = json.dumps({"access_token": "t0k3n", "expires_in": 3600}).encode()
GOOD_PASS = {
    "passType": "INDIVIDUAL",
    "postalCode": "9000",
    "socialTariff": {"status": "ACTIVE", "endDate": "2099-12-31T22:59:59"},
    "cardSystem": {"id": 3, "name": "UiTPAS Regio Gent", "cities": [{"postalCode": "9000"}]},
}
HX = {"HTTP_HX_REQUEST": "true"}


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    #: Send half of the announced body, then hang up (a cut-off answer).
    truncate: bool = False


class FakeUitpas:
    """A loopback HTTP server: ``/token`` gives a token, ``/passes`` answers ``reply``."""

    def __init__(self) -> None:
        self.reply = Reply(body=json.dumps(GOOD_PASS).encode())
        self.seen: Counter[str] = Counter()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def _answer(self, reply: Reply) -> None:
                time.sleep(reply.delay)
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                body = reply.body[: len(reply.body) // 2] if reply.truncate else reply.body
                try:
                    self.wfile.write(body)
                    self.wfile.flush()
                except OSError:
                    pass  # the client gave up (timeout)
                if reply.truncate:
                    self.close_connection = True

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fake.seen["/token"] += 1
                self._answer(Reply(body=TOKEN))

            def do_GET(self) -> None:
                fake.seen["/passes"] += 1
                self._answer(fake.reply)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, **reply: object) -> None:
        self.reply = Reply(**reply)  # type: ignore[arg-type]

    def problem(self, status: int, end_user: object, **extra: object) -> None:
        body = {
            "type": "https://api.publiq.be/probs/uitpas/pass-not-found",
            "title": "<h1>Not found</h1>",
            "status": status,
            "endUserMessage": {"nl": end_user},
            **extra,
        }
        self.answer(
            status=status, body=json.dumps(body).encode(), content_type="application/problem+json"
        )

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake(settings) -> Iterator[FakeUitpas]:
    server = FakeUitpas()
    settings.UITPAS_API_URL = server.url
    settings.UITPAS_TOKEN_URL = f"{server.url}/token"
    settings.UITPAS_CLIENT_ID = "deelpunt-demo"
    settings.UITPAS_CLIENT_SECRET = "demo-secret"
    settings.UITPAS_TIMEOUT = 0.5
    clear_token_cache()
    yield server
    clear_token_cache()
    server.stop()


def refused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def error_of(call: Callable[[], object]) -> UitpasError:
    with translation.override("nl"), pytest.raises(UitpasError) as caught:
        call()
    return caught.value


@pytest.fixture
def programs(db):
    return Program.objects.create(
        name="Pamperbank", kind=Program.Kind.DIAPERS, accepts_uitpas=True, accepts_referral=True
    )


@pytest.fixture
def household(volunteer, programs):
    household = services.register_household(actor=volunteer, postcode="9000", children=[])
    services.link_uitpas_card(actor=volunteer, household=household, number=NUMBER)
    return household


def written() -> tuple[int, int, int]:
    return (
        Evidence.objects.count(),
        UitpasCard.objects.count(),
        AuditEntry.objects.filter(action="check_uitpas").count(),
    )


# --- the faults, one by one, through the client -----------------------------------------

#: fault name → (set-up on the fake, expected error code)
FAULTS: dict[str, tuple[Callable[[FakeUitpas], None], str]] = {
    "slow": (lambda f: f.answer(body=b"{}", delay=1.5), "timeout"),
    "429 without Retry-After": (
        lambda f: f.answer(status=429, body=b'{"type": "x"}', content_type="application/json"),
        "rate_limited",
    ),
    "429 with Retry-After": (
        lambda f: f.answer(status=429, body=b"", headers={"Retry-After": "300"}),
        "rate_limited",
    ),
    "503 with an HTML page": (
        lambda f: f.answer(status=503, body=b"<html>Maintenance</html>", content_type="text/html"),
        "unavailable",
    ),
    "200 not JSON": (
        lambda f: f.answer(body=b"<html><body>Welkom</body></html>", content_type="text/html"),
        "bad_response",
    ),
    "200 JSON list": (lambda f: f.answer(body=b"[1, 2, 3]"), "bad_response"),
    "200 JSON of the wrong shape": (
        lambda f: f.answer(body=json.dumps({"socialTariff": "ACTIVE", "cardSystem": 3}).encode()),
        "bad_response",
    ),
    "200 messages not a list": (
        lambda f: f.answer(body=json.dumps({**GOOD_PASS, "messages": "kijk uit"}).encode()),
        "bad_response",
    ),
    "200 truncated JSON": (
        lambda f: f.answer(body=json.dumps(GOOD_PASS).encode()[:40]),
        "bad_response",
    ),
    "200 cut off mid-answer": (
        lambda f: f.answer(body=json.dumps(GOOD_PASS).encode(), truncate=True),
        "bad_response|unavailable",
    ),
    "200 huge body": (
        lambda f: f.answer(body=b'{"passType": "' + b"x" * (600 * 1024) + b'"}'),
        "bad_response",
    ),
    "200 not UTF-8": (lambda f: f.answer(body=b"\xff\xfe{\x00}"), "bad_response"),
    "404 problem that is not JSON": (
        lambda f: f.answer(status=404, body=b"Not Found", content_type="text/plain"),
        "bad_response",
    ),
}


@pytest.mark.parametrize("name", list(FAULTS))
def test_each_fault_is_one_dutch_uitpas_error_asked_once(fake, name):
    arrange, code = FAULTS[name]
    arrange(fake)
    started = time.monotonic()
    error = error_of(lambda: UitpasClient().get_pass(NUMBER))
    assert error.code in code.split("|"), (name, error.code)
    assert "UiTPAS" in error.message and "Try" not in error.message  # Dutch, not English
    assert fake.seen["/passes"] == 1  # no retry: not after a 429, a timeout or garbage
    assert time.monotonic() - started < 1.4  # bounded by UITPAS_TIMEOUT, not by UiTPAS
    assert NUMBER not in error.message


def test_connection_refused_says_uitpas_cannot_be_reached_and_what_to_do(settings):
    port = refused_port()
    settings.UITPAS_API_URL = f"http://127.0.0.1:{port}"
    settings.UITPAS_TOKEN_URL = f"http://127.0.0.1:{port}/token"
    error = error_of(lambda: UitpasClient().get_pass(NUMBER))
    assert error.code == "unavailable"
    assert "niet bereikbaar" in error.message
    assert "gedocumenteerde uitzondering" in error.message  # what to do meanwhile


def test_a_429_with_retry_after_says_how_long_to_wait(fake):
    fake.answer(status=429, body=b"", headers={"Retry-After": "300"})
    error = error_of(lambda: UitpasClient().get_pass(NUMBER))
    assert error.retry_after == 300
    assert "5 minuten" in error.message
    fake.answer(status=429, body=b"")
    error = error_of(lambda: UitpasClient().get_pass(NUMBER))
    assert error.retry_after is None and "minuut" in error.message


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("", None),
        ("120", 120),
        ("0", None),
        ("-5", None),
        ("soon", None),
        ("99999999", 3600),
        ("Wed, 21 Oct 2015 07:28:00 GMT", None),  # in the past
    ],
)
def test_retry_after_is_read_bounded(header, seconds):
    assert retry_after_seconds(header) == seconds


def test_a_rate_limited_token_endpoint_is_rate_limited_too(settings, fake):
    class Limited(FakeUitpas):
        pass

    fake.stop()
    server = FakeUitpas()
    server.server.RequestHandlerClass.do_POST = lambda self: self._answer(  # type: ignore[method-assign]
        Reply(status=429, body=b"", headers={"Retry-After": "60"})
    )
    settings.UITPAS_TOKEN_URL = f"{server.url}/token"
    settings.UITPAS_API_URL = server.url
    try:
        error = error_of(lambda: UitpasClient().get_pass(NUMBER))
    finally:
        server.stop()
    assert error.code == "rate_limited" and error.retry_after == 60


# --- an end-user text that is not a real message -----------------------------------------

SCRIPT = '<script>alert("x")</script>Kaart <b>onbekend</b>'


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("", None),
        ("   \n\t ", None),
        (None, None),
        (42, None),
        (["a"], None),
        ({"nl": "x"}, None),
        ("<p></p>", None),
        (SCRIPT, "Kaart onbekend"),
        ("<style>p{}</style><p>Kaart</p> &lt;i&gt;geblokkeerd&lt;/i&gt;", "Kaart geblokkeerd"),
        ("Kaart\x00 \x1b[31mgeblokkeerd\x07\r\n\u202eenod", "Kaart [31mgeblokkeerd enod"),
        ("Kaart\u200b geblokkeerd", "Kaart geblokkeerd"),
        ("<img src=x onerror=alert(1)>Kaart", "Kaart"),
        ("<script>nooit gesloten", None),
    ],
)
def test_shown_text_keeps_only_plain_words(text, shown):
    assert shown_text(text) == shown


def test_a_huge_end_user_text_is_cut_at_a_word():
    text = shown_text("woord " * 100_000)
    assert text is not None and len(text) <= MAX_SHOWN_CHARS and text.endswith("woord…")
    one_word = shown_text("x" * 10_000)
    assert one_word is not None and len(one_word) == MAX_SHOWN_CHARS


@pytest.mark.parametrize(
    "end_user",
    ["", SCRIPT, "x" * 200_000, "Kaart\x00\x1b geblokkeerd", 17, {"nl": "?"}],
    ids=["empty", "script", "huge", "control", "number", "object"],
)
def test_an_end_user_message_that_is_not_a_real_message_is_cleaned(fake, end_user):
    fake.problem(404, end_user)
    error = error_of(lambda: UitpasClient().get_pass(NUMBER))
    assert error.code == "pass_not_found"
    shown = error.end_user_message
    assert shown is None or (
        len(shown) <= MAX_SHOWN_CHARS
        and "<" not in shown
        and "script" not in shown
        and all(ch.isprintable() for ch in shown)
    )
    assert "Not found" not in error.message  # publiq's title is never shown


def test_pass_messages_are_cleaned_and_bounded(fake):
    messages = [
        {"level": "WARN", "text": SCRIPT},
        {"level": "<b>", "text": "Let op"},
        {"level": "INFO", "text": ""},
        {"level": "INFO"},
        "geen object",
        *({"level": "INFO", "text": f"bericht {n}"} for n in range(20)),
    ]
    fake.answer(body=json.dumps({**GOOD_PASS, "messages": messages}).encode())
    info = UitpasClient().get_pass(NUMBER)
    assert [(m.level, m.text) for m in info.messages[:2]] == [
        ("WARN", "Kaart onbekend"),
        ("INFO", "Let op"),
    ]
    assert len(info.messages) == uitpas_client.MAX_MESSAGES


# --- through the service, the counter page and the API: nothing written, Dutch words -----


@pytest.mark.parametrize("name", ["slow", "429 with Retry-After", "200 JSON of the wrong shape"])
def test_the_check_service_writes_nothing_when_uitpas_fails(fake, volunteer, household, name):
    FAULTS[name][0](fake)
    before = written()
    error_of(lambda: services.check_uitpas(actor=volunteer, household=household, number=NUMBER))
    assert written() == before


@pytest.mark.parametrize("name", ["slow", "429 without Retry-After", "200 not JSON"])
def test_a_counter_scan_shows_the_family_with_a_dutch_warning(
    fake, login, volunteer, point, household, name
):
    FAULTS[name][0](fake)
    before = written()
    response = login(volunteer).post(f"/balie/{point.pk}/scan/", {"code": NUMBER}, **HX)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-scan-outcome="checkin"' in page and household.code in page
    assert 'data-uitpas-error="' in page and "data-exception-hint" in page
    assert "UiTPAS" in page and "Welkom" not in page
    assert written() == before


def test_a_counter_scan_never_shows_upstream_markup(fake, login, volunteer, point, household):
    fake.problem(
        400, SCRIPT + "y" * 5000, type="https://api.publiq.be/probs/uitpas/passholder-blocked"
    )
    response = login(volunteer).post(f"/balie/{point.pk}/scan/", {"code": NUMBER}, **HX)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in page and "&lt;script&gt;" not in page
    assert "<b>onbekend" not in page
    assert "Kaart onbekend" in page
    assert "y" * (MAX_SHOWN_CHARS + 1) not in page


def test_a_new_card_with_uitpas_down_opens_no_form_and_writes_nothing(
    settings, login, volunteer, point, programs
):
    port = refused_port()
    settings.UITPAS_API_URL = f"http://127.0.0.1:{port}"
    settings.UITPAS_TOKEN_URL = f"http://127.0.0.1:{port}/token"
    households = Household.objects.count()
    with translation.override("nl"):
        response = login(volunteer).post(
            f"/balie/{point.pk}/scan/", {"code": "0900010959113"}, **HX
        )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-uitpas-error="unavailable"' in page and "niet bereikbaar" in page
    assert "uitpas_number" not in page  # no registration form for an unchecked card
    assert Household.objects.count() == households and not UitpasCard.objects.exists()


@pytest.mark.parametrize(
    ("name", "status"),
    [("slow", 504), ("429 with Retry-After", 503), ("200 truncated JSON", 503)],
)
def test_the_check_in_api_answers_a_retryable_status_in_dutch(
    fake, client, volunteer, point, household, name, status
):
    FAULTS[name][0](fake)
    before = written()
    response = post(
        client,
        "/api/v1/toegang/eligibility",
        {"location_id": point.pk, "uitpas_number": NUMBER},
        bearer(volunteer),
    )
    assert response.status_code == status, response.content
    assert "UiTPAS" in response.json()["detail"]
    assert written() == before
