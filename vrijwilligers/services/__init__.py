"""Domain operations on volunteers and shifts: typed, keyword-only, in a transaction,
raising ``kern.errors.DomainError`` with a Dutch message. One module per sub-domain; what
other code may call is re-exported here."""

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
