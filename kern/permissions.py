"""Role and record checks shared by views and the API."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeAlias, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _

from kern.errors import NotAllowed
from kern.models import Location, User

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails


class AuthenticatedHttpRequest(HttpRequest):
    """A request behind ``role_required`` or ``login_required``: ``user`` is a real user,
    and django-htmx's middleware has added ``htmx``. Only for type checking."""

    user: User
    htmx: HtmxDetails


_P = ParamSpec("_P")
_R = TypeVar("_R", bound=HttpResponseBase)
AuthenticatedView: TypeAlias = Callable[Concatenate[AuthenticatedHttpRequest, _P], _R]
View: TypeAlias = Callable[Concatenate[HttpRequest, _P], _R | HttpResponseBase]


def role_required(
    *perms: str,
) -> Callable[[AuthenticatedView[_P, _R]], View[_P, _R]]:
    """Function-view decorator: logged in (else to login) and holding any of ``perms``
    (else 403)."""

    def decorator(view: AuthenticatedView[_P, _R]) -> View[_P, _R]:
        @wraps(view)
        def wrapper(
            request: HttpRequest, *args: _P.args, **kwargs: _P.kwargs
        ) -> _R | HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if perms and not any(request.user.has_perm(p) for p in perms):
                raise PermissionDenied(_("Your role does not give access to this page."))
            return view(cast(AuthenticatedHttpRequest, request), *args, **kwargs)

        return wrapper

    return decorator


def require(user: User, *perms: str) -> None:
    """For services and the API: raise NotAllowed unless ``user`` holds any of ``perms``."""
    if not user.is_authenticated or not any(user.has_perm(p) for p in perms):
        raise NotAllowed(_("Your role does not allow this."))


def require_location(user: User, location: Location) -> None:
    """Raise NotAllowed unless ``user`` may do counter work at ``location``."""
    if not user.can_act_at(location):
        raise NotAllowed(
            _("You do not work at %(location)s, so you cannot act there.")
            % {"location": location.name}
        )
