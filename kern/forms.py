from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kern import services
from kern.errors import DomainError
from kern.models import Location, OpeningHours, User
from kern.scopes import SCOPE_CHOICES


def show_domain_error(form: forms.BaseForm, exc: DomainError, default: str | None = None) -> None:
    """Put a service's message on the field it names, else on ``default`` (None: the form
    as a whole), so the person sees it beside what they typed."""
    field = exc.field if exc.field in form.fields else default
    form.add_error(field, exc.message)


# django-stubs makes ModelForm generic for the type checker only (no django-stubs-ext at
# run time).
if TYPE_CHECKING:
    _LocationModelForm = forms.ModelForm[Location]
else:
    _LocationModelForm = forms.ModelForm


class LocationForm(_LocationModelForm):
    """A location with its weekly opening hours, one text field per day."""

    class Meta:
        model = Location
        fields = [
            "name",
            "kind",
            "municipality",
            "organisation",
            "street",
            "postcode",
            "city",
            "notes",
            "is_active",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        existing: dict[int, list[str]] = {}
        if self.instance.pk:
            for hours in self.instance.opening_hours.all():
                existing.setdefault(hours.weekday, []).append(
                    f"{hours.opens:%H:%M}-{hours.closes:%H:%M}"
                )
        for weekday, label in OpeningHours.Weekday.choices:
            self.fields[f"hours_{weekday}"] = forms.CharField(
                label=label,
                required=False,
                initial=", ".join(existing.get(weekday, [])),
                widget=forms.TextInput(attrs={"placeholder": _("e.g. 9:00-12:00, 13:30-16:00")}),
            )

    @property
    def hours_fields(self) -> list[forms.BoundField]:
        return [self[f"hours_{weekday}"] for weekday, _label in OpeningHours.Weekday.choices]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        lines: list[services.HoursLine] = []
        for weekday, _label in OpeningHours.Weekday.choices:
            try:
                lines += services.parse_hours(cleaned.get(f"hours_{weekday}", ""), weekday=weekday)
            except DomainError as exc:
                self.add_error(f"hours_{weekday}", exc.message)
        cleaned["hours"] = lines
        return cleaned


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    valid_days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=services.TOKEN_MAX_DAYS,
        initial=services.TOKEN_DEFAULT_DAYS,
    )
    scopes = forms.MultipleChoiceField(
        label=_("May be used for"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose only what the system using the token needs."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        held = set(user.held_scopes())
        # Only the scopes this person holds: a token never carries more than its owner.
        scopes = self.fields["scopes"]
        assert isinstance(scopes, forms.MultipleChoiceField)
        scopes.choices = [(name, label) for name, label in SCOPE_CHOICES if name in held]
