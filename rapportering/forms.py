"""The report filter: a period (a preset or own dates), and optionally programs,
municipalities and distribution points. Its GET names are those of
``rapportering.selectors.filters.from_query`` (``van``, ``tot``, ``programma``,
``gemeente``, ``punt``) plus ``periode`` for the preset, so export links built from
``ReportFilter.as_query()`` read back as the same filter."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kern.api_contract import EARLIEST_DAY, LATEST_DAY
from kern.models import Location, Municipality
from rapportering.selectors.filters import MAX_DAYS, ReportFilter, this_month
from toegang.models import Program

THIS_MONTH = "deze_maand"
LAST_MONTH = "vorige_maand"
THIS_YEAR = "dit_jaar"
LAST_YEAR = "vorig_jaar"
CUSTOM = "zelf"

PRESETS = [
    (THIS_MONTH, _("This month")),
    (LAST_MONTH, _("Last month")),
    (THIS_YEAR, _("This year")),
    (LAST_YEAR, _("Last year")),
    (CUSTOM, _("Own dates")),
]


def preset_period(preset: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of a preset period around ``today``."""
    if preset == LAST_MONTH:
        last = today.replace(day=1) - dt.timedelta(days=1)
        return last.replace(day=1), last
    if preset == THIS_YEAR:
        return dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)
    if preset == LAST_YEAR:
        return dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)
    month = this_month(today)
    return month.start, month.end


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class ReportFilterForm(forms.Form):
    periode = forms.ChoiceField(label=_("Period"), choices=PRESETS, required=False)
    van = forms.DateField(label=_("From"), required=False, widget=DateInput())
    tot = forms.DateField(label=_("Up to and including"), required=False, widget=DateInput())
    programma = forms.ModelMultipleChoiceField(
        label=_("Programs"),
        queryset=Program.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every program."),
    )
    gemeente = forms.ModelMultipleChoiceField(
        label=_("Municipalities"),
        queryset=Municipality.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Where the households live. None ticked: every municipality."),
    )
    punt = forms.ModelMultipleChoiceField(
        label=_("Distribution points"),
        queryset=Location.objects.filter(kind=Location.Kind.DISTRIBUTION_POINT).order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every point."),
    )

    def __init__(self, *args: Any, today: dt.date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        if self.is_bound and not self.data.get("periode"):
            # Links carry only dates (ReportFilter.as_query): own dates when there are any.
            data = QueryDict(mutable=True)
            data.update(self.data)
            given = data.get("van") or data.get("tot")
            data["periode"] = CUSTOM if given else THIS_MONTH
            self.data = data
        preset = self.data.get("periode") if self.is_bound else None
        if preset and preset != CUSTOM and preset in dict(PRESETS):
            # The date fields show the period the preset stands for, not what they held.
            data = QueryDict(mutable=True)
            data.update(self.data)
            start, end = preset_period(preset, self.today)
            data.setlist("van", [start.isoformat()])
            data.setlist("tot", [end.isoformat()])
            self.data = data
        if not self.is_bound:
            start, end = preset_period(THIS_MONTH, self.today)
            self.initial.setdefault("periode", THIS_MONTH)
            self.initial.setdefault("van", start)
            self.initial.setdefault("tot", end)

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        preset = data.get("periode") or THIS_MONTH
        if preset != CUSTOM:
            data["van"], data["tot"] = preset_period(preset, self.today)
            return data
        start, end = data.get("van"), data.get("tot")
        if "van" in self.errors or "tot" in self.errors:
            return data
        if start is None:
            self.add_error("van", _("Give the first day of the period."))
        if end is None:
            self.add_error("tot", _("Give the last day of the period."))
        if start is None or end is None:
            return data
        for name, day in (("van", start), ("tot", end)):
            if not EARLIEST_DAY <= day <= LATEST_DAY:
                self.add_error(
                    name,
                    _("Choose a day between %(first)s and %(last)s.")
                    % {"first": f"{EARLIEST_DAY:%d/%m/%Y}", "last": f"{LATEST_DAY:%d/%m/%Y}"},
                )
        if self.errors:
            return data
        if end < start:
            self.add_error(
                "tot",
                _("The last day (%(end)s) is before the first day (%(start)s).")
                % {"end": f"{end:%d/%m/%Y}", "start": f"{start:%d/%m/%Y}"},
            )
        elif (end - start).days > MAX_DAYS:
            self.add_error(
                "tot",
                _("A report covers at most %(days)s days; choose a shorter period.")
                % {"days": MAX_DAYS},
            )
        return data

    def report_filter(self) -> ReportFilter:
        """The filter of a valid form."""
        data = self.cleaned_data
        return ReportFilter(
            start=data["van"],
            end=data["tot"],
            programs=tuple(sorted(p.pk for p in data.get("programma") or [])),
            municipalities=tuple(sorted(m.pk for m in data.get("gemeente") or [])),
            locations=tuple(sorted(p.pk for p in data.get("punt") or [])),
        )
