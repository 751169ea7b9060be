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
