"""The shape every report has, on screen, in an export, in the annual PDF and in the API:
key figures and tables of cells, anonymous, with the "< 5" rule already applied (a masked
cell is a :class:`~rapportering.anonymity.Figure` whose value is None).

``build_report`` is the one place that computes a report's figures; the screen, the
exports, the annual PDF and ``report_summary`` only render what it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rapportering.anonymity import Figure
from rapportering.selectors.filters import ReportFilter

#: The title of each section of tables, shown on the report screen and in the annual PDF.
SECTION_TITLES: dict[str, str | Promise] = {
    "reach": _("Reach"),
    "goods": _("Goods handed out"),
    "loans": _("Loans"),
    "programs": _("Memberships, swap shop, seasonal actions and partners"),
    "intake": _("Goods coming in"),
    "volunteers": _("Volunteers"),
}


def section_title(name: str) -> str:
    return str(SECTION_TITLES.get(name, name))


#: One cell: text, a plain number (stock, euros, hours), or a household figure.
Cell = str | int | Decimal | Figure | None


@dataclass(frozen=True)
class KeyFigure:
    key: str  # stable, English, snake_case: the API field and the export column
    label: str  # translated
    value: Figure | int | Decimal
    unit: str = ""  # "EUR", "uur" …; empty: a count


@dataclass(frozen=True)
class Table:
    key: str  # stable, English, snake_case: the export file name and the anchor
    title: str  # translated
    columns: list[str]  # translated headings
    rows: list[list[Cell]]
    note: str = ""  # translated; e.g. what "< 5" means or how a value is estimated
    section: str = ""  # the group of tables it belongs to (see SECTIONS)


@dataclass(frozen=True)
class Report:
    filters: ReportFilter
    key_figures: list[KeyFigure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    def figure(self, key: str) -> KeyFigure:
        for figure in self.key_figures:
            if figure.key == key:
                return figure
        raise KeyError(key)

    def table(self, key: str) -> Table:
        for table in self.tables:
            if table.key == key:
                return table
        raise KeyError(key)


def build_report(*, filters: ReportFilter, sections: tuple[str, ...] = ()) -> Report:
    """The report of ``filters``; ``sections`` limits it to some sections (all: empty)."""
    from rapportering.selectors import figures

    return figures.build(filters=filters, sections=sections)


def report_summary(*, filters: ReportFilter) -> Report:
    """The key figures of ``filters`` without the tables (the API's ``report_summary``)."""
    from rapportering.selectors import figures

    return figures.build(filters=filters, sections=(), key_figures_only=True)
