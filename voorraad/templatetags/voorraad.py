from django import template

from voorraad import navigation
from voorraad.models import Item
from voorraad.units import describe_units
from voorraad.views.common import cost

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


@register.filter
def cost_per_unit(value):
    """``{{ line.unit_cost|cost_per_unit }}`` → “€ 0,2345” (at least two decimals)."""
    return cost(value)


@register.filter
def item_status(value):
    """An item status in words; a status no longer known as itself."""
    return dict(Item.Status.choices).get(value, value)
