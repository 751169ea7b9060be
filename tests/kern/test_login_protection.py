"""Lockout after repeated failed logins (django-axes), per account and per address; the
admin's unlock; the audit log; the password rules."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from kern import login_protection
from kern.models import AuditEntry
from tests.factories import PASSWORD


@pytest.fixture
def limits(settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 5
    settings.LOGIN_FAILURES_PER_ADDRESS = 8
    settings.LOGIN_LOCKOUT_MINUTES = 15
    return settings


def attempt(client, username, password, address="10.1.1.1"):
    return client.post(
        "/aanmelden/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def fail(client, username, times, address="10.1.1.1"):
    for _ in range(times):
        response = attempt(client, username, "fout-wachtwoord", address)
    return response


def test_five_wrong_passwords_lock_the_account_and_the_right_one_is_then_refused(
    client, volunteer, limits
):
    response = fail(client, volunteer.username, 4)
    assert response.status_code == 200  # the ordinary "did not match" page
    response = fail(client, volunteer.username, 1)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Te veel mislukte pogingen" in page
    assert "15 minuten" in page
    assert "Traceback" not in page and "Account locked" not in page

    response = attempt(client, volunteer.username, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_account_lock_holds_from_another_address(client, volunteer, limits):
    for number in range(5):
        attempt(client, volunteer.username, "fout-wachtwoord", address=f"10.2.0.{number}")
    response = attempt(Client(), volunteer.username, PASSWORD, address="10.9.9.9")
    assert response.status_code == 429


def test_an_address_is_locked_after_failures_across_accounts_but_others_log_in(
    client, volunteer, coordinator, limits
):
    for number in range(8):
        attempt(client, f"geraden-{number}", "fout-wachtwoord", address="10.3.3.3")
    # From that address, even a correct login of an account with no failures is refused.
    response = attempt(Client(), coordinator.username, PASSWORD, address="10.3.3.3")
    assert response.status_code == 429
    # From another address the same account logs in.
    response = attempt(Client(), coordinator.username, PASSWORD, address="10.4.4.4")
    assert response.status_code == 302


def test_a_few_failures_do_not_lock(client, volunteer, limits):
    fail(client, volunteer.username, 4)
    response = attempt(client, volunteer.username, PASSWORD)
    assert response.status_code == 302


def test_failures_and_the_lockout_are_each_logged_once(client, volunteer, limits):
    fail(client, volunteer.username, 5)
    attempt(client, volunteer.username, PASSWORD)  # refused while locked
    failed = AuditEntry.objects.filter(action="login_failed")
    assert failed.count() == 6
    assert [entry.details.get("refused") for entry in failed.order_by("pk")] == [None] * 5 + [
        "locked_out"
    ]
    lockouts = AuditEntry.objects.filter(action="login_locked_out")
    assert lockouts.count() == 1
    assert lockouts.get().details == {
        "username": volunteer.username,
        "address": "10.1.1.1",
        "minutes": 15,
    }


def test_behind_a_proxy_the_client_address_is_the_one_the_proxy_appended(client, volunteer, limits):
    limits.TRUSTED_PROXY_COUNT = 1
    for number in range(8):
        client.post(
            "/aanmelden/",
            {"username": f"geraden-{number}", "password": "fout"},
            REMOTE_ADDR="127.0.0.1",
            # The left part is the client's own claim, not trusted.
            HTTP_X_FORWARDED_FOR=f"1.2.3.{number}, 203.0.113.7",
        )
    refused = Client().post(
        "/aanmelden/",
        {"username": volunteer.username, "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    assert refused.status_code == 429
    other = Client().post(
        "/aanmelden/",
        {"username": volunteer.username, "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.2",
    )
    assert other.status_code == 302


def test_an_admin_unlocks_an_account_from_its_user_page(
    client, volunteer, admin_user, login, limits
):
    fail(client, volunteer.username, 5)
    assert login_protection.is_locked_out(username=volunteer.username)
    admin = login(admin_user)
    page = admin.get(f"/gebruikers/{volunteer.pk}/aanmelden/")
    assert page.status_code == 200
    assert "Geblokkeerd" in page.content.decode()
    assert f"/gebruikers/{volunteer.pk}/aanmelden/" in admin.get("/gebruikers/").content.decode()

    response = admin.post(f"/gebruikers/{volunteer.pk}/aanmelden/", {"action": "unlock"})
    assert response.status_code == 302
    assert not login_protection.is_locked_out(username=volunteer.username)
    assert attempt(Client(), volunteer.username, PASSWORD).status_code == 302
    entry = AuditEntry.objects.get(action="login_unlocked")
    assert entry.actor == admin_user
    assert entry.object_id == str(volunteer.pk)


def test_only_user_managers_reach_the_unlock_page(volunteer, coordinator, login):
    response = login(coordinator).post(
        f"/gebruikers/{volunteer.pk}/aanmelden/", {"action": "unlock"}
    )
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="login_unlocked").exists()


def test_manage_py_axes_reset_username_unlocks(client, volunteer, limits):
    from django.core.management import call_command

    fail(client, volunteer.username, 5)
    call_command("axes_reset_username", volunteer.username, verbosity=0)
    assert attempt(Client(), volunteer.username, PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("Kort-ww-42", False),  # 10 characters
        ("qwerty123456", False),  # 12 characters but a common password
        ("123456789012", False),  # numeric only
        ("Fietsbib-Melle-9", True),
    ],
)
def test_passwords_need_twelve_characters_and_are_not_common(password, ok, volunteer):
    if ok:
        validate_password(password, volunteer)
    else:
        with pytest.raises(ValidationError):
            validate_password(password, volunteer)


def test_the_password_change_form_refuses_a_short_password_in_dutch(volunteer, login):
    client = login(volunteer)
    response = client.post(
        "/account/wachtwoord/",
        {
            "old_password": PASSWORD,
            "new_password1": "Kort-ww-42",
            "new_password2": "Kort-ww-42",
        },
    )
    assert response.status_code == 200
    assert "minstens 12 tekens" in response.content.decode()


def test_demo_and_factory_passwords_meet_the_rules(volunteer):
    from kern.demo import DEMO_PASSWORD

    validate_password(PASSWORD, volunteer)
    validate_password(DEMO_PASSWORD)


def test_production_asks_a_second_factor_and_trusts_one_proxy_by_default(tmp_path):
    import json

    from tests.kern.test_settings import PRODUCTION, import_settings

    result = import_settings(
        "config.settings.production",
        {**PRODUCTION, "TWO_FACTOR_REQUIRED": "", "TRUSTED_PROXY_COUNT": ""},
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["TWO_FACTOR_REQUIRED"] is True
    assert values["TRUSTED_PROXY_COUNT"] == 1


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LOGIN_FAILURES_PER_ACCOUNT", "1"),
        ("LOGIN_LOCKOUT_MINUTES", "0"),
        ("TRUSTED_PROXY_COUNT", "x"),
    ],
)
def test_a_lockout_setting_out_of_bounds_stops_start_up(tmp_path, variable, value):
    from tests.kern.test_settings import import_settings

    result = import_settings("config.settings.base", {variable: value}, tmp_path)
    assert result.returncode != 0
    assert f"{variable}={value!r}" in result.stderr
