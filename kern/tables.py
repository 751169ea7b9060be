"""Tables of the shared app's list screens (django-tables2, which has no type information:
its ``Table`` is ``Any`` to mypy, hence the targeted ignores on the class lines)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from kern.models import AuditEntry, Location, Organisation, User


class LocationTable(tables.Table):  # type: ignore[misc]  # untyped library
    name = tables.LinkColumn("kern:location_detail", args=[tables.A("pk")])
    code = tables.Column(verbose_name=_("code"), orderable=False, empty_values=())

    class Meta:
        model = Location
        fields = ("name", "kind", "municipality", "organisation", "city", "is_active")
        sequence = ("name", "code", "...")

    def render_code(self, record: Location) -> str:
        return record.code


class OrganisationTable(tables.Table):  # type: ignore[misc]  # untyped library
    users = tables.Column(verbose_name=_("users"), accessor="user_count")

    class Meta:
        model = Organisation
        fields = ("name", "kind", "municipality", "email", "phone", "is_active")


class UserTable(tables.Table):  # type: ignore[misc]  # untyped library
    roles = tables.Column(verbose_name=_("roles"), empty_values=(), orderable=False)
    edit = tables.LinkColumn(
        "admin:kern_user_change",
        args=[tables.A("pk")],
        text=_("change"),
        verbose_name="",
        orderable=False,
    )
    login_security = tables.LinkColumn(
        "user_login_security",
        args=[tables.A("pk")],
        text=_("logging in"),
        verbose_name="",
        orderable=False,
        exclude_from_export=True,
    )

    class Meta:
        model = User
        fields = ("username", "first_name", "last_name", "organisation", "is_active", "last_login")
        sequence = ("username", "first_name", "last_name", "roles", "...")

    def render_roles(self, record: User) -> str:
        return record.role_labels


class AuditTable(tables.Table):  # type: ignore[misc]  # untyped library
    class Meta:
        model = AuditEntry
        fields = ("at", "actor_name", "action", "object_type", "object_id", "object_repr", "source")
        orderable = False
