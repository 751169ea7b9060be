"""Form parts shared by the screens that register a household: the referral form (a
social worker) and the counter's registration form (a volunteer, in ``uitlening``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _

from toegang.services import ChildIn

#: Child rows on a registration form.
CHILD_ROWS = 6


class ChildrenForm(forms.Form):
    """Up to ``CHILD_ROWS`` children as a birth month and year each (fields
    ``child_<n>_month`` and ``child_<n>_year``); ``cleaned_data["children"]`` is the list
    of ``ChildIn``. A service's error about the children lands on the hidden ``children``
    field, which the template shows under the rows."""

    children = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        months = [("", "—"), *((str(n), name) for n, name in MONTHS.items())]
        for row in range(1, CHILD_ROWS + 1):
            month_label = _("Birth month of child %(n)d") % {"n": row}
            year_label = _("Birth year of child %(n)d") % {"n": row}
            self.fields[f"child_{row}_month"] = forms.TypedChoiceField(
                label=month_label,
                choices=months,
                coerce=int,
                required=False,
                empty_value=None,
                widget=forms.Select(attrs={"aria-label": month_label}),
            )
            self.fields[f"child_{row}_year"] = forms.IntegerField(
                label=year_label,
                required=False,
                min_value=1990,
                max_value=2100,
                widget=forms.NumberInput(
                    attrs={"aria-label": year_label, "placeholder": _("year"), "class": "qty-input"}
                ),
            )

    @property
    def child_rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        """(row number, month field, year field) per row, for the template."""
        return [
            (row, self[f"child_{row}_month"], self[f"child_{row}_year"])
            for row in range(1, CHILD_ROWS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        children: list[ChildIn] = []
        for row in range(1, CHILD_ROWS + 1):
            month = cleaned.get(f"child_{row}_month")
            year = cleaned.get(f"child_{row}_year")
            if month and year:
                children.append(ChildIn(birth_year=year, birth_month=month))
            elif month or year:
                missing = f"child_{row}_year" if month else f"child_{row}_month"
                self.add_error(missing, _("Fill in both the month and the year."))
        cleaned["children"] = children
        return cleaned
