from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import ManyToManyField
from django.forms import ModelMultipleChoiceField
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kern.models import (
    ApiToken,
    AuditEntry,
    Location,
    Municipality,
    OpeningHours,
    Organisation,
    User,
)

# django-stubs makes the admin classes generic for the type checker only; at run time they
# are plain classes (no django-stubs-ext in production), so the parameters stay here.
if TYPE_CHECKING:
    _UserAdmin = BaseUserAdmin[User]
    _MunicipalityAdmin = admin.ModelAdmin[Municipality]
    _OrganisationAdmin = admin.ModelAdmin[Organisation]
    _LocationAdmin = admin.ModelAdmin[Location]
    _OpeningHoursInline = admin.TabularInline[OpeningHours, Location]
    _ReadOnlyAdmin = admin.ModelAdmin[Any]
else:
    _UserAdmin = BaseUserAdmin
    _MunicipalityAdmin = _OrganisationAdmin = _LocationAdmin = admin.ModelAdmin
    _ReadOnlyAdmin = admin.ModelAdmin
    _OpeningHoursInline = admin.TabularInline


@admin.register(User)
class UserAdmin(_UserAdmin):
    list_display = ("username", "first_name", "last_name", "organisation", "is_active")
    list_filter = ("groups", "organisation", "is_active")
    filter_horizontal = ("groups", "locations")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ())[:1],
        (_("Personal info"), {"fields": ("first_name", "last_name", "email", "language")}),
        (_("Role and workplace"), {"fields": ("groups", "organisation", "locations")}),
        (_("Status"), {"fields": ("is_active", "is_staff", "last_login", "date_joined")}),
    )
    readonly_fields = ("last_login", "date_joined")

    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelMultipleChoiceField[Any] | None:
        if db_field.name == "locations":
            kwargs["queryset"] = Location.objects.filter(
                kind=Location.Kind.DISTRIBUTION_POINT, is_active=True
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields.append("is_superuser")
        return fields


@admin.register(Municipality)
class MunicipalityAdmin(_MunicipalityAdmin):
    list_display = ("name", "nis_code")
    search_fields = ("name",)


@admin.register(Organisation)
class OrganisationAdmin(_OrganisationAdmin):
    list_display = ("name", "kind", "municipality", "is_active")
    list_filter = ("kind", "municipality", "is_active")
    search_fields = ("name",)


class OpeningHoursInline(_OpeningHoursInline):
    model = OpeningHours
    extra = 0


@admin.register(Location)
class LocationAdmin(_LocationAdmin):
    list_display = ("name", "kind", "municipality", "organisation", "is_active")
    list_filter = ("kind", "municipality", "is_active")
    search_fields = ("name", "city")
    inlines = [OpeningHoursInline]


class ReadOnlyAdmin(_ReadOnlyAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "user",
        "prefix",
        "scopes",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    exclude = ("digest",)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "at",
        "actor_name",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "source",
    )
    list_filter = ("action", "object_type")
    search_fields = ("actor_name", "object_id", "object_repr")
    date_hierarchy = "at"
