"""What a report is about: a period and, optionally, programs, municipalities and
distribution points. Every report, chart, export and the API take one ``ReportFilter``."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from kern.api_contract import EARLIEST_DAY, LATEST_DAY

#: An id or a year in a query: ASCII digits only, ten at most.
_ID = re.compile(r"[0-9]{1,10}")

#: The longest period one report covers (ten years and a bit).
MAX_DAYS = 3700


@dataclass(frozen=True)
class ReportFilter:
    start: dt.date  # first day, local
    end: dt.date  # last day, inclusive, local
    programs: tuple[int, ...] = field(default=())  # empty: every program
    municipalities: tuple[int, ...] = field(default=())  # empty: every municipality
    locations: tuple[int, ...] = field(default=())  # empty: every point

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("end before start")
        if (self.end - self.start).days > MAX_DAYS:
            raise ValueError("period too long")

    @property
    def since(self) -> dt.datetime:
        """The first moment of ``start`` in the local time zone (aware)."""
        return local_midnight(self.start)

    @property
    def until(self) -> dt.datetime:
        """The first moment after ``end`` (aware, exclusive)."""
        return local_midnight(self.end + dt.timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def months(self) -> list[dt.date]:
        """The first day of every month the period touches, in order."""
        first = self.start.replace(day=1)
        result = []
        while first <= self.end:
            result.append(first)
            first = (first + dt.timedelta(days=32)).replace(day=1)
        return result

    def as_query(self) -> dict[str, str | list[str]]:
        """The GET parameters that give this filter back through :func:`from_query`."""
        query: dict[str, str | list[str]] = {
            "van": self.start.isoformat(),
            "tot": self.end.isoformat(),
        }
        if self.programs:
            query["programma"] = [str(pk) for pk in self.programs]
        if self.municipalities:
            query["gemeente"] = [str(pk) for pk in self.municipalities]
        if self.locations:
            query["punt"] = [str(pk) for pk in self.locations]
        return query


def local_midnight(day: dt.date) -> dt.datetime:
    zone = ZoneInfo(settings.TIME_ZONE)
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=zone)


def this_month(today: dt.date | None = None) -> ReportFilter:
    today = today or timezone.localdate()
    first = today.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return ReportFilter(start=first, end=last)


def year(number: int) -> ReportFilter:
    return ReportFilter(start=dt.date(number, 1, 1), end=dt.date(number, 12, 31))


def parse_id(value: str) -> int | None:
    """``value`` as a database id (1 … 2**31 − 1), or None. Only ASCII digits count:
    ``str.isdigit`` also accepts "²" or "١", which ``int`` then refuses."""
    if not _ID.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number < 2**31 else None


def parse_number(value: str) -> int | None:
    """``value`` as a non-negative whole number of at most ten ASCII digits (a year), or
    None."""
    return int(value) if _ID.fullmatch(value) else None


def _ids(values: list[str]) -> tuple[int, ...]:
    ids = {parse_id(value) for value in values}
    return tuple(sorted(pk for pk in ids if pk is not None))


def from_query(query: Mapping[str, object], *, today: dt.date | None = None) -> ReportFilter:
    """The filter of GET parameters ``van``, ``tot`` (ISO dates), ``programma``,
    ``gemeente`` and ``punt`` (ids, repeatable). What is missing or unreadable falls back
    to this month and every program, municipality and point; the form
    (``rapportering.forms.ReportFilterForm``) is what tells the user about bad input."""
    default = this_month(today)

    def values(name: str) -> list[str]:
        getlist = getattr(query, "getlist", None)
        if callable(getlist):
            return [str(v) for v in getlist(name)]
        value = query.get(name)
        if value is None:
            return []
        if isinstance(value, list | tuple):
            return [str(v) for v in value]
        return [str(value)]

    def day(name: str, fallback: dt.date) -> dt.date:
        raw = values(name)
        try:
            return dt.date.fromisoformat(raw[-1]) if raw else fallback
        except ValueError:
            return fallback

    start = day("van", default.start)
    end = day("tot", default.end)
    outside = start < EARLIEST_DAY or end > LATEST_DAY
    if outside or end < start or (end - start).days > MAX_DAYS:
        start, end = default.start, default.end
    return ReportFilter(
        start=start,
        end=end,
        programs=_ids(values("programma")),
        municipalities=_ids(values("gemeente")),
        locations=_ids(values("punt")),
    )
