"""Reads about volunteers and shifts. One module per sub-domain."""

from vrijwilligers.selectors.allowances import ceiling_for as ceiling_for
from vrijwilligers.selectors.allowances import named_list as named_list
from vrijwilligers.selectors.hours import hours_of_year as hours_of_year
from vrijwilligers.selectors.hours import hours_report as hours_report
from vrijwilligers.selectors.hours import no_show_count as no_show_count
from vrijwilligers.selectors.planning import ShiftRow as ShiftRow
from vrijwilligers.selectors.planning import WeekGrid as WeekGrid
from vrijwilligers.selectors.planning import shift_rows as shift_rows
from vrijwilligers.selectors.planning import understaffed_shifts as understaffed_shifts
from vrijwilligers.selectors.planning import week_grid as week_grid
from vrijwilligers.selectors.planning import who_is_where as who_is_where
from vrijwilligers.selectors.profiles import (
    VolunteerRow as VolunteerRow,
)
from vrijwilligers.selectors.profiles import (
    acknowledgement_of_current as acknowledgement_of_current,
)
from vrijwilligers.selectors.profiles import (
    all_skills as all_skills,
)
from vrijwilligers.selectors.profiles import (
    calendar_signups as calendar_signups,
)
from vrijwilligers.selectors.profiles import (
    note_history as note_history,
)
from vrijwilligers.selectors.profiles import (
    profile_of_user as profile_of_user,
)
from vrijwilligers.selectors.profiles import (
    skills_of as skills_of,
)
from vrijwilligers.selectors.profiles import (
    volunteer_by_id as volunteer_by_id,
)
from vrijwilligers.selectors.profiles import (
    volunteer_for_calendar_token as volunteer_for_calendar_token,
)
from vrijwilligers.selectors.profiles import (
    volunteer_rows as volunteer_rows,
)
from vrijwilligers.selectors.signups import refusal_to_schedule as refusal_to_schedule
from vrijwilligers.selectors.signups import shift_label as shift_label
