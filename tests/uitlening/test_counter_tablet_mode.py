"""Counter-tablet mode ("baliemodus"): a session bound to one point's counter. It reaches
the counter (check-in, scans, hand-out, the counter's API) and nothing else — not stock,
reports, referrals, the admin site, account pages or another point — through the same
User.has_perm narrowing as API tokens; it signs out sooner when idle, and leaving it means
signing in again."""

from __future__ import annotations

import json
import time

import pytest

from kern.models import AuditEntry, User
from kern.roles import Role
from kern.session_security import COUNTER_POINT, LAST_ACTIVITY
from tests.factories import UserFactory
from tests.uitlening.test_counter_views import HX, basket, product_line, state_of
from uitlening.models import Distribution


def enter(client, point):
    response = client.post(f"/baliemodus/{point.pk}/")
    assert response.status_code == 302, response.content.decode()[:300]
    assert response["Location"] == f"/balie/{point.pk}/"
    return response


@pytest.fixture
def tablet(login, coordinator, point):
    """A coordinator's session switched to counter mode at ``point``."""
    client = login(coordinator)
    enter(client, point)
    return client


def idle_for(client, minutes):
    session = client.session
    session[LAST_ACTIVITY] = int(time.time()) - minutes * 60
    session.save()


# --- Entering -------------------------------------------------------------------------------


def test_the_counter_offers_counter_mode_and_the_confirm_page_explains_it(
    login, coordinator, point
):
    client = login(coordinator)
    counter = client.get(f"/balie/{point.pk}/").content.decode()
    assert f'href="/baliemodus/{point.pk}/"' in counter
    confirm = client.get(f"/baliemodus/{point.pk}/").content.decode()
    assert "Uitdeelpunt Centrum" in confirm and "10 minuten" in confirm
    assert "opnieuw aan met je wachtwoord" in confirm
    assert COUNTER_POINT not in client.session  # a GET changes nothing


def test_entering_binds_the_session_shows_the_banner_and_is_logged(tablet, coordinator, point):
    assert tablet.session[COUNTER_POINT] == point.pk
    page = tablet.get(f"/balie/{point.pk}/").content.decode()
    assert "Baliemodus — Uitdeelpunt Centrum" in page
    assert "Baliemodus verlaten (opnieuw aanmelden)" in page
    assert "data-counter-mode-link" not in page  # no second switch
    assert "/account/api-sleutels/" not in page and "/account/wachtwoord/" not in page
    entry = AuditEntry.objects.get(action="counter_mode_start")
    assert entry.actor == coordinator and entry.object_id == str(point.pk)


def test_a_volunteer_may_enter_for_their_own_point_only(login, volunteer, point, other_point):
    client = login(volunteer)
    assert client.post(f"/baliemodus/{other_point.pk}/").status_code == 403
    assert COUNTER_POINT not in client.session
    enter(client, point)


def test_someone_who_does_not_work_the_counter_cannot_enter(login, social_worker, point):
    client = login(social_worker)
    assert client.post(f"/baliemodus/{point.pk}/").status_code == 403
    assert not AuditEntry.objects.filter(action="counter_mode_start").exists()


def test_a_session_in_counter_mode_cannot_switch_to_another_point(tablet, other_point):
    assert tablet.post(f"/baliemodus/{other_point.pk}/").status_code == 403
    assert tablet.get(f"/baliemodus/{other_point.pk}/").status_code == 302
    assert AuditEntry.objects.filter(action="counter_mode_start").count() == 1


# --- The counter works --------------------------------------------------------------------


def test_counter_mode_checks_a_family_in_and_hands_out(tablet, point, family, diapers):
    checked_in = tablet.post(
        f"/balie/{point.pk}/scan/", {"code": family.code, "basket": basket()}, **HX
    )
    assert state_of(checked_in)["household"] == family.code
    done = tablet.post(
        f"/balie/{point.pk}/bevestig/",
        {"basket": basket(family, [product_line(diapers, 2)], key="tablet-1")},
        **HX,
    )
    assert done.status_code == 200
    assert Distribution.objects.get().location == point


