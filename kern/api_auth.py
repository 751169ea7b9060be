"""Authentication for the API: personal tokens (Bearer) first, then the browser session
(with its CSRF check)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from kern import services
from kern.errors import NotAllowed
from kern.models import User


class TokenAuth(HttpBearer):
    """A personal token: the request acts as its owner, narrowed to the token's scopes
    (``services.authenticate_api_token``)."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = services.authenticate_api_token(plaintext=token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The logged-in browser session. Without one the caller is simply not authenticated
    (401 in the API's own error shape); ninja's SessionAuth checks CSRF first and so
    answered an anonymous POST with a bare English 403 "CSRF check Failed". A session
    write without a valid CSRF token is still refused, as a 403 in Dutch."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if (
            self.csrf
            and not getattr(request, "_ninja_csrf_exempt", False)
            and check_csrf(request) is not None
        ):
            raise NotAllowed(
                _("Your session has no valid CSRF token: reload the page and try again."),
                code="csrf_failed",
            )
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return getattr(request, "user", None)


api_auth = [TokenAuth(), SessionAuth()]
