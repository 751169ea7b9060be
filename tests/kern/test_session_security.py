"""A session idle for too long is signed out: pages go to the login page (with ``next``),
htmx requests get an HX-Redirect, API calls a 401 in the API's shape. Time travel: the
tests move the session's last-activity stamp back instead of sleeping."""

import datetime as dt
import time

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured

from kern.models import AuditEntry
from kern.session_security import ACTIVITY_PRECISION_SECONDS, LAST_ACTIVITY, SIGNED_IN_AT


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


def assert_signed_out_to_login(client, message: str) -> None:
    """A page asked for now sends to the login page, keeping where one was going, with
    ``message``; the session is signed out."""
    response = client.get("/voorraad/?q=luiers")
    assert response.status_code == 302
    assert response["Location"].startswith("/aanmelden/?next=/voorraad/%3Fq%3Dluiers")
    assert "_auth_user_id" not in client.session
    assert message in client.get(response["Location"]).content.decode()


def test_a_page_after_the_idle_limit_goes_to_login_with_next_and_a_dutch_message(
    login, coordinator
):
    client = login(coordinator)
    idle_for(client, 30, seconds=5)
    assert_signed_out_to_login(client, "Je bent afgemeld na 30 minuten zonder activiteit")
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
    [
        ("SESSION_IDLE_MINUTES", "0"),
        ("SESSION_IDLE_MINUTES", "601"),
        ("COUNTER_IDLE_MINUTES", "x"),
        ("SESSION_MAX_HOURS", "0"),
        ("SESSION_MAX_HOURS", "73"),
        ("SESSION_MAX_HOURS", "12h"),
    ],
)
def test_session_settings_out_of_bounds_stop_start_up(monkeypatch, name, value):
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


# --- Absolute lifetime: signed out SESSION_MAX_HOURS after signing in, however active ------


def used_every_25_minutes_until(client, path, *, hours, traveller, every=25, **headers):
    """Requests every 25 minutes (never idle) until ``hours`` after now, or the first that
    is not a page (a redirect or an htmx redirect); the last answer."""
    response = None
    for _ in range(hours * 60 // every + 1):
        traveller.shift(dt.timedelta(minutes=every))
        response = client.get(path, **headers)
        if response.status_code != 200 or response.has_header("HX-Redirect"):
            return response
    return response


def test_a_session_used_every_25_minutes_is_signed_out_twelve_hours_after_signing_in(
    login, coordinator
):
    with time_machine.travel(dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC), tick=False) as t:
        client = login(coordinator)
        for _ in range(12 * 60 // 25):  # up to 11 h 40 min: still signed in
            t.shift(dt.timedelta(minutes=25))
            assert client.get("/voorraad/").status_code == 200
        t.shift(dt.timedelta(minutes=25))  # 12 h 05 min after signing in
        assert_signed_out_to_login(
            client, "Je bent afgemeld omdat je meer dan 12 uur geleden aangemeld bent"
        )
        # a fresh sign-in is not: its lifetime counts from the new sign-in
        client = login(coordinator)
        assert abs(client.session[SIGNED_IN_AT] - time.time()) < 5
        assert client.get("/voorraad/").status_code == 200
        t.shift(dt.timedelta(minutes=25))
        assert client.get("/voorraad/").status_code == 200


def test_the_maximum_lifetime_follows_the_setting_for_htmx_and_the_api(
    login, volunteer, point, settings
):
    settings.SESSION_MAX_HOURS = 1
    with time_machine.travel(dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC), tick=False) as t:
        client = login(volunteer)
        response = used_every_25_minutes_until(
            client,
            f"/balie/{point.pk}/",
            hours=2,
            traveller=t,
            HTTP_HX_REQUEST="true",
            HTTP_HX_CURRENT_URL=f"http://testserver/balie/{point.pk}/",
        )
        assert response.status_code == 200, response.status_code
        assert response["HX-Redirect"] == f"/aanmelden/?next=/balie/{point.pk}/"
        assert time.time() - dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC).timestamp() == 75 * 60

        client = login(volunteer)
        t.shift(dt.timedelta(minutes=61))
        session = client.session
        session[LAST_ACTIVITY] = int(time.time())  # active, only signed in too long ago
        session.save()
        response = client.get("/api/v1/whoami")
        assert response.status_code == 401
        assert response.json()["code"] == "session_expired"
        assert "1 uur geleden aangemeld" in response.json()["detail"]


def test_a_session_from_before_the_sign_in_stamp_counts_from_now(login, coordinator):
    with time_machine.travel(dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC), tick=False) as t:
        client = login(coordinator)
        session = client.session
        del session[SIGNED_IN_AT]
        session.save()
        t.shift(dt.timedelta(hours=9))  # within the cookie's age of 10 h
        session = client.session
        session[LAST_ACTIVITY] = int(time.time())
        session.save()
        assert client.get("/voorraad/").status_code == 200  # not signed out at once ...
        assert client.session[SIGNED_IN_AT] == int(time.time())  # ... but stamped now
        response = used_every_25_minutes_until(client, "/voorraad/", hours=13, traveller=t)
        assert response.status_code == 302
        stamped = dt.datetime(2026, 3, 2, 16, 0, tzinfo=dt.UTC).timestamp()
        assert 12 * 3600 < time.time() - stamped <= 12 * 3600 + 25 * 60


def test_counter_mode_ends_at_the_maximum_lifetime_too_and_says_why(login, coordinator, point):
    with time_machine.travel(dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC), tick=False) as t:
        client = login(coordinator)
        assert client.post(f"/baliemodus/{point.pk}/").status_code == 302
        response = used_every_25_minutes_until(
            client, f"/balie/{point.pk}/", hours=13, traveller=t, every=5
        )
        assert response.status_code == 302
        assert response["Location"] == f"/aanmelden/?next=/balie/{point.pk}/"
    end = AuditEntry.objects.get(action="counter_mode_end")
    assert end.details == {"reason": "max_age"}
