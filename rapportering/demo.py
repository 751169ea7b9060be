"""Demo history for the reports: about seventy pseudonymous households (a postcode and
children's birth months, no name, no contact) and a believable year and a bit of counter
history, so the dashboard, the monthly and yearly reports, the annual PDF, the signals and
the forecast show figures instead of "< 5".

- Households in Gent, Melle and two neighbouring municipalities (Destelbergen, where
  enough families come to be shown, and Lochristi, where too few come: "< 5"), and a few
  from outside the network (municipality unknown). Each gets a referral from one of the
  demo social workers (``toegang.services``), dated back to its first visit.
- Every month the collection points (schools, the library, the BKO; in the autumn of last
  year in a collection drive) and the warehouse receive donations, the warehouse buys
  what is short, and supplies the two points with what their month will ask
  (``voorraad.services`` with ``at``).
- Diaper hand-outs every four to seven weeks (more in winter, fewer in the summer
  holidays), at both points, booked with their date the way the counter's demo books its
  history (``uitlening.demo.handout_in_the_past``): the ledger stays the one truth and
  ``manage.py reconcile_stock`` stays clean. Some families stopped coming two to five
  months ago after regular visits (the signals page).
- Loans in the babytheek and the fietsbib, lent and returned in the past, by members.

Stock the history brings in is only taken out by the history, in time order, so the
earlier demo parts' stock (and what they print) does not change, and no balance ever goes
below zero at any moment of the timeline. Deterministic (fixed seed) and idempotent: it
only runs while the history's municipalities are not there. Runs last (rapportering is
the last app), so the households the other parts print keep their ids."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kern.demo import DemoLine, DemoSection, register
from kern.errors import DomainError
from kern.models import Location, Municipality, User
from toegang import services as access
from toegang.models import Household, Program, Referral
from toegang.selectors import children as child_rules
from uitlening import selectors as counter
from uitlening import services as counter_services
from uitlening.demo import handout_in_the_past
from uitlening.models import Loan, Membership
from uitlening.selectors.memberships import membership_end
from voorraad import services as stock
from voorraad.models import CollectionDrive, Donor, Item, Product, Supplier

SEED = 20261
MONTHS = 14  # of history before this month

#: The neighbouring municipalities the history adds (name, NIS code, postcodes).
NEIGHBOURS = [
    ("Destelbergen", "44013", ["9070"]),
    ("Lochristi", "44034", ["9080"]),
]

CENTRUM = "Uitdeelpunt Centrum"
MELLE = "Uitdeelpunt Melle"
WAREHOUSE = "Magazijn Wiedauwkaai"

#: (postcode, how many households, their point). 9820 (Merelbeke) is outside the network.
GROUPS = [
    ("9000", 14, CENTRUM),
    ("9030", 3, CENTRUM),
    ("9032", 3, CENTRUM),
    ("9040", 7, CENTRUM),
    ("9041", 3, CENTRUM),
    ("9050", 6, CENTRUM),
    ("9052", 2, CENTRUM),
    ("9090", 16, MELLE),
    ("9070", 8, CENTRUM),
    ("9080", 3, CENTRUM),
    ("9820", 2, MELLE),
]

#: Children wear diapers up to this age (months), as the Pamperbank's quota counts them.
DIAPER_AGE_MONTHS = 36

#: Relative number of visits per calendar month: winter asks more, the summer holidays less.
SEASON = {1: 1.2, 2: 1.1, 3: 1.0, 4: 1.0, 5: 0.95, 6: 0.9, 7: 0.7, 8: 0.65, 9: 1.0, 10: 1.05}
SEASON.update({11: 1.15, 12: 1.25})

SOFIE = "maatschappelijkwerker"  # CAW Oost-Vlaanderen
LOTTE = "maatschappelijkwerker.kg"  # Kind & Gezin Gent


@dataclass
class Plan:
    """One household of the history and its visits (local moments), made up front so
    each month's supply can be sized to what the month will ask."""

    postcode: str
    point: str
    children: list[tuple[int, int]]  # (birth year, birth month)
    visits: list[dt.datetime] = field(default_factory=list)
    stopped: bool = False
    household: Household | None = None


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _age(birth: tuple[int, int], day: dt.date) -> int:
    return _month_index(day) - (birth[0] * 12 + birth[1] - 1)


def _size(birth: tuple[int, int], day: dt.date) -> int | None:
    """The size a child asks for on ``day`` (the one rule, ``toegang.selectors.children``),
    or None out of diaper age."""
    if not 0 <= _age(birth, day) < DIAPER_AGE_MONTHS:
        return None
    return child_rules.diaper_size(birth_year=birth[0], birth_month=birth[1], on=day)


