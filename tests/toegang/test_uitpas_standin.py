"""The UiTPAS stand-in as a server: tokens, passes, errors and its fault switches.

Raw HTTP only (no Deelpunt client), so these tests say what the stand-in answers; the
contract test checks those answers against publiq's OpenAPI document.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from kern.barcodes import luhn_is_valid
from toegang.uitpas import standin_passes as fixtures
from toegang.uitpas.standin import mask_numbers, start_standin

REPO = Path(__file__).resolve().parents[2]

# publiq's test passes, from the table in the UiTPAS notes: number → (tariff, postcode).
README_TABLE = {
    "0900000095902": ("NONE", "9000"),
    "0900000067513": ("ACTIVE", "9090"),
    "0900000031618": ("EXPIRED", "9000"),
    "0900010959113": ("ACTIVE", "9090"),
    "0900000002312": ("ACTIVE", "9000"),
    "0900000058918": ("EXPIRED", "1000"),
    "1000000520006": ("NONE", "9000"),
    "0900000093204": ("ACTIVE", "9000"),
    "0900000074519": ("ACTIVE", ""),
}


@pytest.fixture(autouse=True)
def clean(standin):
    standin.reset()
    yield
    standin.reset()


def call(url, *, data=None, headers=None, method=None, timeout=2.0):
    """(status, content type, parsed JSON body, headers) of one raw request."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return (
                response.status,
                response.headers["Content-Type"],
                json.loads(response.read()),
                response.headers,
            )
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.headers["Content-Type"], json.loads(exc.read()), exc.headers


def token_request(
    standin, client_id="deelpunt-demo", secret="demo-secret", grant="client_credentials"
):
    form = {"grant_type": grant, "client_id": client_id, "client_secret": secret}
    return call(standin.token_url, data=urllib.parse.urlencode(form).encode())


def get_token(standin) -> str:
    status, _type, body, _headers = token_request(standin)
    assert status == 200
    return body["access_token"]


def get_pass(standin, number, token):
    query = urllib.parse.urlencode({"identifier": number})
    return call(f"{standin.url}/passes?{query}", headers={"Authorization": f"Bearer {token}"})


# --- fixtures -----------------------------------------------------------------------------


def test_every_pass_of_the_table_is_served_and_ends_in_a_luhn_digit():
    assert set(fixtures.TEST_PASSES) == set(README_TABLE)
    for number, (tariff, postal_code) in README_TABLE.items():
        test_pass = fixtures.TEST_PASSES[number]
        assert (test_pass.social_tariff, test_pass.postal_code) == (tariff, postal_code)
        assert luhn_is_valid(number), number


def test_card_systems_cover_gent_and_melle_and_another_region():
    gent = {c["postalCode"]: c["name"] for c in fixtures.CARD_SYSTEMS["gent"]["cities"]}
    assert gent["9000"] == "Gent"
    assert gent["9090"] == "Melle"
    assert {"9030", "9031", "9032", "9040", "9041", "9042", "9050", "9051", "9052"} <= set(gent)
    aalst = {c["postalCode"] for c in fixtures.CARD_SYSTEMS["aalst"]["cities"]}
    assert "9300" in aalst
    assert not aalst & set(gent)
    assert fixtures.TEST_PASSES["0900000093204"].card_system == "aalst"


def test_end_dates_follow_today():
    today = dt.date(2026, 3, 15)
    assert fixtures.end_date("ACTIVE", today) == "2027-12-31T22:59:59Z"
    assert fixtures.end_date("EXPIRED", today) == "2025-12-31T22:59:59Z"
    assert fixtures.end_date("NONE", today) is None


# --- tokens -------------------------------------------------------------------------------


def test_token_endpoint_issues_a_bearer_token(standin):
    status, content_type, body, headers = token_request(standin)
    assert status == 200
    assert content_type == "application/json"
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 86_400
    assert len(body["access_token"]) > 20
    assert headers["Cache-Control"] == "no-store"


def test_token_endpoint_accepts_http_basic_client_authentication(standin):
    basic = base64.b64encode(b"deelpunt-demo:demo-secret").decode()
    status, _type, body, _headers = call(
        standin.token_url,
        data=b"grant_type=client_credentials",
        headers={"Authorization": f"Basic {basic}"},
    )
    assert status == 200
    assert body["token_type"] == "Bearer"


def test_wrong_credentials_get_401_invalid_client(standin):
    status, content_type, body, _headers = token_request(standin, secret="wrong")
    assert (status, content_type) == (401, "application/json")
    assert body["error"] == "invalid_client"
    status, _type, body, _headers = token_request(standin, client_id="nobody")
    assert (status, body["error"]) == (401, "invalid_client")


def test_other_grant_types_are_refused(standin):
    status, _type, body, _headers = token_request(standin, grant="password")
    assert (status, body["error"]) == (400, "unsupported_grant_type")


# --- passes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [n for n, p in fixtures.TEST_PASSES.items() if p.problem is None],
)
def test_each_usable_pass_is_answered_with_its_pass(standin, number):
    status, content_type, body, _headers = get_pass(standin, number, get_token(standin))
    expected = fixtures.TEST_PASSES[number]
    assert (status, content_type) == (200, "application/json")
    assert body["uitpasNumber"] == number
    assert body["socialTariff"]["status"] == expected.social_tariff
    assert body["postalCode"] == expected.postal_code
    assert body["cardSystem"] == fixtures.CARD_SYSTEMS[expected.card_system]
    assert ("endDate" in body["socialTariff"]) == (expected.social_tariff != "NONE")


