"""Who may use the stock write services: every one needs the coordinator's role."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from kern.errors import NotAllowed
from tests.voorraad.factories import (
    ItemFactory,
    ItemTypeFactory,
    ean13,
)
from tests.voorraad.helpers import book, database_state, take
from voorraad import services
from voorraad.models import (
    Donor,
    Item,
    Product,
    StockMovement,
)
from voorraad.services import CostLine, Line

pytestmark = pytest.mark.django_db

Kind = StockMovement.Kind


# --- Permissions ------------------------------------------------------------------------


@pytest.fixture
def stock_world(coordinator, point, other_point, diapers, wipes, donor, supplier):
    """One of everything a write service can act on, made by a coordinator."""
    book(coordinator, point, (diapers, 440), (wipes, 50), key="schenking-1")
    draft = services.start_donation(actor=coordinator, donor=donor, location=point)
    services.set_donation_line(actor=coordinator, donation=draft, product=wipes, units=5)
    planned = services.plan_transfer(
        actor=coordinator, from_location=point, to_location=other_point, lines=[Line(wipes, 5)]
    )
    count = services.start_count(actor=coordinator, location=point)
    services.record_count(actor=coordinator, count=count, product=wipes, counted=49)
    movement = take(coordinator, wipes, point, 1)
    item_type = ItemTypeFactory()
    item = services.save_item(
        actor=coordinator, item=ItemFactory.build(item_type=item_type, location=point)
    )
    return SimpleNamespace(
        point=point,
        other_point=other_point,
        product=diapers,
        wipes=wipes,
        category=diapers.category,
        donor=donor,
        supplier=supplier,
        draft=draft,
        planned=planned,
        count=count,
        movement=movement,
        item=item,
        item_type=item_type,
    )


WRITE_SERVICES = {
    "create_category": lambda a, w: services.create_category(actor=a, name="Speelgoed"),
    "save_product": lambda a, w: services.save_product(
        actor=a, product=Product(name="Luiers maat 5", category=w.category)
    ),
    "save_product_change": lambda a, w: services.save_product(
        actor=a, product=w.product, gtins=[(ean13("541234500001"), 44)]
    ),
    "map_gtin": lambda a, w: services.map_gtin(
        actor=a, gtin=ean13("541234500001"), product=w.product
    ),
    "save_donor": lambda a, w: services.save_donor(
        actor=a, donor=Donor(name="Bibliotheek Gent", kind=Donor.Kind.LIBRARY)
    ),
    "start_donation": lambda a, w: services.start_donation(
        actor=a, donor=w.donor, location=w.point
    ),
    "scan_into_donation": lambda a, w: services.scan_into_donation(
        actor=a, donation=w.draft, code=w.product.code
    ),
    "set_donation_line": lambda a, w: services.set_donation_line(
        actor=a, donation=w.draft, product=w.product, units=44
    ),
    "post_donation": lambda a, w: services.post_donation(actor=a, donation=w.draft),
    "receive_donation": lambda a, w: services.receive_donation(
        actor=a, donor=w.donor, location=w.point, lines=[Line(w.product, 44)]
    ),
    "receive_donation_replay": lambda a, w: services.receive_donation(
        actor=a,
        donor=w.donor,
        location=w.point,
        lines=[Line(w.product, 44)],
        idempotency_key="schenking-1",
    ),
    "record_purchase": lambda a, w: services.record_purchase(
        actor=a,
        supplier=w.supplier,
        location=w.point,
        lines=[CostLine(w.product, 44, Decimal("0.2"))],
    ),
    "plan_transfer": lambda a, w: services.plan_transfer(
        actor=a, from_location=w.point, to_location=w.other_point, lines=[Line(w.product, 44)]
    ),
    "execute_transfer": lambda a, w: services.execute_transfer(actor=a, transfer=w.planned),
    "cancel_transfer": lambda a, w: services.cancel_transfer(actor=a, transfer=w.planned),
    "transfer_stock": lambda a, w: services.transfer_stock(
        actor=a, from_location=w.point, to_location=w.other_point, lines=[Line(w.product, 44)]
    ),
    "adjust_stock": lambda a, w: services.adjust_stock(
        actor=a, product=w.product, location=w.point, quantity=-1, reason="uitgedeeld"
    ),
    "write_off": lambda a, w: services.adjust_stock(
        actor=a, product=w.product, location=w.point, quantity=1, reason="x", write_off=True
    ),
    "reverse_movement": lambda a, w: services.reverse_movement(
        actor=a, movement=w.movement, reason="fout"
    ),
    "start_count": lambda a, w: services.start_count(actor=a, location=w.other_point),
    "record_count": lambda a, w: services.record_count(
        actor=a, count=w.count, product=w.product, counted=400
    ),
    "finalise_count": lambda a, w: services.finalise_count(actor=a, count=w.count),
    "cancel_count": lambda a, w: services.cancel_count(actor=a, count=w.count),
    "save_item": lambda a, w: services.save_item(
        actor=a, item=ItemFactory.build(item_type=w.item_type, location=w.point)
    ),
    "change_item_status": lambda a, w: services.change_item_status(
        actor=a, item=w.item, status=Item.Status.IN_REPAIR
    ),
}


@pytest.mark.parametrize("service", sorted(WRITE_SERVICES))
def test_a_volunteer_may_not_use_any_stock_write_service(stock_world, volunteer, service):
    assert not volunteer.has_perm("kern.manage_stock")
    before = database_state()
    with pytest.raises(NotAllowed):
        WRITE_SERVICES[service](volunteer, stock_world)
    assert database_state() == before


@pytest.mark.parametrize("service", sorted(WRITE_SERVICES))
def test_a_coordinator_may_use_every_stock_write_service(stock_world, coordinator, service):
    """The counterpart of the volunteer test: each call above is valid in itself."""
    WRITE_SERVICES[service](coordinator, stock_world)
    assert services.reconcile() == []
