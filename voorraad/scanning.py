"""Scan resolvers of the stock app: product labels, item asset tags, manufacturer EANs."""

from __future__ import annotations

from kern import scanning
from kern.barcodes import CodeType, InternalCode, ScanKind
from kern.models import User
from voorraad.models import Item, Product, ProductBarcode
from voorraad.services import item_safety_problem


def resolve_product(*, user: User, code: InternalCode) -> scanning.ScanResult | None:
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
            "category_id": product.category_id,
            "category": product.category.name,
            "active": product.is_active,
        },
    )


def resolve_item(*, user: User, code: InternalCode) -> scanning.ScanResult | None:
    item = (
        Item.objects.filter(pk=code.number)
        .select_related("item_type", "item_type__category", "location")
        .first()
    )
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
            "location_id": item.location_id,
            "location": item.location.name,
            "item_type": item.item_type.name,
            "category_id": item.item_type.category_id,
            "category": item.item_type.category.name,
            "size": item.size,
            "accessories": [str(a) for a in item.accessories or []],
            # Held for a household: only that it is held, not for whom.
            "held": bool(item.status == Item.Status.RESERVED and item.held_for),
            "safety_problem": item_safety_problem(item) or None,
        },
    )


def resolve_gtin(*, user: User, number: str) -> scanning.ScanResult | None:
    mapped = (
        ProductBarcode.objects.filter(gtin=number)
        .select_related("product", "product__category")
        .first()
    )
    if mapped is None:
        return None
    return scanning.ScanResult(
        kind="product",
        code=number,
        label=mapped.product.name,
        object_id=mapped.product_id,
        details={
            "pack_size": mapped.product.pack_size,
            "units": mapped.units,
            "ean": number,
            "category_id": mapped.product.category_id,
            "category": mapped.product.category.name,
            "active": mapped.product.is_active,
        },
    )


def register() -> None:
    scanning.register_internal(CodeType.PRODUCT, resolve_product)
    scanning.register_internal(CodeType.ITEM, resolve_item)
    scanning.register_number(ScanKind.GTIN, resolve_gtin)


__all__ = ["register"]
