"""The main navigation: one list, each entry shown to the roles whose permission it names."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kern.models import User


@dataclass(frozen=True)
class NavItem:
    label: str | Promise  # lazy: translated when shown, in the language of the request
    url_name: str
    perms: tuple[str, ...]  # any of these; empty = every logged-in user

    def visible_to(self, user: User) -> bool:
        return not self.perms or any(user.has_perm(p) for p in self.perms)

    @property
    def url(self) -> str:
        return reverse(self.url_name)


NAVIGATION: list[NavItem] = [
    NavItem(_("Home"), "home", ()),
    NavItem(_("Counter"), "uitlening:counter_choose", ("kern.use_counter",)),
    NavItem(_("Overdue loans"), "uitlening:overdue_choose", ("kern.use_counter",)),
    NavItem(_("Repairs"), "uitlening:repair_list", ("kern.manage_stock",)),
    NavItem(_("Referrals"), "toegang:referral_list", ("kern.manage_referrals",)),
    NavItem(
        _("Partner requests"),
        "uitlening:partner_list",
        ("kern.manage_referrals", "kern.manage_stock"),
    ),
    NavItem(_("Seasonal actions"), "uitlening:seasonal_list", ("kern.manage_programs",)),
    NavItem(_("Stock"), "voorraad:stock_overview", ("kern.manage_stock",)),
    NavItem(_("Volunteers"), "vrijwilligers:volunteer_list", ("kern.manage_shifts",)),
    NavItem(_("My shifts"), "vrijwilligers:shift_mine", ("kern.work_shifts",)),
    NavItem(_("Reports"), "rapportering:report", ("kern.view_reports",)),
    NavItem(
        _("Import"),
        "rapportering:import_start",
        ("kern.manage_stock", "kern.manage_shifts", "kern.manage_programs"),
    ),
    NavItem(_("Programs"), "toegang:program_list", ("kern.manage_programs",)),
    NavItem(_("Locations"), "kern:location_list", ("kern.manage_locations",)),
    NavItem(_("Organisations"), "kern:organisation_list", ("kern.manage_organisations",)),
    NavItem(_("Users"), "kern:user_list", ("kern.manage_users",)),
    NavItem(_("Households"), "toegang:household_admin_list", ("kern.manage_users",)),
    NavItem(_("Audit log"), "kern:audit_list", ("kern.view_audit_log",)),
]


def items_for(user: User | AnonymousUser) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    return [item for item in NAVIGATION if item.visible_to(user)]
