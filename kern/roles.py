"""The four roles of DESIGN.md, as Django groups, and what each may do.

Groups and permissions are created by migration ``kern.0002_roles``; code checks
permissions (``user.has_perm("kern.use_counter")``), never group names, so a role can be
widened by an admin without a code change.
"""

from __future__ import annotations

from django.apps.registry import Apps
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VOLUNTEER = "vrijwilliger", _("volunteer")
    SOCIAL_WORKER = "maatschappelijk werker", _("social worker")
    COORDINATOR = "coördinator", _("coordinator")
    ADMIN = "beheerder", _("admin")


# codename -> description (English msgid; shown translated in the admin)
PERMISSIONS: dict[str, str] = {
    "use_counter": "Can work at the counter of their distribution points",
    "act_at_all_locations": "Can act at every location, not only their own",
    "manage_referrals": "Can issue, renew and revoke referrals",
    "manage_stock": "Can manage catalogue, stock, donors and donations",
    "manage_programs": "Can manage programs and their rules",
    "manage_shifts": "Can manage volunteer shifts",
    "work_shifts": "Can sign up for volunteer shifts and see their own",
    "manage_locations": "Can manage locations and opening hours",
    "view_reports": "Can see reports",
    "manage_organisations": "Can manage organisations and municipalities",
    "manage_users": "Can manage users and their roles",
    "view_audit_log": "Can read the audit log",
    "manage_api_tokens": "Can create and revoke API tokens of any user",
    "override_counter_rules": "Can override counter rules (quota, overdue loans) with a reason",
}

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.VOLUNTEER: ["use_counter", "work_shifts"],
    Role.SOCIAL_WORKER: ["manage_referrals"],
    Role.COORDINATOR: [
        "use_counter",
        "act_at_all_locations",
        "manage_stock",
        "manage_programs",
        "manage_shifts",
        "work_shifts",
        "manage_locations",
        "view_reports",
        "override_counter_rules",
    ],
    Role.ADMIN: [
        "manage_locations",
        "manage_organisations",
        "manage_users",
        "view_audit_log",
        "manage_api_tokens",
        "view_reports",
    ],
}

# Django model permissions the admin role needs for the admin site (/beheer/django/).
ADMIN_MODEL_PERMISSIONS: list[tuple[str, str]] = [
    ("kern", f"{action}_{model}")
    for model in ("user", "organisation", "municipality", "location", "openinghours")
    for action in ("view", "add", "change")
] + [
    ("kern", "view_apitoken"),
    ("kern", "view_auditentry"),
    ("auth", "view_group"),
]


def sync_role_groups(apps: Apps, *, verbosity: int = 0) -> None:
    """Create the four groups and give each exactly its permissions.

    Called from migrations (with historical ``apps``) and ``manage.py sync_roles``; safe
    to run again.
    """
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()  # ids may be stale after a test flush
    for app_config in apps.get_app_configs():
        if app_config.label in {"kern", "auth", "contenttypes"}:
            # create_permissions skips an app whose models_module is unset, as it is in a
            # migration's historical app registry; it only tests it for truth.
            app_config.models_module = True  # type: ignore[assignment]
            create_permissions(app_config, apps=apps, verbosity=verbosity)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role.value)
        wanted = list(
            Permission.objects.filter(content_type__app_label="kern", codename__in=codenames)
        )
        if role == Role.ADMIN:
            for app_label, codename in ADMIN_MODEL_PERMISSIONS:
                wanted += list(
                    Permission.objects.filter(content_type__app_label=app_label, codename=codename)
                )
        group.permissions.set(wanted)
