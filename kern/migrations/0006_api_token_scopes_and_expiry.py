"""API tokens get scopes and always expire. A token made before carries every scope (it
keeps acting with its owner's rights, as before) and expires a year after it was made."""

import datetime as dt

from django.db import migrations, models

ALL_SCOPES = ["counter", "stock", "referrals", "shifts", "reports", "admin"]


def scope_and_expire_existing_tokens(apps, schema_editor):
    ApiToken = apps.get_model("kern", "ApiToken")
    for token in ApiToken.objects.all():
        token.scopes = list(ALL_SCOPES)
        if token.expires_at is None:
            token.expires_at = token.created_at + dt.timedelta(days=365)
        token.save(update_fields=["scopes", "expires_at"])


class Migration(migrations.Migration):

    dependencies = [
        ("kern", "0005_work_shifts_permission"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="scopes",
            field=models.JSONField(
                default=list, help_text="What the token may be used for.", verbose_name="scopes"
            ),
        ),
        migrations.RunPython(scope_and_expire_existing_tokens, migrations.RunPython.noop),
    ]