def test_the_counter_api_works_in_counter_mode(tablet, point, family, diapers):
    response = tablet.post(
        "/api/v1/uitlening/distributions",
        json.dumps(
            {
                "location_id": point.pk,
                "household_code": family.code,
                "lines": [{"product_id": diapers.pk, "packs": 1}],
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    scan = tablet.post(
        "/api/v1/scan",
        json.dumps({"code": family.code, "location_id": point.pk}),
        content_type="application/json",
    )
    assert scan.status_code == 200


def test_the_counter_list_goes_straight_to_the_one_point(tablet, point):
    response = tablet.get("/balie/")
    assert response.status_code == 302 and response["Location"] == f"/balie/{point.pk}/"


# --- Everything else is refused ------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/voorraad/",
        "/rapporten/",
        "/toegang/doorverwijzingen/",
        "/balie/seizoensacties/",
        "/vrijwilligers/",
    ],
)
def test_a_coordinator_in_counter_mode_cannot_open_other_work(tablet, path):
    assert tablet.get(path).status_code == 403


@pytest.mark.parametrize(
    "path", ["/", "/account/api-sleutels/", "/account/wachtwoord/", "/beheer/", "/locaties/"]
)
def test_pages_open_to_any_signed_in_person_go_back_to_the_counter(tablet, point, path):
    response = tablet.get(path)
    assert response.status_code == 302 and response["Location"] == f"/balie/{point.pk}/"


def test_writes_outside_the_counter_are_refused(tablet):
    response = tablet.post("/account/api-sleutels/", {"name": "x", "scopes": ["counter"]})
    assert response.status_code == 403


def test_another_point_is_refused_even_for_a_coordinator(tablet, other_point, family, diapers):
    assert tablet.get(f"/balie/{other_point.pk}/").status_code == 403
    confirm = tablet.post(
        f"/balie/{other_point.pk}/bevestig/", {"basket": basket(family, [product_line(diapers)])}
    )
    assert confirm.status_code == 403 and not Distribution.objects.exists()
    api = tablet.post(
        "/api/v1/scan",
        json.dumps({"code": family.code, "location_id": other_point.pk}),
        content_type="application/json",
    )
    assert api.status_code == 403


def test_the_api_outside_the_counter_is_refused(tablet):
    assert tablet.get("/api/v1/voorraad/levels").status_code == 403
    whoami = tablet.get("/api/v1/whoami").json()
    assert whoami["permissions"] == ["use_counter"]
    assert [loc["name"] for loc in whoami["locations"]] == ["Uitdeelpunt Centrum"]


def test_the_narrowing_lives_on_the_user(coordinator, point, other_point):
    user = User.objects.get(pk=coordinator.pk)
    assert user.has_perm("kern.manage_stock") and user.can_act_at(other_point)
    user.restrict(perms={"kern.use_counter"}, point_id=point.pk)
    assert not user.has_perm("kern.manage_stock")
    assert not user.has_perm("kern.override_counter_rules")
    assert user.can_act_at(point) and not user.can_act_at(other_point)
    assert list(user.counter_locations()) == [point]


def test_a_volunteer_removed_from_the_point_loses_it_in_counter_mode(login, volunteer, point):
    client = login(volunteer)
    enter(client, point)
    volunteer.locations.clear()
    assert client.get(f"/balie/{point.pk}/").status_code == 403


# --- Leaving and idling --------------------------------------------------------------------


def test_leaving_signs_out_and_is_logged(tablet, coordinator):
    response = tablet.post("/baliemodus/verlaten/")
    assert response.status_code == 302 and response["Location"] == "/aanmelden/"
    assert "_auth_user_id" not in tablet.session
    assert tablet.get("/voorraad/")["Location"].startswith("/aanmelden/")
    entry = AuditEntry.objects.get(action="counter_mode_end")
    assert entry.actor == coordinator and entry.details == {"reason": "leave"}


def test_logging_out_in_counter_mode_is_logged_as_leaving(tablet):
    tablet.post("/afmelden/")
    assert "_auth_user_id" not in tablet.session
    assert AuditEntry.objects.get(action="counter_mode_end").details == {"reason": "logout"}


def test_signing_in_again_opens_the_persons_own_rights(tablet, login, coordinator):
    tablet.post("/baliemodus/verlaten/")
    again = login(coordinator)
    assert again.get("/voorraad/").status_code == 200


def test_counter_mode_signs_out_after_ten_idle_minutes(tablet, point):
    idle_for(tablet, 9)
    assert tablet.get(f"/balie/{point.pk}/").status_code == 200
    idle_for(tablet, 11)
    response = tablet.get(f"/balie/{point.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/aanmelden/?next=/balie/{point.pk}/"
    assert AuditEntry.objects.get(action="counter_mode_end").details == {"reason": "idle"}


def test_the_shorter_limit_is_only_for_counter_mode(login, coordinator, point, settings):
    settings.COUNTER_IDLE_MINUTES = 2
    client = login(coordinator)
    idle_for(client, 11)
    assert client.get(f"/balie/{point.pk}/").status_code == 200
    enter(client, point)
    idle_for(client, 3)
    assert client.get(f"/balie/{point.pk}/").status_code == 302


def test_a_volunteer_in_counter_mode_keeps_only_counter_work(login, point):
    volunteer = UserFactory(username="jan", role=Role.VOLUNTEER, locations=[point])
    client = login(volunteer)
    assert client.get("/vrijwilligers/diensten/mijn/").status_code == 200
    enter(client, point)
    # their own shifts are not counter work: a tablet at the counter does not show them
    assert client.get("/vrijwilligers/diensten/mijn/").status_code == 403


def test_counter_mode_cannot_list_or_revoke_the_owners_tokens(tablet, coordinator):
    from kern import services as kern_services

    issued = kern_services.create_api_token(actor=coordinator, owner=coordinator, name="t")
    assert tablet.get("/api/v1/tokens").status_code == 403
    assert tablet.delete(f"/api/v1/tokens/{issued.token.pk}").status_code == 403
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is None


def test_counter_mode_owing_a_second_factor_signs_out_instead_of_looping(tablet, point, settings):
    # A coordinator needs a second factor whatever counter mode narrows them to.
    settings.TWO_FACTOR_REQUIRED = True
    response = tablet.get(f"/balie/{point.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/aanmelden/")
    entry = AuditEntry.objects.get(action="counter_mode_end")
    assert entry.details == {"reason": "second_factor"}
    assert COUNTER_POINT not in tablet.session
