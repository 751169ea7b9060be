"""The sub-navigation of the report screens, each section shown to whom its permission
names. A section is active when the path starts with its URL."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

REPORTS = "kern.view_reports"
IMPORT = ("kern.manage_stock", "kern.manage_shifts", "kern.manage_programs")

SECTIONS = [
    # label, url name, permissions (any of)
    (_("Dashboard"), "rapportering:dashboard", (REPORTS,)),
    (_("Report"), "rapportering:report", (REPORTS,)),
    (_("Signals for policy"), "rapportering:signals", (REPORTS,)),
    (_("Demand forecast"), "rapportering:forecast", (REPORTS,)),
    (_("Annual report"), "rapportering:annual", (REPORTS,)),
    (_("Import"), "rapportering:import_start", IMPORT),
]


def sections(request: HttpRequest) -> list[dict[str, object]]:
    user = request.user
    result = []
    for label, name, perms in SECTIONS:
        if not any(user.has_perm(p) for p in perms):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:  # a section whose screen is not there yet
            continue
        result.append({"label": label, "url": url, "name": name, "active": False})
    # The longest URL that the path starts with is the active one.
    matching = [s for s in result if request.path.startswith(str(s["url"]))]
    if matching:
        max(matching, key=lambda s: len(str(s["url"])))["active"] = True
    return result
