from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KernConfig(AppConfig):
    name = "kern"
    label = "kern"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.contrib.auth import signals

        from kern import audit, scanning  # noqa: F401  (scanning registers resolvers)

        def logged_in(sender, request, user, **kwargs):
            audit.record(actor=user, action="login", obj=user, source=request.path)

        def logged_out(sender, request, user, **kwargs):
            if user is not None:
                audit.record(actor=user, action="logout", obj=user, source=request.path)

        def login_failed(sender, credentials, request=None, **kwargs):
            audit.record(
                actor=None,
                action="login_failed",
                object_type="kern.user",
                source=request.path if request is not None else "",
                details={"username": str(credentials.get("username", ""))[:150]},
            )

        signals.user_logged_in.connect(logged_in, dispatch_uid="kern_audit_login")
        signals.user_logged_out.connect(logged_out, dispatch_uid="kern_audit_logout")
        signals.user_login_failed.connect(login_failed, dispatch_uid="kern_audit_login_failed")
