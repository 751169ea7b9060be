"""The counter's records in the admin site: the program–category links and deposit
rules are edited there; distributions, loans, visits and repair tickets are ledger-like
and only read (they change through the services)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin

from kern.admin import ReadOnlyAdmin
from uitlening.models import (
    DepositRule,
    Distribution,
    DistributionLine,
    Loan,
    ProgramCategory,
    RepairTicket,
    Visit,
)

if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Any]
    _LineInline = admin.TabularInline[DistributionLine, Distribution]
else:
    _ModelAdmin = admin.ModelAdmin
    _LineInline = admin.TabularInline


@admin.register(ProgramCategory)
class ProgramCategoryAdmin(_ModelAdmin):
    list_display = ("program", "category")
    list_filter = ("program",)


@admin.register(DepositRule)
class DepositRuleAdmin(_ModelAdmin):
    list_display = ("item_type", "amount", "social_amount")


class DistributionLineInline(_LineInline):
    model = DistributionLine
    extra = 0
    can_delete = False
    readonly_fields = ("product", "program", "packs", "units")

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Distribution)
class DistributionAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "household", "location", "payment", "corrected_at")
    list_filter = ("location", "payment")
    inlines = (DistributionLineInline,)


@admin.register(Loan)
class LoanAdmin(ReadOnlyAdmin):
    list_display = ("id", "item", "household", "program", "lent_at", "due_on", "returned_at")
    list_filter = ("program", "location")


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "household", "location", "user")


@admin.register(RepairTicket)
class RepairTicketAdmin(ReadOnlyAdmin):
    list_display = ("id", "item", "status", "opened_at", "closed_at")
    list_filter = ("status",)
