"""Lockout after repeated failed logins, on top of django-axes.

Axes counts failures per account (whatever the address) and per address (whatever the
account) and refuses every attempt while either is over its limit, the right password
too. This module holds what Deelpunt adds: a separate, higher limit per address (one
office or distribution point sends all its staff through one address), the client's
address behind a reverse proxy, the Dutch lockout page, the lockout in the audit log
(each failure is logged already by kern.apps) and the admin's unlock.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from axes.utils import reset
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db import transaction
from django.db.models import Sum
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from kern import audit
from kern.models import User
from kern.permissions import require


def _cool_off_start() -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def recent_failures(*, username: str) -> int:
    """Failed logins for ``username`` within the cool-off, from every address."""
    total = AccessAttempt.objects.filter(
        username=username, attempt_time__gte=_cool_off_start()
    ).aggregate(total=Sum("failures_since_start"))["total"]
    return int(total or 0)


def is_locked_out(*, username: str) -> bool:
    return recent_failures(username=username) >= settings.LOGIN_FAILURES_PER_ACCOUNT


def failure_limit(request: HttpRequest, credentials: dict[str, Any] | None) -> int:
    """AXES_FAILURE_LIMIT. Axes compares one limit with the larger of the account's and
    the address's failure count: the account's limit once the account itself has
    reached it, otherwise the address's (which the account's count is then below)."""
    per_account: int = settings.LOGIN_FAILURES_PER_ACCOUNT
    per_address = max(int(settings.LOGIN_FAILURES_PER_ADDRESS), per_account)
    username = get_client_username(request, credentials)
    if username and recent_failures(username=str(username)) >= per_account:
        return per_account
    return per_address


def client_address(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the address the nearest trusted proxy saw. Behind
    TRUSTED_PROXY_COUNT proxies that each append to X-Forwarded-For, the client is that
    many entries from the right; whatever the client wrote further left is not trusted."""
    proxies: int = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return str(forwarded[-proxies])
    address = request.META.get("REMOTE_ADDR")
    return str(address) if address else None


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login page again, saying in Dutch that logging in is
    paused and until when; it does not say whether the account or the address is locked,
    nor whether the account exists."""
    form = AuthenticationForm(request, data=request.POST or None)
    return render(
        request,
        "registration/login.html",
        {
            "form": form,
            "locked_out": True,
            "lockout_minutes": settings.LOGIN_LOCKOUT_MINUTES,
            "next": request.POST.get("next", request.GET.get("next", "")),
        },
        status=429,
    )


@receiver(user_locked_out, dispatch_uid="kern_audit_locked_out")
def _log_lockout(
    sender: str, request: HttpRequest, username: str | None, ip_address: str | None, **kwargs: Any
) -> None:
    """One audit entry when a lockout begins. Axes also sends this signal for each attempt
    refused while locked; those are logged as failed logins already (kern.apps), and are
    the ones for which axes did not count failures (``axes_failures_since_start``)."""
    if getattr(request, "axes_failures_since_start", None) is None:
        return
    audit.record(
        actor=None,
        action="login_locked_out",
        object_type="kern.user",
        source=request.path,
        details={
            "username": str(username or "")[:150],
            "address": ip_address or "",
            "minutes": settings.LOGIN_LOCKOUT_MINUTES,
        },
    )


@transaction.atomic
def unlock_account(*, actor: User, user: User, source: str = "") -> int:
    """Forget the failed logins for ``user``'s account, so it may log in again at once.
    Returns how many attempt records were cleared. A locked address is unlocked with
    ``manage.py axes_reset_ip``."""
    require(actor, "kern.manage_users")
    cleared = int(reset(username=user.get_username()))
    audit.record(
        actor=actor,
        action="login_unlocked",
        obj=user,
        source=source,
        details={"attempts_cleared": cleared},
    )
    return cleared
