"""The token lookup is compiled once per process, but what it reads is read on every
request: revoking a token, deactivating its owner or taking a role away is refused on
the very next API request of the same process."""

from __future__ import annotations

import pytest
from django.test import Client

from kern import services
from tests.voorraad.factories import ItemFactory


@pytest.fixture
def scan(point):
    code = ItemFactory(location=point).code

    def call(client: Client, token: str) -> int:
        return client.post(
            "/api/v1/scan",
            {"code": code},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        ).status_code

    return call


@pytest.mark.django_db
def test_revoking_a_token_refuses_its_next_request(volunteer, scan):
    issued = services.create_api_token(actor=volunteer, owner=volunteer, name="tablet")
    client = Client()
    assert scan(client, issued.plaintext) == 200
    services.revoke_api_token(actor=volunteer, token_id=issued.token.pk)
    assert scan(client, issued.plaintext) == 401


@pytest.mark.django_db
def test_deactivating_the_owner_refuses_the_next_request(volunteer, scan):
    issued = services.create_api_token(actor=volunteer, owner=volunteer, name="tablet")
    client = Client()
    assert scan(client, issued.plaintext) == 200
    volunteer.is_active = False
    volunteer.save(update_fields=["is_active"])
    assert scan(client, issued.plaintext) == 401


@pytest.mark.django_db
def test_taking_the_role_away_refuses_the_next_request(volunteer, scan):
    issued = services.create_api_token(actor=volunteer, owner=volunteer, name="tablet")
    client = Client()
    assert scan(client, issued.plaintext) == 200
    volunteer.groups.clear()
    assert scan(client, issued.plaintext) == 403
