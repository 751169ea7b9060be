"""Browser sessions end after inactivity, and a session can be narrowed to one counter.

``SessionSecurityMiddleware`` (after the authentication and message middleware):

- logs a session out once it has been idle for longer than ``SESSION_IDLE_MINUTES``
  (``COUNTER_IDLE_MINUTES`` in counter-tablet mode), or ``SESSION_MAX_HOURS`` after the
  sign-in whatever the activity, and answers as the caller can follow:
  a page goes to the login page with a message and ``next`` kept, an htmx request gets an
  ``HX-Redirect`` to it instead of a partial it would swap into the page, an API call a
  401 in the API's error shape;
- in counter-tablet mode ("baliemodus") narrows the user of every request to counter work
  at one distribution point (``User.restrict``, the same narrowing as an API token's
  scopes), and sends pages that any signed-in person may open (home, account, tokens, the
  admin site) back to the counter. Leaving the mode means signing in again, so a
  coordinator's wider rights never show on a tablet left at the counter.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from kern import services
from kern.models import Location, User
from kern.scopes import COUNTER_MODE_PERMISSIONS

LAST_ACTIVITY = "deelpunt.last_activity"  # epoch seconds of the last request
# Epoch seconds of the sign-in. Needed because every session save moves the cookie's
# expiry (SESSION_COOKIE_AGE) forward, so a session in use would otherwise never end.
SIGNED_IN_AT = "deelpunt.signed_in_at"
COUNTER_POINT = "deelpunt.counter_point"  # the point a session in counter mode is bound to
# The last-activity stamp is written at most this often: a session write per request
# would cost every page and scan a database write, and idle limits are in minutes.
ACTIVITY_PRECISION_SECONDS = 30

# In counter mode, pages outside these URL namespaces (and these names) go back to the
# counter: what any signed-in person may open (home, password, tokens) and the admin
# site. Inside them every view checks a permission, which counter mode narrows.
COUNTER_MODE_NAMESPACES = frozenset(
    {"uitlening", "catalogus", "toegang", "voorraad", "vrijwilligers", "rapportering", "api"}
)
COUNTER_MODE_NAMES = frozenset(
    {
        "login",
        "logout",
        "set_language",
        "javascript-catalog",
        "health",
        "kern:counter_mode_leave",
    }
)


def idle_minutes(*, counter_mode: bool) -> int:
    if counter_mode:
        return int(settings.COUNTER_IDLE_MINUTES)
    return int(settings.SESSION_IDLE_MINUTES)


def counter_point_of(request: HttpRequest) -> int | None:
    """The distribution point this session is bound to in counter-tablet mode."""
    point = request.session.get(COUNTER_POINT)
    return point if isinstance(point, int) else None


def enter_counter_mode(request: HttpRequest, location: Location) -> None:
    """Bind this session to the counter of ``location`` (checked and logged by the
    service); a new session key, as for any change of what a session may do."""
    user = request.user
    assert isinstance(user, User)
    services.start_counter_mode(actor=user, location=location, source=request.path)
    request.session.cycle_key()
    request.session[COUNTER_POINT] = location.pk
    request.session[LAST_ACTIVITY] = int(time.time())
    user.restrict(perms=COUNTER_MODE_PERMISSIONS, point_id=location.pk)


def leave_counter_mode(request: HttpRequest, *, reason: str) -> None:
    """Log the end of counter mode and sign the session out: only a new sign-in (with
    password, and second factor where required) opens the person's own rights again."""
    point = counter_point_of(request)
    user = request.user
    if point is not None and isinstance(user, User):
        services.end_counter_mode(actor=user, point_id=point, reason=reason, source=request.path)
    logout(request)


def stamp_activity(sender: object, request: HttpRequest, **kwargs: object) -> None:
    """On sign-in (``user_logged_in``): idle time and the session's maximum lifetime
    count from here, and the first requests after it need not write the session again."""
    now = int(time.time())
    request.session[LAST_ACTIVITY] = now
    request.session[SIGNED_IN_AT] = now


class SessionSecurityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            # No session to check; and not touching it keeps public pages free of
            # "Vary: Cookie", so they stay cacheable.
            return self.get_response(request)
        session = request.session
        if SESSION_KEY not in session:
            return self.get_response(request)
        now = int(time.time())
        point = counter_point_of(request)
        minutes = idle_minutes(counter_mode=point is not None)
        last = session.get(LAST_ACTIVITY)
        signed_in_at = session.get(SIGNED_IN_AT)
        if not isinstance(signed_in_at, int):
            # A session signed in before the stamp existed: its lifetime counts from now.
            session[SIGNED_IN_AT] = signed_in_at = now
        message, reason = None, "idle"
        if isinstance(last, int) and now - last > minutes * 60:
            message = _(
                "You were signed out after %(minutes)d minutes without activity. "
                "Sign in again to continue."
            ) % {"minutes": minutes}
        elif now - signed_in_at > int(settings.SESSION_MAX_HOURS) * 3600:
            reason = "max_age"
            message = _(
                "You were signed out because you signed in more than %(hours)d hours ago. "
                "Sign in again to continue."
            ) % {"hours": settings.SESSION_MAX_HOURS}
        if message is not None:
            expired = self._expire(
                request, counter_mode=point is not None, message=message, reason=reason
            )
            if expired is not None:
                return expired
            return self.get_response(request)  # the login page, or an API call with a token
        if not isinstance(last, int) or now - last >= ACTIVITY_PRECISION_SECONDS:
            session[LAST_ACTIVITY] = now
        if point is not None:
            if _is_logout(request):
                leave_counter_mode(request, reason="logout")
                return self.get_response(request)
            user = request.user
            if isinstance(user, User):
                user.restrict(perms=COUNTER_MODE_PERMISSIONS, point_id=point)
            outside = self._outside_counter(request, point)
            if outside is not None:
                return outside
        return self.get_response(request)

    # --- Expiry: idle or too long after the sign-in ------------------------------------

    def _expire(
        self, request: HttpRequest, *, counter_mode: bool, message: str, reason: str
    ) -> HttpResponseBase | None:
        if counter_mode:
            leave_counter_mode(request, reason=reason)
        else:
            logout(request)
        if request.path_info == reverse("login"):
            return None  # signing in again: the login page itself, not a redirect to it
        if _is_api(request):
            if request.headers.get("Authorization", "").startswith("Bearer "):
                return None  # the token decides, not the expired session
            return JsonResponse({"detail": message, "code": "session_expired"}, status=401)
        messages.warning(request, message)
        next_url = _next_url(request)
        if request.headers.get("HX-Request") == "true":
            login = redirect_to_login(next_url)
            return HttpResponseClientRedirect(login.url)
        return redirect_to_login(next_url)

    # --- Counter-tablet mode -------------------------------------------------------------

    def _outside_counter(self, request: HttpRequest, point: int) -> HttpResponseBase | None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
        top = match.namespaces[0] if match.namespaces else ""
        if top in COUNTER_MODE_NAMESPACES or name in COUNTER_MODE_NAMES:
            return None
        if match.route == "favicon.ico":
            return None
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied(_("In counter mode only the counter can be used."))
        messages.info(
            request,
            _("In counter mode only the counter can be used. To do more, leave counter mode."),
        )
        if request.headers.get("HX-Request") == "true":
            return HttpResponseClientRedirect(_counter_url(point))
        return redirect(_counter_url(point))


def _counter_url(point: int) -> str:
    # By name: kern is the ground and cannot import the counter's app.
    return reverse("uitlening:counter", kwargs={"pk": point})


def _is_logout(request: HttpRequest) -> bool:
    return request.method == "POST" and request.path_info == reverse("logout")


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _next_url(request: HttpRequest) -> str:
    """Where to come back to after signing in: the page, not the partial an htmx request
    or a form post went to."""
    candidates = []
    if request.headers.get("HX-Request") == "true":
        candidates.append(request.headers.get("HX-Current-URL", ""))
    if request.method not in ("GET", "HEAD"):
        candidates.append(request.headers.get("Referer", ""))
    for candidate in candidates:
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            parts = urlsplit(candidate)
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.get_full_path()
