"""Volunteer profiles: a coordinator creates a volunteer (a new user account in the volunteer
role, or a profile for an existing account), edits skills, qualifications with an expiry,
distribution points, availability, preferences, hours limits and an emergency contact; a
volunteer edits their own contact data, availability and preferences. Every coordinator
change, and every time a coordinator reads a volunteer's contact data, is audit-logged.

The calendar feed token is made here too: only its keyed hash is stored."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from kern import audit
from kern.errors import DomainError, NotAllowed
from kern.hashing import keyed_hash
from kern.models import Location, User
from kern.permissions import require
from kern.roles import Role
from vrijwilligers.models import Skill, Volunteer, VolunteerSkill
from vrijwilligers.selectors.profiles import profile_of_user

MANAGE = "kern.manage_shifts"
WORK = "kern.work_shifts"

_PHONE = re.compile(r"^\+?[0-9][0-9 ./-]{5,28}$")
_USERNAME = re.compile(r"^[\w.@+-]{2,150}$")


@dataclass(frozen=True)
class Availability:
    """What a volunteer (or a coordinator for them) may say about their time and contact."""

    phone: str = ""
    emergency_contact_name: str = ""
    emergency_contact_phone: str = ""
    available_weekdays: Sequence[int] = ()
    preferences: str = ""


@dataclass(frozen=True)
class Limits:
    """Set by a coordinator only: hours limits (None: no limit)."""

    max_hours_per_day: Decimal | None = None
    max_hours_per_week: Decimal | None = None


# --- Checks (each raises DomainError with a Dutch message naming the field) ---------------


def _clean_phone(value: str, *, field: str) -> str:
    value = " ".join(value.split())
    if value and not _PHONE.match(value):
        raise DomainError(
            _("“%(value)s” is not a phone number (digits, spaces, + / . - only).")
            % {"value": value[:40]},
            field=field,
        )
    return value


def _clean_availability(data: Availability) -> Availability:
    name = " ".join(data.emergency_contact_name.split())
    if len(name) > 100:
        raise DomainError(
            _("The emergency contact's name is too long (at most 100 characters)."),
            field="emergency_contact_name",
        )
    contact_phone = _clean_phone(data.emergency_contact_phone, field="emergency_contact_phone")
    if bool(name) != bool(contact_phone):
        raise DomainError(
            _("Give both the emergency contact's name and phone number, or neither."),
            field="emergency_contact_name",
        )
    days = list(data.available_weekdays)
    if any(not isinstance(day, int) or isinstance(day, bool) or not 0 <= day <= 6 for day in days):
        raise DomainError(
            _("Weekdays are numbered 0 (Monday) to 6 (Sunday)."), field="available_weekdays"
        )
    preferences = data.preferences.strip()
    if len(preferences) > 2000:
        raise DomainError(
            _("The preferences are too long (at most 2000 characters)."), field="preferences"
        )
    return Availability(
        phone=_clean_phone(data.phone, field="phone"),
        emergency_contact_name=name,
        emergency_contact_phone=contact_phone,
        available_weekdays=sorted(set(days)),
        preferences=preferences,
    )


def _hours(value: Decimal | None, *, most: int, field: str) -> Decimal | None:
    if value is None:
        return None
    try:
        hours = Decimal(value).quantize(Decimal("0.1"))
    except (InvalidOperation, TypeError, ValueError):
        raise DomainError(_("An hours limit must be a number."), field=field) from None
    if not Decimal(0) < hours <= most:
        raise DomainError(
            _("An hours limit must be more than 0 and at most %(most)d.") % {"most": most},
            field=field,
        )
    return hours


def _clean_limits(limits: Limits) -> Limits:
    day = _hours(limits.max_hours_per_day, most=24, field="max_hours_per_day")
    week = _hours(limits.max_hours_per_week, most=168, field="max_hours_per_week")
    if day is not None and week is not None and day > week:
        raise DomainError(
            _("The limit per day (%(day)s h) is more than the limit per week (%(week)s h).")
            % {"day": day, "week": week},
            field="max_hours_per_day",
        )
    return Limits(max_hours_per_day=day, max_hours_per_week=week)


def _clean_locations(locations: Iterable[Location]) -> list[Location]:
    points = list(locations)
    for point in points:
        if point.kind != Location.Kind.DISTRIBUTION_POINT or not point.is_active:
            raise DomainError(
                _("%(location)s is not an open distribution point.") % {"location": point.name},
                field="locations",
            )
    return points


def _apply(volunteer: Volunteer, data: Availability) -> None:
    volunteer.phone = data.phone
    volunteer.emergency_contact_name = data.emergency_contact_name
    volunteer.emergency_contact_phone = data.emergency_contact_phone
    volunteer.available_weekdays = list(data.available_weekdays)
    volunteer.preferences = data.preferences


def _volunteer_group() -> Group:
    return Group.objects.get_or_create(name=Role.VOLUNTEER)[0]


# --- Coordinator --------------------------------------------------------------------------


@transaction.atomic
def create_volunteer(
    *,
    actor: User,
    username: str,
    first_name: str,
    last_name: str = "",
    email: str = "",
    language: str = "",
    locations: Iterable[Location] = (),
    availability: Availability = Availability(),
    limits: Limits = Limits(),
) -> Volunteer:
    """A new user account in the volunteer role with its volunteer profile. The account
    has no usable password: the volunteer sets one through "forgot password" or an admin."""
    require(actor, MANAGE)
    username = username.strip()
    first_name = " ".join(first_name.split())
    if not _USERNAME.match(username):
        raise DomainError(
            _("A username has 2 to 150 letters, digits or . @ + - _ and no spaces."),
            field="username",
        )
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(
            _("The username %(username)s is already taken.") % {"username": username},
            field="username",
        )
    if not first_name or len(first_name) > 150:
        raise DomainError(_("Give the volunteer's first name."), field="first_name")
    email = email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise DomainError(
                _("“%(email)s” is not an e-mail address.") % {"email": email[:60]},
                field="email",
            ) from None
    points = _clean_locations(locations)
    data = _clean_availability(availability)
    hours = _clean_limits(limits)
    user = User(
        username=username,
        first_name=first_name,
        last_name=" ".join(last_name.split())[:150],
        email=email,
        language=language[:10],
    )
    user.set_unusable_password()
    user.save()
    user.groups.add(_volunteer_group())
    user.locations.set(points)
    volunteer = Volunteer(
        user=user,
        max_hours_per_day=hours.max_hours_per_day,
        max_hours_per_week=hours.max_hours_per_week,
    )
    _apply(volunteer, data)
    volunteer.save()
    audit.record(actor=actor, action="create", obj=volunteer, source="vrijwilligers")
    return volunteer


@transaction.atomic
def add_volunteer_profile(
    *,
    actor: User,
    user: User,
    availability: Availability = Availability(),
    limits: Limits = Limits(),
) -> Volunteer:
    """A volunteer profile for an existing account (a coordinator who also works shifts,
    a counter volunteer from before); the account joins the volunteer role when it has no
    role that lets it work shifts."""
    require(actor, MANAGE)
    if not user.is_active:
        raise DomainError(
            _("The account %(username)s is switched off.") % {"username": user.username},
            field="user",
        )
    if Volunteer.objects.filter(user=user).exists():
        raise DomainError(
            _("%(name)s already has a volunteer profile.")
            % {"name": user.get_full_name() or user.username},
            field="user",
        )
    data = _clean_availability(availability)
    hours = _clean_limits(limits)
    if not user.has_perm(WORK):
        user.groups.add(_volunteer_group())
    volunteer = Volunteer(
        user=user,
        max_hours_per_day=hours.max_hours_per_day,
        max_hours_per_week=hours.max_hours_per_week,
    )
    _apply(volunteer, data)
    volunteer.save()
    audit.record(actor=actor, action="create", obj=volunteer, source="vrijwilligers")
    return volunteer


def _locked(volunteer: Volunteer) -> Volunteer:
    """The volunteer row, locked (the order the sign-up services lock in: volunteer first)."""
    return Volunteer.objects.select_for_update().select_related("user").get(pk=volunteer.pk)


@transaction.atomic
def update_volunteer(
    *,
    actor: User,
    volunteer: Volunteer,
    locations: Iterable[Location],
    availability: Availability,
    limits: Limits,
    is_active: bool = True,
) -> Volunteer:
    """A coordinator changes everything about a volunteer's profile."""
    require(actor, MANAGE)
    points = _clean_locations(locations)
    data = _clean_availability(availability)
    hours = _clean_limits(limits)
    row = _locked(volunteer)
    _apply(row, data)
    row.max_hours_per_day = hours.max_hours_per_day
    row.max_hours_per_week = hours.max_hours_per_week
    row.is_active = is_active
    row.save()
    row.user.locations.set(points)
    audit.record(
        actor=actor,
        action="update",
        obj=row,
        source="vrijwilligers",
        details={"locations": sorted(point.pk for point in points), "active": is_active},
    )
    return row


