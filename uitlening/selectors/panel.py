"""Sections of the household panel beyond entitlements and open loans: what the programs
around the counter show about a household (its place on a waitlist, a membership, swap
points, a seasonal package). Each program adds one reader to ``SECTIONS``; the panel
template includes each section's template with its context."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from kern.models import Location
from toegang.models import Household
from uitlening.selectors.holds import holds_panel_section


@dataclass(frozen=True)
class PanelSection:
    template: str  # e.g. "uitlening/partials/panel_holds.html"
    context: Mapping[str, object]


#: (household, location, day) -> a section, or None when there is nothing to show.
SectionReader = Callable[[Household, Location, dt.date], PanelSection | None]

#: One line per program around the counter, in the order they are shown.
SECTIONS: tuple[SectionReader, ...] = (holds_panel_section,)


def panel_sections(*, household: Household, location: Location, on: dt.date) -> list[PanelSection]:
    sections = (read(household, location, on) for read in SECTIONS)
    return [section for section in sections if section is not None]
