"""Forms of the volunteer profile screens; the rules themselves are in
``services.people`` and ``services.notes`` (a form only parses what was typed)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kern.models import Location
from vrijwilligers.models import Skill
from vrijwilligers.services import Availability, Limits

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class AvailabilityForm(forms.Form):
    """What a volunteer may change themselves."""

    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    available_weekdays = forms.TypedMultipleChoiceField(
        label=_("Usually available on"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    preferences = forms.CharField(
        label=_("Preferences"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    emergency_contact_name = forms.CharField(
        label=_("Emergency contact"), max_length=100, required=False
    )
    emergency_contact_phone = forms.CharField(
        label=_("Emergency contact phone"), max_length=30, required=False
    )

    def availability(self) -> Availability:
        data: dict[str, Any] = self.cleaned_data
        return Availability(
            phone=data["phone"],
            emergency_contact_name=data["emergency_contact_name"],
            emergency_contact_phone=data["emergency_contact_phone"],
            available_weekdays=data["available_weekdays"],
            preferences=data["preferences"],
        )


class VolunteerForm(AvailabilityForm):
    """What a coordinator sets: also the distribution points and the hours limits."""

    locations = forms.ModelMultipleChoiceField(
        label=_("Distribution points"),
        queryset=Location.objects.filter(
            kind=Location.Kind.DISTRIBUTION_POINT, is_active=True
        ).order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    max_hours_per_day = forms.DecimalField(
        label=_("At most hours a day"), required=False, max_digits=4, decimal_places=1
    )
    max_hours_per_week = forms.DecimalField(
        label=_("At most hours a week"), required=False, max_digits=4, decimal_places=1
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def limits(self) -> Limits:
        return Limits(
            max_hours_per_day=self.cleaned_data["max_hours_per_day"],
            max_hours_per_week=self.cleaned_data["max_hours_per_week"],
        )


class NewVolunteerForm(VolunteerForm):
    username = forms.CharField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    field_order = ["username", "first_name", "last_name", "email", "locations"]


class SkillForm(forms.Form):
    skill = forms.ModelChoiceField(label=_("Skill"), queryset=Skill.objects.order_by("name"))
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Only for a qualification that expires (first aid, driving licence)."),
    )


class PaperAcknowledgementForm(forms.Form):
    version = forms.IntegerField(label=_("Version"), min_value=1, max_value=100000)
    signed_on = forms.DateField(
        label=_("Signed on"), widget=forms.DateInput(attrs={"type": "date"})
    )


class NoteForm(forms.Form):
    aim = forms.CharField(label=_("Aim and legal form"), widget=forms.Textarea(attrs={"rows": 4}))
    insurance = forms.CharField(label=_("Insurance"), widget=forms.Textarea(attrs={"rows": 4}))
    allowance_scheme = forms.CharField(
        label=_("Allowance scheme"), widget=forms.Textarea(attrs={"rows": 4})
    )
    discretion = forms.CharField(label=_("Discretion"), widget=forms.Textarea(attrs={"rows": 4}))
