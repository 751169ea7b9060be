import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from kern.errors import NotAllowed, NotFound

logger = logging.getLogger(__name__)


class ContentSecurityPolicyMiddleware:
    """Send the strict Content-Security-Policy of settings.CONTENT_SECURITY_POLICY."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response


def signed_in(request: HttpRequest) -> bool:
    """Whether a person is signed in, without reading the session of a request that has
    none: that would mark the session accessed and add ``Vary: Cookie`` to answers meant
    for every visitor (the public catalogue)."""
    user = getattr(request, "user", None)
    if user is None:
        return False
    if isinstance(user, SimpleLazyObject) and settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False  # AuthenticationMiddleware's lazy user with no session: anonymous
    return bool(user.is_authenticated)  # API token authentication sets a real user


class PrivateNoStoreMiddleware:
    """Every answer to a signed-in person (a page, a PDF, a CSV, an API answer) may show a
    household's or a volunteer's data, so unless the view chose its own Cache-Control (the
    public catalogue, a stylesheet) neither the browser nor a proxy may keep it. One rule
    here instead of a decorator on each view, so a new view cannot forget it."""

    value = "private, no-store"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control") and signed_in(request):
            response["Cache-Control"] = self.value
        return response


class DenialAuditMiddleware:
    """Write an audit entry (action ``denied``) when a signed-in person is refused (403, or
    the admin site's redirect to its login) or asks for a record that does not exist or is
    not theirs (404 on a known URL): on a page or an API operation, whether a role check, a
    record check in a service or a lookup refused it. One place, so probing other people's
    records is always on record.

    Only the screen or operation and the ids from the URL are kept: no query, no body, no
    message, so no personal data lands in the log. A 404 for a URL that matches nothing is
    not a record probe and is left out."""

    statuses = frozenset({403, 404})
    #: Lookups by a code that need not exist yet (a product's EAN at intake): their 404
    #: "code not known" is routine work, not a probe, and would bury real probes.
    code_lookups = frozenset({"api:scan"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code in self.statuses or self.to_login(response):
            self.record(request, response.status_code)
        return response

    @staticmethod
    def to_login(response: HttpResponse) -> bool:
        """The admin site refuses a signed-in person without staff rights by sending them
        to its login page: a refusal like a 403."""
        if response.status_code != 302:
            return False
        path = urlsplit(response.get("Location", "")).path
        return path == reverse("admin:login")

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        """A service's NotAllowed or NotFound that a page did not catch is a refusal, not a
        server error: answered as 403 / 404 (and so logged above) like PermissionDenied and
        Http404. The API turns them into its own answers before they get here."""
        if isinstance(exception, NotAllowed):
            raise PermissionDenied(exception.message) from exception
        if isinstance(exception, NotFound):
            raise Http404(exception.message) from exception

    @staticmethod
    def record(request: HttpRequest, status: int) -> None:
        from kern import audit  # kern.audit imports the models, not ready at import time

        user = getattr(request, "user", None)
        match = request.resolver_match
        if user is None or not signed_in(request) or match is None:
            return
        if (
            status == 404
            and not match.kwargs
            and match.view_name in DenialAuditMiddleware.code_lookups
        ):
            return
        object_id = ";".join(f"{key}={value}" for key, value in sorted(match.kwargs.items()))
        # The answer is already made: a failing database must not turn a refusal into a 500.
        try:
            audit.record(
                actor=user,
                action="denied",
                object_type=(match.view_name or match.url_name or "")[:60],
                object_id=object_id[:40],
                source=f"{request.method} {request.path}",
                details={"status": status},
            )
        except DatabaseError:
            # %r: a percent-encoded CR/LF in the client's path must not forge a log line.
            logger.exception("Could not log a refusal of %s %r", request.method, request.path)
