"""Counter operations, by sub-domain: check-in and registration, distributions, loans
(check-out, return, renewal, exchange), repair tickets, and confirming a whole visit.
Every public name is importable from ``uitlening.services``; reads (the household panel,
the basket preview, overdue loans) live in ``uitlening.selectors``.

Keyword-only, in a transaction, raising a ``kern.errors.DomainError`` that says in Dutch
what is wrong. Counter work needs ``kern.use_counter`` at the location; going over a
rule needs ``kern.override_counter_rules`` and a reason; repair tickets need
``kern.manage_stock``."""

from uitlening.selectors import BasketLine, LoanLine, ProductLine, ReturnLine
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
from uitlening.services.distributions import (
    correct_distribution,
    record_distribution,
    write_lines,
)
from uitlening.services.holds import (
    cancel_reservation,
    expire_holds,
    offer_item,
    reorder_reservation,
    reserve_item,
)
from uitlening.services.loans import checkout_loan, exchange_loan, renew_loan, return_loan
from uitlening.services.repairs import (
    mark_repaired,
    open_repair_ticket,
    retire_from_repair,
    start_repair,
)
from uitlening.services.visit import VisitResult, confirm_visit

__all__ = [
    "COUNTER_MAX_CHILDREN",
    "NEW_CARD_REUSE",
    "BasketLine",
    "CheckInKind",
    "CheckInWarning",
    "CounterCheckIn",
    "LoanLine",
    "NewCard",
    "ProductLine",
    "ReturnLine",
    "VisitResult",
    "cancel_reservation",
    "check_in_by",
    "check_in_scan",
    "check_new_card",
    "checkout_loan",
    "confirm_visit",
    "correct_distribution",
    "exchange_loan",
    "expire_holds",
    "forget_new_card",
    "mark_repaired",
    "offer_item",
    "open_repair_ticket",
    "recall_new_card",
    "record_distribution",
    "register_at_counter",
    "registered_at_counter",
    "remember_new_card",
    "renew_loan",
    "reorder_reservation",
    "reserve_item",
    "retire_from_repair",
    "return_loan",
    "start_repair",
    "write_lines",
]
