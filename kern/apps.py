from typing import Any

from django.apps import AppConfig
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class KernConfig(AppConfig):
    name = "kern"
    label = "kern"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.contrib.auth import signals

        # scanning registers resolvers; login_protection its audit of lockouts;
        # two_factor notes in the session at login whether the user enrolled.
        from kern import audit, login_protection, scanning  # noqa: F401
        from kern.models import User
        from kern.session_security import stamp_activity
        from kern.two_factor import signals as two_factor_signals  # noqa: F401

        def logged_in(sender: type[User], request: HttpRequest, user: User, **kwargs: Any) -> None:
            audit.record(actor=user, action="login", obj=user, source=request.path)

        def logged_out(
            sender: type[User] | None, request: HttpRequest, user: User | None, **kwargs: Any
        ) -> None:
            if user is not None:
                audit.record(actor=user, action="logout", obj=user, source=request.path)

        def login_failed(
            sender: str,
            credentials: dict[str, Any],
            request: HttpRequest | None = None,
            **kwargs: Any,
        ) -> None:
            details = {"username": str(credentials.get("username", ""))[:150]}
            # An attempt django-axes refused because of a lockout (the password was not
            # even checked): axes marked it locked out without counting it as a failure.
            # kern.login_protection logs the start of a lockout itself.
            if (
                request is not None
                and getattr(request, "axes_locked_out", False)
                and getattr(request, "axes_failures_since_start", None) is None
            ):
                details["refused"] = "locked_out"
            audit.record(
                actor=None,
                action="login_failed",
                object_type="kern.user",
                source=request.path if request is not None else "",
                details=details,
            )

        signals.user_logged_in.connect(logged_in, dispatch_uid="kern_audit_login")
        signals.user_logged_in.connect(stamp_activity, dispatch_uid="kern_session_stamp")
        signals.user_logged_out.connect(logged_out, dispatch_uid="kern_audit_logout")
        signals.user_login_failed.connect(login_failed, dispatch_uid="kern_audit_login_failed")