def _opening_days(point: str) -> set[int]:
    return {1, 3, 5} if point == CENTRUM else {2, 4}


def _open_day_on_or_after(day: dt.date, point: str) -> dt.date:
    days = _opening_days(point)
    while day.weekday() not in days:
        day += dt.timedelta(days=1)
    return day


def _elapsed_opening(point: str, now: dt.datetime) -> list[dt.datetime]:
    """Moments in the opening days of this month that lie behind us."""
    today = timezone.localdate(now)
    days = [today.replace(day=n) for n in range(1, today.day + 1)]
    moments = [
        dt.datetime.combine(day, dt.time(hour, 15), _zone())
        for day in days
        if day.weekday() in _opening_days(point)
        for hour in (9, 10, 11, 14, 15)
    ]
    return [moment for moment in moments if moment < now - dt.timedelta(minutes=30)]


def _plans(rng: random.Random, now: dt.datetime) -> list[Plan]:
    today = timezone.localdate(now)
    start = (today.replace(day=1) - dt.timedelta(days=MONTHS * 31)).replace(day=1)
    plans = []
    for postcode, count, point in GROUPS:
        for _index in range(count):
            # One child of diaper age today (the quota counts it), born before or during
            # the history; sometimes an older brother or sister.
            age = rng.randint(3, 33)
            young = _age_to_birth(today, age)
            children = [young]
            if rng.random() < 0.4:
                children.append(_age_to_birth(today, rng.randint(40, 130)))
            if rng.random() < 0.12:
                children.insert(0, _age_to_birth(today, age + rng.randint(14, 20)))
            born = dt.date(young[0], young[1], 1)
            first = max(start, born) + dt.timedelta(days=rng.randint(3, 120))
            stopped = rng.random() < 0.22
            last = (
                today - dt.timedelta(days=rng.randint(60, 150))
                if stopped
                else today + dt.timedelta(days=10)
            )
            visits: list[dt.datetime] = []
            day = first
            # Its own generator: whether today's moments already lie behind us depends on
            # the hour the demo is loaded, and must not shift every later household's draws.
            own = random.Random(rng.random())
            while day <= last:
                day = _open_day_on_or_after(day, point)
                if day > last:
                    break
                hour = own.choice([9, 10, 11, 14, 15, 16]) if point == CENTRUM else 14
                moment = dt.datetime.combine(day, dt.time(hour, own.randint(0, 59)), _zone())
                if moment < now - dt.timedelta(minutes=30):
                    visits.append(moment)
                elif (day - today).days <= 10 and own.random() < 0.6:
                    # Due in the coming days: some came already on an opening day of this
                    # month, so this month's report has a start too.
                    after = (
                        visits[-1] + dt.timedelta(days=14)
                        if visits
                        else now - dt.timedelta(days=40)
                    )
                    came = [m for m in _elapsed_opening(point, now) if m > after]
                    if came:
                        visits.append(own.choice(came))
                    break
                gap = own.randint(28, 48) / SEASON[day.month]
                day += dt.timedelta(days=int(gap))
            if stopped and len(visits) < 3:
                stopped = False  # never regular: it simply came a few times
            if visits:
                plans.append(Plan(postcode, point, children, visits, stopped))
    return plans


def _age_to_birth(today: dt.date, months: int) -> tuple[int, int]:
    index = _month_index(today) - months
    return index // 12, index % 12 + 1


def _basket(rng: random.Random, plan: Plan, moment: dt.datetime) -> list[tuple[str, int]]:
    day = moment.date()
    lines: list[tuple[str, int]] = []
    for birth in plan.children:
        size = _size(birth, day)
        if size is not None:
            lines.append((f"Luiers maat {size}", rng.randint(2, 4)))
    if lines and rng.random() < 0.35:
        lines.append(("Billendoekjes", 1))
    return lines


class Ledger:
    """What the history itself brought to each place and took from it: it only moves
    stock it brought, so the other demo parts' balances stay as they were at every
    moment."""

    def __init__(self) -> None:
        self.units: dict[tuple[int, int], int] = defaultdict(int)

    def add(self, location: Location, product: Product, units: int) -> None:
        self.units[(product.pk, location.pk)] += units

    def at(self, location: Location, product: Product) -> int:
        return self.units[(product.pk, location.pk)]


