"""The one home of the "< 5" rule: a figure about fewer than ``REPORT_MIN_HOUSEHOLDS``
households (default 5) is never shown, exported or answered by the API as a number.

A masked figure keeps ``value=None`` and shows as "< 5". Zero is shown as 0: an empty
group says nothing about any household.

What is guaranteed, within one report (one filter) and the totals shown beside its
tables: every sum the report shows with its parts (a table's rows against its key figure,
a category row against its products, a column against its key figure, a row against its
split) has either no hidden part or at least two, so no hidden figure is one shown figure
minus other shown figures. :func:`mask_breakdown` does this for one breakdown against its
total; :func:`mask_sums` for figures that take part in several sums at once (repeated
until nothing changes, since hiding a cell for one sum can leave another sum with a
single hidden part).

What is not guaranteed (accepted risks):

- Differencing between two different reports: a report (or an API ``report_summary``)
  for all points and one for all points but one, or for two overlapping periods, can be
  subtracted from each other. No suppression inside one report can prevent that.
- Combinations of several sums in rare patterns of hidden cells (a chain of sums that
  together isolate one cell), and bounds: two hidden parts of a small remainder are each
  known to be at most that remainder.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
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
Key = TypeVar("Key", bound=Hashable)


def mask_breakdown(rows: Sequence[Row], *, households: Callable[[Row], int]) -> set[int]:
    """The indexes of ``rows`` to hide: every row about too few households and, when that
    leaves exactly one hidden row, the next smallest non-empty row too, so that no hidden
    row is the total shown beside this breakdown minus its shown rows. When the rows also
    take part in other sums (a column against its key figure, products in a category
    row), use :func:`mask_sums`."""
    sizes = [households(row) for row in rows]
    hidden = {i for i, size in enumerate(sizes) if is_small(size)}
    if len(hidden) == 1:
        shown = sorted((size, i) for i, size in enumerate(sizes) if i not in hidden and size > 0)
        if shown:
            hidden.add(shown[0][1])
    return hidden


def mask_sums(
    sizes: Mapping[Key, int],
    sums: Iterable[tuple[Key, Sequence[Key]]],
    *,
    follows: Mapping[Key, Sequence[Key]] | None = None,
) -> set[Key]:
    """The cells to hide: the cells of ``sizes`` (cell → the households it is about)
    about too few households, and then, until nothing changes, for every shown sum
    ``(total, parts)`` with exactly one hidden cell, its smallest non-empty shown part
    (or, when no such part is left, the total itself). ``follows[cell]`` are hidden with
    ``cell`` (a row's other figures with the row). A total may itself be a part of another
    sum (a category row, a key figure split in two)."""
    relations = [(total, list(parts)) for total, parts in sums]
    followers = follows or {}
    hidden = {cell for cell, size in sizes.items() if is_small(size)}

    def hide(cell: Key) -> None:
        pending = [cell]
        while pending:
            current = pending.pop()
            if current not in hidden:
                hidden.add(current)
                pending.extend(followers.get(current, ()))

    for cell in list(hidden):
        hidden.discard(cell)
        hide(cell)
    changed = True
    while changed:
        changed = False
        for total, parts in relations:
            if sum(cell in hidden for cell in (total, *parts)) != 1:
                continue
            shown = sorted(
                (sizes[part], index)
                for index, part in enumerate(parts)
                if part not in hidden and sizes[part] > 0
            )
            if shown:
                hide(parts[shown[0][1]])
            elif total not in hidden and sizes[total] > 0:
                hide(total)
            else:
                continue  # nothing left to hide: every other cell is zero
            changed = True
    return hidden
