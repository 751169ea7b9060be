"""The reads every rule about scheduling a volunteer starts from: the current organisation
note and whether the volunteer acknowledged it, and whether a skill is valid on a day."""

from __future__ import annotations

import datetime as dt

from vrijwilligers.models import NoteAcknowledgement, OrganisationNote, Skill, Volunteer


def current_note() -> OrganisationNote | None:
    """The newest published version of the organisation note, or None before the first."""
    return OrganisationNote.objects.order_by("-version").first()


def has_acknowledged_current_note(*, volunteer: Volunteer) -> bool:
    """True when the volunteer acknowledged the current version (or none is published
    yet: then there is nothing to acknowledge, and planning must not stall)."""
    note = current_note()
    if note is None:
        return True
    return NoteAcknowledgement.objects.filter(
        volunteer=volunteer, note=note, acknowledged_at__isnull=False
    ).exists()


def has_valid_skill(*, volunteer: Volunteer, skill: Skill | None, on: dt.date) -> bool:
    """True when ``skill`` is None or the volunteer has it, not expired on ``on``."""
    if skill is None:
        return True
    row = volunteer.skills.filter(skill=skill).first()
    return row is not None and row.valid_on(on)
