"""Reads of the access app: eligibility (with its plain SQL), the cached program graph,
and the quota used as the apps that hand out packs report it."""

from toegang.selectors.eligibility import (
    CardSystemFacts,
    Entitlement,
    HouseholdFacts,
    card_system_covers,
    entitlement,
    households_with_access,
)
from toegang.selectors.programs import (
    ProgramGraph,
    active_programs,
    program_graph,
    programs_opening,
)
from toegang.selectors.quota import (
    PacksTaken,
    packs_taken,
    packs_taken_providers,
    register_packs_taken,
    unregister_packs_taken,
)

__all__ = [
    "CardSystemFacts",
    "Entitlement",
    "HouseholdFacts",
    "PacksTaken",
    "ProgramGraph",
    "active_programs",
    "card_system_covers",
    "entitlement",
    "households_with_access",
    "packs_taken",
    "packs_taken_providers",
    "program_graph",
    "programs_opening",
    "register_packs_taken",
    "unregister_packs_taken",
]
