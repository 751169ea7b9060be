"""Reads about volunteers and shifts. One module per sub-domain."""

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
    skills_of as skills_of,
)
from vrijwilligers.selectors.profiles import (
    volunteer_by_id as volunteer_by_id,
)
from vrijwilligers.selectors.profiles import (
    volunteer_for_calendar_token as volunteer_for_calendar_token,
)
from vrijwilligers.selectors.profiles import (
    volunteer_of as volunteer_of,
)
from vrijwilligers.selectors.profiles import (
    volunteer_rows as volunteer_rows,
)
