"""Volunteers sign up for shifts themselves: a new permission, and the role groups synced
to it."""

from django.db import migrations


def sync_roles(apps, schema_editor):
    from kern.roles import sync_role_groups

    sync_role_groups(apps)


class Migration(migrations.Migration):

    dependencies = [
        ('kern', '0004_override_counter_rules'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='user',
            options={'permissions': [('use_counter', 'Can work at the counter of their distribution points'), ('act_at_all_locations', 'Can act at every location, not only their own'), ('manage_referrals', 'Can issue, renew and revoke referrals'), ('manage_stock', 'Can manage catalogue, stock, donors and donations'), ('manage_programs', 'Can manage programs and their rules'), ('manage_shifts', 'Can manage volunteer shifts'), ('work_shifts', 'Can sign up for volunteer shifts and see their own'), ('manage_locations', 'Can manage locations and opening hours'), ('view_reports', 'Can see reports'), ('manage_organisations', 'Can manage organisations and municipalities'), ('manage_users', 'Can manage users and their roles'), ('view_audit_log', 'Can read the audit log'), ('manage_api_tokens', 'Can create and revoke API tokens of any user'), ('override_counter_rules', 'Can override counter rules (quota, overdue loans) with a reason')], 'verbose_name': 'user', 'verbose_name_plural': 'users'},
        ),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
