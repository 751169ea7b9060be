import datetime as dt

import pytest
from django.utils import timezone

from kern import services
from kern.errors import DomainError, NotAllowed, NotFound
from kern.models import ApiToken, AuditEntry


def test_create_api_token_returns_secret_once_and_stores_only_a_digest(volunteer):
    issued = services.create_api_token(actor=volunteer, owner=volunteer, name="baliettablet")
    stored = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.plaintext.startswith("dp_" + stored.prefix)
    assert issued.plaintext not in (stored.digest, stored.prefix, stored.name)
    assert len(stored.digest) == 64
    assert AuditEntry.objects.filter(action="create", object_type="kern.apitoken").count() == 1


def test_authenticate_api_token_finds_the_owner(volunteer):
    issued = services.create_api_token(actor=volunteer, owner=volunteer, name="tablet")
    assert services.authenticate_api_token(plaintext=issued.plaintext) == volunteer
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at is not None


@pytest.mark.parametrize("garbage", ["", "dp_", "dp_deadbeef_nope", "Bearer x", "abc"])
def test_authenticate_api_token_rejects_unknown_tokens(db, garbage):
    assert services.authenticate_api_token(plaintext=garbage) is None


def test_revoked_token_no_longer_authenticates(volunteer):
    issued = services.create_api_token(actor=volunteer, owner=volunteer, name="tablet")
    services.revoke_api_token(actor=volunteer, token_id=issued.token.pk)
    assert services.authenticate_api_token(plaintext=issued.plaintext) is None


