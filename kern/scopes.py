"""What an API token may be used for, and the narrowing of a user's rights to it.

A token carries scopes chosen when it is made; each scope names the permissions of
``kern.roles.PERMISSIONS`` it covers. A request made with the token acts with the
intersection of the owner's current permissions and the scopes' permissions: the narrowing
lives on ``kern.models.User.has_perm``, so every check (``role_required``, ``require``,
``can_act_at``, ``counter_locations``) obeys it. Counter-tablet mode narrows a browser
session the same way, to ``COUNTER_MODE_PERMISSIONS``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# scope -> (label, the permission codenames it covers)
SCOPES: dict[str, tuple[str | Promise, tuple[str, ...]]] = {
    "counter": (
        _("Counter: check families in, hand out, lend and take back"),
        ("use_counter", "act_at_all_locations", "override_counter_rules"),
    ),
    "stock": (_("Stock: catalogue, donations, transfers, counts"), ("manage_stock",)),
    "referrals": (_("Referrals: issue, renew and revoke"), ("manage_referrals",)),
    "shifts": (_("Volunteer shifts"), ("work_shifts", "manage_shifts")),
    "reports": (_("Reports (read only)"), ("view_reports",)),
    "admin": (
        _("Management: programs, locations, organisations, users, audit log"),
        (
            "manage_programs",
            "manage_locations",
            "manage_organisations",
            "manage_users",
            "view_audit_log",
            "manage_api_tokens",
        ),
    ),
}

SCOPE_CHOICES: list[tuple[str, str | Promise]] = [
    (name, label) for name, (label, _perms) in SCOPES.items()
]

# A session in counter-tablet mode may do counter work, and nothing else: no rule
# overrides, no other points (the point is narrowed separately, on the user).
COUNTER_MODE_PERMISSIONS: frozenset[str] = frozenset({"kern.use_counter"})


def permissions_of(scopes: Iterable[str]) -> frozenset[str]:
    """The full permission names (``kern.x``) that ``scopes`` allow; unknown scopes
    allow nothing."""
    return frozenset(
        f"kern.{codename}" for scope in scopes if scope in SCOPES for codename in SCOPES[scope][1]
    )


def label_of(scope: str) -> str:
    return str(SCOPES[scope][0]) if scope in SCOPES else scope
