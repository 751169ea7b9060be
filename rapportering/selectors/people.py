"""Volunteers: hours worked and no-shows in the period, in total and per location, never
by name. Hours follow the rule of ``vrijwilligers.selectors.hours``: attended and late
sign-ups count ``Signup.hours`` when set, else the shift's length."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from rapportering.selectors.filters import ReportFilter
from rapportering.selectors.report import KeyFigure, Table
from rapportering.selectors.scope import moment_in, scoped
from vrijwilligers.models import Signup
from vrijwilligers.selectors.hours import COUNTED, TWO_PLACES


def section(filters: ReportFilter, *, tables: bool = True) -> tuple[list[KeyFigure], list[Table]]:
    signups = Signup.objects.filter(
        moment_in(filters, "shift__starts_at"),
        scoped(filters, location="shift__location"),
        status=Signup.Status.CONFIRMED,
        shift__cancelled_at__isnull=True,
    )
    worked = Q(attendance__in=COUNTED)
    per_location = {
        row["shift__location_id"]: row
        for row in signups.values("shift__location_id", "shift__location__name")
        .annotate(
            worked=Count("id", filter=worked),
            no_shows=Count("id", filter=Q(attendance=Signup.Attendance.NO_SHOW)),
            set_hours=Sum("hours", filter=worked & Q(hours__isnull=False)),
        )
        .order_by()
    }
    # Sign-ups without corrected hours count their shift's length: summed per shift.
    hours: dict[int, Decimal] = defaultdict(Decimal)
    for location, starts, ends, n in (
        signups.filter(worked, hours__isnull=True)
        .values_list("shift__location_id", "shift__starts_at", "shift__ends_at")
        .annotate(n=Count("id"))
        .order_by()
    ):
        length = Decimal((ends - starts).total_seconds()) / Decimal(3600)
        hours[location] += length.quantize(TWO_PLACES) * n
    for location, row in per_location.items():
        hours[location] += Decimal(str(row["set_hours"] or 0))
    total_hours = sum(hours.values(), Decimal(0)).quantize(TWO_PLACES)
    key_figures = [
        KeyFigure("volunteer_hours", _("Volunteer hours worked"), total_hours, "uur"),
        KeyFigure(
            "volunteer_shifts_worked",
            _("Shifts worked by volunteers"),
            sum(row["worked"] for row in per_location.values()),
        ),
        KeyFigure(
            "volunteer_no_shows",
            _("Volunteer no-shows"),
            sum(row["no_shows"] for row in per_location.values()),
        ),
    ]
    if not tables:
        return key_figures, []
    rows = sorted(per_location.values(), key=lambda row: row["shift__location__name"].lower())
    return key_figures, [
        Table(
            key="volunteer_hours_by_location",
            title=_("Volunteer hours per location"),
            columns=[_("Location"), _("Shifts worked"), _("Hours"), _("No-shows")],
            rows=[
                [
                    row["shift__location__name"],
                    row["worked"],
                    hours[row["shift__location_id"]].quantize(TWO_PLACES),
                    row["no_shows"],
                ]
                for row in rows
            ],
            note=_(
                "Shifts that started in the period and were not cancelled; present and "
                "late count their hours."
            ),
            section="volunteers",
        )
    ]
