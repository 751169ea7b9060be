from django import template

from rapportering import navigation

register = template.Library()


@register.simple_tag(takes_context=True)
def report_sections(context):
    return navigation.sections(context["request"])
