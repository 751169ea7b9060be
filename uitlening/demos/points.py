"""Demo swap shop (ruilwinkel): its rules (a grant per adult and per child every 90 days,
at most 60 points spent per 28 days, points valid for 180 days), points per piece of
clothing, and a few families with points: Amina brought clothes and took a package, the
Melle family got its grant, and one family's points expire within two weeks.

Everything goes through ``uitlening.services`` (earn, spend, grant), so the clothes are in
the stock ledger and every balance is the sum of its entries. The points that expire soon
were earned while the shop's expiry was 10 days, set back to 180 afterwards: the ledger is
append-only, so no date is moved. Idempotent: only when no household has points yet."""

from __future__ import annotations

from django.db import transaction

from kern.demo import DemoLine, DemoSection
from kern.models import Location, User
from toegang.models import Household, Program
from uitlening import services
from uitlening.models import PointsBalance, PointsEntry, PointsRate, PointsScheme
from uitlening.selectors.points import points_expiring
from voorraad.models import Category, Product

CENTRUM = "Uitdeelpunt Centrum"
MELLE = "Uitdeelpunt Melle"

RATES = [
    # category, points per piece brought, per piece taken
    ("Kleding", 10, 12),
]


@transaction.atomic
def load() -> None:
    if PointsEntry.objects.exists():
        return
    program = Program.objects.filter(kind=Program.Kind.SWAP_SHOP).order_by("name").first()
    coordinator = User.objects.filter(username="coordinator").first()
    volunteer = User.objects.filter(username="vrijwilliger").first()
    melle_volunteer = User.objects.filter(username="vrijwilliger.melle").first()
    points = {p.name: p for p in Location.objects.filter(name__in=[CENTRUM, MELLE])}
    if program is None or coordinator is None or volunteer is None or len(points) < 2:
        return
    scheme, _ = PointsScheme.objects.get_or_create(
        program=program,
        defaults={
            "grant_per_adult": 10,
            "grant_per_child": 15,
            "grant_period_days": 90,
            "spend_cap": 60,
            "cap_period_days": 28,
            "expiry_days": 180,
        },
    )
    for name, earn, spend in RATES:
        category = Category.objects.filter(name=name).first()
        if category is not None:
            services.save_points_rate(
                actor=coordinator,
                category=category,
                earn_points=earn,
                spend_points=spend,
                source="demo",
            )
    clothes = list(Product.objects.filter(category__name="Kleding").order_by("pk"))
    families = list(Household.objects.filter(anonymised_at__isnull=True).order_by("pk"))
    if not clothes or len(families) < 8:
        return
    centrum, melle = points[CENTRUM], points[MELLE]
    amina, single_parent, melle_family = families[0], families[1], families[7]
    services.earn_points(
        actor=volunteer, location=centrum, household=amina, product=clothes[0], quantity=3
    )
    services.spend_points(
        actor=volunteer, location=centrum, household=amina, product=clothes[0], quantity=1
    )
    if melle_volunteer is not None:
        services.grant_points(actor=melle_volunteer, location=melle, household=melle_family)
    # Points that expire soon: earned while the shop's expiry was 10 days.
    PointsScheme.objects.filter(pk=scheme.pk).update(expiry_days=10)
    services.earn_points(
        actor=volunteer, location=centrum, household=single_parent, product=clothes[0], quantity=2
    )
    PointsScheme.objects.filter(pk=scheme.pk).update(expiry_days=scheme.expiry_days)


def show() -> list[DemoSection]:
    from django.utils import timezone

    today = timezone.localdate()
    lines = []
    for balance in PointsBalance.objects.select_related("household").order_by("household_id"):
        household = balance.household
        text = f"ruilwinkel: {balance.balance} ruilpunten"
        soon = points_expiring(household, on=today)
        if soon.points and soon.first_on:
            text += f", waarvan {soon.points} vervallen op {soon.first_on:%d/%m/%Y}"
        if PointsEntry.objects.filter(household=household, kind=PointsEntry.Kind.GRANT).exists():
            text += " (met de toekenning van deze periode)"
        lines.append(DemoLine(household.code, text))
    rates = [
        DemoLine(
            rate.category.name,
            f"brengen: {rate.earn_points} punten per stuk, meenemen: {rate.spend_points} per stuk",
        )
        for rate in PointsRate.objects.select_related("category")
    ]
    if not lines:
        return []
    return [DemoSection("Ruilwinkel (punten per gezin)", lines + rates)]
