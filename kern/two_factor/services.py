"""Enrolment, verification, recovery codes and the admin's reset of a second factor."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import PermissionsMixin
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from kern import audit
from kern.errors import DomainError
from kern.hashing import keyed_hash
from kern.models import User
from kern.permissions import require
from kern.roles import ROLE_PERMISSIONS, Role

RECOVERY_CODE_COUNT = 10
#: At or below this many unused recovery codes, the user is told to make new ones.
RECOVERY_CODES_LOW = 3
DEVICE_NAME = "Authenticator-app"

#: A volunteer's permissions; a user holding anything more needs a second factor.
VOLUNTEER_PERMISSIONS = frozenset(f"kern.{name}" for name in ROLE_PERMISSIONS[Role.VOLUNTEER])


def is_verified(user: User) -> bool:
    """Has this session given its second factor? (django-otp's OTPMiddleware adds
    ``is_verified`` to the request's user.)"""
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False


def is_enrolled(user: User) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def role_needs_second_factor(user: User) -> bool:
    """Social workers, coordinators and admins: anyone who may do more than a volunteer
    (read from permissions, so a widened role is covered too), and staff."""
    if user.is_superuser or user.is_staff:
        return True
    # The rights held, not what this request is narrowed to: a coordinator at a counter
    # tablet still owes the second factor of their role.
    held = PermissionsMixin.get_all_permissions(user)
    return bool(held - VOLUNTEER_PERMISSIONS)


def required_for(user: User) -> bool:
    """Must ``user`` have a second factor (TWO_FACTOR_REQUIRED and their role)?"""
    return bool(settings.TWO_FACTOR_REQUIRED) and role_needs_second_factor(user)


def must_verify(user: User) -> bool:
    """Must this logged-in user give a code (or enrol) before using Deelpunt?"""
    return is_enrolled(user) or required_for(user)


ENROLLED_SESSION_KEY = "two_factor_enrolled"


def remember_enrolment(*, session: SessionBase, user: User) -> bool:
    """Note in the session whether ``user`` has enrolled: at login and on each page of
    the second factor, so that other pages cost no query for it."""
    enrolled = is_enrolled(user)
    session[ENROLLED_SESSION_KEY] = enrolled
    return enrolled


def session_must_verify(*, session: SessionBase, user: User) -> bool:
    """``must_verify`` with the enrolment as noted in the session. A session that began
    before its user enrolled elsewhere is not asked afterwards; one whose second factor
    an admin reset is sent to the verify page, which looks again."""
    enrolled = session.get(ENROLLED_SESSION_KEY)
    if enrolled is None:
        enrolled = remember_enrolment(session=session, user=user)
    return bool(enrolled) or required_for(user)


def pending_device(*, user: User) -> TOTPDevice:
    """The app being enrolled: its secret stays the same until it is confirmed, so
    reloading the page does not invalidate a QR code already scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def recovery_codes_left(user: User) -> int:
    return int(StaticToken.objects.filter(device__user=user).count())


def recovery_code_digest(code: str) -> str:
    """What is stored of a recovery code: a keyed hash (IDENTIFIER_HASH_KEY), cut to the
    16 characters django-otp's token field holds, so a copy of the database alone does
    not give working codes."""
    return keyed_hash("recovery-code:" + normalise_code(code))[:16]


def _new_recovery_code() -> str:
    """80 random bits as 16 base32 letters and digits, in groups of four."""
    letters = base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()
    return "-".join(letters[i : i + 4] for i in range(0, 16, 4))


def _new_recovery_codes(user: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": "recovery codes"}
    )
    device.token_set.all().delete()
    codes = [_new_recovery_code() for _i in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        [StaticToken(device=device, token=recovery_code_digest(code)) for code in codes]
    )
    return codes


def normalise_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _is_app_code(code: str) -> bool:
    return code.isdigit() and len(code) == 6


def _throttled_message(locked_until: dt.datetime | None) -> str:
    seconds = 1
    if locked_until is not None:
        seconds = max(1, int((locked_until - timezone.now()).total_seconds()) + 1)
    return _("Too many wrong codes in a row. Wait %(seconds)s seconds and try again.") % {
        "seconds": seconds
    }


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    recovery_codes: list[str]  # shown once, never again


def confirm_enrolment(*, user: User, code: str, source: str = "") -> Enrolment:
    """Confirm the pending app with a code it shows; make the recovery codes."""
    code = normalise_code(code)
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("pk")
            .first()
        )
        if device is None or is_enrolled(user):
            raise DomainError(_("There is no app waiting to be confirmed: start again."))
        allowed, info = device.verify_is_allowed()
        verified = allowed and _is_app_code(code) and device.verify_token(code)
        if verified:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            codes = _new_recovery_codes(user)
            audit.record(actor=user, action="two_factor_enrolled", obj=user, source=source)
            return Enrolment(device=device, recovery_codes=codes)
    # Outside the transaction: the failure count the device just saved must stay.
    if not allowed:
        raise DomainError(_throttled_message((info or {}).get("locked_until")), code="throttled")
    raise DomainError(
        _("That code is not right. Type the 6 digits your app shows now."), field="code"
    )


@dataclass(frozen=True)
class Verification:
    device: TOTPDevice | StaticDevice
    recovery_code_used: bool
    recovery_codes_left: int


def verify(*, user: User, code: str, source: str = "") -> Verification:
    """Check a code from the app, or one recovery code (used up by this). Every failure
    and every recovery code used is in the audit log; django-otp slows down repeated
    failures per device."""
    code = normalise_code(code)
    recovery = not _is_app_code(code)
    model: type[TOTPDevice] | type[StaticDevice] = StaticDevice if recovery else TOTPDevice
    info: dict[str, dt.datetime] | None = None
    with transaction.atomic():
        devices = model.objects.select_for_update().filter(user=user)
        if not recovery:
            devices = devices.filter(confirmed=True)
        device = devices.order_by("pk").first()
        allowed = device is not None
        if device is not None:
            allowed, info = device.verify_is_allowed()
        given = recovery_code_digest(code) if recovery else code
        verified = bool(allowed and device is not None and device.verify_token(given))
        left = recovery_codes_left(user)
        if verified and device is not None:
            if recovery:
                audit.record(
                    actor=user,
                    action="recovery_code_used",
                    obj=user,
                    source=source,
                    details={"recovery_codes_left": left},
                )
            return Verification(
                device=device, recovery_code_used=recovery, recovery_codes_left=left
            )
        audit.record(
            actor=user,
            action="two_factor_failed",
            obj=user,
            source=source,
            details={
                "kind": "recovery_code" if recovery else "app",
                "throttled": device is not None and not allowed,
            },
        )
    if device is not None and not allowed:
        raise DomainError(_throttled_message((info or {}).get("locked_until")), code="throttled")
    raise DomainError(
        _("That code is not right. Type the 6 digits your app shows now, or a recovery code."),
        field="code",
    )


@transaction.atomic
def regenerate_recovery_codes(*, user: User, source: str = "") -> list[str]:
    """New recovery codes for an enrolled user; the old ones stop working."""
    if not is_enrolled(user):
        raise DomainError(_("Set up two-step verification first."))
    codes = _new_recovery_codes(user)
    audit.record(actor=user, action="recovery_codes_regenerated", obj=user, source=source)
    return codes


@transaction.atomic
def reset_second_factor(*, actor: User, user: User, source: str = "") -> None:
    """An admin removes ``user``'s app and recovery codes (a lost phone): at the next
    login they enrol again (or, when not required, log in with a password alone)."""
    require(actor, "kern.manage_users")
    removed = TOTPDevice.objects.filter(user=user).delete()[0]
    removed += StaticDevice.objects.filter(user=user).delete()[0]
    audit.record(
        actor=actor,
        action="two_factor_reset",
        obj=user,
        source=source,
        details={"records_removed": removed},
    )
