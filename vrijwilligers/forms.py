"""Forms of the coordinator's planning screens. They only read what was typed; every rule
(min ≤ max, a monthly template needs its week, …) is checked by the planning services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from kern.models import OpeningHours
from vrijwilligers.models import ShiftTemplate, Skill
from vrijwilligers.selectors.planning import planning_locations

WEEK_OF_MONTH = [
    ("", _("— (not monthly)")),
    ("1", _("first")),
    ("2", _("second")),
    ("3", _("third")),
    ("4", _("fourth")),
    ("-1", _("last")),
]


FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2999, 12, 31)


def _date(label: Any, *, required: bool = True) -> forms.DateField:
    # Bounded so a typo like year 1 or 9999 is a form error, not a date overflow later.
    return forms.DateField(
        label=label,
        required=required,
        validators=[MinValueValidator(FIRST_DAY), MaxValueValidator(LAST_DAY)],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def _time(label: Any) -> forms.TimeField:
    return forms.TimeField(
        label=label, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )


def _skill() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Required skill"),
        queryset=Skill.objects.order_by("name"),
        required=False,
        empty_label=_("none"),
    )


def _location(*, required: bool = True, empty: Any = None) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Location"), queryset=planning_locations(), required=required, empty_label=empty
    )


class TemplateForm(forms.Form):
    location = _location()
    role = forms.CharField(
        label=_("Role"), max_length=100, help_text=_("What the volunteers do, e.g. Counter.")
    )
    recurrence = forms.ChoiceField(label=_("Recurs"), choices=ShiftTemplate.Recurrence.choices)
    weekday = forms.TypedChoiceField(
        label=_("Weekday"), choices=OpeningHours.Weekday.choices, coerce=int
    )
    week_of_month = forms.TypedChoiceField(
        label=_("Which week of the month"),
        choices=WEEK_OF_MONTH,
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Only for a monthly template."),
    )
    start_time = _time(_("Starts"))
    end_time = _time(_("Ends"))
    min_volunteers = forms.IntegerField(label=_("At least"), min_value=0, max_value=100)
    max_volunteers = forms.IntegerField(label=_("At most"), min_value=1, max_value=100)
    required_skill = _skill()
    starts_on = _date(_("From"))
    ends_on = _date(_("Until (optional)"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            # A template stays at its location: its shifts and their sign-ups are there.
            del self.fields["location"]
        else:
            del self.fields["is_active"]

    @staticmethod
    def initial_for(template: ShiftTemplate) -> dict[str, Any]:
        return {
            "role": template.role,
            "recurrence": template.recurrence,
            "weekday": template.weekday,
            "week_of_month": "" if template.week_of_month is None else template.week_of_month,
            "start_time": template.start_time,
            "end_time": template.end_time,
            "min_volunteers": template.min_volunteers,
            "max_volunteers": template.max_volunteers,
            "required_skill": template.required_skill,
            "starts_on": template.starts_on,
            "ends_on": template.ends_on,
            "is_active": template.is_active,
        }


class GenerateForm(forms.Form):
    location = _location(required=False, empty=_("every location"))
    start = _date(_("From"))
    end = _date(_("Until"))


class ShiftForm(forms.Form):
    location = _location()
    role = forms.CharField(label=_("Role"), max_length=100)
    day = _date(_("Day"))
    start_time = _time(_("Starts"))
    end_time = _time(_("Ends"))
    min_volunteers = forms.IntegerField(label=_("At least"), min_value=0, max_value=100)
    max_volunteers = forms.IntegerField(label=_("At most"), min_value=1, max_value=100)
    required_skill = _skill()


class ClosingDayForm(forms.Form):
    day = _date(_("Day"))
    location = _location(required=False, empty=_("every location (holiday)"))
    reason = forms.CharField(label=_("Reason"), max_length=150)


class CancelShiftForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the shift cancelled?"),
        max_length=200,
        help_text=_("The volunteers receive this reason by e-mail."),
    )


class ShiftMessageForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=150)
    body = forms.CharField(
        label=_("Message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
