"""Scan resolvers of the stock app: product labels, item asset tags, manufacturer EANs."""

from __future__ import annotations

from kern import scanning
from kern.barcodes import CodeType, InternalCode, ScanKind
from kern.models import User
from kern.prepared import PreparedQuery
from voorraad.models import Item, ItemType, Product, ProductBarcode
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


# The fields a scan answer and ``item_safety_problem`` read, compiled once (a scan is the
# counter's most frequent request; building the select_related query cost more than it).
_ITEM_FIELDS = (
    "id",
    "name",
    "size",
    "status",
    "held_for",
    "location_id",
    "accessories",
    "approval",
    "manufactured_on",
    "end_of_life_on",
    "crashed",
    "item_type_id",
    "item_type__name",
    "item_type__safety",
    "item_type__category_id",
    "item_type__category__name",
    "location__name",
)
_ITEM = PreparedQuery(lambda pk: Item.objects.filter(pk=pk).order_by().values_list(*_ITEM_FIELDS))


def resolve_item(*, user: User, code: InternalCode) -> scanning.ScanResult | None:
    rows = _ITEM.rows(pk=code.number)
    if not rows:
        return None
    row = dict(zip(_ITEM_FIELDS, rows[0], strict=True))
    item_type = ItemType(
        pk=row["item_type_id"],
        name=row["item_type__name"],
        safety=row["item_type__safety"],
        category_id=row["item_type__category_id"],
    )
    item = Item(
        pk=row["id"],
        item_type=item_type,
        name=row["name"],
        size=row["size"],
        status=row["status"],
        held_for=row["held_for"],
        location_id=row["location_id"],
        accessories=row["accessories"],
        approval=row["approval"],
        manufactured_on=row["manufactured_on"],
        end_of_life_on=row["end_of_life_on"],
        crashed=row["crashed"],
    )
    return scanning.ScanResult(
        kind="item",
        code=str(code),
        label=f"{item.name} ({item_type.name}{', ' + item.size if item.size else ''})",
        object_id=item.pk,
        details={
            "status": item.status,
            "status_label": str(item.get_status_display()),
            "location_id": item.location_id,
            "location": row["location__name"],
            "item_type": item_type.name,
            "category_id": item_type.category_id,
            "category": row["item_type__category__name"],
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
