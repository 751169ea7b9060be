"""The stock ledger is append-only: the database refuses any UPDATE of a movement."""

from django.db import migrations

from kern.dbguards import refuse_updates


class Migration(migrations.Migration):
    dependencies = [("voorraad", "0001_initial")]

    operations = [refuse_updates("voorraad_stockmovement")]
