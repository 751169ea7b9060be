"""Connected in KernConfig.ready."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from kern.models import User
from kern.two_factor import services


@receiver(user_logged_in, dispatch_uid="kern_two_factor_remember_enrolment")
def _remember_enrolment(
    sender: type[User], request: HttpRequest, user: User, **kwargs: Any
) -> None:
    if hasattr(request, "session"):
        services.remember_enrolment(session=request.session, user=user)
