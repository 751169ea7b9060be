"""``manage.py reconcile_stock``: check every running balance against its ledger."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kern.models import Location
from voorraad import selectors
from voorraad.models import Product


class Command(BaseCommand):
    help = (
        "Compare every stock balance with the sum of its ledger rows; print each "
        "difference and exit with status 1 when there is one."
    )

    def handle(self, *args, **options):
        differences = selectors.reconcile()
        if not differences:
            self.stdout.write(
                self.style.SUCCESS(_("Every stock balance matches the sum of its ledger rows."))
            )
            return
        products = Product.objects.in_bulk({d.product_id for d in differences})
        locations = Location.objects.in_bulk({d.location_id for d in differences})
        for difference in differences:
            product = products.get(difference.product_id)
            location = locations.get(difference.location_id)
            self.stdout.write(
                _(
                    "%(product)s at %(location)s: the balance says %(balance)d units, "
                    "the ledger %(ledger)d (difference %(difference)+d)."
                )
                % {
                    "product": product.name if product else f"#{difference.product_id}",
                    "location": location.name if location else f"#{difference.location_id}",
                    "balance": difference.balance,
                    "ledger": difference.ledger,
                    "difference": difference.balance - difference.ledger,
                }
            )
        raise CommandError(
            ngettext(
                "%(count)d stock balance differs from its ledger.",
                "%(count)d stock balances differ from their ledger.",
                len(differences),
            )
            % {"count": len(differences)}
        )
