"""Domain operations on volunteers and shifts: typed, keyword-only, in a transaction,
raising ``kern.errors.DomainError`` with a Dutch message. One module per sub-domain; what
other code may call is re-exported here."""

# Signing up, cancelling, coordinator assign/remove (one line per name: the file merges by union).
from vrijwilligers.services.signups import assign_to_shift as assign_to_shift
from vrijwilligers.services.signups import cancel_signup as cancel_signup
from vrijwilligers.services.signups import remove_from_shift as remove_from_shift
from vrijwilligers.services.signups import sign_up as sign_up
from vrijwilligers.services.signups import volunteer_of as volunteer_of
from vrijwilligers.services.swaps import offer_swap as offer_swap
from vrijwilligers.services.swaps import take_swap as take_swap
from vrijwilligers.services.swaps import withdraw_swap as withdraw_swap
