"""The demo waitlist: the printed bike is held for the printed family, two more wait,
and the counter refuses the bike to a waiting family."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from kern import barcodes
from kern.models import Location
from toegang.models import Household
from uitlening import selectors
from uitlening.demos import holds as demo
from uitlening.models import Reservation
from voorraad.models import Item

pytestmark = pytest.mark.django_db


def test_the_demo_bike_is_held_for_the_first_family_and_refused_to_the_next(db):
    from io import StringIO

    call_command("load_demo", "--allow-without-debug", stdout=StringIO())
    [section] = demo.show()
    held_line, holder_line, *waiting_lines = section.lines
    bike = Item.objects.get(pk=barcodes.decode(held_line.code).number)
    holder = Household.objects.get(pk=barcodes.decode(holder_line.code).number)

    assert (bike.status, bike.held_for) == (Item.Status.RESERVED, holder.code)
    assert len(waiting_lines) == 2
    assert Reservation.objects.filter(status=Reservation.Status.WAITING).count() == 2
    other = Household.objects.get(pk=barcodes.decode(waiting_lines[0].code).number)
    check = selectors.check_loan(
        household=other,
        location=Location.objects.get(name=demo.POINT),
        line=selectors.LoanLine(item=bike, accessories=tuple(bike.accessories), condition="goed"),
    )
    assert "item_held" in {r.code for r in check.refusals}
    assert "meegroeit" in bike.item_type.description
