"""The catalogue: categories, products with their EAN codes and minimum levels, item
types."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from kern import barcodes
from kern.errors import Conflict, DomainError
from kern.models import Location, User
from voorraad.models import Category, ItemType, MinimumLevel, Product, ProductBarcode
from voorraad.services._checks import check_quantity, require_stock_role, validate


@transaction.atomic
def save_product(
    *,
    actor: User,
    product: Product,
    gtins: Sequence[tuple[str, int]] | None = None,
    minimums: dict[Location, int] | None = None,
) -> Product:
    """Create or change a product; optionally replace its EAN codes and minimum levels."""
    require_stock_role(actor)
    product.name = (product.name or "").strip()
    if Product.objects.filter(name__iexact=product.name).exclude(pk=product.pk).exists():
        raise Conflict(
            _("There is already a product called %(name)s.") % {"name": product.name}, field="name"
        )
    validate(product)
    product.save()
    if gtins is not None:
        _replace_gtins(product, gtins)
    if minimums is not None:
        for location, minimum in minimums.items():
            if minimum:
                minimum = check_quantity(product, minimum)
                MinimumLevel.objects.update_or_create(
                    product=product, location=location, defaults={"minimum_units": minimum}
                )
            else:
                MinimumLevel.objects.filter(product=product, location=location).delete()
    return product


def _replace_gtins(product: Product, gtins: Sequence[tuple[str, int]]) -> None:
    wanted: dict[str, int] = {}
    for raw, units in gtins:
        try:
            gtin = barcodes.parse_gtin(raw)
        except DomainError as exc:
            raise DomainError(exc.message, code=exc.code, field="gtins") from None
        wanted[gtin] = check_quantity(product, units or product.pack_size)
    taken = (
        ProductBarcode.objects.filter(gtin__in=wanted)
        .exclude(product=product)
        .select_related("product")
    )
    for other in taken:
        raise Conflict(
            _("EAN %(gtin)s already belongs to %(product)s.")
            % {"gtin": other.gtin, "product": other.product.name},
            field="gtins",
        )
    product.barcodes.exclude(gtin__in=wanted).delete()
    for gtin, units in wanted.items():
        ProductBarcode.objects.update_or_create(
            gtin=gtin, defaults={"product": product, "units": units}
        )


@transaction.atomic
def map_gtin(
    *, actor: User, gtin: str, product: Product, units: int | None = None
) -> ProductBarcode:
    """Tie an unknown manufacturer code to a product once and for all."""
    require_stock_role(actor)
    gtin = barcodes.parse_gtin(gtin)
    units = product.pack_size if units is None else check_quantity(product, units)
    existing = ProductBarcode.objects.select_related("product").filter(gtin=gtin).first()
    if existing is not None:
        if existing.product_id != product.pk:
            raise Conflict(
                _("EAN %(gtin)s already belongs to %(product)s.")
                % {"gtin": gtin, "product": existing.product.name}
            )
        if existing.units != units:  # mapping it again with another pack size corrects it
            existing.units = units
            existing.save(update_fields=["units"])
        return existing
    return ProductBarcode.objects.create(gtin=gtin, product=product, units=units)


def create_category(*, actor: User, name: str) -> Category:
    require_stock_role(actor)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the category a name."), field="name")
    if len(name) > 100:
        raise DomainError(_("A category name has at most 100 characters."), field="name")
    existing = Category.objects.filter(name__iexact=name).first()
    if existing is not None:
        raise Conflict(
            _("There is already a category called %(name)s.") % {"name": existing.name},
            field="name",
        )
    return Category.objects.create(name=name)


@transaction.atomic
def save_item_type(*, actor: User, item_type: ItemType) -> ItemType:
    require_stock_role(actor)
    item_type.name = (item_type.name or "").strip()
    if ItemType.objects.filter(name__iexact=item_type.name).exclude(pk=item_type.pk).exists():
        raise Conflict(
            _("There is already an item type called %(name)s.") % {"name": item_type.name},
            field="name",
        )
    item_type.default_accessories = [
        a.strip() for a in item_type.default_accessories if a and a.strip()
    ]
    validate(item_type)
    item_type.save()
    return item_type