@transaction.atomic
def set_skill(
    *, actor: User, volunteer: Volunteer, skill: Skill, valid_until: dt.date | None
) -> VolunteerSkill:
    """Give a volunteer a skill, or change its expiry (a qualification: first aid, driving
    licence); ``valid_until`` None: it does not expire."""
    require(actor, MANAGE)
    row = _locked(volunteer)
    if valid_until is not None and valid_until.year < 2000:
        raise DomainError(_("That expiry date is not plausible."), field="valid_until")
    owned, _created = VolunteerSkill.objects.update_or_create(
        volunteer=row, skill=skill, defaults={"valid_until": valid_until}
    )
    audit.record(
        actor=actor,
        action="update",
        obj=row,
        source="vrijwilligers.skill",
        details={
            "skill": skill.code,
            "valid_until": valid_until.isoformat() if valid_until else None,
        },
    )
    return owned


@transaction.atomic
def remove_skill(*, actor: User, volunteer: Volunteer, skill: Skill) -> None:
    require(actor, MANAGE)
    row = _locked(volunteer)
    deleted, _rows = VolunteerSkill.objects.filter(volunteer=row, skill=skill).delete()
    if not deleted:
        raise DomainError(
            _("%(name)s does not have the skill %(skill)s.")
            % {"name": row.first_name, "skill": skill.name},
            field="skill",
        )
    audit.record(
        actor=actor,
        action="update",
        obj=row,
        source="vrijwilligers.skill",
        details={"skill": skill.code, "removed": True},
    )


