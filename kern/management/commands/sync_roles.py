from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand

from kern.roles import sync_role_groups


class Command(BaseCommand):
    help = "Give the four role groups exactly the permissions listed in kern/roles.py."

    def handle(self, *args: Any, **options: Any) -> None:
        sync_role_groups(apps, verbosity=options["verbosity"])
        self.stdout.write(self.style.SUCCESS("Roles are in sync with kern/roles.py."))