def test_expired_passes_carry_a_message_for_the_counter(standin):
    _status, _type, body, _headers = get_pass(standin, "0900000031618", get_token(standin))
    assert body["messages"] == [{"level": "WARN", "text": fixtures.EXPIRED_MESSAGE}]


def test_blocked_passholder_is_a_400_problem(standin):
    status, content_type, body, _headers = get_pass(standin, "0900000002312", get_token(standin))
    assert (status, content_type) == (400, "application/problem+json")
    assert body["type"] == "https://api.publiq.be/probs/uitpas/passholder-blocked"
    assert body["status"] == 400
    assert body["endUserMessage"]["nl"]


def test_unregistered_card_is_an_invalid_card_status_with_the_status(standin):
    status, _type, body, _headers = get_pass(standin, "0900000074519", get_token(standin))
    assert status == 400
    assert body["type"] == "https://api.publiq.be/probs/uitpas/invalid-card-status"
    assert body["cardStatus"] == "LOCAL_STOCK"


def test_unknown_number_is_pass_not_found(standin):
    status, content_type, body, _headers = get_pass(standin, "0900000000000", get_token(standin))
    assert (status, content_type) == (404, "application/problem+json")
    assert body["type"] == "https://api.publiq.be/probs/uitpas/pass-not-found"


def test_passes_without_a_valid_bearer_token_get_401(standin):
    status, content_type, body, headers = call(f"{standin.url}/passes?identifier=0900000095902")
    assert (status, content_type) == (401, "application/problem+json")
    assert body == {
        "type": "https://api.publiq.be/probs/auth/unauthorized",
        "title": "Unauthorized",
        "status": 401,
        "detail": "The access token is missing, invalid or expired.",
    }
    assert headers["WWW-Authenticate"].startswith("Bearer")
    status, _type, _body, _headers = get_pass(standin, "0900000095902", "made-up")
    assert status == 401


def test_a_client_without_passes_read_gets_403(standin):
    _status, _type, token_body, _headers = token_request(
        standin, client_id="deelpunt-no-permission"
    )
    status, _type, body, _headers = get_pass(standin, "0900000095902", token_body["access_token"])
    assert status == 403
    assert body["type"] == "https://api.publiq.be/probs/auth/forbidden"


def test_missing_identifier_is_a_400_problem(standin):
    token = get_token(standin)
    status, _type, body, _headers = call(
        f"{standin.url}/passes", headers={"Authorization": f"Bearer {token}"}
    )
    assert status == 400
    assert body["type"] == "https://api.publiq.be/probs/url/query-parameter-missing"


def test_unknown_path_is_url_not_found(standin):
    status, content_type, body, _headers = call(f"{standin.url}/passholders?uitpasNumber=1")
    assert (status, content_type) == (404, "application/problem+json")
    assert body["type"] == "https://api.publiq.be/probs/url/not-found"


# --- faults and counters ------------------------------------------------------------------


def test_requests_are_counted_per_path_and_reset(standin):
    token = get_token(standin)
    get_pass(standin, "0900000095902", token)
    get_pass(standin, "0900000067513", token)
    assert standin.requests_seen == {"/token": 1, "/passes": 2}
    assert standin.last_request.query == {"identifier": ["0900000067513"]}
    standin.reset()
    assert standin.requests_seen == {}


def test_rate_limit_answers_exactly_the_next_n_requests_with_429(standin):
    token = get_token(standin)
    standin.rate_limit(2)
    for _ in range(2):
        status, content_type, body, headers = get_pass(standin, "0900000095902", token)
        assert (status, content_type) == (429, "application/problem+json")
        assert body["type"] == "https://api.publiq.be/probs/uitpas/rate-limited"
        assert headers["Retry-After"] == "60"
    assert get_pass(standin, "0900000095902", token)[0] == 200


def test_expire_tokens_invalidates_tokens_issued_so_far(standin):
    old = get_token(standin)
    standin.expire_tokens()
    assert get_pass(standin, "0900000095902", old)[0] == 401
    assert get_pass(standin, "0900000095902", get_token(standin))[0] == 200


def test_tokens_expire_after_their_lifetime():
    with start_standin(token_lifetime=0) as short_lived:
        assert get_pass(short_lived, "0900000095902", get_token(short_lived))[0] == 401


def test_slow_delays_the_answer(standin):
    standin.slow(0.3)
    started = time.monotonic()
    token_request(standin)
    assert time.monotonic() - started >= 0.3


def test_down_closes_connections_until_reset(standin):
    standin.down()
    with pytest.raises((ConnectionError, urllib.error.URLError)):
        token_request(standin)
    standin.reset()
    assert token_request(standin)[0] == 200


def test_listens_on_loopback_only():
    with pytest.raises(ValueError, match="loopback"):
        start_standin(host="0.0.0.0")
    with pytest.raises(ValueError, match="loopback"):
        start_standin(host="example.org")


def test_log_lines_hide_card_numbers():
    line = mask_numbers('"GET /passes?identifier=0900000095902 HTTP/1.1" 200')
    assert "0900000095902" not in line
    assert "…5902" in line


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_runs_from_the_command_line():
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "toegang.uitpas.standin", "--port", str(port), "--quiet"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = process.stdout.readline()
        assert f"http://127.0.0.1:{port}" in banner
        form = urllib.parse.urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": "deelpunt-demo",
                "client_secret": "demo-secret",
            }
        ).encode()
        status, _type, body, _headers = call(f"http://127.0.0.1:{port}/token", data=form)
        assert status == 200
        assert body["token_type"] == "Bearer"
    finally:
        process.terminate()
        process.wait(timeout=5)
        process.stdout.close()
        process.stderr.close()
