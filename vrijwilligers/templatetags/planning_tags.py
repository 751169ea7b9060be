"""Small display helpers of the planning screens."""

from __future__ import annotations

from django import template

from kern.models import OpeningHours

register = template.Library()


@register.filter
def weekday_name(value: int) -> str:
    """0 → "maandag" … 6 → "zondag" (the template's weekday has no choices of its own)."""
    try:
        # Mid-sentence ("elke week, dinsdag 9:00"): Dutch weekday names are lower case.
        return str(OpeningHours.Weekday(value).label).lower()
    except ValueError:
        return str(value)
