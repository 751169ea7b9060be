"""Domain operations on volunteers and shifts: typed, keyword-only, in a transaction,
raising ``kern.errors.DomainError`` with a Dutch message. One module per sub-domain; what
other code may call is re-exported here."""

# Planning (templates, generation, closing days, the week grid): explicit re-exports.
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
