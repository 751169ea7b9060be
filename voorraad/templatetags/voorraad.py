from django import template

from voorraad import navigation
from voorraad.units import describe_units

register = template.Library()


@register.simple_tag(takes_context=True)
def stock_sections(context):
    return navigation.sections(context["request"].path)


@register.filter
def units(quantity, product):
    """``{{ line.quantity|units:line.product }}`` → “3 pakken en 5 stuks”."""
    if quantity is None:
        return "—"
    return describe_units(product, int(quantity))