@transaction.atomic
def load() -> None:
    if Municipality.objects.filter(name=NEIGHBOURS[0][0]).exists():
        return
    needed = (CENTRUM, MELLE, WAREHOUSE)
    places = {p.name: p for p in Location.objects.all()}
    products = {p.name: p for p in Product.objects.all()}
    programs = {p.name: p for p in Program.objects.all()}
    users = {u.username: u for u in User.objects.all()}
    if (
        any(name not in places for name in needed)
        or "Luiers maat 1" not in products
        or "Pamperbank" not in programs
        or not all(name in users for name in ("coordinator", SOFIE, LOTTE, "vrijwilliger"))
    ):
        return  # the other demo parts did not load: nothing to build a history on
    for name, nis, postcodes in NEIGHBOURS:
        Municipality.objects.get_or_create(
            name=name, defaults={"nis_code": nis, "postcodes": postcodes}
        )
    rng = random.Random(SEED)
    now = timezone.now()
    plans = _plans(rng, now)
    _register(rng, plans, users, programs, now)
    baskets = {
        (index, moment): _basket(rng, plan, moment)
        for index, plan in enumerate(plans)
        for moment in plan.visits
    }
    _history(rng, plans, baskets, places, products, users, now)
    _loans(rng, plans, places, programs, users, now)


def _register(
    rng: random.Random,
    plans: list[Plan],
    users: dict[str, User],
    programs: dict[str, Program],
    now: dt.datetime,
) -> None:
    """The households, each with a referral (dated back later, once its hand-outs are
    booked: the counter checks access as of today)."""
    for plan in plans:
        worker = users[LOTTE if rng.random() < 0.6 else SOFIE]
        plan.household = access.register_household(
            actor=worker,
            postcode=plan.postcode,
            children=[access.ChildIn(birth_year=y, birth_month=m) for y, m in plan.children],
            adults=rng.choice([1, 1, 2, 2, 2]),
            language=rng.choice(["nl"] * 6 + ["fr", "en", "ar"]),
            source="demo",
        )
        names = ["Pamperbank"]
        if rng.random() < 0.3 and "Fietsbib" in programs:
            names.append("Fietsbib")
        access.issue_referral(
            actor=worker,
            household=plan.household,
            programs=[programs[name] for name in names],
            valid_until=timezone.localdate(now) + dt.timedelta(days=90),
            source="demo",
        )


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), _zone())


