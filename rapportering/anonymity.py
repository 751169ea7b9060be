"""The one home of the "< 5" rule: a figure about fewer than ``REPORT_MIN_HOUSEHOLDS``
households (default 5) is never shown, exported or answered by the API as a number.

A masked figure keeps ``value=None`` and shows as "< 5". Zero is shown as 0: an empty
group says nothing about any household. In a breakdown (rows that add up to a shown
total) a single masked row could be worked out as total minus the others, so
:func:`mask_breakdown` then also masks the next smallest row (secondary suppression).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.utils.formats import number_format


def min_households() -> int:
    return int(getattr(settings, "REPORT_MIN_HOUSEHOLDS", 5))


def masked_text() -> str:
    return f"< {min_households()}"


@dataclass(frozen=True)
class Figure:
    """A number as a report may show it: ``value`` is None when the rule hides it."""

    value: int | None

    @property
    def masked(self) -> bool:
        return self.value is None

    def __str__(self) -> str:
        if self.value is None:
            return masked_text()
        return number_format(self.value, force_grouping=True)

    def export(self) -> int | str:
        """The cell of a CSV/XLSX export: the number, or the text "< 5"."""
        return masked_text() if self.value is None else self.value


def is_small(households: int) -> bool:
    """A group of 1–4 households (with the default rule): too small to show."""
    return 0 < households < min_households()


def households(count: int) -> Figure:
    """A count of households (or of children, persons …, of that many households)."""
    return Figure(None if is_small(count) else count)


def about(value: int, *, households: int) -> Figure:
    """A figure (units handed out, children, lent days …) about ``households`` households:
    hidden when that group is too small, shown otherwise."""
    return Figure(None if is_small(households) else value)


Row = TypeVar("Row")


def mask_breakdown(rows: Sequence[Row], *, households: Callable[[Row], int]) -> set[int]:
    """The indexes of ``rows`` to hide: every row about too few households and, when that
    leaves exactly one hidden row, the next smallest non-empty row too, so that no hidden
    row can be worked out from a total shown beside the breakdown."""
    sizes = [households(row) for row in rows]
    hidden = {i for i, size in enumerate(sizes) if is_small(size)}
    if len(hidden) == 1:
        shown = sorted((size, i) for i, size in enumerate(sizes) if i not in hidden and size > 0)
        if shown:
            hidden.add(shown[0][1])
    return hidden
