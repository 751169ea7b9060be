"""The counter area's sub-navigation: the counter, overdue loans, repairs and the confirm
card, each shown to the roles whose permission it names (like ``kern.navigation``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

SECTIONS = [
    # label, url name, permission, path prefixes below the counter root that it owns
    (_("Counter"), "uitlening:counter_choose", "kern.use_counter", ("uitdelingen/",)),
    (
        _("Overdue loans"),
        "uitlening:overdue_choose",
        "kern.use_counter",
        ("te-laat/", "uitleningen/"),
    ),
    (_("Repairs"), "uitlening:repair_list", "kern.manage_stock", ("herstellingen/",)),
    (_("Reminders"), "uitlening:reminder_list", "kern.manage_programs", ("herinneringen/",)),
    (_("Waitlists"), "uitlening:reservation_list", "kern.manage_programs", ("wachtlijsten/",)),
    (_("Confirm card"), "uitlening:confirm_card", "kern.use_counter", ()),
    (
        _("Seasonal actions"),
        "uitlening:seasonal_list",
        "kern.manage_programs",
        ("seizoensacties/",),
    ),
    (_("Partner requests"), "uitlening:partner_list", "kern.manage_stock", ("partneraanvragen/",)),
    (_("Memberships"), "uitlening:membership_list", "kern.manage_programs", ("lidmaatschappen/",)),
    (_("Swap points"), "uitlening:points_rates", "kern.manage_programs", ("ruilpunten/",)),
]


def sections(request) -> list[dict]:
    """The sections this person may open, the current one marked active."""
    root = reverse("uitlening:counter_choose")
    rest = request.path[len(root) :] if request.path.startswith(root) else ""
    found = []
    for label, name, perm, prefixes in SECTIONS:
        if not request.user.has_perm(perm):
            continue
        found.append(
            {
                "label": label,
                "url": reverse(name),
                "name": name,
                "active": any(prefix in rest for prefix in prefixes),
            }
        )
    return found