@transaction.atomic
def create_skill(*, actor: User, name: str, code: str = "") -> Skill:
    require(actor, MANAGE)
    name = " ".join(name.split())
    code = slugify(code or name)[:40]
    if not name or len(name) > 100 or not code:
        raise DomainError(_("Give the skill a name (at most 100 characters)."), field="name")
    if Skill.objects.filter(name__iexact=name).exists() or Skill.objects.filter(code=code).exists():
        raise DomainError(_("The skill %(name)s already exists.") % {"name": name}, field="name")
    skill = Skill.objects.create(name=name, code=code)
    audit.record(actor=actor, action="create", obj=skill, source="vrijwilligers.skill")
    return skill


@dataclass(frozen=True)
class ContactData:
    email: str
    phone: str
    emergency_contact_name: str
    emergency_contact_phone: str


@transaction.atomic
def read_contact_data(*, actor: User, volunteer: Volunteer, source: str = "") -> ContactData:
    """A volunteer's contact data, for a coordinator (or the volunteer themselves); a
    coordinator's reading is audit-logged, other volunteers never get it."""
    if volunteer.user_id != actor.pk:
        if not actor.is_authenticated or not actor.has_perm(MANAGE):
            raise NotAllowed(_("Only coordinators see other volunteers' contact data."))
        audit.record(actor=actor, action="view", obj=volunteer, source=source or "contact")
    return ContactData(
        email=volunteer.user.email,
        phone=volunteer.phone,
        emergency_contact_name=volunteer.emergency_contact_name,
        emergency_contact_phone=volunteer.emergency_contact_phone,
    )


# --- The volunteer themselves ---------------------------------------------------------------


def own_volunteer(user: User) -> Volunteer:
    """The volunteer profile of ``user`` for what a volunteer does themselves (sign up,
    swap, check in, their profile): the one refusal when they have none, the same from
    every screen and the API (403, ``no_volunteer_profile``)."""
    require(user, WORK)
    volunteer = profile_of_user(user.pk)
    if volunteer is None:
        raise NotAllowed(
            _("You have no volunteer profile yet: ask the coordinator to make one."),
            code="no_volunteer_profile",
        )
    return volunteer


@transaction.atomic
def update_own_profile(*, user: User, availability: Availability) -> Volunteer:
    """A volunteer changes their phone, availability, preferences and emergency contact;
    hours limits, skills and distribution points stay with the coordinator."""
    volunteer = own_volunteer(user)
    data = _clean_availability(availability)
    row = _locked(volunteer)
    _apply(row, data)
    row.save()
    return row


def _new_token() -> str:
    return secrets.token_urlsafe(24)


@transaction.atomic
def regenerate_calendar_token(*, user: User) -> str:
    """A new secret address for the volunteer's own calendar feed; the old one stops
    working at once. Returns the secret, which is shown once and never stored."""
    volunteer = own_volunteer(user)
    row = _locked(volunteer)
    token = _new_token()
    row.calendar_token_digest = keyed_hash(token)
    row.save(update_fields=["calendar_token_digest"])
    return token
