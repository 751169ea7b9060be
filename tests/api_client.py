"""Calling the API from tests as an integration would: a personal token, JSON bodies."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from kern import services as kern_services
from kern.models import User


def bearer(user: User) -> dict[str, str]:
    """Headers that authenticate as ``user`` with a fresh personal API token."""
    token = kern_services.create_api_token(actor=user, owner=user, name="t").plaintext
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post(client: Client, path: str, body: Any, headers: dict[str, str]) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json", **headers)
