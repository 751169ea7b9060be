"""The four roles as groups with their permissions, and a database guard that keeps the
audit log append-only (no UPDATE, whatever the client)."""

from django.db import migrations

SQLITE_GUARD = """
CREATE TRIGGER kern_auditentry_no_update BEFORE UPDATE ON kern_auditentry
BEGIN SELECT RAISE(ABORT, 'kern_auditentry is append-only'); END;
"""
SQLITE_UNGUARD = "DROP TRIGGER IF EXISTS kern_auditentry_no_update;"

POSTGRES_GUARD = """
CREATE OR REPLACE FUNCTION kern_auditentry_refuse_update() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'kern_auditentry is append-only'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER kern_auditentry_no_update BEFORE UPDATE ON kern_auditentry
FOR EACH ROW EXECUTE FUNCTION kern_auditentry_refuse_update();
"""
POSTGRES_UNGUARD = """
DROP TRIGGER IF EXISTS kern_auditentry_no_update ON kern_auditentry;
DROP FUNCTION IF EXISTS kern_auditentry_refuse_update();
"""


def guard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_GUARD)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_GUARD)


def unguard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_UNGUARD)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_UNGUARD)


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
        migrations.RunPython(guard, unguard),
    ]
