"""Demo counter data: which program hands out or lends which category, a deposit per item
type, a few months of distributions, open loans (two overdue), a damaged return with its
repair ticket, a car seat past its advised end of life, and the bikes of an exchange
(16" on loan, 20" on the shelf).

Everything goes through ``uitlening.services`` (and ``voorraad.services`` for the car
seat), so stock, item states, deposits and the audit log agree. The services record
"now": a distribution in the past is booked with its date (see ``handout_in_the_past``),
a loan in the past is made now and its dates moved back (``_lent_earlier``). Idempotent: it only runs when no program is linked to a category yet.
``show`` reads back, in Dutch, the codes to try at the counter in a sensible order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kern.demo import DemoLine, DemoSection, register
from kern.models import Location, User
from toegang import selectors as access
from toegang.models import Household, Program
from uitlening import selectors, services
from uitlening.codes import CONFIRM_CODE
from uitlening.demos import holds as holds_demo
from uitlening.demos import memberships as membership_demo
from uitlening.demos import partners as partner_demo
from uitlening.demos import points as points_demo
from uitlening.demos import seasonal as seasonal_demo
from uitlening.models import (
    DepositRule,
    Distribution,
    Loan,
    ProgramCategory,
    RepairTicket,
)
from voorraad import services as stock
from voorraad.models import Category, Item, ItemType, Product

LINKS = [
    # program, categories it hands out or lends
    ("Pamperbank", ("Luiers", "Verzorging")),
    ("Babytheek", ("Babytheek",)),
    ("Fietsbib", ("Fietsbib",)),
    ("Laptops", ("Laptops",)),
    ("Speelotheek", ("Speelotheek",)),
    ("Ruilwinkel", ("Kleding",)),
]

DEPOSITS = [
    # item type, deposit, with the social tariff
    ("Kinderwagen", "20", "5"),
    ("Autostoel groep 0+", "15", "0"),
    ("Autostoel groep 1/2/3", "15", "0"),
    ("Reisbedje", "15", "5"),
    ("Draagzak", "10", "0"),
    ("Kinderfiets", "30", "10"),
    ("Laptop", "50", "25"),
    ("Speelgoeddoos", "5", "0"),
]

CENTRUM = "Uitdeelpunt Centrum"
MELLE = "Uitdeelpunt Melle"


@dataclass(frozen=True)
class Handout:
    household: int  # position in toegang.demo.FAMILIES (pk order on a fresh database)
    point: str
    days_ago: int
    lines: tuple[tuple[str, int], ...]  # product name, packs


# Every two to three weeks over the past months; the last 28 days hold little, so the
# families still have quota left today.
HANDOUTS = [
    Handout(0, CENTRUM, 63, (("Luiers maat 1", 4), ("Luiers maat 5", 4))),
    Handout(3, CENTRUM, 58, (("Luiers maat 3", 4), ("Billendoekjes", 2))),
    Handout(6, MELLE, 55, (("Luiers maat 1", 5),)),
    Handout(0, CENTRUM, 44, (("Luiers maat 2", 4), ("Luiers maat 5", 4))),
    Handout(3, CENTRUM, 37, (("Luiers maat 3", 5),)),
    Handout(6, MELLE, 34, (("Luiers maat 1", 4), ("Billendoekjes", 1))),
    Handout(0, CENTRUM, 23, (("Luiers maat 2", 3), ("Billendoekjes", 1))),
    Handout(3, CENTRUM, 16, (("Luiers maat 4", 3),)),
    Handout(6, MELLE, 12, (("Luiers maat 1", 3),)),
    Handout(0, CENTRUM, 9, (("Luiers maat 5", 3),)),
]


def handout_in_the_past(
    *, volunteer: User, point: Location, household: Household, lines: list, moment: dt.datetime
) -> Distribution | None:
    """A distribution made at ``moment`` in the past.

    ``services.record_distribution`` always records the present (a counter has no other
    time) and the stock ledger is append-only, so a movement cannot be moved back in
    time afterwards. The demo therefore checks the basket with the same selector the
    service uses (``plan_distribution``: program, access, quota, stock; any refusal and
    the handout is skipped) and books it through ``voorraad.services.post_lines`` with
    ``at``: the ledger stays the one truth, and ``manage.py reconcile_stock`` stays
    clean."""
    # Checked as of today: the demo's referrals were issued today.
    plan = selectors.plan_distribution(household=household, location=point, lines=lines)
    if plan.refusals or not plan.lines:
        return None
    distribution = Distribution.objects.create(
        household=household,
        location=point,
        user=volunteer,
        created_at=moment,
        contribution=plan.contribution,
        payment=Distribution.Payment.CASH if plan.contribution else Distribution.Payment.FREE,
    )
    services.write_lines(distribution=distribution, lines=plan.lines)
    return distribution


def _lent_earlier(loan: Loan, moment: dt.datetime) -> None:
    """Move a loan the service just made back to ``moment`` (lent then, due after the
    program's loan days): the counter records the present, the demo needs overdue loans.
    Only the loan's dates move; the item's history keeps the day the demo ran."""
    Loan.objects.filter(pk=loan.pk).update(
        lent_at=moment, due_on=selectors.due_date(loan.program, timezone.localdate(moment))
    )


def _families() -> list[Household]:
    return list(Household.objects.filter(anonymised_at__isnull=True).order_by("pk"))


def _lend(
    volunteer: User,
    point: Location,
    household: Household,
    item: Item,
    *,
    condition: str,
    third_party: str = "",
) -> Loan:
    line = selectors.LoanLine(
        item=item, accessories=tuple(item.accessories or []), condition=condition
    )
    deposit = selectors.check_loan(household=household, location=point, line=line).deposit
    cash = deposit > 0 and not third_party
    return services.checkout_loan(
        actor=volunteer,
        location=point,
        household=household,
        item=item,
        accessories=list(item.accessories or []),
        condition=condition,
        deposit_payer=Loan.Payer.THIRD_PARTY if third_party else Loan.Payer.HOUSEHOLD,
        deposit_payment=Loan.DepositPayment.CASH if cash else Loan.DepositPayment.NONE,
        third_party=third_party,
        source="demo",
    )


def _item(type_name: str, name: str) -> Item:
    return Item.objects.filter(item_type__name=type_name, name=name).earliest("pk")


@transaction.atomic
def load_demo() -> None:
    if ProgramCategory.objects.exists() or not Product.objects.exists():
        return
    users = {u.username: u for u in User.objects.filter(username__startswith="vrijwilliger")}
    coordinator = User.objects.get(username="coordinator")
    points = {p.name: p for p in Location.objects.filter(name__in=[CENTRUM, MELLE])}
    programs = {p.name: p for p in Program.objects.all()}
    categories = {c.name: c for c in Category.objects.all()}
    for program, names in LINKS:
        for name in names:
            if program in programs and name in categories:
                ProgramCategory.objects.create(program=programs[program], category=categories[name])
    types = {t.name: t for t in ItemType.objects.all()}
    for type_name, amount, social in DEPOSITS:
        if type_name in types:
            DepositRule.objects.create(
                item_type=types[type_name], amount=Decimal(amount), social_amount=Decimal(social)
            )

    families = _families()
    now = timezone.now()
    products = {p.name: p for p in Product.objects.all()}
    # Before the counter opened, the warehouse filled both points' diaper shelves.
    warehouse = Location.objects.get(name="Magazijn Wiedauwkaai")
    for point, packs in ((points[CENTRUM], 10), (points[MELLE], 8)):
        supply = []
        for product in Product.objects.filter(category__name="Luiers").order_by("pk"):
            units = min(
                packs * product.pack_size,
                stock.level_of(product=product, location=warehouse) // 2,
            )
            units -= units % product.pack_size
            if units:
                supply.append(stock.Line(product, units))
        if supply:
            stock.transfer_stock(
                actor=coordinator,
                from_location=warehouse,
                to_location=point,
                lines=supply,
                note="aanvulling voor de balie",
                at=now - dt.timedelta(days=70),
            )
    for handout in HANDOUTS:
        point = points[handout.point]
        volunteer = users["vrijwilliger" if handout.point == CENTRUM else "vrijwilliger.melle"]
        lines = [
            services.ProductLine(products[name], packs)
            for name, packs in handout.lines
            if stock.level_of(product=products[name], location=point)
            >= packs * products[name].pack_size
        ]
        if not lines:
            continue
        handout_in_the_past(
            volunteer=volunteer,
            point=point,
            household=families[handout.household],
            lines=lines,
            moment=now - dt.timedelta(days=handout.days_ago),
        )

    centrum = points[CENTRUM]
    volunteer = users["vrijwilliger"]
    # Today, through the counter's own service: its detail page offers the cancellation.
    services.record_distribution(
        actor=volunteer,
        location=centrum,
        household=families[0],
        lines=[services.ProductLine(products["Luiers maat 5"], 2)],
        source="demo",
    )
    amina, single_parent, _other_region, blocked, teenager = families[:5]
    # A stroller that came back damaged: in repair, with its ticket.
    stroller = _item("Kinderwagen", "Mutsy Nexo")
    damaged = _lend(volunteer, centrum, amina, stroller, condition="goed")
    _lent_earlier(damaged, now - dt.timedelta(days=30))
    services.return_loan(
        actor=volunteer,
        location=centrum,
        loan=damaged,
        condition="rem werkt niet meer",
        damage="rem aan de achterwielen gebroken",
        deposit_outcome=Loan.DepositOutcome.REFUNDED,
        source="demo",
    )
    # The stroller in repair since before the counter existed gets its ticket too.
    old_repair = Item.objects.filter(
        item_type__name="Kinderwagen", status=Item.Status.IN_REPAIR
    ).exclude(pk=stroller.pk)
    for item in old_repair:
        if not RepairTicket.objects.filter(item=item).exists():
            services.open_repair_ticket(actor=coordinator, item=item, problem="wiel los")
    # On loan, not yet due: Amina's carrier, to scan back at the counter.
    _lend(volunteer, centrum, amina, _item("Draagzak", "Manduca First"), condition="als nieuw")
    # Overdue: a travel cot (Babytheek) and a laptop whose deposit the OCMW paid.
    cot = _lend(
        volunteer, centrum, blocked, _item("Reisbedje", "Hauck Dream'n Play"), condition="goed"
    )
    _lent_earlier(cot, now - dt.timedelta(days=60))
    laptop = Item.objects.filter(item_type__name="Laptop", location=centrum).order_by("pk").first()
    if laptop is not None:
        lent = _lend(
            volunteer,
            centrum,
            teenager,
            laptop,
            condition="werkt, batterij 3 uur",
            third_party="OCMW Gent",
        )
        _lent_earlier(lent, now - dt.timedelta(days=200))
    # The fietsbib: the 16" bike is out, the 20" one waits for the exchange.
    _lend(volunteer, centrum, single_parent, _item("Kinderfiets", 'Puky 16"'), condition="goed")
    # A car seat past its advised end of life: the counter must refuse it.
    seat = (
        Item.objects.filter(
            item_type__name="Autostoel groep 0+", status=Item.Status.AVAILABLE, location=centrum
        )
        .order_by("-pk")
        .first()
    )
    if seat is not None:
        today = timezone.localdate()
        seat.manufactured_on = today - dt.timedelta(days=365 * 8)
        seat.end_of_life_on = today - dt.timedelta(days=120)
        stock.save_item(actor=coordinator, item=seat, note="einde levensduur bereikt")


# --- What a newcomer can try ------------------------------------------------------------


def _pamperbank_left(household: Household, point: Location) -> int | None:
    program = Program.objects.filter(name="Pamperbank").first()
    if program is None:
        return None
    return access.entitlement(household=household, program=program, location=point).quota_remaining


def show() -> list[DemoSection]:
    """The codes of a counter visit at Uitdeelpunt Centrum (as ``vrijwilliger``)."""
    centrum = Location.objects.filter(name=CENTRUM).first()
    if centrum is None or not ProgramCategory.objects.exists():
        return []
    lines: list[DemoLine] = []
    open_loans = Loan.objects.filter(returned_at__isnull=True).select_related(
        "item", "item__item_type", "household", "program"
    )
    carrier = open_loans.filter(item__item_type__name="Draagzak").order_by("pk").first()
    if carrier is not None:
        left = _pamperbank_left(carrier.household, centrum)
        lines.append(
            DemoLine(
                carrier.household.code,
                f"gezin met nog {left} pakken Pamperbank deze periode; "
                f"heeft {carrier.item.name} te leen",
            )
        )
    diapers = next(
        (
            p
            for p in Product.objects.filter(category__name="Luiers").order_by("pk")
            if stock.level_of(product=p, location=centrum) >= 4 * p.pack_size
        ),
        None,
    )
    if diapers is not None:
        lines.append(
            DemoLine(diapers.code, f"product: {diapers.name}, pak van {diapers.pack_size} stuks")
        )
    stroller = (
        Item.objects.filter(item_type__name="Kinderwagen", status=Item.Status.AVAILABLE)
        .select_related("item_type")
        .order_by("pk")
        .first()
    )
    if stroller is not None:
        lines.append(
            DemoLine(stroller.code, f"uitlenen: {stroller.name} (kinderwagen), beschikbaar")
        )
    today = timezone.localdate()
    seat = (
        Item.objects.filter(end_of_life_on__lt=today, status=Item.Status.AVAILABLE)
        .order_by("pk")
        .first()
    )
    if seat is not None:
        lines.append(
            DemoLine(
                seat.code,
                f"weigeren: {seat.name} (autostoel), levensduur verstreken op "
                f"{seat.end_of_life_on:%d/%m/%Y}",
            )
        )
    if carrier is not None:
        lines.append(
            DemoLine(
                carrier.item.code,
                f"terugnemen: {carrier.item.name}, te leen aan gezin {carrier.household.code}",
            )
        )
    bike = open_loans.filter(item__item_type__name="Kinderfiets").order_by("pk").first()
    if bike is not None:
        lines += [
            DemoLine(
                bike.household.code, f"ruilen in de Fietsbib: gezin met {bike.item.name} te leen"
            ),
            DemoLine(
                bike.item.code, f"ruilen: {bike.item.name} terugnemen (gezin {bike.household.code})"
            ),
        ]
        bigger = (
            Item.objects.filter(
                item_type=bike.item.item_type, size='20"', status=Item.Status.AVAILABLE
            )
            .order_by("pk")
            .first()
        )
        if bigger is not None:
            lines.append(DemoLine(bigger.code, f"ruilen: {bigger.name} meegeven, beschikbaar"))
    lines.append(DemoLine(CONFIRM_CODE, "bevestigt het mandje (zoals de knop Bevestigen)"))
    overdue = selectors.overdue_loans(location=centrum)
    late = [
        DemoLine(
            row.loan.item.code,
            f"{row.loan.item.name}: {row.days_overdue} dagen te laat, gezin {row.loan.household.code}",
        )
        for row in overdue
    ]
    sections = [DemoSection("Aan de balie (Uitdeelpunt Centrum, in deze volgorde)", lines)]
    if late:
        sections.append(DemoSection("Te laat (lijst per uitdeelpunt, met CSV)", late))
    return sections


# Memberships first: the counter's demo lends in the babytheek and the fietsbib, which
# lend only to members. The other programs around the counter come after its part.
register(load=membership_demo.load, show=membership_demo.show)
register(load=load_demo, show=show)
register(load=seasonal_demo.load, show=seasonal_demo.show)
register(load=partner_demo.load, show=partner_demo.show)
register(load=points_demo.load, show=points_demo.show)
register(load=holds_demo.load, show=holds_demo.show)
