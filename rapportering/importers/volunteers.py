"""Volunteers: matched by e-mail address. A new one gets a user account (its username is
the e-mail address) in the volunteer role, without a password."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kern.errors import DomainError
from kern.models import Location, User
from rapportering.importers.base import (
    CREATE,
    UPDATE,
    Cells,
    Column,
    Done,
    Handler,
    Key,
    items_of,
    required,
)
from vrijwilligers import services
from vrijwilligers.models import Skill, Volunteer


def _locations(cells: Cells) -> list[Location] | None:
    names = items_of(cells, "locaties", separators=",;|\n")
    if not names:
        return None
    found = []
    for name in names:
        location = Location.objects.filter(name__iexact=name).first()
        if location is None:
            raise DomainError(
                _("There is no location %(name)s.") % {"name": name}, field="locaties"
            )
        found.append(location)
    return found


def _skills(cells: Cells) -> list[Skill]:
    found = []
    for name in items_of(cells, "vaardigheden", separators=",;|\n"):
        skill = Skill.objects.filter(Q(name__iexact=name) | Q(code__iexact=name)).first()
        if skill is None:
            raise DomainError(
                _("There is no skill %(name)s: create it first.") % {"name": name},
                field="vaardigheden",
            )
        found.append(skill)
    return found


class Volunteers(Handler):
    kind = "vrijwilligers"
    permission = "kern.manage_shifts"
    personal = True
    list_url = "vrijwilligers:volunteer_list"
    note = gettext_lazy(
        "Matched by e-mail address: a known volunteer gets the phone number, distribution "
        "points and skills of the file (names are not changed). A new volunteer gets an "
        "account without a password, the e-mail address as username. Several points or "
        "skills in one cell, separated by a comma."
    )
    columns = (
        Column("voornaam", ("first_name", "firstname"), example="Mieke"),
        Column("achternaam", ("last_name", "lastname", "familienaam"), example="Claes"),
        Column("email", ("e_mail", "mail"), required=True, example="mieke@voorbeeld.be"),
        Column("telefoon", ("phone", "gsm", "tel"), example="0470 12 34 56"),
        Column("locaties", ("locations", "punten", "uitdeelpunten"), example="Uitdeelpunt Centrum"),
        Column("vaardigheden", ("skills",), example="EHBO"),
        Column("taal", ("language",), example="nl-be"),
    )

    def keys(self, cells: Cells) -> list[Key]:
        return [Key("email:" + cells.get("email", "").strip().lower(), _("The e-mail address"))]

    def run(self, *, actor: User, cells: Cells) -> Done:
        email = required(cells, "email")
        try:
            validate_email(email)
        except ValidationError:
            raise DomainError(
                _("“%(email)s” is not an e-mail address.") % {"email": email[:60]}, field="email"
            ) from None
        locations = _locations(cells)
        skills = _skills(cells)
        phone = cells.get("telefoon", "").strip()
        users = list(User.objects.filter(email__iexact=email)[:2])
        if len(users) > 1:
            raise DomainError(
                _("Several accounts have the e-mail address %(email)s.") % {"email": email},
                field="email",
            )
        user = users[0] if users else None
        volunteer = Volunteer.objects.filter(user=user).first() if user else None
        if volunteer is not None:
            current = volunteer
            volunteer = services.update_volunteer(
                actor=actor,
                volunteer=current,
                locations=locations if locations is not None else current.user.locations.all(),
                availability=services.Availability(
                    phone=phone or current.phone,
                    emergency_contact_name=current.emergency_contact_name,
                    emergency_contact_phone=current.emergency_contact_phone,
                    available_weekdays=current.available_weekdays,
                    preferences=current.preferences,
                ),
                limits=services.Limits(
                    max_hours_per_day=current.max_hours_per_day,
                    max_hours_per_week=current.max_hours_per_week,
                ),
                is_active=current.is_active,
            )
            outcome = UPDATE
        elif user is not None:
            volunteer = services.add_volunteer_profile(
                actor=actor, user=user, availability=services.Availability(phone=phone)
            )
            outcome = CREATE
        else:
            volunteer = services.create_volunteer(
                actor=actor,
                username=email,
                first_name=required(cells, "voornaam"),
                last_name=cells.get("achternaam", ""),
                email=email,
                language=cells.get("taal", "").strip().lower(),
                locations=locations or (),
                availability=services.Availability(phone=phone),
            )
            outcome = CREATE
        owned = set(volunteer.skills.values_list("skill_id", flat=True))
        for skill in skills:
            if skill.pk not in owned:
                services.set_skill(actor=actor, volunteer=volunteer, skill=skill, valid_until=None)
        return Done(outcome, volunteer)

    def url_of(self, object_id: int) -> str:
        return reverse("vrijwilligers:volunteer_detail", args=[object_id])
