"""How a report cell or key figure reads on screen and in the API's ``display``."""

from __future__ import annotations

from decimal import Decimal

from django.utils.formats import number_format

from rapportering.anonymity import Figure
from rapportering.selectors.report import Cell, KeyFigure


def display(cell: Cell) -> str:
    """A Figure as the rule says ("< 5" or the number), numbers with grouping (amounts
    with two decimals), text as it is."""
    if cell is None:
        return ""
    if isinstance(cell, Figure):
        return str(cell)
    if isinstance(cell, Decimal):
        return number_format(cell, decimal_pos=2, force_grouping=True)
    if isinstance(cell, int):
        return number_format(cell, force_grouping=True)
    return str(cell)


def is_number(cell: Cell) -> bool:
    return isinstance(cell, Figure | int | Decimal)


def value_of(key_figure: KeyFigure) -> int | float | None:
    """The plain value of a key figure: None when the rule hides it."""
    value = key_figure.value
    if isinstance(value, Figure):
        return value.value
    if isinstance(value, Decimal):
        return float(value)
    return value


def masked(key_figure: KeyFigure) -> bool:
    return isinstance(key_figure.value, Figure) and key_figure.value.masked
