"""Stock: catalogue, the append-only ledger with its running balances, donors and
donations, purchases, transfers, counts, and lendable items.

Quantities of consumables are whole *units* (one diaper); a product's ``pack_size`` says
how many units one pack holds, for handling and messages.
"""

from voorraad.models.catalogue import Category, MinimumLevel, Product, ProductBarcode
from voorraad.models.documents import (
    CollectionDrive,
    Donation,
    DonationLine,
    Donor,
    Purchase,
    PurchaseLine,
    StockCount,
    StockCountLine,
    Supplier,
    Transfer,
    TransferLine,
)
from voorraad.models.items import Item, ItemEvent, ItemType
from voorraad.models.ledger import StockLevel, StockMovement

__all__ = [
    "Category",
    "CollectionDrive",
    "Donation",
    "DonationLine",
    "Donor",
    "Item",
    "ItemEvent",
    "ItemType",
    "MinimumLevel",
    "Product",
    "ProductBarcode",
    "Purchase",
    "PurchaseLine",
    "StockCount",
    "StockCountLine",
    "StockLevel",
    "StockMovement",
    "Supplier",
    "Transfer",
    "TransferLine",
]
