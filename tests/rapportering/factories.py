"""A small, hand-countable world for report tests (others may import it; add, do not
change). ``march_world()`` builds it; the figures it must give are worked out by hand in
the docstring of :class:`MarchWorld` and in tests/rapportering/test_figures.py.

Period: March 2026 (Europe/Brussels). Three municipalities:

- Gent: G1–G5, one child each, G1 two. All five took one pack of "Luiers maat 4"
  (36 units, last bought at 0.30/unit) at point Centrum in March, and one pack each in
  February (so they are returning households).
- Melle: M1–M5, one child each. Each took two packs of "Luiers maat 3" (40 units, never
  bought, estimate 0.25/unit) at point Melle; M1 also one Babyshampoo (1 unit, 3.00).
  Each paid a Babytheek membership at the social fee at Melle on 2 March.
- Lochristi: L1, L2, one child each. L1 took one pack of maat 3 at Centrum; L2's
  distribution of three packs was corrected (it must not count) and L2 borrowed a
  stroller on 10 March, due 24 March, not back.

Also: G1 brought back a stroller lent in February (on 5 March); G2 earned 10 swap points
and spent 4 at Centrum; a partner request (6 households served) for 10 packs of maat 3,
8 approved and handed out on 20 March; donations: a school 100 units of maat 4 (30.00),
a resident 50 units of maat 3 within drive "Luierinzameling" (12.50), a draft donation of
999 units (not posted: not counted); a purchase of 360 units of maat 4 at 0.30 (108.00);
volunteer shifts: Centrum 7 March 9–12 (one present, one no-show), Melle 14 March 13–17
(one present, hours corrected to 3.5)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from kern.models import Location, Municipality, Organisation, User
from kern.roles import Role
from rapportering.selectors.filters import ReportFilter
from tests.factories import LocationFactory, MunicipalityFactory, UserFactory
from toegang.models import Child, Household, Program
from uitlening.models import (
    Distribution,
    DistributionLine,
    Loan,
    Membership,
    PartnerRequest,
    PartnerRequestLine,
    PointsEntry,
)
from voorraad.models import (
    Category,
    CollectionDrive,
    Donation,
    DonationLine,
    Donor,
    Item,
    ItemType,
    Product,
    Purchase,
    PurchaseLine,
    Supplier,
)
from vrijwilligers.models import Shift, Signup, Volunteer

BRUSSELS = ZoneInfo("Europe/Brussels")
MARCH = ReportFilter(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))


def local(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=BRUSSELS)


@dataclass
class MarchWorld:
    user: User
    municipalities: dict[str, Municipality]
    points: dict[str, Location]
    programs: dict[str, Program]
    products: dict[str, Product]
    households: dict[str, Household] = field(default_factory=dict)
    filters: ReportFilter = MARCH


def household(
    municipality: Municipality, *, children: int = 1, user: User | None = None
) -> Household:
    found = Household.objects.create(postcode="9000", municipality=municipality, created_by=user)
    for n in range(children):
        Child.objects.create(household=found, birth_year=2024, birth_month=1 + n)
    return found


def distribute(
    found: Household,
    *,
    point: Location,
    user: User,
    at: dt.datetime,
    lines: list[tuple[Product, Program, int]],
    corrected: bool = False,
) -> Distribution:
    """A distribution as the counter leaves it (the ledger is not needed for reports)."""
    made = Distribution.objects.create(
        household=found,
        location=point,
        user=user,
        created_at=at,
        corrected_at=at + dt.timedelta(minutes=5) if corrected else None,
        corrected_by=user if corrected else None,
        correction_reason="verkeerd gezin" if corrected else "",
    )
    for product, program, packs in lines:
        DistributionLine.objects.create(
            distribution=made,
            product=product,
            program=program,
            packs=packs,
            units=packs * product.pack_size,
        )
    return made


def march_world() -> MarchWorld:
    user = UserFactory(username="rapport-coordinator", role=Role.COORDINATOR)
    municipalities = {
        name: MunicipalityFactory(name=name) for name in ("Gent", "Melle", "Lochristi")
    }
    points = {
        "Centrum": LocationFactory(name="Rapport Centrum", municipality=municipalities["Gent"]),
        "Melle": LocationFactory(name="Rapport Melle", municipality=municipalities["Melle"]),
    }
    programs = {
        "Pamperbank": Program.objects.create(name="Pamperbank", kind=Program.Kind.DIAPERS),
        "Babytheek": Program.objects.create(name="Babytheek", kind=Program.Kind.BABY_LIBRARY),
        "Ruilwinkel": Program.objects.create(name="Ruilwinkel", kind=Program.Kind.SWAP_SHOP),
    }
    diapers = Category.objects.create(name="Luiers")
    care = Category.objects.create(name="Verzorging")
    products = {
        "maat 3": Product.objects.create(
            name="Luiers maat 3", category=diapers, pack_size=40, value_per_unit=Decimal("0.25")
        ),
        "maat 4": Product.objects.create(
            name="Luiers maat 4",
            category=diapers,
            pack_size=36,
            value_per_unit=Decimal("0.20"),
            last_cost_per_unit=Decimal("0.30"),
        ),
        "shampoo": Product.objects.create(
            name="Babyshampoo", category=care, pack_size=1, value_per_unit=Decimal("3.00")
        ),
    }
    world = MarchWorld(user, municipalities, points, programs, products)
    pamper = programs["Pamperbank"]
    for n in range(1, 6):
        g = world.households[f"G{n}"] = household(
            municipalities["Gent"], children=2 if n == 1 else 1
        )
        distribute(
            g,
            point=points["Centrum"],
            user=user,
            at=local(2026, 2, 15),
            lines=[(products["maat 4"], pamper, 1)],
        )
        distribute(
            g,
            point=points["Centrum"],
            user=user,
            at=local(2026, 3, n + 1),
            lines=[(products["maat 4"], pamper, 1)],
        )
    for n in range(1, 6):
        m = world.households[f"M{n}"] = household(municipalities["Melle"])
        lines = [(products["maat 3"], pamper, 2)]
        if n == 1:
            lines.append((products["shampoo"], pamper, 1))
        distribute(m, point=points["Melle"], user=user, at=local(2026, 3, 9 + n), lines=lines)
        Membership.objects.create(
            household=m,
            program=programs["Babytheek"],
            location=points["Melle"],
            valid_from=dt.date(2026, 3, 2),
            valid_until=dt.date(2027, 3, 1),
            fee_kind=Membership.FeeKind.SOCIAL,
            amount=Decimal("5.00"),
            payment=Membership.Payment.CASH,
            paid_at=local(2026, 3, 2),
            recorded_by=user,
        )
    l1 = world.households["L1"] = household(municipalities["Lochristi"])
    l2 = world.households["L2"] = household(municipalities["Lochristi"])
    distribute(
        l1,
        point=points["Centrum"],
        user=user,
        at=local(2026, 3, 20),
        lines=[(products["maat 3"], pamper, 1)],
    )
    distribute(
        l2,
        point=points["Centrum"],
        user=user,
        at=local(2026, 3, 21),
        lines=[(products["maat 3"], pamper, 3)],
        corrected=True,
    )
    # Loans of the babytheek
    library = Category.objects.create(name="Uitleen")
    stroller = ItemType.objects.create(name="Kinderwagen", category=library)
    seat = ItemType.objects.create(name="Autostoel", category=library)
    items = [
        Item.objects.create(
            item_type=stroller,
            name=f"Joolz {n}",
            location=points["Centrum"],
            created_at=local(2026, 1, 1),
        )
        for n in (1, 2)
    ]
    Item.objects.create(
        item_type=seat, name="Maxi-Cosi", location=points["Centrum"], created_at=local(2026, 1, 1)
    )
    Loan.objects.create(
        item=items[0],
        household=l2,
        program=programs["Babytheek"],
        location=points["Centrum"],
        lent_by=user,
        lent_at=local(2026, 3, 10),
        due_on=dt.date(2026, 3, 24),
    )
    Loan.objects.create(
        item=items[1],
        household=world.households["G1"],
        program=programs["Babytheek"],
        location=points["Centrum"],
        lent_by=user,
        lent_at=local(2026, 2, 1),
        due_on=dt.date(2026, 2, 22),
        returned_at=local(2026, 3, 5, 12),
        returned_by=user,
        return_location=points["Centrum"],
    )
    g2 = world.households["G2"]
    PointsEntry.objects.create(
        household=g2,
        delta=10,
        balance_after=10,
        kind=PointsEntry.Kind.EARN,
        location=points["Centrum"],
        user=user,
        created_at=local(2026, 3, 5),
    )
    PointsEntry.objects.create(
        household=g2,
        delta=-4,
        balance_after=6,
        kind=PointsEntry.Kind.SPEND,
        location=points["Centrum"],
        user=user,
        created_at=local(2026, 3, 6),
    )
    # A partner request
    caw = Organisation.objects.create(name="CAW Rapport", kind=Organisation.Kind.CAW)
    request = PartnerRequest.objects.create(
        organisation=caw,
        requested_by=user,
        pickup_location=points["Centrum"],
        pickup_date=dt.date(2026, 3, 20),
        households_served=6,
        children_served=8,
        status=PartnerRequest.Status.HANDED_OVER,
    )
    PartnerRequestLine.objects.create(
        request=request,
        product=products["maat 3"],
        requested_packs=10,
        approved_packs=8,
        handed_out_packs=8,
    )
    # Goods coming in
    school = Donor.objects.create(name="Basisschool De Regenboog", kind=Donor.Kind.SCHOOL)
    resident = Donor.objects.create(name="Anoniem", kind=Donor.Kind.RESIDENT)
    drive = CollectionDrive.objects.create(
        name="Luierinzameling", starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 3, 31)
    )
    for donor, product, units, drive_of, status in (
        (school, products["maat 4"], 100, None, Donation.Status.POSTED),
        (resident, products["maat 3"], 50, drive, Donation.Status.POSTED),
        (resident, products["maat 3"], 999, None, Donation.Status.DRAFT),
    ):
        donation = Donation.objects.create(
            donor=donor,
            location=points["Centrum"],
            drive=drive_of,
            status=status,
            received_on=dt.date(2026, 3, 4),
            created_by=user,
        )
        DonationLine.objects.create(donation=donation, product=product, quantity=units)
    purchase = Purchase.objects.create(
        supplier=Supplier.objects.create(name="Groothandel"),
        location=points["Centrum"],
        received_on=dt.date(2026, 3, 12),
        created_by=user,
    )
    PurchaseLine.objects.create(
        purchase=purchase, product=products["maat 4"], quantity=360, unit_cost=Decimal("0.30")
    )
    # Volunteer shifts
    helpers = [
        Volunteer.objects.create(user=UserFactory(username=f"rapport-vrijwilliger-{n}"))
        for n in (1, 2)
    ]
    for point, start, end, signups in (
        (
            points["Centrum"],
            local(2026, 3, 7, 9),
            local(2026, 3, 7, 12),
            [
                (helpers[0], Signup.Attendance.ATTENDED, None),
                (helpers[1], Signup.Attendance.NO_SHOW, None),
            ],
        ),
        (
            points["Melle"],
            local(2026, 3, 14, 13),
            local(2026, 3, 14, 17),
            [(helpers[0], Signup.Attendance.ATTENDED, Decimal("3.5"))],
        ),
    ):
        shift = Shift.objects.create(
            location=point,
            role="Balie",
            starts_at=start,
            ends_at=end,
            min_volunteers=1,
            max_volunteers=3,
        )
        for place, (helper, attendance, hours) in enumerate(signups, start=1):
            Signup.objects.create(
                shift=shift,
                volunteer=helper,
                status=Signup.Status.CONFIRMED,
                place=place,
                attendance=attendance,
                hours=hours,
            )
    return world
