"""Products with their EAN codes: matched by name, else by one of their EANs."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kern import barcodes
from kern.errors import DomainError
from kern.models import User
from rapportering.importers.base import (
    CREATE,
    UPDATE,
    Cells,
    Column,
    Done,
    Handler,
    Key,
    decimal,
    items_of,
    required,
    too_long,
    whole_number,
)
from voorraad import services
from voorraad.models import Category, Product, ProductBarcode


def parse_eans(cells: Cells) -> list[tuple[str, int | None]]:
    """``5400000000017:44, 5400000000024`` → [(gtin, 44), (gtin, None)]; None: one pack."""
    found: list[tuple[str, int | None]] = []
    for part in items_of(cells, "ean", separators=",;| \n"):
        raw, _sep, units = part.partition(":")
        if not units and "x" in raw.lower():
            raw, _sep, units = raw.lower().partition("x")
        gtin = barcodes.parse_gtin(raw)
        count = None
        if units.strip():
            count = whole_number({"ean": units.strip()}, "ean")
        found.append((gtin, count))
    return found


class Products(Handler):
    kind = "producten"
    permission = "kern.manage_stock"
    list_url = "voorraad:product_list"
    note = gettext_lazy(
        "Matched by name (or, with the name left empty, by one of its EANs): a known "
        "product is updated, its EANs are added to the ones it has. Several EANs in one cell, separated by a comma; "
        "5400000000017:44 means one scan of that EAN is 44 units (default: one pack). "
        "A new category is created."
    )
    columns = (
        Column("naam", ("name", "product"), required=True, example="Luiers maat 3"),
        Column("categorie", ("category",), example="Luiers"),
        Column("eenheid", ("unit", "unit_name"), example="stuk"),
        Column("stuks_per_pak", ("pack_size", "units_per_pack", "per_pak"), example="44"),
        Column("waarde_per_stuk", ("value_per_unit", "value", "waarde"), example="0,25"),
        Column("ean", ("eans", "gtin", "barcode", "barcodes"), example="5400000000017:44"),
    )

    def keys(self, cells: Cells) -> list[Key]:
        name = cells.get("naam", "").strip().lower()
        keys = [Key("naam:" + name, _("The name"))] if name else []
        try:
            eans = parse_eans(cells)
        except DomainError:
            eans = []
        keys += [Key("ean:" + gtin, _("EAN %(gtin)s") % {"gtin": gtin}) for gtin, _u in eans]
        return keys

    def run(self, *, actor: User, cells: Cells) -> Done:
        name = cells.get("naam", "").strip()
        if len(name) > 150:
            raise too_long("naam", 150)
        eans = parse_eans(cells)
        product = Product.objects.filter(name__iexact=name).first() if name else None
        if product is None and not name and eans:
            # Without a name, a known EAN says which product the row changes. With an
            # unknown name, a known EAN is refused by save_product (it belongs elsewhere).
            owner = (
                ProductBarcode.objects.filter(gtin__in=[g for g, _u in eans])
                .select_related("product")
                .first()
            )
            product = owner.product if owner else None
        if product is None and not name:
            required(cells, "naam")
        outcome = UPDATE if product is not None else CREATE
        if product is None:
            product = Product(name=name)
        elif name:
            product.name = name
        category_name = cells.get("categorie", "").strip()
        if category_name:
            category = Category.objects.filter(name__iexact=category_name).first()
            if category is None:
                category = services.create_category(actor=actor, name=category_name)
            product.category = category
        elif outcome == CREATE:
            raise DomainError(_("A new product needs a category."), field="categorie")
        if cells.get("eenheid", "").strip():
            product.unit_name = cells["eenheid"].strip()
        pack_size = whole_number(cells, "stuks_per_pak")
        if pack_size is not None:
            product.pack_size = pack_size
        value = decimal(cells, "waarde_per_stuk")
        if value is not None:
            product.value_per_unit = value
        gtins = None
        if eans:
            # An import adds EANs; the ones the product has stay (with a new count if given).
            known = {} if outcome == CREATE else dict(product.barcodes.values_list("gtin", "units"))
            for gtin, units in eans:
                known[gtin] = units or product.pack_size
            gtins = list(known.items())
        product = services.save_product(actor=actor, product=product, gtins=gtins)
        return Done(outcome, product)

    def url_of(self, object_id: int) -> str:
        return reverse("voorraad:product_detail", args=[object_id])
