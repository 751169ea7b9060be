"""Scan resolvers of the stock app: product labels, item asset tags, manufacturer EANs."""

from __future__ import annotations

from kern import scanning
from kern.barcodes import CodeType, ScanKind
from voorraad.models import Item, Product, ProductBarcode


def resolve_product(*, user, code) -> scanning.ScanResult | None:
    product = Product.objects.filter(pk=code.number).select_related("category").first()
    if product is None:
        return None
    return scanning.ScanResult(
        kind="product",
        code=str(code),
        label=product.name,
        object_id=product.pk,
        details={
            "pack_size": product.pack_size,
            "units": product.pack_size,
            "category": product.category.name,
        },
    )


def resolve_item(*, user, code) -> scanning.ScanResult | None:
    item = Item.objects.filter(pk=code.number).select_related("item_type", "location").first()
    if item is None:
        return None
    return scanning.ScanResult(
        kind="item",
        code=str(code),
        label=f"{item.name} ({item.item_type.name}{', ' + item.size if item.size else ''})",
        object_id=item.pk,
        details={
            "status": item.status,
            "status_label": str(item.get_status_display()),
            "location": item.location.name,
        },
    )


def resolve_gtin(*, user, number: str) -> scanning.ScanResult | None:
    mapped = ProductBarcode.objects.filter(gtin=number).select_related("product").first()
    if mapped is None:
        return None
    return scanning.ScanResult(
        kind="product",
        code=number,
        label=mapped.product.name,
        object_id=mapped.product_id,
        details={"pack_size": mapped.product.pack_size, "units": mapped.units, "ean": number},
    )


def register() -> None:
    scanning.register_internal(CodeType.PRODUCT, resolve_product)
    scanning.register_internal(CodeType.ITEM, resolve_item)
    scanning.register_number(ScanKind.GTIN, resolve_gtin)


__all__ = ["register"]
