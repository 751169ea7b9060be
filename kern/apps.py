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

        from kern import audit, scanning  # noqa: F401  (scanning registers resolvers)
        from kern.models import User
        from kern.session_security import stamp_activity

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
            audit.record(
                actor=None,
                action="login_failed",
                object_type="kern.user",
                source=request.path if request is not None else "",
                details={"username": str(credentials.get("username", ""))[:150]},
            )

        signals.user_logged_in.connect(logged_in, dispatch_uid="kern_audit_login")
        signals.user_logged_in.connect(stamp_activity, dispatch_uid="kern_session_stamp")
        signals.user_logged_out.connect(logged_out, dispatch_uid="kern_audit_logout")
        signals.user_login_failed.connect(login_failed, dispatch_uid="kern_audit_login_failed")
