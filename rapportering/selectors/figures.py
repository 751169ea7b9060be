"""The figures of a report (owned by the reports part; this is the starting point)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from rapportering import anonymity
from rapportering.selectors.filters import ReportFilter
from rapportering.selectors.report import KeyFigure, Report
from uitlening.models import Distribution


def build(
    *, filters: ReportFilter, sections: tuple[str, ...] = (), key_figures_only: bool = False
) -> Report:
    served = (
        Distribution.objects.filter(
            created_at__gte=filters.since, created_at__lt=filters.until, corrected_at__isnull=True
        )
        .values("household")
        .distinct()
        .count()
    )
    return Report(
        filters=filters,
        key_figures=[
            KeyFigure("households_reached", _("Households reached"), anonymity.households(served))
        ],
    )
