"""Counter operations: check-in (screen and API) and registration at the counter."""

from uitlening.services.checkin import (
    COUNTER_MAX_CHILDREN,
    NEW_CARD_REUSE,
    CheckInKind,
    CheckInWarning,
    CounterCheckIn,
    NewCard,
    check_in_by,
    check_in_scan,
    check_new_card,
    forget_new_card,
    recall_new_card,
    register_at_counter,
    registered_at_counter,
    remember_new_card,
)

__all__ = [
    "COUNTER_MAX_CHILDREN",
    "NEW_CARD_REUSE",
    "CheckInKind",
    "CheckInWarning",
    "CounterCheckIn",
    "NewCard",
    "check_in_by",
    "check_in_scan",
    "check_new_card",
    "forget_new_card",
    "recall_new_card",
    "register_at_counter",
    "registered_at_counter",
    "remember_new_card",
]
