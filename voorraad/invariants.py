"""Stock invariants for ``manage.py check_invariants`` (kern.invariants)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kern import invariants
from kern.models import Location
from voorraad import selectors
from voorraad.models import Product, StockLevel


def ledger_matches_balances() -> list[str]:
    differences = selectors.reconcile()
    products = Product.objects.in_bulk({d.product_id for d in differences})
    locations = Location.objects.in_bulk({d.location_id for d in differences})
    return [
        _("%(product)s at %(location)s: balance %(balance)d units, ledger %(ledger)d.")
        % {
            "product": products[d.product_id].name if d.product_id in products else d.product_id,
            "location": (
                locations[d.location_id].name if d.location_id in locations else d.location_id
            ),
            "balance": d.balance,
            "ledger": d.ledger,
        }
        for d in differences
    ]


def balances_not_negative() -> list[str]:
    return [
        _("%(product)s at %(location)s: %(on_hand)d units on hand.")
        % {"product": level.product.name, "location": level.location.name, "on_hand": level.on_hand}
        for level in StockLevel.objects.filter(on_hand__lt=0).select_related("product", "location")
    ]


def register() -> None:
    invariants.register(
        name="voorraad.ledger_matches_balances",
        description=gettext_lazy("Every stock balance equals the sum of its ledger rows."),
        check=ledger_matches_balances,
    )
    invariants.register(
        name="voorraad.balances_not_negative",
        description=gettext_lazy("No stock balance is below zero."),
        check=balances_not_negative,
    )
