from django.core.management.base import BaseCommand

from kern.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Create the demo network and one account per role (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--quiet-accounts", action="store_true", help="Do not print the accounts."
        )

    def handle(self, *args, **options):
        accounts = load_demo()
        for app_demo in ("voorraad.demo", "toegang.demo", "uitlening.demo", "vrijwilligers.demo"):
            try:
                module = __import__(app_demo, fromlist=["load_demo"])
            except ModuleNotFoundError:
                continue
            module.load_demo()
        if options["quiet_accounts"]:
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data is ready. Demo accounts (password for all: {DEMO_PASSWORD}):"
            )
        )
        for account in accounts:
            places = ", ".join(account.locations) or account.organisation or ""
            self.stdout.write(f"  {account.username:<26} {account.role.label!s:<24} {places}")
