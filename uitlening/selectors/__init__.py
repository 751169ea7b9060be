"""Reads of the counter, by sub-domain: check-in, distributions (the quota provider and
the plan of a basket of consumables), loans (open, overdue, the loan and return checks)
and the basket preview with the household panel. Every public name is importable from
``uitlening.selectors``; the rules the services enforce are checked here, once."""

from uitlening.selectors.basket import (
    OVERRIDE_PERMISSION,
    BasketPreview,
    HouseholdPanel,
    LoanPreview,
    ReturnPreview,
    check_basket_lines,
    household_panel,
    price_basket,
)
from uitlening.selectors.checkin import (
    CHECK_IN_KINDS,
    DEFAULT_UITPAS_REUSE_HOURS,
    CheckIn,
    ChildAge,
    check_in,
    counter_programs,
    resolve_scan,
    uitpas_max_age,
)
from uitlening.selectors.distributions import (
    DistributionPlan,
    LinePlan,
    ProgramQuota,
    packs_taken,
    plan_distribution,
)
from uitlening.selectors.lines import BasketLine, LoanLine, ProductLine, Refusal, ReturnLine
from uitlening.selectors.loans import (
    MAX_RENEWALS,
    LoanCheck,
    OpenLoan,
    ReturnCheck,
    check_deposit,
    check_loan,
    check_return,
    deposit_due,
    deposit_paid,
    due_date,
    households_waiting,
    open_loan_of_item,
    open_loans,
    overdue_loans,
)
from uitlening.selectors.programs import (
    Entitlements,
    ProgramChoice,
    program_for,
    program_names_for_category,
    programs_for_category,
)
from uitlening.selectors.records import *  # noqa: F403  (the screens' reads, as records.__all__)
from uitlening.selectors.reminder_finders import FINDERS
from uitlening.selectors.reminder_kinds import ReminderDue, ReminderFinder

__all__ = [
    "CHECK_IN_KINDS",
    "DEFAULT_UITPAS_REUSE_HOURS",
    "FINDERS",
    "MAX_RENEWALS",
    "OVERRIDE_PERMISSION",
    "BasketLine",
    "BasketPreview",
    "CheckIn",
    "ChildAge",
    "DistributionPlan",
    "Entitlements",
    "HouseholdPanel",
    "LinePlan",
    "LoanCheck",
    "LoanLine",
    "LoanPreview",
    "OpenLoan",
    "ProductLine",
    "ProgramChoice",
    "ProgramQuota",
    "Refusal",
    "ReminderDue",
    "ReminderFinder",
    "ReturnCheck",
    "ReturnLine",
    "ReturnPreview",
    "check_basket_lines",
    "check_deposit",
    "check_in",
    "check_loan",
    "check_return",
    "counter_programs",
    "deposit_due",
    "deposit_paid",
    "due_date",
    "household_panel",
    "households_waiting",
    "open_loan_of_item",
    "open_loans",
    "overdue_loans",
    "packs_taken",
    "plan_distribution",
    "price_basket",
    "program_for",
    "program_names_for_category",
    "programs_for_category",
    "resolve_scan",
    "uitpas_max_age",
]
