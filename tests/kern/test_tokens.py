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
