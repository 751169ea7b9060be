"""Small display helpers of the planning screens."""

from __future__ import annotations

from django import template

from kern.models import OpeningHours

register = template.Library()


@register.filter
def weekday_name(value: int) -> str:
    """0 → "maandag" … 6 → "zondag" (the template's weekday has no choices of its own)."""
    try:
        return str(OpeningHours.Weekday(value).label)
    except ValueError:
        return str(value)
