"""Reports through the API: ``report_summary``, the key figures of a period, optionally
for one program, municipality and distribution point. Anonymous aggregates with the
"< 5" rule applied: a hidden figure has ``value`` null, ``display`` "< 5" and ``masked``
true."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from kern import permissions
from kern.api_contract import Day, OptionalId, caller, contract
from kern.errors import DomainError, NotFound
from kern.models import Location, Municipality
from rapportering.selectors import cells
from rapportering.selectors.filters import MAX_DAYS, ReportFilter, this_month
from rapportering.selectors.report import report_summary as summary_of
from toegang.models import Program

router = Router(tags=["rapportering"])


class SummaryFilter(Schema):
    from_day: Day | None = Field(
        None, description="First day (default: the 1st of the month of `to_day`, or of this month)."
    )
    to_day: Day | None = Field(
        None,
        description=f"Last day, inclusive (default: the end of the month of `from_day`, or of this month); "
        f"at most {MAX_DAYS} days after `from_day`.",
    )
    program_id: OptionalId = None
    municipality_id: OptionalId = Field(None, description="Where the households live.")
    location_id: OptionalId = Field(None, description="Distribution point.")


class KeyFigureOut(Schema):
    key: str = Field(..., description="Stable English name, e.g. `households_reached`.")
    label: str
    value: int | float | None = Field(
        ..., description="Null when the figure is about fewer than 5 households."
    )
    display: str = Field(..., description="As shown on screen: the number, or “< 5”.")
    masked: bool
    unit: str = Field(..., description="`EUR`, `uur` (hours), or empty for a count.")


class SummaryOut(Schema):
    from_day: dt.date
    to_day: dt.date
    program_id: int | None
    municipality_id: int | None
    location_id: int | None
    key_figures: list[KeyFigureOut]


@router.get(
    "/summary",
    operation_id="report_summary",
    **contract({200: SummaryOut}, 400, 403, 404, 422),
)
def report_summary(request: HttpRequest, filters: Query[SummaryFilter]) -> dict[str, Any]:
    """Key figures of a period (default: this month): households and children reached,
    goods handed out, loans, memberships, points, intake and volunteer hours. Needs the
    permission to see reports."""
    permissions.require(caller(request), "kern.view_reports")
    # A missing day is taken from the month of the other one (both missing: this month).
    anchor = filters.from_day or filters.to_day or timezone.localdate()
    month = this_month(anchor)
    start = filters.from_day or month.start
    end = filters.to_day or month.end
    if end < start:
        raise DomainError(
            _("The last day (%(end)s) is before the first day (%(start)s).")
            % {"end": f"{end:%d/%m/%Y}", "start": f"{start:%d/%m/%Y}"},
            field="to_day",
            code="period_reversed",
        )
    if (end - start).days > MAX_DAYS:
        raise DomainError(
            _("A report covers at most %(days)s days; choose a shorter period.")
            % {"days": MAX_DAYS},
            field="to_day",
            code="period_too_long",
        )
    for model, pk, label in (
        (Program, filters.program_id, _("Program")),
        (Municipality, filters.municipality_id, _("Municipality")),
        (Location, filters.location_id, _("Distribution point")),
    ):
        if pk is not None and not model.objects.filter(pk=pk).exists():
            raise NotFound(_("%(what)s %(id)s does not exist.") % {"what": label, "id": pk})
    report = summary_of(
        filters=ReportFilter(
            start=start,
            end=end,
            programs=(filters.program_id,) if filters.program_id else (),
            municipalities=(filters.municipality_id,) if filters.municipality_id else (),
            locations=(filters.location_id,) if filters.location_id else (),
        )
    )
    return {
        "from_day": start,
        "to_day": end,
        "program_id": filters.program_id,
        "municipality_id": filters.municipality_id,
        "location_id": filters.location_id,
        "key_figures": [
            {
                "key": figure.key,
                "label": figure.label,
                "value": cells.value_of(figure),
                "display": cells.display(figure.value),
                "masked": cells.masked(figure),
                "unit": figure.unit,
            }
            for figure in report.key_figures
        ],
    }
