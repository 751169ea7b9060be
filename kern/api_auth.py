"""Authentication for the API: personal tokens (Bearer) first, then the browser session
(with its CSRF check)."""

from __future__ import annotations

from ninja.security import HttpBearer, SessionAuth

from kern import services


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        user = services.authenticate_api_token(plaintext=token)
        if user is not None:
            request.user = user
        return user


api_auth = [TokenAuth(), SessionAuth()]
