"""The sub-navigation of the stock screens (only sections whose URL exists are shown).

A section is active when the path starts with one of its prefixes (below /voorraad/);
the overview only on /voorraad/ itself."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

SECTIONS = [
    (_("Overview"), "voorraad:stock_overview", ("op-datum/",)),
    (_("Donations"), "voorraad:donation_list", ("schenkingen/",)),
    (_("Donors"), "voorraad:donor_list", ("schenkers/",)),
    (_("Collection drives"), "voorraad:drive_list", ("inzamelacties/",)),
    (_("Purchases"), "voorraad:purchase_list", ("aankopen/",)),
    (_("Transfers"), "voorraad:transfer_list", ("overboekingen/",)),
    (_("Counts"), "voorraad:count_list", ("tellingen/",)),
    (_("Movements"), "voorraad:movement_list", ("bewegingen/", "correcties/")),
    (_("Products"), "voorraad:product_list", ("producten/", "categorieen/")),
    (_("Items"), "voorraad:item_list", ("objecten/", "objecttypes/")),
    (_("Labels"), "voorraad:label_products", ("labels/",)),
]


def sections(current_path: str) -> list[dict]:
    try:
        root = reverse("voorraad:stock_overview")
    except NoReverseMatch:  # pragma: no cover - the app is always mounted
        return []
    rest = current_path[len(root) :] if current_path.startswith(root) else None
    found = []
    for label, name, prefixes in SECTIONS:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        active = rest is not None and (
            (rest == "" and url == root) or bool(prefixes and rest.startswith(prefixes))
        )
        found.append({"label": label, "url": url, "name": name, "active": active})
    return found
