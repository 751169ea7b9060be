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
from uitlening.services.memberships import record_membership
from uitlening.services.partners import (
    RequestedLine,
    approve_partner_request,
    hand_over_partner_request,
    refuse_partner_request,
    submit_partner_request,
    update_partner_request,
)
from uitlening.services.points import (
    correct_points,
    earn_points,
    expire_points,
    grant_points,
    spend_points,
)
from uitlening.services.points_rules import save_points_rate, save_points_scheme
from uitlening.services.repairs import (
    mark_repaired,
    open_repair_ticket,
    retire_from_repair,
    start_repair,
)
from uitlening.services.seasonal import (
    HandOut,
    add_age_band,
    create_action,
    hand_out_packages,
    remove_age_band,
    set_package_line,
    update_action,
)
from uitlening.services.visit import VisitResult, confirm_visit

__all__ = [
    "COUNTER_MAX_CHILDREN",
    "NEW_CARD_REUSE",
    "BasketLine",
    "CheckInKind",
    "CheckInWarning",
    "CounterCheckIn",
    "HandOut",
    "LoanLine",
    "NewCard",
    "ProductLine",
    "RequestedLine",
    "ReturnLine",
    "VisitResult",
    "add_age_band",
    "approve_partner_request",
    "cancel_reservation",
    "check_in_by",
    "check_in_scan",
    "check_new_card",
    "checkout_loan",
    "confirm_visit",
    "correct_distribution",
    "correct_points",
    "create_action",
    "earn_points",
    "exchange_loan",
    "expire_holds",
    "expire_points",
    "forget_new_card",
    "grant_points",
    "hand_out_packages",
    "hand_over_partner_request",
    "mark_repaired",
    "offer_item",
    "open_repair_ticket",
    "recall_new_card",
    "record_distribution",
    "record_membership",
    "refuse_partner_request",
    "register_at_counter",
    "registered_at_counter",
    "remember_new_card",
    "remove_age_band",
    "renew_loan",
    "reorder_reservation",
    "reserve_item",
    "retire_from_repair",
    "return_loan",
    "save_points_rate",
    "save_points_scheme",
    "set_package_line",
    "spend_points",
    "start_repair",
    "submit_partner_request",
    "update_action",
    "update_partner_request",
    "write_lines",
]
