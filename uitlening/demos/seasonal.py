"""Demo Sinterklaas action: 6 December of this year, age bands 0–2, 3–5 and 6–11 years
with their packages (new demo products, given by a donor to both points), and entitled
children among the demo families (the family with a Sinterklaas referral, and a few more
given a referral by the demo social worker). The hand-out window always holds today, so the package
can be tried at the counter whatever the date.

Through the services, so stock, access and the audit log agree. Idempotent: it runs only
when there is no seasonal action yet."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kern.demo import DemoLine, DemoSection
from kern.errors import DomainError
from kern.models import Location, User
from toegang import services as access
from toegang.models import Household, Program, Referral
from uitlening import services
from uitlening.models import SeasonalAction
from uitlening.selectors.seasonal import entitled_list
from voorraad import services as stock
from voorraad.models import Category, Donor, Product

POINTS = ("Uitdeelpunt Centrum", "Uitdeelpunt Melle")
PRODUCTS = [
    # name, packs in stock per point
    ("Chocoladeletter", 80),
    ("Knuffel", 30),
    ("Prentenboek", 30),
    ("Puzzel 24 stukjes", 30),
    ("Gezelschapsspel", 30),
]
BANDS = [
    # label, from, to (years), package: product, packs
    ("0–2 jaar", 0, 2, (("Knuffel", 1), ("Prentenboek", 1), ("Chocoladeletter", 1))),
    ("3–5 jaar", 3, 5, (("Puzzel 24 stukjes", 1), ("Prentenboek", 1), ("Chocoladeletter", 1))),
    ("6–11 jaar", 6, 11, (("Gezelschapsspel", 1), ("Chocoladeletter", 2))),
]
EXTRA_FAMILIES = 3  # besides the one with a referral already, given one for the action


def action_day(today: dt.date) -> dt.date:
    return dt.date(today.year, 12, 6)


@transaction.atomic
def load() -> None:
    if SeasonalAction.objects.exists():
        return
    program = Program.objects.filter(kind=Program.Kind.SEASONAL).order_by("pk").first()
    coordinator = User.objects.filter(username="coordinator").first()
    social_worker = User.objects.filter(username="maatschappelijkwerker").first()
    if program is None or coordinator is None or social_worker is None:
        return
    points = list(Location.objects.filter(name__in=POINTS).order_by("name"))
    category, _created = Category.objects.get_or_create(name="Sinterklaas")
    products = {}
    for name, _units in PRODUCTS:
        products[name], _created = Product.objects.get_or_create(
            name=name,
            defaults={"category": category, "pack_size": 1, "value_per_unit": Decimal("4.00")},
        )
    donor, _created = Donor.objects.get_or_create(
        name="Sinterklaasfonds Gent", defaults={"kind": Donor.Kind.COMPANY, "city": "Gent"}
    )
    for point in points:
        stock.receive_donation(
            actor=coordinator,
            donor=donor,
            location=point,
            lines=[stock.Line(products[name], units) for name, units in PRODUCTS],
            note="Sinterklaaspakketten",
        )
    today = timezone.localdate()
    day = action_day(today)
    action = services.create_action(
        actor=coordinator,
        name=f"Sinterklaas {day.year}",
        kind=SeasonalAction.Kind.SINTERKLAAS,
        program=program,
        action_date=day,
        handout_from=min(today, day - dt.timedelta(days=21)),
        handout_until=max(day, today + dt.timedelta(days=14)),
        points=points,
    )
    for label, low, high, package in BANDS:
        band = services.add_age_band(
            actor=coordinator, action=action, label=label, age_from=low, age_to=high
        )
        for name, packs in package:
            services.set_package_line(
                actor=coordinator, band=band, product=products[name], packs=packs
            )
    entitled = {h.household_id for h in entitled_list(action).households}
    month_on = day.year * 12 + day.month
    added = 0
    for household in Household.objects.filter(anonymised_at__isnull=True).order_by("pk"):
        if added >= EXTRA_FAMILIES or household.pk in entitled:
            continue
        ages = [month_on - (c.birth_year * 12 + c.birth_month) for c in household.children.all()]
        if not any(0 <= age < 12 * 12 for age in ages):
            continue
        try:
            referral = access.issue_referral(
                actor=social_worker, household=household, programs=[program]
            )
        except DomainError:
            continue
        # A referral reaches at most a few months ahead; the demo's action may be further
        # off (or just past), so its dates are moved to hold the action date, as the
        # counter's demo moves the dates of loans made "earlier".
        Referral.objects.filter(pk=referral.pk).update(
            valid_from=min(referral.valid_from, day),
            valid_until=max(referral.valid_until, day + dt.timedelta(days=7)),
        )
        added += 1


def show() -> list[DemoSection]:
    action = SeasonalAction.objects.order_by("-action_date").first()
    if action is None:
        return []
    listed = entitled_list(action)
    lines = []
    for household in listed.households:
        bands = ", ".join(
            f"kind {child.born} ({child.band.label}{', al afgehaald' if child.served else ''})"
            for child in household.children
        )
        lines.append(DemoLine(household.code, f"gezinskaart: {bands}"))
    title = (
        f"Sinterklaaspakketten ({action.name}, actiedatum {action.action_date:%d/%m/%Y}, "
        f"afhalen {action.handout_from:%d/%m/%Y}–{action.handout_until:%d/%m/%Y}; "
        "scan de gezinskaart aan de balie; picklijsten onder Balie → Seizoensacties)"
    )
    return [DemoSection(title, lines)]
