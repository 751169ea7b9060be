"""Quantities in words: consumables are counted in units and handled in packs."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from voorraad.models import Product


def describe_units(product: Product, units: int) -> str:
    """“3 pakken”, “2 pakken en 5 stuks” or “12 stuks”, in the active language."""
    return describe_pack_units(product.pack_size, units)


def describe_pack_units(pack_size: int, units: int) -> str:
    """``describe_units`` for a product of ``pack_size`` (a list row without its Product)."""
    if pack_size > 1:
        packs, rest = divmod(units, pack_size)
        packs_text = ngettext("%(n)d pack", "%(n)d packs", packs) % {"n": packs}
        if rest == 0:
            return packs_text
        rest_text = ngettext("%(n)d unit", "%(n)d units", rest) % {"n": rest}
        if packs == 0:
            return rest_text
        return _("%(packs)s and %(units)s") % {"packs": packs_text, "units": rest_text}
    return ngettext("%(n)d unit", "%(n)d units", units) % {"n": units}
