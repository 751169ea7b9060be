"""Sections of the household panel beyond entitlements and open loans: what the programs
around the counter show about a household (its place on a waitlist, a membership, swap
points, a seasonal package). Each program adds one reader to ``SECTIONS``; the panel
template includes each section's template with its context."""

from __future__ import annotations

import datetime as dt

from kern.models import Location
from toegang.models import Household
from uitlening.selectors.holds import holds_panel_section
from uitlening.selectors.memberships import membership_section
from uitlening.selectors.panel_kinds import PanelSection, SectionReader
from uitlening.selectors.points import points_section
from uitlening.selectors.seasonal import seasonal_panel

#: One line per program around the counter, in the order they are shown.
SECTIONS: tuple[SectionReader, ...] = (
    holds_panel_section,
    membership_section,
    points_section,
    seasonal_panel,
)


def panel_sections(*, household: Household, location: Location, on: dt.date) -> list[PanelSection]:
    sections = (read(household, location, on) for read in SECTIONS)
    return [section for section in sections if section is not None]
