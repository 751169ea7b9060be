"""Domain operations on volunteers and shifts: typed, keyword-only, in a transaction,
raising ``kern.errors.DomainError`` with a Dutch message. One module per sub-domain; what
other code may call is re-exported here."""

from vrijwilligers.services.allowances import record_payment as record_payment
from vrijwilligers.services.allowances import set_ceiling as set_ceiling
from vrijwilligers.services.attendance import CheckInOutcome as CheckInOutcome
from vrijwilligers.services.attendance import check_in as check_in
from vrijwilligers.services.attendance import check_in_by_card as check_in_by_card
from vrijwilligers.services.attendance import check_in_self as check_in_self
from vrijwilligers.services.attendance import lift_signup_pause as lift_signup_pause
from vrijwilligers.services.attendance import mark_no_shows as mark_no_shows
from vrijwilligers.services.attendance import record_attendance as record_attendance
from vrijwilligers.services.notes import (
    acknowledge_note as acknowledge_note,
)
from vrijwilligers.services.notes import (
    mark_note_received as mark_note_received,
)
from vrijwilligers.services.notes import (
    publish_note as publish_note,
)
from vrijwilligers.services.notes import (
    record_paper_acknowledgement as record_paper_acknowledgement,
)
from vrijwilligers.services.people import (
    Availability as Availability,
)
from vrijwilligers.services.people import (
    ContactData as ContactData,
)
from vrijwilligers.services.people import (
    Limits as Limits,
)
from vrijwilligers.services.people import (
    add_volunteer_profile as add_volunteer_profile,
)
from vrijwilligers.services.people import (
    create_skill as create_skill,
)
from vrijwilligers.services.people import (
    create_volunteer as create_volunteer,
)
from vrijwilligers.services.people import (
    own_volunteer as own_volunteer,
)
from vrijwilligers.services.people import (
    read_contact_data as read_contact_data,
)
from vrijwilligers.services.people import (
    regenerate_calendar_token as regenerate_calendar_token,
)
from vrijwilligers.services.people import (
    remove_skill as remove_skill,
)
from vrijwilligers.services.people import (
    set_skill as set_skill,
)
from vrijwilligers.services.people import (
    update_own_profile as update_own_profile,
)
from vrijwilligers.services.people import (
    update_volunteer as update_volunteer,
)
from vrijwilligers.services.planning import GenerationResult as GenerationResult
from vrijwilligers.services.planning import TemplateChange as TemplateChange
from vrijwilligers.services.planning import create_template as create_template
from vrijwilligers.services.planning import generate_shifts as generate_shifts
from vrijwilligers.services.planning import update_template as update_template
from vrijwilligers.services.planning_shifts import ClosingDayAdded as ClosingDayAdded
from vrijwilligers.services.planning_shifts import add_closing_day as add_closing_day
from vrijwilligers.services.planning_shifts import cancel_shift as cancel_shift
from vrijwilligers.services.planning_shifts import create_shift as create_shift
from vrijwilligers.services.planning_shifts import remove_closing_day as remove_closing_day
from vrijwilligers.services.planning_shifts import send_shift_message as send_shift_message
from vrijwilligers.services.signups import assign_to_shift as assign_to_shift
from vrijwilligers.services.signups import cancel_signup as cancel_signup
from vrijwilligers.services.signups import remove_from_shift as remove_from_shift
from vrijwilligers.services.signups import sign_up as sign_up
from vrijwilligers.services.swaps import offer_swap as offer_swap
from vrijwilligers.services.swaps import take_swap as take_swap
from vrijwilligers.services.swaps import withdraw_swap as withdraw_swap
