"""The charts of a report (owned by the charts part; this placeholder draws none)."""

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def report_charts(filters, group: str = "program") -> SafeString:
    """The SVG charts (each with its title and table) of the report of ``filters``."""
    return mark_safe("")
