from django import template

from vrijwilligers import navigation

register = template.Library()


@register.simple_tag(takes_context=True)
def volunteer_sections(context):
    return navigation.sections(context["request"])
