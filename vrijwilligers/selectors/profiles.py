"""Reads about volunteer profiles: the coordinator's list (who has not acknowledged the
current organisation note, whose qualifications expire soon), one volunteer's page (skills,
the note versions received and acknowledged), and the confirmed shifts of a calendar feed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from kern.hashing import keyed_hash
from kern.models import Location
from vrijwilligers.models import NoteAcknowledgement, Signup, Skill, Volunteer, VolunteerSkill
from vrijwilligers.selectors.people import current_note

#: A qualification expiring within this many days is flagged on the list.
EXPIRY_WARNING_DAYS = 30
#: The calendar feed shows confirmed shifts from this many days back, and every future one.
CALENDAR_PAST_DAYS = 92


@dataclass(frozen=True)
class VolunteerRow:
    volunteer: Volunteer
    acknowledged_current: bool
    expiring: list[VolunteerSkill]


def volunteer_rows(
    *, today: dt.date | None = None, active_only: bool = False
) -> list[VolunteerRow]:
    """Every volunteer for the coordinator's list, with their distribution points, whether
    they acknowledged the current note and their skills expired or expiring soon."""
    today = today or timezone.localdate()
    note = current_note()
    volunteers = Volunteer.objects.select_related("user").prefetch_related(
        Prefetch("user__locations", queryset=Location.objects.order_by("name")),
        Prefetch(
            "skills",
            queryset=VolunteerSkill.objects.select_related("skill")
            .filter(valid_until__lte=today + dt.timedelta(days=EXPIRY_WARNING_DAYS))
            .order_by("valid_until"),
            to_attr="expiring_skills",
        ),
    )
    if active_only:
        volunteers = volunteers.filter(is_active=True)
    if note is not None:
        volunteers = volunteers.annotate(
            acknowledged=Exists(
                NoteAcknowledgement.objects.filter(
                    volunteer=OuterRef("pk"), note=note, acknowledged_at__isnull=False
                )
            )
        )
    return [
        VolunteerRow(
            volunteer=volunteer,
            acknowledged_current=note is None or bool(getattr(volunteer, "acknowledged", False)),
            expiring=list(getattr(volunteer, "expiring_skills", [])),
        )
        for volunteer in volunteers
    ]


def volunteer_by_id(volunteer_id: int) -> Volunteer | None:
    return (
        Volunteer.objects.select_related("user")
        .prefetch_related(Prefetch("user__locations", queryset=Location.objects.order_by("name")))
        .filter(pk=volunteer_id)
        .first()
    )


def profile_of_user(user_id: int) -> Volunteer | None:
    """The volunteer profile of a user, or None (a coordinator often has none). Where a
    profile is required, ``services.own_volunteer`` refuses instead."""
    return Volunteer.objects.select_related("user").filter(user_id=user_id).first()


def skills_of(volunteer: Volunteer) -> QuerySet[VolunteerSkill]:
    return volunteer.skills.select_related("skill").order_by("skill__name")


def all_skills() -> QuerySet[Skill]:
    return Skill.objects.order_by("name")


def note_history(volunteer: Volunteer) -> QuerySet[NoteAcknowledgement]:
    """Which version the volunteer received and acknowledged, and when, newest first."""
    return (
        NoteAcknowledgement.objects.filter(volunteer=volunteer)
        .select_related("note", "recorded_by")
        .order_by("-note__version")
    )


def acknowledgement_of_current(volunteer: Volunteer) -> NoteAcknowledgement | None:
    note = current_note()
    if note is None:
        return None
    return NoteAcknowledgement.objects.filter(volunteer=volunteer, note=note).first()


def volunteer_for_calendar_token(token: str) -> Volunteer | None:
    """The active volunteer whose feed secret is ``token`` (compared by its keyed hash)."""
    if not token or len(token) > 100:
        return None
    return (
        Volunteer.objects.select_related("user")
        .filter(calendar_token_digest=keyed_hash(token), is_active=True, user__is_active=True)
        .first()
    )


def calendar_signups(*, volunteer: Volunteer, now: dt.datetime) -> QuerySet[Signup]:
    """The volunteer's confirmed sign-ups of shifts not cancelled, from three months back."""
    return (
        Signup.objects.filter(
            volunteer=volunteer,
            status=Signup.Status.CONFIRMED,
            shift__cancelled_at__isnull=True,
            shift__starts_at__gte=now - dt.timedelta(days=CALENDAR_PAST_DAYS),
        )
        .select_related("shift", "shift__location")
        .order_by("shift__starts_at")
    )
