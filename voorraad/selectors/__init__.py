"""Reads of stock, by sub-domain; everything is importable from ``voorraad.selectors``."""

from voorraad.selectors.catalogue import ScannedProduct, product_for_code
from voorraad.selectors.donations import drive_progress
from voorraad.selectors.stock import (
    OUTFLOW_KINDS,
    OUTFLOW_WEEKS,
    Difference,
    LevelRow,
    days_of_cover,
    level_of,
    reconcile,
    stock_as_of,
    stock_level_rows,
    stock_overview,
)

__all__ = [
    "OUTFLOW_KINDS",
    "OUTFLOW_WEEKS",
    "Difference",
    "LevelRow",
    "ScannedProduct",
    "days_of_cover",
    "drive_progress",
    "level_of",
    "product_for_code",
    "reconcile",
    "stock_as_of",
    "stock_level_rows",
    "stock_overview",
]
