"""Django's ModelBackend, reading a user's permissions in one query.

Every API request and most pages ask ``has_perm``; ModelBackend builds two ORM queries
for it (the user's own permissions, then their groups'), and building them cost more
than running them. Here one SQL statement reads both, once per request (the result is
cached on the user object exactly where ModelBackend caches it). Same rules: inactive
users have none, superusers all of them (ModelBackend's own path).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from kern.models import User


def _permissions_sql() -> str:
    own = User.user_permissions.through._meta
    member = User.groups.through._meta
    granted = Group.permissions.through._meta
    quote = connection.ops.quote_name

    def column(meta: Any, name: str) -> str:
        return quote(meta.get_field(name).column)

    return (
        f"SELECT ct.{quote('app_label')}, p.{quote('codename')} "
        f"FROM {quote(Permission._meta.db_table)} p "
        f"JOIN {quote(ContentType._meta.db_table)} ct ON ct.{quote('id')} = p.{quote('content_type_id')} "
        f"WHERE p.{quote('id')} IN ("
        f"SELECT {column(own, 'permission')} FROM {quote(own.db_table)} "
        f"WHERE {column(own, 'user')} = %s "
        f"UNION SELECT gp.{column(granted, 'permission')} FROM {quote(granted.db_table)} gp "
        f"JOIN {quote(member.db_table)} ug ON ug.{column(member, 'group')} = gp.{column(granted, 'group')} "
        f"WHERE ug.{column(member, 'user')} = %s)"
    )


class PermissionBackend(ModelBackend):
    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            with connection.cursor() as cursor:
                cursor.execute(_permissions_sql(), [user_obj.pk, user_obj.pk])
                user_obj._perm_cache = {f"{app}.{codename}" for app, codename in cursor.fetchall()}
        permissions: set[str] = user_obj._perm_cache
        return permissions