def _history(
    rng: random.Random,
    plans: list[Plan],
    baskets: dict[tuple[int, dt.datetime], list[tuple[str, int]]],
    places: dict[str, Location],
    products: dict[str, Product],
    users: dict[str, User],
    now: dt.datetime,
) -> None:
    coordinator = users["coordinator"]
    warehouse = places[WAREHOUSE]
    points = {CENTRUM: places[CENTRUM], MELLE: places[MELLE]}
    volunteers = {
        CENTRUM: users["vrijwilliger"],
        MELLE: users.get("vrijwilliger.melle", users["vrijwilliger"]),
    }
    ledger = Ledger()
    today = timezone.localdate(now)
    diapers = [p for name, p in products.items() if name.startswith("Luiers maat")]
    wipes = products.get("Billendoekjes")
    donors = {d.name: d for d in Donor.objects.all()}
    collection = [
        (donors[place.name], place)
        for place in Location.objects.filter(kind=Location.Kind.COLLECTION_POINT).order_by("pk")
        if place.name in donors
    ]
    other_donors = [
        d for d in donors.values() if d.kind in (Donor.Kind.COMPANY, Donor.Kind.RESIDENT)
    ]
    supplier, _ = Supplier.objects.get_or_create(
        name="Groothandel Babyzorg", defaults={"email": "verkoop@babyzorg.example"}
    )
    # Last year's autumn drive at the collection points.
    autumn = dt.date(today.year - 1, 10, 1)
    drive = stock.save_drive(
        actor=coordinator,
        drive=CollectionDrive(
            name=f"Luierinzameling najaar {autumn.year}",
            starts_on=autumn,
            ends_on=dt.date(autumn.year, 11, 30),
            target_units=8000,
            description="Scholen, bibliotheek en kinderopvang zamelen luiers in voor de winter.",
        ),
        collection_points=[place for _donor, place in collection],
    )

    # What each point hands out per month and product (units), to size its supply.
    demand: dict[tuple[int, str, int], int] = defaultdict(int)
    for (index, moment), basket in baskets.items():
        for name, packs in basket:
            product = products[name]
            demand[(_month_index(moment.date()), plans[index].point, product.pk)] += (
                packs * product.pack_size
            )
    first_month = min(_month_index(m.date()) for plan in plans for m in plan.visits)
    by_month: dict[int, list[tuple[dt.datetime, int]]] = defaultdict(list)
    for index, plan in enumerate(plans):
        for moment in plan.visits:
            by_month[_month_index(moment.date())].append((moment, index))

    for month in range(first_month, _month_index(today) + 1):
        first_day = dt.date(month // 12, month % 12 + 1, 1)
        eve = first_day - dt.timedelta(days=1)
        # The month before: donations at the collection points and the warehouse.
        for _n in range(rng.randint(3, 5)):
            donor, place = rng.choice(collection)
            if rng.random() < 0.3 and other_donors:
                donor, place = rng.choice(other_donors), warehouse
            day = eve - dt.timedelta(days=rng.randint(1, 25))
            lines = [
                stock.Line(product, product.pack_size * rng.randint(2, 10))
                for product in rng.sample(diapers, 3)
            ]
            if wipes is not None and rng.random() < 0.5:
                lines.append(stock.Line(wipes, wipes.pack_size * rng.randint(2, 8)))
            in_drive = place != warehouse and drive.starts_on <= day <= drive.ends_on
            if in_drive:
                lines = [stock.Line(line.product, line.quantity * 2) for line in lines]
            stock.receive_donation(
                actor=coordinator,
                donor=donor,
                location=place,
                lines=lines,
                drive=drive if in_drive else None,
                received_on=day,
                at=_local(day, 15, 30),
            )
            for line in lines:
                ledger.add(place, line.product, line.quantity)
        # The collection points bring what they have to the warehouse.
        for _donor, place in collection:
            lines = [
                stock.Line(product, ledger.at(place, product))
                for product in [*diapers, *([wipes] if wipes else [])]
                if ledger.at(place, product) > 0
            ]
            if lines:
                stock.transfer_stock(
                    actor=coordinator,
                    from_location=place,
                    to_location=warehouse,
                    lines=lines,
                    note="inzameling naar het magazijn",
                    at=_local(eve, 10),
                )
                for line in lines:
                    ledger.add(place, line.product, -line.quantity)
                    ledger.add(warehouse, line.product, line.quantity)
        # Each point gets what its month will ask and a little margin; the warehouse buys
        # what the donations did not bring.
        supply: dict[str, list[stock.Line]] = {}
        short: dict[int, int] = defaultdict(int)
        asked: dict[int, int] = defaultdict(int)
        for name, point in points.items():
            lines = []
            for product in [*diapers, *([wipes] if wipes else [])]:
                want = demand.get((month, name, product.pk), 0)
                if not want:
                    continue
                want = int(want * 1.15) - ledger.at(point, product)
                packs = -(-want // product.pack_size)
                if packs > 0:
                    lines.append(stock.Line(product, packs * product.pack_size))
                    asked[product.pk] += packs * product.pack_size
            supply[name] = lines
        by_pk = {p.pk: p for p in products.values()}
        for pk, units in asked.items():
            missing = units - ledger.at(warehouse, by_pk[pk])
            if missing > 0:
                pack = by_pk[pk].pack_size
                short[pk] = -(-(missing + 10 * pack) // pack) * pack
        if short:
            bought = [
                stock.CostLine(
                    by_pk[pk], units, (by_pk[pk].value_per_unit or Decimal("0.2")) * Decimal("0.9")
                )
                for pk, units in short.items()
            ]
            stock.record_purchase(
                actor=coordinator,
                supplier=supplier,
                location=warehouse,
                lines=bought,
                received_on=eve,
                reference=f"F{eve:%Y%m}-{len(short):02d}",
                at=_local(eve, 12),
            )
            for cost in bought:
                ledger.add(warehouse, cost.product, cost.quantity)
        for name, lines in supply.items():
            if lines:
                stock.transfer_stock(
                    actor=coordinator,
                    from_location=warehouse,
                    to_location=points[name],
                    lines=lines,
                    note="aanvulling voor de maand",
                    at=_local(first_day, 8),
                )
                for line in lines:
                    ledger.add(warehouse, line.product, -line.quantity)
                    ledger.add(points[name], line.product, line.quantity)
        # The month's hand-outs, in time order.
        for moment, index in sorted(by_month.get(month, [])):
            plan = plans[index]
            point = points[plan.point]
            wanted = [
                counter.ProductLine(products[name], packs)
                for name, packs in baskets[(index, moment)]
                if ledger.at(point, products[name]) >= packs * products[name].pack_size
            ]
            if not wanted or plan.household is None:
                continue
            distribution = handout_in_the_past(
                volunteer=volunteers[plan.point],
                point=point,
                household=plan.household,
                lines=wanted,
                moment=moment,
            )
            if distribution is not None:
                for booked in distribution.lines.all():
                    ledger.add(point, booked.product, -booked.units)
    _date_referrals_back(plans)


def _date_referrals_back(plans: list[Plan]) -> None:
    """A family's referral starts a few days before its first visit (its end stays: the
    demo's one expired referral is toegang's). The counter checks access as of today, so
    the dates move only now that the hand-outs are booked."""
    for plan in plans:
        if plan.household is None:
            continue
        first = plan.visits[0]
        start = first - dt.timedelta(days=4)
        changes: dict[str, object] = {
            "valid_from": timezone.localdate(start),
            "created_at": start,
            "first_used_at": first,
        }
        Referral.objects.filter(household=plan.household).update(**changes)
        Household.objects.filter(pk=plan.household.pk).update(
            created_at=start, last_activity_at=plan.visits[-1]
        )


def _loans(
    rng: random.Random,
    plans: list[Plan],
    places: dict[str, Location],
    programs: dict[str, Program],
    users: dict[str, User],
    now: dt.datetime,
) -> None:
    """Loans in the babytheek and the fietsbib, lent months ago and brought back: each
    borrower a member (social fee) from a few days before. Made now through the
    counter's services and their dates moved back, as the counter's demo does."""
    centrum = places[CENTRUM]
    volunteer = users["vrijwilliger"]
    borrowers = [
        plan
        for plan in plans
        if plan.point == CENTRUM and plan.household is not None and not plan.stopped
    ]
    rng.shuffle(borrowers)
    wanted = [
        ("Babytheek", "Kinderwagen"),
        ("Babytheek", "Autostoel groep 0+"),
        ("Babytheek", "Reisbedje"),
        ("Babytheek", "Draagzak"),
        ("Babytheek", "Kinderwagen"),
        ("Babytheek", "Draagzak"),
        ("Fietsbib", "Kinderfiets"),
        ("Fietsbib", "Kinderfiets"),
    ]
    for plan, (program_name, type_name) in zip(borrowers, wanted, strict=False):
        program = programs.get(program_name)
        household = plan.household
        if program is None or household is None:
            continue
        items = Item.objects.filter(
            item_type__name=type_name, status=Item.Status.AVAILABLE, location=centrum
        ).order_by("-pk")
        item = next((i for i in items if stock.item_safety_problem(i) is None), None)
        if item is None:
            continue
        lent_days_ago = rng.randint(40, 330)
        kept = rng.randint(14, 35)
        try:
            membership = counter_services.record_membership(
                actor=volunteer,
                location=centrum,
                household=household,
                program=program,
                payment=Membership.Payment.CASH,
                source="demo",
            )
            line = counter.LoanLine(
                item=item, accessories=tuple(item.accessories or []), condition="goed"
            )
            deposit = counter.check_loan(household=household, location=centrum, line=line).deposit
            loan = counter_services.checkout_loan(
                actor=volunteer,
                location=centrum,
                household=household,
                item=item,
                accessories=list(item.accessories or []),
                condition="goed",
                deposit_payment=Loan.DepositPayment.CASH
                if deposit > 0
                else Loan.DepositPayment.NONE,
                source="demo",
            )
            counter_services.return_loan(
                actor=volunteer, location=centrum, loan=loan, condition="goed", source="demo"
            )
        except DomainError:
            continue  # the counter refused (access, a hold): no loan in the history
        lent = now - dt.timedelta(days=lent_days_ago)
        joined = timezone.localdate(lent) - dt.timedelta(days=rng.randint(0, 5))
        Membership.objects.filter(pk=membership.pk).update(
            valid_from=joined,
            valid_until=membership_end(joined),
            paid_at=_local(joined, 10),
        )
        Loan.objects.filter(pk=loan.pk).update(
            lent_at=lent,
            due_on=counter.due_date(program, timezone.localdate(lent)),
            returned_at=min(lent + dt.timedelta(days=kept), now - dt.timedelta(days=1)),
        )


def show() -> list[DemoSection]:
    """Where to look: the figures the history fills."""
    if not Municipality.objects.filter(name=NEIGHBOURS[0][0]).exists():
        return []
    households = Household.objects.filter(municipality__name=NEIGHBOURS[0][0]).count()
    if not households:
        return []
    year = timezone.localdate().year
    return [
        DemoSection(
            "Rapporten (een jaar geschiedenis van ruim 60 anonieme gezinnen)",
            [
                DemoLine(
                    "coordinator",
                    "dashboard op de startpagina; rapport van deze en vorige maand, "
                    f"jaarverslag {year - 1} en {year} met cijfers",
                ),
                DemoLine(
                    "coordinator",
                    "signalen (gezinnen die wegbleven) en prognose van luiers per maat; "
                    "Lochristi toont '< 5'",
                ),
            ],
        )
    ]


register(load=load, show=show)
