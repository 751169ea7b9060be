"""The four roles as groups with their permissions, and a database guard that keeps the
audit log append-only (no UPDATE, whatever the client)."""

from django.db import migrations

from kern.dbguards import refuse_updates


def create_roles(apps, schema_editor):
    from kern.roles import sync_role_groups

    sync_role_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("kern", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_roles, migrations.RunPython.noop),
        refuse_updates("kern_auditentry"),
    ]
