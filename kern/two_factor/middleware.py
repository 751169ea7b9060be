"""Until a session has given its second factor, it reaches nothing but the pages that
ask for it: one middleware for every page, document and API operation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from kern.middleware import signed_in
from kern.models import User
from kern.session_security import COUNTER_POINT, leave_counter_mode
from kern.two_factor import services

#: Views an unverified session may use (URL names).
OPEN_VIEWS = frozenset(
    {
        "two_factor:verify",
        "two_factor:enrol",
        "logout",
        "login",
        "set_language",
        "javascript-catalog",
        "health",
    }
)
API_NAMESPACE = "api"


class SecondFactorMiddleware:
    """After django-otp's OTPMiddleware (which says whether the session is verified).

    A session that must still give a code is sent to the verify page (or, without an
    app yet, to the enrol page) from every other page. In the API it counts as not
    logged in: 401 in the API's error shape; a request with a token is judged by its
    token alone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        if not signed_in(request):  # without opening an absent session (public catalogue)
            return None
        user = cast(User, request.user)
        if services.is_verified(user) or not services.session_must_verify(
            session=request.session, user=user
        ):
            return None
        if request.session.get(COUNTER_POINT) is not None:
            # Counter mode sends every other page back to the counter, the verify page
            # included: leave it (signing out) rather than loop between the two.
            leave_counter_mode(request, reason="second_factor")
            match = request.resolver_match
            if match is not None and API_NAMESPACE in match.namespaces:
                return JsonResponse(
                    {
                        "detail": _(
                            "Confirm your login with your two-step verification code first."
                        ),
                        "code": "second_factor_required",
                    },
                    status=401,
                )
            login_url = reverse("login")
            if getattr(request, "htmx", False):
                return HttpResponseClientRedirect(login_url)
            to_login: HttpResponse = redirect(login_url)
            return to_login
        request.second_factor_pending = True  # type: ignore[attr-defined]  # read by navigation
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_VIEWS:
            return None
        if match is not None and API_NAMESPACE in match.namespaces:
            if request.headers.get("Authorization"):
                request.user = AnonymousUser()
                return None
            return JsonResponse(
                {
                    "detail": _("Confirm your login with your two-step verification code first."),
                    "code": "second_factor_required",
                },
                status=401,
            )
        # The verify page looks at the enrolment again and sends on to the enrol page,
        # or back here when a reset made the second factor unnecessary.
        enrolled = request.session.get(services.ENROLLED_SESSION_KEY)
        target = "two_factor:verify" if enrolled else "two_factor:enrol"
        url = f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}"
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(url)
        response: HttpResponse = redirect(url)
        return response
