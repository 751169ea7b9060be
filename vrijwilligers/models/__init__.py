"""Volunteers, their shifts and what the law asks to keep about them.

Split by sub-domain: ``people`` (the volunteer, skills, the organisation note),
``shifts`` (templates, closing days, shifts, sign-ups, swaps, messages), ``allowances``
(yearly ceilings and payments) and ``reminders`` (one row per reminder sent)."""

from vrijwilligers.models.allowances import AllowanceCeiling, AllowancePayment
from vrijwilligers.models.people import (
    NoteAcknowledgement,
    OrganisationNote,
    Skill,
    Volunteer,
    VolunteerSkill,
)
from vrijwilligers.models.reminders import ShiftReminder
from vrijwilligers.models.shifts import (
    ClosingDay,
    Shift,
    ShiftMessage,
    ShiftTemplate,
    Signup,
    SwapRequest,
)

__all__ = [
    "AllowanceCeiling",
    "AllowancePayment",
    "ClosingDay",
    "NoteAcknowledgement",
    "OrganisationNote",
    "Shift",
    "ShiftMessage",
    "ShiftReminder",
    "ShiftTemplate",
    "Signup",
    "Skill",
    "SwapRequest",
    "Volunteer",
    "VolunteerSkill",
]
