"""Reads about volunteers and shifts. One module per sub-domain."""

# Planning (templates, generation, closing days, the week grid): explicit re-exports.
from vrijwilligers.selectors.planning import ShiftRow as ShiftRow
from vrijwilligers.selectors.planning import WeekGrid as WeekGrid
from vrijwilligers.selectors.planning import shift_rows as shift_rows
from vrijwilligers.selectors.planning import understaffed_shifts as understaffed_shifts
from vrijwilligers.selectors.planning import week_grid as week_grid
from vrijwilligers.selectors.planning import who_is_where as who_is_where
