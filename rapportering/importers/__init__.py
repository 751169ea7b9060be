"""One handler per kind of import: its columns and how one row becomes a record through
the owning app's services."""

from rapportering.importers.base import Handler
from rapportering.importers.donors import Donors
from rapportering.importers.households import Households
from rapportering.importers.items import Items
from rapportering.importers.products import Products
from rapportering.importers.volunteers import Volunteers

HANDLERS: dict[str, Handler] = {
    handler.kind: handler for handler in (Products(), Donors(), Items(), Households(), Volunteers())
}

__all__ = ["HANDLERS", "Handler"]