def test_expired_token_no_longer_authenticates(volunteer):
    issued = services.create_api_token(
        actor=volunteer, owner=volunteer, name="tablet", valid_days=1
    )
    ApiToken.objects.filter(pk=issued.token.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert services.authenticate_api_token(plaintext=issued.plaintext) is None


def test_token_of_a_deactivated_user_no_longer_authenticates(volunteer):
    issued = services.create_api_token(actor=volunteer, owner=volunteer, name="tablet")
    volunteer.is_active = False
    volunteer.save()
    assert services.authenticate_api_token(plaintext=issued.plaintext) is None


def test_revoking_twice_is_harmless_and_logged_once(volunteer):
    issued = services.create_api_token(actor=volunteer, owner=volunteer, name="tablet")
    first = services.revoke_api_token(actor=volunteer, token_id=issued.token.pk)
    second = services.revoke_api_token(actor=volunteer, token_id=issued.token.pk)
    assert first.revoked_at == second.revoked_at
    assert AuditEntry.objects.filter(action="revoke").count() == 1


def test_a_user_cannot_make_or_revoke_tokens_of_someone_else(volunteer, coordinator):
    with pytest.raises(NotAllowed):
        services.create_api_token(actor=coordinator, owner=volunteer, name="x")
    issued = services.create_api_token(actor=volunteer, owner=volunteer, name="tablet")
    with pytest.raises(NotAllowed):
        services.revoke_api_token(actor=coordinator, token_id=issued.token.pk)
    assert services.authenticate_api_token(plaintext=issued.plaintext) == volunteer


def test_admin_can_make_and_revoke_tokens_for_others(admin_user, volunteer):
    issued = services.create_api_token(actor=admin_user, owner=volunteer, name="balietablet")
    assert issued.token.user == volunteer
    services.revoke_api_token(actor=admin_user, token_id=issued.token.pk)
    assert services.authenticate_api_token(plaintext=issued.plaintext) is None


@pytest.mark.parametrize(("name", "days"), [("", 30), ("   ", 30), ("tablet", 0), ("tablet", 5000)])
def test_create_api_token_rejects_bad_input_and_writes_nothing(volunteer, name, days):
    with pytest.raises(DomainError):
        services.create_api_token(actor=volunteer, owner=volunteer, name=name, valid_days=days)
    assert ApiToken.objects.count() == 0


def test_revoke_unknown_token_says_not_found(volunteer):
    with pytest.raises(NotFound):
        services.revoke_api_token(actor=volunteer, token_id=999)


def test_token_digest_is_the_keyed_hash_stored_values_were_made_with(volunteer, settings):
    """Tokens issued before the hash moved to kern.hashing must keep authenticating: the
    stored digest is HMAC-SHA256 of the plaintext under IDENTIFIER_HASH_KEY."""
    import hashlib
    import hmac

    from kern.hashing import keyed_hash

    issued = services.create_api_token(actor=volunteer, owner=volunteer, name="tablet")
    expected = hmac.new(
        settings.IDENTIFIER_HASH_KEY.encode(), issued.plaintext.encode(), hashlib.sha256
    ).hexdigest()
    assert (
        ApiToken.objects.get(pk=issued.token.pk).digest == expected == keyed_hash(issued.plaintext)
    )


def test_keyed_hash_depends_on_the_identifier_key(settings):
    from kern.hashing import keyed_hash

    settings.IDENTIFIER_HASH_KEY = "one key"
    first = keyed_hash("0900000095902")
    settings.IDENTIFIER_HASH_KEY = "another key"
    assert keyed_hash("0900000095902") != first
    assert len(first) == 64


# --- Expiry ------------------------------------------------------------------------------


def test_a_new_token_expires_after_90_days_unless_told_otherwise(volunteer):
    before = timezone.now()
    issued = services.create_api_token(actor=volunteer, owner=volunteer, name="tablet")
    expires = issued.token.expires_at
    assert before + dt.timedelta(days=90) <= expires <= timezone.now() + dt.timedelta(days=90)


@pytest.mark.parametrize("days", [None, 366, 1095])
def test_a_token_cannot_live_longer_than_a_year_or_forever(volunteer, days):
    with pytest.raises(DomainError) as refused:
        services.create_api_token(actor=volunteer, owner=volunteer, name="tablet", valid_days=days)
    assert "1 tot 365 dagen" in refused.value.message, refused.value.message
    assert ApiToken.objects.count() == 0


def test_a_token_of_exactly_one_year_is_accepted(volunteer):
    issued = services.create_api_token(
        actor=volunteer, owner=volunteer, name="tablet", valid_days=365
    )
    assert issued.token.expires_at - issued.token.created_at == dt.timedelta(days=365)


def test_tokens_made_before_expiry_was_required_expire_a_year_after_they_were_made():
    """The data migration (kern 0006): a token without expiry gets created + 365 days and
    every scope, so it keeps acting with its owner's rights until then."""
    import importlib
    from types import SimpleNamespace

    from kern.scopes import SCOPES

    migration = importlib.import_module("kern.migrations.0006_api_token_scopes_and_expiry")
    made = timezone.now() - dt.timedelta(days=400)
    saved = []

    def token(**fields):
        row = SimpleNamespace(scopes=[], **fields)
        row.save = lambda update_fields: saved.append((row, tuple(update_fields)))
        return row

    without = token(created_at=made, expires_at=None)
    expiring = token(created_at=made, expires_at=made + dt.timedelta(days=30))
    historical = SimpleNamespace(objects=SimpleNamespace(all=lambda: [without, expiring]))
    fake_apps = SimpleNamespace(get_model=lambda app, name: historical)

    migration.scope_and_expire_existing_tokens(fake_apps, None)
    assert without.expires_at == made + dt.timedelta(days=365)
    assert expiring.expires_at == made + dt.timedelta(days=30)  # kept
    assert set(without.scopes) == set(expiring.scopes) == set(SCOPES)
    assert len(saved) == 2


# --- Last use ---------------------------------------------------------------------------


def test_last_use_is_written_at_most_once_a_minute(volunteer, django_assert_num_queries):
    issued = services.create_api_token(actor=volunteer, owner=volunteer, name="tablet")
    assert services.authenticate_api_token(plaintext=issued.plaintext) is not None
    first = ApiToken.objects.get(pk=issued.token.pk).last_used_at
    with django_assert_num_queries(1):  # the look-up only: no write
        assert services.authenticate_api_token(plaintext=issued.plaintext) is not None
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at == first
    ApiToken.objects.filter(pk=issued.token.pk).update(
        last_used_at=timezone.now() - dt.timedelta(minutes=2)
    )
    services.authenticate_api_token(plaintext=issued.plaintext)
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at > first


# --- The token page ---------------------------------------------------------------------


def test_token_page_shows_scopes_expiry_and_last_use(login, coordinator):
    issued = services.create_api_token(
        actor=coordinator, owner=coordinator, name="magazijnscanner", scopes=["stock"]
    )
    services.authenticate_api_token(plaintext=issued.plaintext)
    html = login(coordinator).get("/account/api-sleutels/").content.decode()
    row = html[html.index("magazijnscanner") :]
    row = row[: row.index("</tr>")]
    assert "Voorraad" in row  # the scope, in Dutch
    assert timezone.localtime(issued.token.expires_at).strftime("%d/%m/%Y") in row
    assert row.count("—") == 0  # last use is filled in


def test_token_page_offers_only_the_scopes_its_owner_holds(login, volunteer):
    html = login(volunteer).get("/account/api-sleutels/").content.decode()
    assert 'value="counter"' in html and 'value="shifts"' in html
    assert 'value="stock"' not in html and 'value="admin"' not in html


def test_token_page_refuses_a_scope_the_owner_does_not_hold_and_makes_nothing(login, volunteer):
    response = login(volunteer).post(
        "/account/api-sleutels/", {"name": "slim", "valid_days": 30, "scopes": ["stock"]}
    )
    assert response.status_code == 200
    assert ApiToken.objects.count() == 0
    assert "data-token>" not in response.content.decode()


def test_token_page_requires_a_scope(login, volunteer):
    response = login(volunteer).post("/account/api-sleutels/", {"name": "leeg", "valid_days": 30})
    assert response.status_code == 200
    assert ApiToken.objects.count() == 0
