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
    CheckInKind,
    check_in_by,
    check_in_scan,
    register_at_counter,
)
from uitlening.services.distributions import correct_distribution, record_distribution
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
    "BasketLine",
    "CheckInKind",
    "LoanLine",
    "ProductLine",
    "ReturnLine",
    "VisitResult",
    "check_in_by",
    "check_in_scan",
    "checkout_loan",
    "confirm_visit",
    "correct_distribution",
    "exchange_loan",
    "mark_repaired",
    "open_repair_ticket",
    "record_distribution",
    "register_at_counter",
    "renew_loan",
    "retire_from_repair",
    "return_loan",
    "start_repair",
]
