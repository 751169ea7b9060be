from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
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


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "first_name", "last_name", "organisation", "is_active")
    list_filter = ("groups", "organisation", "is_active")
    filter_horizontal = ("groups", "locations")
    fieldsets = (
        *BaseUserAdmin.fieldsets[:1],
        (_("Personal info"), {"fields": ("first_name", "last_name", "email", "language")}),
        (_("Role and workplace"), {"fields": ("groups", "organisation", "locations")}),
        (_("Status"), {"fields": ("is_active", "is_staff", "last_login", "date_joined")}),
    )
    readonly_fields = ("last_login", "date_joined")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "locations":
            kwargs["queryset"] = Location.objects.filter(
                kind=Location.Kind.DISTRIBUTION_POINT, is_active=True
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields.append("is_superuser")
        return fields


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ("name", "nis_code")
    search_fields = ("name",)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "municipality", "is_active")
    list_filter = ("kind", "municipality", "is_active")
    search_fields = ("name",)


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "municipality", "organisation", "is_active")
    list_filter = ("kind", "municipality", "is_active")
    search_fields = ("name", "city")
    inlines = [OpeningHoursInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "user",
        "prefix",
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
