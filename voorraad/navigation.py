"""The sub-navigation of the stock screens (only sections whose URL exists are shown)."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

SECTIONS = [
    (_("Overview"), "voorraad:stock_overview"),
    (_("Donations"), "voorraad:donation_list"),
    (_("Donors"), "voorraad:donor_list"),
    (_("Collection drives"), "voorraad:drive_list"),
    (_("Purchases"), "voorraad:purchase_list"),
    (_("Transfers"), "voorraad:transfer_list"),
    (_("Counts"), "voorraad:count_list"),
    (_("Movements"), "voorraad:movement_list"),
    (_("Products"), "voorraad:product_list"),
    (_("Items"), "voorraad:item_list"),
    (_("Labels"), "voorraad:label_products"),
]


def sections(current_path: str) -> list[dict]:
    found = []
    for label, name in SECTIONS:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        found.append({"label": label, "url": url, "name": name})
    active = max(
        (s for s in found if current_path.startswith(s["url"])),
        key=lambda s: len(s["url"]),
        default=None,
    )
    for section in found:
        section["active"] = section is active
    return found
