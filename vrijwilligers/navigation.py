"""The sub-navigation of the volunteer screens: each section shown to whom its permission
names (a volunteer sees their own shifts, profile and hours; a coordinator also the
planning, the volunteers, attendance and allowances). A section is active when the path
below /vrijwilligers/ starts with one of its prefixes; the volunteers' list only on
/vrijwilligers/ itself and a volunteer's own pages."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

WORK = "kern.work_shifts"
MANAGE = "kern.manage_shifts"

SECTIONS = [
    # label, url name, permission, path prefixes below /vrijwilligers/ that it owns
    (_("My shifts"), "vrijwilligers:shift_mine", WORK, ("diensten/mijn/",)),
    (_("Open shifts"), "vrijwilligers:shift_list", WORK, ("diensten/",)),
    (_("My hours"), "vrijwilligers:attendance_mine", WORK, ("aanwezigheid/", "uren/")),
    (_("My profile"), "vrijwilligers:my_profile", WORK, ("profiel/",)),
    (
        _("Planning"),
        "vrijwilligers:planning_week",
        MANAGE,
        ("planning/", "sjablonen/", "sluitingsdagen/"),
    ),
    (_("Volunteers"), "vrijwilligers:volunteer_list", MANAGE, ("nieuw/",)),
    (_("Organisation note"), "vrijwilligers:note_detail", MANAGE, ("organisatienota/",)),
    (
        _("Attendance"),
        "vrijwilligers:attendance_overview",
        MANAGE,
        ("aanwezigheid/beheer/", "aanwezigheid/dienst/"),
    ),
    (_("Hours"), "vrijwilligers:hours_list", MANAGE, ("uren/",)),
    (_("Allowances"), "vrijwilligers:allowance_list", MANAGE, ("vergoedingen/",)),
]


def sections(request: HttpRequest) -> list[dict[str, object]]:
    root = reverse("vrijwilligers:volunteer_list")
    rest = request.path[len(root) :] if request.path.startswith(root) else None
    user = request.user
    visible = [s for s in SECTIONS if user.has_perm(s[2])]
    # The most specific prefix wins: "diensten/mijn/" is My shifts, not Open shifts.
    best: tuple[int, str] | None = None
    if rest is not None:
        for _label, name, _perm, prefixes in visible:
            for prefix in prefixes:
                if rest.startswith(prefix) and (best is None or len(prefix) > best[0]):
                    best = (len(prefix), name)
        if best is None and (rest == "" or rest.split("/", 1)[0].isdigit()):
            best = (0, "vrijwilligers:volunteer_list")
    return [
        {
            "label": label,
            "url": reverse(name),
            "name": name,
            "active": best is not None and best[1] == name,
        }
        for label, name, _perm, _prefixes in visible
    ]
