"""Reads about volunteers and shifts. One module per sub-domain."""

from vrijwilligers.selectors.signups import refusal_to_schedule as refusal_to_schedule
from vrijwilligers.selectors.signups import shift_label as shift_label
