"""Every API token expires (its own migration: PostgreSQL refuses to alter a table with
the previous migration's row updates still pending in the same transaction)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("kern", "0006_api_token_scopes_and_expiry"),
    ]

    operations = [
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(verbose_name="expires"),
        ),
    ]
