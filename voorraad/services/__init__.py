"""Stock operations, by sub-domain: the ledger, the catalogue, donations, collection
drives, purchases, transfers, counts and items. Every public name is importable from
``voorraad.services``; reads live in ``voorraad.selectors``.

Keyword-only, in a transaction, raising a ``kern.errors.DomainError`` that says in Dutch
what is wrong. The coordinator's services check the ``kern.manage_stock`` permission;
``post_lines``, ``reverse_document`` and the item transitions (``lend_item`` …) are for other apps' services,
which decide who may.
"""

from voorraad.selectors.catalogue import ScannedProduct, product_for_code
from voorraad.selectors.donations import drive_progress
from voorraad.selectors.stock import Difference, level_of, reconcile, stock_as_of
from voorraad.services._checks import EARLIEST_DOCUMENT_DAY, MAX_UNITS_PER_LINE
from voorraad.services.catalogue import create_category, map_gtin, save_item_type, save_product
from voorraad.services.counts import cancel_count, finalise_count, record_count, start_count
from voorraad.services.donations import (
    anonymous_donor,
    post_donation,
    receive_donation,
    save_donor,
    scan_into_donation,
    set_donation_line,
    start_donation,
)
from voorraad.services.drives import save_drive
from voorraad.services.items import (
    CAR_SEAT_MAX_AGE_DAYS,
    ITEM_TRANSITIONS,
    MANUAL_STATUSES,
    MANUAL_TRANSITIONS,
    ItemAvailableCallback,
    change_item_status,
    finish_repair,
    hold_item,
    item_safety_problem,
    lend_item,
    on_item_available,
    release_item,
    retire_item,
    save_item,
    send_item_to_repair,
    take_back_item,
)
from voorraad.services.ledger import (
    INCOMING_KINDS,
    OUTGOING_KINDS,
    InsufficientStock,
    Line,
    adjust_stock,
    post_lines,
    post_movement,
    reverse_document,
    reverse_movement,
)
from voorraad.services.purchases import CostLine, record_purchase, supplier_named
from voorraad.services.transfers import (
    cancel_transfer,
    execute_transfer,
    plan_transfer,
    transfer_stock,
)
from voorraad.units import describe_pack_units, describe_units

__all__ = [
    "CAR_SEAT_MAX_AGE_DAYS",
    "EARLIEST_DOCUMENT_DAY",
    "INCOMING_KINDS",
    "ITEM_TRANSITIONS",
    "MANUAL_STATUSES",
    "MANUAL_TRANSITIONS",
    "MAX_UNITS_PER_LINE",
    "OUTGOING_KINDS",
    "CostLine",
    "Difference",
    "InsufficientStock",
    "ItemAvailableCallback",
    "Line",
    "ScannedProduct",
    "adjust_stock",
    "anonymous_donor",
    "cancel_count",
    "cancel_transfer",
    "change_item_status",
    "create_category",
    "describe_pack_units",
    "describe_units",
    "drive_progress",
    "execute_transfer",
    "finalise_count",
    "finish_repair",
    "hold_item",
    "item_safety_problem",
    "lend_item",
    "level_of",
    "map_gtin",
    "on_item_available",
    "plan_transfer",
    "post_donation",
    "post_lines",
    "post_movement",
    "product_for_code",
    "receive_donation",
    "reconcile",
    "record_count",
    "record_purchase",
    "release_item",
    "retire_item",
    "reverse_document",
    "reverse_movement",
    "save_donor",
    "save_drive",
    "save_item",
    "save_item_type",
    "save_product",
    "scan_into_donation",
    "send_item_to_repair",
    "set_donation_line",
    "start_count",
    "start_donation",
    "stock_as_of",
    "supplier_named",
    "take_back_item",
    "transfer_stock",
]
