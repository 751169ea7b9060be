"""Access operations: households, UiTPAS cards and checks, referrals, coordinator
exceptions and programs. Every staff view or change of a household is in the audit log.
Reads (eligibility, the program graph) are in ``toegang.selectors``."""

from toegang.services.exceptions import MAX_EXCEPTION_DAYS, grant_exception
from toegang.services.households import (
    CONSENT_VERSION,
    MAX_CHILDREN,
    ChildIn,
    check_household_data,
    household_by_code,
    municipality_for,
    open_household,
    register_household,
    touch,
)
from toegang.services.programs import MAX_UITPAS_REUSE_HOURS, parse_card_systems, save_program
from toegang.services.referrals import (
    issue_referral,
    mark_referral_used,
    referral_by_code,
    renew_referral,
    revoke_referral,
)
from toegang.services.uitpas import (
    UitpasCheck,
    ask_uitpas,
    check_uitpas,
    household_by_uitpas,
    link_uitpas_card,
    record_uitpas_check,
    uitpas_hash,
)

__all__ = [
    "CONSENT_VERSION",
    "MAX_CHILDREN",
    "MAX_EXCEPTION_DAYS",
    "MAX_UITPAS_REUSE_HOURS",
    "ChildIn",
    "UitpasCheck",
    "ask_uitpas",
    "check_household_data",
    "check_uitpas",
    "grant_exception",
    "household_by_code",
    "household_by_uitpas",
    "issue_referral",
    "link_uitpas_card",
    "mark_referral_used",
    "municipality_for",
    "open_household",
    "parse_card_systems",
    "record_uitpas_check",
    "referral_by_code",
    "register_household",
    "renew_referral",
    "revoke_referral",
    "save_program",
    "touch",
    "uitpas_hash",
]
