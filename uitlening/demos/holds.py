"""Demo waitlist of the fietsbib: three families wait for a 24" bike at Uitdeelpunt
Centrum (none is there); then a donated 24" bike is added to the catalogue and is held
at once for the first of them, the other two keep waiting. ``show`` prints the held
bike's code with the household it is held for and another household, so a tester can
scan the bike for that other family and see the counter refuse it.

Through the services (``reserve_item``; ``voorraad.services.save_item`` for the new
bike, whose hook holds it), so the hold, the item's history and the audit log agree.
Idempotent: it runs only when there is no reservation yet."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from kern.demo import DemoLine, DemoSection
from kern.models import Location, User
from toegang import services as access
from toegang.models import Household, Program
from uitlening import selectors, services
from uitlening.models import Reservation
from uitlening.selectors import Entitlements, program_for
from voorraad import services as stock
from voorraad.models import Item, ItemType

POINT = "Uitdeelpunt Centrum"
BIKE_TYPE = "Kinderfiets"
SIZE = '24"'
DESCRIPTIONS = {
    "Kinderfiets": 'Een kinderfiets die meegroeit: 14" vanaf 3 jaar tot 26" vanaf 10 jaar. '
    "Met slot en helm.",
    "Kinderwagen": "Een kinderwagen of buggy, met regenhoes.",
    "Autostoel groep 0+": "Een autostoel voor baby's tot 13 kg, met een geldige keuring.",
    "Autostoel groep 1/2/3": "Een autostoel voor kinderen van 9 tot 36 kg.",
    "Reisbedje": "Een reisbedje om mee te nemen op bezoek of op reis.",
    "Draagzak": "Een draagzak voor je baby.",
    "Laptop": "Een laptop voor huiswerk, gewist en opnieuw geïnstalleerd.",
    "Speelgoeddoos": "Een doos speelgoed om thuis mee te spelen, daarna ruil je hem.",
}


def _waiting_families(point: Location, bike_type: ItemType, n: int) -> list[Household]:
    """The first ``n`` families (by code) that the fietsbib lends to at ``point`` and
    that have no bike on loan."""
    found = []
    today = timezone.localdate()
    for household in Household.objects.filter(anonymised_at__isnull=True).order_by("pk"):
        if bike_type.pk in selectors.holds.open_loan_types(household=household):
            continue
        entitlements = Entitlements(household=household, location=point, on=today)
        choice = program_for(
            category_id=bike_type.category_id, good=bike_type.name, entitlements=entitlements
        )
        if choice.program is not None:
            found.append(household)
        if len(found) == n:
            break
    return found


@transaction.atomic
def load() -> None:
    for name, text in DESCRIPTIONS.items():
        ItemType.objects.filter(name=name, description="").update(description=text)
    if Reservation.objects.exists():
        return
    point = Location.objects.filter(name=POINT).first()
    bike_type = ItemType.objects.filter(name=BIKE_TYPE).first()
    volunteer = User.objects.filter(username="vrijwilliger").first()
    coordinator = User.objects.filter(username="coordinator").first()
    if point is None or bike_type is None or volunteer is None or coordinator is None:
        return
    families = _waiting_families(point, bike_type, 3)
    worker = User.objects.filter(username="maatschappelijkwerker").first()
    fietsbib = Program.objects.filter(name="Fietsbib").first()
    if len(families) < 3 and worker is not None and fietsbib is not None:
        # Two more families get a fietsbib referral from the social worker, so the
        # queue has three families in it.
        recent = timezone.now() - dt.timedelta(days=365)  # not the long-inactive family
        candidates = Household.objects.filter(
            anonymised_at__isnull=True, last_activity_at__gte=recent
        ).order_by("-pk")
        for household in candidates:
            if len(families) == 3:
                break
            if household in families or bike_type.pk in selectors.holds.open_loan_types(
                household=household
            ):
                continue
            access.issue_referral(
                actor=worker, household=household, programs=[fietsbib], source="demo"
            )
            families.append(household)
    for household in families:
        services.reserve_item(
            actor=volunteer,
            household=household,
            item_type=bike_type,
            size=SIZE,
            location=point,
            source="demo",
        )
    donated = Item(
        item_type=bike_type,
        name=f"Loekie {SIZE}",
        size=SIZE,
        location=point,
        condition="goed, nieuwe banden",
        accessories=list(bike_type.default_accessories),
    )
    stock.save_item(actor=coordinator, item=donated, note="geschonken fiets")


def show() -> list[DemoSection]:
    held = (
        Reservation.objects.filter(status=Reservation.Status.HELD, item_type__name=BIKE_TYPE)
        .select_related("household", "held_item", "location")
        .order_by("pk")
        .first()
    )
    if held is None or held.held_item is None:
        return []
    waiting = list(
        Reservation.objects.filter(
            status=Reservation.Status.WAITING, item_type=held.item_type, location=held.location
        )
        .select_related("household")
        .order_by("position", "pk")
    )
    until = timezone.localtime(held.held_until) if held.held_until else None
    lines = [
        DemoLine(
            held.held_item.code,
            f"{held.held_item.name}: vastgehouden voor gezin {held.household.code}"
            + (f" tot {until:%d/%m/%Y %H:%M}" if until else ""),
        ),
        DemoLine(
            held.household.code,
            f"gezin met een fiets klaar om op te halen: scan daarna {held.held_item.code}",
        ),
    ]
    for place, reservation in enumerate(waiting, start=1):
        lines.append(
            DemoLine(
                reservation.household.code,
                f"wacht op een {BIKE_TYPE.lower()} {reservation.size} (nummer {place}); "
                f"scan daarna {held.held_item.code}: geweigerd, vastgehouden voor een ander gezin",
            )
        )
    return [
        DemoSection(
            f"Wachtlijst Fietsbib ({held.location.name}; coördinator: Balie → Wachtlijsten)",
            lines,
        )
    ]
