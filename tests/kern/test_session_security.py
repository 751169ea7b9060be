"""A session idle for too long is signed out: pages go to the login page (with ``next``),
htmx requests get an HX-Redirect, API calls a 401 in the API's shape. Time travel: the
tests move the session's last-activity stamp back instead of sleeping."""

import time

import pytest
from django.core.exceptions import ImproperlyConfigured

from kern.session_security import ACTIVITY_PRECISION_SECONDS, LAST_ACTIVITY


def idle_for(client, minutes, seconds=0):
    session = client.session
    session[LAST_ACTIVITY] = int(time.time()) - minutes * 60 - seconds
    session.save()


def test_a_fresh_session_is_stamped_and_stays_signed_in(login, coordinator):
    client = login(coordinator)
    assert client.get("/voorraad/").status_code == 200
    assert abs(client.session[LAST_ACTIVITY] - time.time()) < 5
    idle_for(client, 29)
    assert client.get("/voorraad/").status_code == 200


def test_a_page_after_the_idle_limit_goes_to_login_with_next_and_a_dutch_message(
    login, coordinator
):
    client = login(coordinator)
    idle_for(client, 30, seconds=5)
    response = client.get("/voorraad/?q=luiers")
    assert response.status_code == 302
    assert response["Location"].startswith("/aanmelden/?next=/voorraad/%3Fq%3Dluiers")
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "Je bent afgemeld na 30 minuten zonder activiteit" in page
    # signed out for real: the next page asks to sign in again
    assert client.get("/voorraad/").status_code == 302


def test_the_idle_limit_follows_the_setting(login, coordinator, settings):
    settings.SESSION_IDLE_MINUTES = 5
    client = login(coordinator)
    idle_for(client, 6)
    assert client.get("/voorraad/").status_code == 302


def test_an_htmx_request_after_the_idle_limit_gets_an_hx_redirect_to_its_page(
    login, volunteer, point
):
    client = login(volunteer)
    idle_for(client, 31)
    response = client.post(
        f"/balie/{point.pk}/scan/",
        {"code": "G000001R"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver/balie/{point.pk}/",
    )
    assert response.status_code == 200
    assert response.content == b""  # nothing to swap into the page
    assert response["HX-Redirect"] == f"/aanmelden/?next=/balie/{point.pk}/"


def test_an_api_call_on_an_idle_session_is_a_401_in_the_apis_shape(login, volunteer, point):
    client = login(volunteer)
    idle_for(client, 31)
    response = client.get("/api/v1/whoami")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "session_expired"
    assert "zonder activiteit" in body["detail"]
    assert client.get("/api/v1/whoami").json()["code"] == "unauthenticated"


def test_an_api_call_with_a_token_is_not_stopped_by_an_idle_session(login, volunteer):
    from kern import services

    token = services.create_api_token(actor=volunteer, owner=volunteer, name="t").plaintext
    client = login(volunteer)
    idle_for(client, 31)
    response = client.get("/api/v1/whoami", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session  # the idle session itself ended


def test_the_activity_stamp_is_written_at_most_every_half_minute(login, coordinator):
    client = login(coordinator)
    client.get("/voorraad/")
    idle_for(client, 0, seconds=ACTIVITY_PRECISION_SECONDS - 10)
    stamped = client.session[LAST_ACTIVITY]
    client.get("/voorraad/")
    assert client.session[LAST_ACTIVITY] == stamped
    idle_for(client, 0, seconds=ACTIVITY_PRECISION_SECONDS + 1)
    client.get("/voorraad/")
    assert client.session[LAST_ACTIVITY] > stamped


def test_anonymous_requests_are_left_alone(db, client):
    assert client.get("/aanmelden/").status_code == 200
    assert LAST_ACTIVITY not in client.session


@pytest.mark.parametrize(
    ("name", "value"),
    [("SESSION_IDLE_MINUTES", "0"), ("SESSION_IDLE_MINUTES", "601"), ("COUNTER_IDLE_MINUTES", "x")],
)
def test_idle_settings_out_of_bounds_stop_start_up(monkeypatch, name, value):
    import importlib

    import config.settings.base as base

    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        importlib.reload(base)
    monkeypatch.delenv(name)
    importlib.reload(base)


def test_the_login_page_on_an_idle_session_just_signs_out_and_shows_itself(login, coordinator):
    client = login(coordinator)
    idle_for(client, 31)
    response = client.get("/aanmelden/")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
