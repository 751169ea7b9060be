"""Role and record checks shared by views and the API."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from kern.errors import NotAllowed
from kern.models import Location, User


def role_required(*perms: str) -> Callable:
    """Function-view decorator: logged in (else to login) and holding any of ``perms``
    (else 403)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if perms and not any(request.user.has_perm(p) for p in perms):
                raise PermissionDenied(_("Your role does not give access to this page."))
            return view(request, *args, **kwargs)

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
