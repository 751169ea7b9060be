"""What a child's birth month says: its age in months and the diaper size it wears.

The one home of "which diaper size at which age": the demand forecast of the reports
reads it, and any screen that proposes a size should too. A child's ``diaper_size``, when
set, overrides the age (a small or a big child)."""

from __future__ import annotations

import datetime as dt

#: (from age in months, size): a child wears the size of the last row whose age it has
#: reached. The age bands of the common packs' weight ranges, as Flemish diaper banks
#: hand them out.
DIAPER_SIZES_BY_AGE: tuple[tuple[int, int], ...] = (
    (0, 1),
    (2, 2),
    (4, 3),
    (9, 4),
    (18, 5),
    (30, 6),
)


def age_in_months(*, birth_year: int, birth_month: int, on: dt.date) -> int:
    """Whole months from the birth month to ``on``'s month (born in March: 1 in April)."""
    return (on.year * 12 + on.month) - (birth_year * 12 + birth_month)


def diaper_size_for_age(months: int) -> int:
    size = DIAPER_SIZES_BY_AGE[0][1]
    for from_months, band_size in DIAPER_SIZES_BY_AGE:
        if months >= from_months:
            size = band_size
    return size


def diaper_size(
    *, birth_year: int, birth_month: int, on: dt.date, override: int | None = None
) -> int:
    """The size a child wears in ``on``'s month: its own ``diaper_size`` when set, else
    the size for its age."""
    if override:
        return override
    return diaper_size_for_age(age_in_months(birth_year=birth_year, birth_month=birth_month, on=on))
