"""Counter operations: check-in (screen and API) and registration at the counter."""

from uitlening.services.checkin import (
    COUNTER_MAX_CHILDREN,
    CheckInKind,
    check_in_by,
    check_in_scan,
    register_at_counter,
)

__all__ = [
    "COUNTER_MAX_CHILDREN",
    "CheckInKind",
    "check_in_by",
    "check_in_scan",
    "register_at_counter",
]
