"""What a program around the counter adds to the household panel: a ``PanelSection``,
read by a ``SectionReader`` listed in ``panel.SECTIONS``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from kern.models import Location
from toegang.models import Household


@dataclass(frozen=True)
class PanelSection:
    template: str  # e.g. "uitlening/partials/panel_holds.html"
    context: Mapping[str, object]


#: (household, location, day) -> a section, or None when there is nothing to show.
SectionReader = Callable[[Household, Location, dt.date], PanelSection | None]
