"""The UiTPAS client against the stand-in: pass info, token reuse, and every failure."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import socket
import threading
import time

import pytest

from kern.errors import DomainError
from toegang.uitpas import client as client_module
from toegang.uitpas import standin_passes as fixtures
from toegang.uitpas.client import (
    PassInfo,
    SocialTariffStatus,
    UitpasClient,
    UitpasConfig,
    UitpasError,
    clear_token_cache,
    get_pass,
)
from toegang.uitpas.standin import start_standin

GENT = tuple(c["postalCode"] for c in fixtures.CARD_SYSTEMS["gent"]["cities"])
AALST = tuple(c["postalCode"] for c in fixtures.CARD_SYSTEMS["aalst"]["cities"])


@pytest.fixture(autouse=True)
def clean(standin):
    standin.reset()
    clear_token_cache()
    yield
    standin.reset()
    clear_token_cache()


def config_for(standin, *, client_id="deelpunt-demo", secret="demo-secret", timeout=2.0):
    return UitpasConfig(
        api_url=standin.url,
        token_url=standin.token_url,
        client_id=client_id,
        client_secret=secret,
        timeout_seconds=timeout,
    )


@pytest.fixture
def uitpas(standin):
    return UitpasClient(config_for(standin))


def error_of(call) -> UitpasError:
    with pytest.raises(UitpasError) as caught:
        call()
    assert isinstance(caught.value, DomainError)
    return caught.value


# --- what a pass gives ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "status", "card_system", "postal_codes", "postal_code"),
    [
        ("0900000095902", "NONE", "UiTPAS Regio Gent", GENT, "9000"),
        ("0900000067513", "ACTIVE", "UiTPAS Regio Gent", GENT, "9090"),
        ("0900000031618", "EXPIRED", "UiTPAS Regio Gent", GENT, "9000"),
        ("0900010959113", "ACTIVE", "UiTPAS Regio Gent", GENT, "9090"),
        ("0900000058918", "EXPIRED", "UiTPAS Regio Gent", GENT, "1000"),
        ("1000000520006", "NONE", "UiTPAS Regio Gent", GENT, "9000"),
        ("0900000093204", "ACTIVE", "UiTPAS Regio Aalst", AALST, "9000"),
    ],
)
def test_each_test_pass_gives_its_pass_info(
    uitpas, number, status, card_system, postal_codes, postal_code
):
    info = uitpas.get_pass(number)
    today = dt.date.today()
    assert info.social_tariff_status == SocialTariffStatus(status)
    assert info.has_social_tariff == (status == "ACTIVE")
    assert info.card_system_name == card_system
    assert info.card_system_postal_codes == postal_codes
    assert info.postal_code == postal_code
    assert info.pass_type == "INDIVIDUAL"
    if status == "ACTIVE":
        assert info.social_tariff_end_date == dt.date(today.year + 1, 12, 31)
    elif status == "EXPIRED":
        assert info.social_tariff_end_date == dt.date(today.year - 1, 12, 31)
    else:
        assert info.social_tariff_end is None
        assert info.social_tariff_end_date is None


def test_card_system_ids_and_region_coverage(uitpas):
    gent = uitpas.get_pass("0900000067513")
    other_region = uitpas.get_pass("0900000093204")
    assert gent.card_system_id == 3
    assert other_region.card_system_id == 8
    assert gent.card_system_covers("9090")
    assert gent.card_system_covers("9050")
    # Active kansentarief, but in Aalst's card system: it does not hold in Gent.
    assert other_region.has_social_tariff
    assert not other_region.card_system_covers("9000")


def test_messages_for_the_counter_are_kept(uitpas):
    info = uitpas.get_pass("0900000031618")
    assert [(m.level, m.text) for m in info.messages] == [("WARN", fixtures.EXPIRED_MESSAGE)]
    assert uitpas.get_pass("0900000095902").messages == ()


def test_pass_info_keeps_no_personal_data(uitpas):
    names = {f.name for f in dataclasses.fields(PassInfo)}
    assert not names & {"first_name", "firstName", "passholder_id", "uitpas_number", "points"}
    for number, test_pass in fixtures.TEST_PASSES.items():
        if test_pass.problem is not None:
            continue
        info = uitpas.get_pass(number)
        assert test_pass.first_name not in repr(info)
        assert test_pass.first_name not in str(vars(info))
        assert number not in repr(info)
        assert test_pass.passholder_id not in repr(info)


def test_an_end_date_without_offset_is_utc_and_read_in_belgian_time():
    # publiq's own examples write "2024-04-30T21:59:00": 23:59 in Brussels (summer time).
    info = client_module.pass_info_from_json(
        {
            "passType": "INDIVIDUAL",
            "postalCode": "1000",
            "socialTariff": {"status": "ACTIVE", "endDate": "2024-04-30T21:59:00"},
            "cardSystem": {"id": 1, "name": "UiTPAS Dender"},
        }
    )
    assert info.social_tariff_end == dt.datetime(2024, 4, 30, 21, 59, tzinfo=dt.UTC)
    assert info.social_tariff_end_date == dt.date(2024, 4, 30)
    assert info.card_system_postal_codes == ()


def test_an_answer_that_is_not_a_pass_is_a_bad_response():
    error = error_of(lambda: client_module.pass_info_from_json({"socialTariff": {}}))
    assert error.code == "bad_response"
    error = error_of(
        lambda: client_module.pass_info_from_json(
            {"socialTariff": {"status": "SUSPENDED"}, "cardSystem": {"id": 1}}
        )
    )
    assert error.code == "bad_response"


# --- tokens ---------------------------------------------------------------------------


def test_token_is_fetched_once_and_reused(standin, uitpas):
    for number in ["0900000095902", "0900000067513", "0900000031618", "1000000520006"]:
        uitpas.get_pass(number)
    # A second client with the same configuration shares the process-wide cache.
    get_pass("0900000095902", config_for(standin))
    assert standin.requests_seen == {"/token": 1, "/passes": 5}


def test_concurrent_checks_fetch_one_token(standin, uitpas):
    errors = []

    def check():
        try:
            uitpas.get_pass("0900000067513")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=check) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert errors == []
    assert standin.requests_seen == {"/token": 1, "/passes": 8}


def test_token_is_renewed_shortly_before_it_expires(standin, uitpas, monkeypatch):
    clock = [time.monotonic()]
    monkeypatch.setattr(client_module, "_now", lambda: clock[0])
    uitpas.get_pass("0900000095902")
    clock[0] += 86_400 - 120  # two minutes before expiry: still reused
    uitpas.get_pass("0900000095902")
    assert standin.requests_seen["/token"] == 1
    clock[0] += 90  # thirty seconds before expiry: renewed
    uitpas.get_pass("0900000095902")
    assert standin.requests_seen["/token"] == 2


def test_expired_token_is_refetched_once_and_the_check_retried(standin, uitpas):
    uitpas.get_pass("0900000095902")
    standin.expire_tokens()
    info = uitpas.get_pass("0900000067513")
    assert info.has_social_tariff
    assert standin.requests_seen == {"/token": 2, "/passes": 3}
    uitpas.get_pass("0900000067513")  # the new token is cached in turn
    assert standin.requests_seen == {"/token": 2, "/passes": 4}


def test_a_second_401_is_unauthorized_without_looping():
    with start_standin(token_lifetime=0) as refusing:
        error = error_of(lambda: UitpasClient(config_for(refusing)).get_pass("0900000095902"))
        assert error.code == "unauthorized"
        assert refusing.requests_seen == {"/token": 2, "/passes": 2}


def test_wrong_credentials_are_unauthorized(standin):
    uitpas = UitpasClient(config_for(standin, secret="wrong"))
    error = error_of(lambda: uitpas.get_pass("0900000095902"))
    assert error.code == "unauthorized"
    assert "verwittig de beheerder" in error.message
    assert standin.requests_seen == {"/token": 1}


def test_missing_permission_403_is_unauthorized(standin):
    uitpas = UitpasClient(config_for(standin, client_id="deelpunt-no-permission"))
    error = error_of(lambda: uitpas.get_pass("0900000095902"))
    assert error.code == "unauthorized"
    assert standin.requests_seen == {"/token": 1, "/passes": 1}


# --- errors of the pass check ---------------------------------------------------------


def test_unknown_card_is_pass_not_found_with_publiqs_message(uitpas):
    error = error_of(lambda: uitpas.get_pass("0900000000000"))
    assert error.code == "pass_not_found"
    assert error.status == 404
    assert error.problem_type == "https://api.publiq.be/probs/uitpas/pass-not-found"
    assert error.end_user_message.startswith("Er werd geen UiTPAS gevonden")
    assert "…0000" in error.message
    assert "0900000000000" not in error.message


def test_blocked_passholder(uitpas):
    error = error_of(lambda: uitpas.get_pass("0900000002312"))
    assert error.code == "passholder_blocked"
    assert error.end_user_message == fixtures.BLOCKED.end_user_nl
    assert "…2312" in error.message
    assert "0900000002312" not in error.message


def test_unregistered_card_is_invalid_card_status_said_in_words(uitpas):
    error = error_of(lambda: uitpas.get_pass("0900000074519"))
    assert error.code == "invalid_card_status"
    assert error.card_status == "LOCAL_STOCK"
    assert "LOCAL_STOCK" not in error.message  # UiTPAS's name means nothing at a counter
    assert error.end_user_message == fixtures.UNREGISTERED.end_user_nl


def test_unregistered_card_status_is_dutch_at_the_counter(uitpas):
    from django.utils import translation

    with translation.override("nl"):
        error = error_of(lambda: uitpas.get_pass("0900000074519"))
    assert "nog niet op naam van een kaarthouder geregistreerd" in error.message
    assert "LOCAL_STOCK" not in error.message


@pytest.mark.parametrize("status", ["PROVISIONED", "LOCAL_STOCK", "BLOCKED", "DELETED", "NEW"])
def test_every_card_status_has_words_of_its_own(status):
    from toegang.uitpas.client import card_status_text

    assert status not in card_status_text(status)
    assert card_status_text(status)


def test_rate_limited_asks_to_try_again_in_a_minute(standin, uitpas):
    standin.rate_limit(1)
    error = error_of(lambda: uitpas.get_pass("0900000095902"))
    assert error.code == "rate_limited"
    assert "minuut" in error.message
    assert error.end_user_message is None  # publiq gives none for this technical error
    assert uitpas.get_pass("0900000095902").social_tariff_status == SocialTariffStatus.NONE


def test_slow_uitpas_is_a_timeout(standin):
    uitpas = UitpasClient(config_for(standin, timeout=0.3))
    uitpas.get_pass("0900000095902")  # the token is cached: the slow request is the check
    standin.slow(1.0)
    started = time.monotonic()
    error = error_of(lambda: uitpas.get_pass("0900000095902"))
    assert error.code == "timeout"
    assert time.monotonic() - started < 0.9


def test_slow_token_endpoint_is_a_timeout_too(standin):
    standin.slow(1.0)
    error = error_of(lambda: UitpasClient(config_for(standin, timeout=0.3)).get_pass("1"))
    assert error.code == "timeout"


def test_uitpas_down_is_unavailable(standin, uitpas):
    uitpas.get_pass("0900000095902")
    standin.down()
    error = error_of(lambda: uitpas.get_pass("0900000095902"))
    assert error.code == "unavailable"
    assert "gedocumenteerde uitzondering" in error.message


def test_connection_refused_is_unavailable():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens on the port any more.
    config = UitpasConfig(
        api_url=f"http://127.0.0.1:{port}",
        token_url=f"http://127.0.0.1:{port}/token",
        client_id="deelpunt-demo",
        client_secret="demo-secret",
        timeout_seconds=0.5,
    )
    error = error_of(lambda: get_pass("0900000095902", config))
    assert error.code == "unavailable"


def test_a_404_that_is_not_pass_not_found_is_not_an_unknown_card(standin):
    # A wrong API URL answers 404 url/not-found: that says nothing about the card.
    config = dataclasses.replace(config_for(standin), api_url=f"{standin.url}/wrong")
    error = error_of(lambda: get_pass("0900000095902", config))
    assert error.code == "bad_response"


def test_no_log_line_or_message_holds_the_full_number(standin, uitpas, caplog):
    caplog.set_level(logging.DEBUG, logger="toegang.uitpas")
    messages = []
    for number in ["0900000000000", "0900000002312", "0900000074519"]:
        messages.append(error_of(lambda number=number: uitpas.get_pass(number)).message)
    standin.rate_limit(1)
    messages.append(error_of(lambda: uitpas.get_pass("0900000095902")).message)
    standin.down()
    messages.append(error_of(lambda: uitpas.get_pass("0900000067513")).message)
    text = caplog.text + "\n".join(messages)
    for number in ["0900000000000", "0900000002312", "0900000074519", "0900000095902"]:
        assert number not in text
    assert "…2312" in caplog.text


# --- configuration --------------------------------------------------------------------


def test_config_from_settings(settings):
    settings.UITPAS_API_URL = "https://api-test.uitpas.be/"
    settings.UITPAS_TOKEN_URL = (
        "https://account-test.uitid.be/realms/uitid/protocol/openid-connect/token"
    )
    settings.UITPAS_CLIENT_ID = "gent-deelpunt"
    settings.UITPAS_CLIENT_SECRET = "s3cret"
    settings.UITPAS_TIMEOUT = "2.5"
    config = UitpasConfig.from_settings()
    assert config == UitpasConfig(
        api_url="https://api-test.uitpas.be",
        token_url="https://account-test.uitid.be/realms/uitid/protocol/openid-connect/token",
        client_id="gent-deelpunt",
        client_secret="s3cret",
        timeout_seconds=2.5,
    )
    assert "s3cret" not in repr(config)


def test_a_misconfigured_url_is_unavailable():
    config = UitpasConfig("", "not a url", "deelpunt-demo", "demo-secret", 0.5)
    assert error_of(lambda: get_pass("0900000095902", config)).code == "unavailable"


def test_the_local_standin_is_reached_without_a_proxy(standin, monkeypatch):
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("no_proxy", "")
    assert UitpasClient(config_for(standin)).get_pass("0900000095902").postal_code == "9000"
