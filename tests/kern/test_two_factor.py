"""A second factor: enrol a TOTP app, verify with a code computed here, recovery codes,
enforcement per role with TWO_FACTOR_REQUIRED, the API before verification, the
admin's reset."""

import re
import time
from binascii import unhexlify

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from kern.models import AuditEntry
from kern.roles import Role
from kern.two_factor import services
from tests.conftest import require_tool
from tests.factories import PASSWORD

ENROL = "/account/tweestapsverificatie/instellen/"
VERIFY = "/account/tweestapsverificatie/controle/"
CODE = r"<li><code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code></li>"


@pytest.fixture
def required(settings):
    settings.TWO_FACTOR_REQUIRED = True
    return settings


def password_login(user, client=None):
    """Log in through the login form (the first factor)."""
    client = client or Client()
    response = client.post("/aanmelden/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def code_for(device, steps_ahead=0):
    """The code the user's app shows (``steps_ahead`` time steps later: a code once
    accepted is not accepted again, so a second login in the same step uses the next)."""
    return f"{totp(unhexlify(device.key), step=device.step, drift=steps_ahead):06d}"


def enrol(client):
    client.get(ENROL)
    device = TOTPDevice.objects.get(confirmed=False)
    response = client.post(ENROL, {"code": code_for(device), "next": "/"})
    assert response.status_code == 200
    codes = re.findall(CODE, response.content.decode())
    return TOTPDevice.objects.get(pk=device.pk), codes


@pytest.mark.parametrize("role", [Role.SOCIAL_WORKER, Role.COORDINATOR, Role.ADMIN])
def test_with_the_setting_on_these_roles_must_enrol_before_any_page(role, users_by_role, required):
    client = password_login(users_by_role[role])
    for path in ("/", "/gebruikers/", "/account/wachtwoord/", "/beheer/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(ENROL + "?next="), path


def test_a_volunteer_is_not_forced(volunteer, required):
    client = password_login(volunteer)
    assert client.get("/").status_code == 200


def test_with_the_setting_off_nobody_is_asked(coordinator):
    client = password_login(coordinator)
    assert client.get("/").status_code == 200


def test_enrolment_shows_a_local_qr_code_and_the_secret_then_recovery_codes_once(
    coordinator, required, tmp_path
):
    client = password_login(coordinator)
    page = client.get(ENROL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Tweestapsverificatie instellen" in html
    assert 'src="data:image/svg+xml;base64,' in html
    assert "<script" not in html.split("<body", 1)[1].replace('<script src="/static/', "")
    device = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    secret = device.config_url.split("secret=")[1].split("&")[0]
    shown = re.search(r"data-two-factor-secret>([^<]+)<", html).group(1)
    assert shown.replace(" ", "") == secret
    assert page["Cache-Control"].startswith("max-age=0") or "no-store" in page["Cache-Control"]

    device, codes = enrol(client)
    assert device.confirmed
    assert len(codes) == 10 == len(set(codes))
    assert client.get("/").status_code == 200  # verified in this session
    assert AuditEntry.objects.filter(action="two_factor_enrolled", object_id=str(coordinator.pk))


def test_the_qr_code_decodes_to_the_otpauth_url(coordinator, tmp_path):
    """Scanned as a phone would (zbarimg on a bitmap of the SVG)."""
    import base64
    import subprocess

    from kern.two_factor.qr import qr_data_url

    zbarimg = require_tool("zbarimg", "apt-get install zbar-tools")
    device = services.pending_device(user=coordinator)
    svg = base64.b64decode(qr_data_url(device.config_url).split(",", 1)[1]).decode()
    size = int(re.search(r'viewBox="0 0 (\d+)', svg).group(1))
    dark = [[False] * size for _ in range(size)]
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)", svg):
        for offset in range(int(width)):
            dark[int(y)][int(x) + offset] = True
    scale = 6
    rows = b"".join(
        bytes(0 if cell else 255 for cell in row for _ in range(scale)) * scale for row in dark
    )
    image = tmp_path / "qr.pgm"
    image.write_bytes(b"P5 %d %d 255\n" % (size * scale, size * scale) + rows)
    result = subprocess.run([zbarimg, "-q", "--raw", str(image)], capture_output=True, text=True)
    assert result.stdout.strip() == device.config_url
    assert device.config_url.startswith("otpauth://totp/Deelpunt%3Akarim?") or (
        device.config_url.startswith("otpauth://totp/Deelpunt:karim?")
    )


def test_an_enrolled_user_is_always_asked_for_the_code_and_a_wrong_one_is_refused(
    coordinator, required, settings
):
    device, _codes = enrol(password_login(coordinator))
    settings.TWO_FACTOR_REQUIRED = False  # enrolled: asked whatever the setting

    client = password_login(coordinator)
    response = client.get("/rapporten/")
    assert response.status_code == 302
    assert response["Location"] == VERIFY + "?next=%2Frapporten%2F"
    page = client.get(response["Location"])
    assert "Tweestapsverificatie" in page.content.decode()

    wrong = f"{(int(code_for(device, 1)) + 1) % 1_000_000:06d}"
    refused = client.post(VERIFY, {"code": wrong, "next": "/rapporten/"})
    assert refused.status_code == 200
    assert "Die code klopt niet" in refused.content.decode()
    assert client.get("/").status_code == 302
    assert AuditEntry.objects.filter(action="two_factor_failed").count() == 1

    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    accepted = client.post(VERIFY, {"code": code_for(device, 1), "next": "/rapporten/"})
    assert accepted.status_code == 302
    assert accepted["Location"] == "/rapporten/"
    assert client.get("/").status_code == 200


def test_repeated_wrong_codes_are_slowed_down(coordinator, required):
    device, _codes = enrol(password_login(coordinator))
    client = password_login(coordinator)
    client.post(VERIFY, {"code": "000000"})
    # Right away the right code is not even checked: django-otp's throttle.
    response = client.post(VERIFY, {"code": code_for(device, 1)})
    assert "Wacht" in response.content.decode()
    assert client.get("/").status_code == 302


def test_a_recovery_code_works_once_is_logged_and_warns_when_few_are_left(coordinator, required):
    _device, codes = enrol(password_login(coordinator))
    client = password_login(coordinator)
    typed = codes[0].upper().replace("-", " ")  # as read aloud or copied from paper
    response = client.post(VERIFY, {"code": typed}, follow=True)
    assert response.status_code == 200
    assert "nog 9" in response.content.decode()
    entry = AuditEntry.objects.get(action="recovery_code_used")
    assert entry.details == {"recovery_codes_left": 9}

    again = password_login(coordinator)
    refused = again.post(VERIFY, {"code": codes[0]})
    assert "Die code klopt niet" in refused.content.decode()
    assert again.get("/").status_code == 302

    digests = [services.recovery_code_digest(code) for code in codes[1:7]]
    StaticToken.objects.filter(token__in=digests).delete()  # 3 left
    last = password_login(coordinator)
    time.sleep(1.1)  # the failed attempt above throttles the recovery codes a second
    response = last.post(VERIFY, {"code": codes[8]}, follow=True)
    assert "Maak nieuwe herstelcodes" in response.content.decode()


def test_new_recovery_codes_replace_the_old_ones(coordinator, required):
    client = password_login(coordinator)
    _device, codes = enrol(client)
    response = client.post("/account/tweestapsverificatie/herstelcodes/")
    new = re.findall(CODE, response.content.decode())
    assert len(new) == 10 and not set(new) & set(codes)
    assert services.recovery_codes_left(coordinator) == 10
    assert not StaticToken.objects.filter(
        token__in=[services.recovery_code_digest(c) for c in codes]
    )
    stored = set(StaticToken.objects.values_list("token", flat=True))
    assert stored == {services.recovery_code_digest(code) for code in new}
    assert not stored & {code.replace("-", "") for code in new}  # never in plain text


def test_the_api_answers_401_in_its_own_shape_before_verification(coordinator, required):
    client = password_login(coordinator)
    response = client.get("/api/v1/whoami")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "second_factor_required"
    assert "tweestapsverificatie" in body["detail"]
    # A bogus token does not fall back to the unverified session.
    response = client.get("/api/v1/whoami", HTTP_AUTHORIZATION="Bearer dp_nietgeldig")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_an_htmx_request_before_verification_is_sent_to_the_page_by_htmx(coordinator, required):
    client = password_login(coordinator)
    response = client.get("/", HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"].startswith(ENROL)


def test_enrolling_is_refused_to_an_unverified_session_of_an_enrolled_user(coordinator, required):
    """Someone with the password alone cannot link their own app."""
    enrol(password_login(coordinator))
    client = password_login(coordinator)
    response = client.get(ENROL)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=coordinator, confirmed=False).count() == 0


def test_an_admin_resets_a_users_second_factor_and_it_is_logged(
    coordinator, admin_user, login, required
):
    enrol(password_login(coordinator))
    admin_client = login(admin_user)
    # The admin verifies first (required for admins).
    enrol(admin_client)
    page = admin_client.get(f"/gebruikers/{coordinator.pk}/aanmelden/")
    assert "ongebruikte herstelcodes" in page.content.decode()
    response = admin_client.post(
        f"/gebruikers/{coordinator.pk}/aanmelden/", {"action": "reset_second_factor"}
    )
    assert response.status_code == 302
    assert not services.is_enrolled(coordinator)
    assert services.recovery_codes_left(coordinator) == 0
    entry = AuditEntry.objects.get(action="two_factor_reset")
    assert entry.actor == admin_user and entry.object_id == str(coordinator.pk)
    # At the next login the coordinator must enrol again.
    client = password_login(coordinator)
    assert client.get("/")["Location"].startswith(ENROL)


def test_volunteers_may_enrol_voluntarily_and_are_then_asked(volunteer):
    client = password_login(volunteer)
    overview = client.get("/account/tweestapsverificatie/")
    assert "Uit: je meldt aan met alleen je wachtwoord" in overview.content.decode()
    enrol(client)
    assert password_login(volunteer).get("/")["Location"].startswith(VERIFY)


def test_the_account_menu_links_two_step_verification(volunteer, login):
    html = login(volunteer).get("/").content.decode()
    assert 'href="/account/tweestapsverificatie/"' in html
    assert "Tweestapsverificatie" in html


def test_pages_of_a_user_without_a_second_factor_cost_no_query_for_it(volunteer, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(volunteer)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    assert not [q for q in queries.captured_queries if "otp_" in q["sql"]]


def test_after_an_admin_resets_a_volunteer_their_open_session_goes_on(volunteer, admin_user, login):
    client = password_login(volunteer)
    enrol(client)
    assert client.get("/").status_code == 200
    from kern.two_factor.services import reset_second_factor

    reset_second_factor(actor=admin_user, user=volunteer)
    response = client.get("/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/"
    assert client.get("/").status_code == 200
