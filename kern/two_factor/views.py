"""Pages of the second factor: verify after the password, enrol an app, the account's
overview with new recovery codes, and the admin's page to unlock or reset a user."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from kern import login_protection
from kern.errors import DomainError
from kern.forms import show_domain_error
from kern.models import User
from kern.permissions import AuthenticatedHttpRequest, role_required
from kern.two_factor import services
from kern.two_factor.forms import CodeForm
from kern.two_factor.qr import qr_data_url


def _next_url(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("home")


def _mark_verified(request: AuthenticatedHttpRequest, device: object) -> None:
    # A new session key at the moment the session gains its full rights.
    request.session.cycle_key()
    otp_login(request, device)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """After the password: a code from the app, or a recovery code."""
    user = request.user
    enrolled = services.remember_enrolment(session=request.session, user=user)
    if services.is_verified(user) or not (enrolled or services.required_for(user)):
        return redirect(_next_url(request))
    if not enrolled:
        return redirect(f"{reverse('two_factor:enrol')}?{request.GET.urlencode()}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.verify(user=user, code=form.cleaned_data["code"], source=request.path)
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            _mark_verified(request, result.device)
            if result.recovery_code_used:
                if result.recovery_codes_left <= services.RECOVERY_CODES_LOW:
                    messages.warning(
                        request,
                        _(
                            "You used a recovery code; %(left)s are left. Make new recovery "
                            "codes under Two-step verification in your account menu."
                        )
                        % {"left": result.recovery_codes_left},
                    )
                else:
                    messages.info(
                        request,
                        _("You used a recovery code; %(left)s are left.")
                        % {"left": result.recovery_codes_left},
                    )
            return redirect(_next_url(request))
    return render(
        request, "kern/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def enrol(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """Link an authenticator app: scan the QR code (or type the secret), then confirm
    with a code; the recovery codes are shown once, on the response to that."""
    user = request.user
    if services.remember_enrolment(session=request.session, user=user):
        if services.is_verified(user):
            messages.info(request, _("Two-step verification is already set up."))
            return redirect("two_factor:overview")
        return redirect(f"{reverse('two_factor:verify')}?{request.GET.urlencode()}")
    device = services.pending_device(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = services.confirm_enrolment(
                user=user, code=form.cleaned_data["code"], source=request.path
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            _mark_verified(request, enrolment.device)
            services.remember_enrolment(session=request.session, user=user)
            return render(
                request,
                "kern/two_factor_codes.html",
                {"codes": enrolment.recovery_codes, "next": _next_url(request), "enrolled": True},
            )
    secret = device.config_url.split("secret=", 1)[1].split("&", 1)[0]
    return render(
        request,
        "kern/two_factor_enrol.html",
        {
            "form": form,
            "qr": qr_data_url(device.config_url),
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "required": services.required_for(user),
            "next": _next_url(request),
        },
    )


@never_cache
@login_required
def overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The account's page "Two-step verification"."""
    user = request.user
    return render(
        request,
        "kern/two_factor_overview.html",
        {
            "enrolled": services.is_enrolled(user),
            "required": services.required_for(user),
            "codes_left": services.recovery_codes_left(user),
            "codes_low": services.RECOVERY_CODES_LOW,
        },
    )


@never_cache
@login_required
@require_POST
def recovery_codes(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """New recovery codes, shown once on this response."""
    try:
        codes = services.regenerate_recovery_codes(user=request.user, source=request.path)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("two_factor:overview")
    return render(
        request,
        "kern/two_factor_codes.html",
        {"codes": codes, "next": reverse("two_factor:overview"), "enrolled": False},
    )


@role_required("kern.manage_users")
@require_http_methods(["GET", "POST"])
def user_security(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """For an admin: a user's failed logins and second factor; unlock or reset."""
    person = get_object_or_404(User, pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "unlock":
                login_protection.unlock_account(
                    actor=request.user, user=person, source=request.path
                )
                messages.success(
                    request, _("%(user)s can log in again.") % {"user": person.get_username()}
                )
            elif action == "reset_second_factor":
                services.reset_second_factor(actor=request.user, user=person, source=request.path)
                messages.success(
                    request,
                    _("The two-step verification of %(user)s is reset.")
                    % {"user": person.get_username()},
                )
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("user_login_security", pk=person.pk)
    username = person.get_username()
    return render(
        request,
        "kern/user_login_security.html",
        {
            "person": person,
            "failures": login_protection.recent_failures(username=username),
            "locked": login_protection.is_locked_out(username=username),
            "enrolled": services.is_enrolled(person),
            "codes_left": services.recovery_codes_left(person),
        },
    )
