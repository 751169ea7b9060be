"""Demo programs and families: the seven programs of DESIGN.md with their rules, families
in Gent and Melle with children of various ages, referrals from the two demo social
workers (one revoked, one expired) and UiTPAS cards for publiq's test passes.

Runs after ``kern.demo.load_demo`` (``manage.py load_demo``) and only when there is no
program yet, so running it again creates nothing twice. Linking a card does not call
UiTPAS; checking it at the counter does (the stand-in answers for the test passes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kern.models import User
from toegang import services
from toegang.models import Household, Program, Referral
from toegang.services import save_program

D = Decimal

PROGRAMS: list[dict] = [
    {
        "name": "Babytheek",
        "kind": Program.Kind.BABY_LIBRARY,
        "description": "Buggy's, autostoelen, draagzakken en babybedjes lenen.",
        "membership_fee_social": D("5"),
        "membership_fee_normal": D("25"),
        "max_concurrent_loans": 2,
        "loan_days": 42,
    },
    {
        "name": "Pamperbank",
        "kind": Program.Kind.DIAPERS,
        "description": "Gratis luiers voor kinderen tot drie jaar.",
        "quota_packs_per_child": 8,
        "quota_period_days": 28,
        "quota_child_max_age_months": 36,
        "grants": ["Babytheek"],
    },
    {
        "name": "Fietsbib",
        "kind": Program.Kind.BIKE_LIBRARY,
        "description": "Een kinderfiets die meegroeit: ruil hem als hij te klein wordt.",
        "membership_fee_social": D("10"),
        "membership_fee_normal": D("40"),
        "max_concurrent_loans": 1,
        "loan_days": 180,
    },
    {
        "name": "Laptops",
        "kind": Program.Kind.LAPTOPS,
        "description": "Een laptop voor huiswerk, op doorverwijzing van de school of het CAW.",
        "accepts_uitpas": False,
        "max_concurrent_loans": 1,
        "loan_days": 180,
    },
    {
        "name": "Speelotheek",
        "kind": Program.Kind.TOY_LIBRARY,
        "description": "Speelgoed en gezelschapsspellen lenen.",
        "open_to_all": True,
        "membership_fee_social": D("3"),
        "membership_fee_normal": D("15"),
        "max_concurrent_loans": 3,
        "loan_days": 21,
    },
    {
        "name": "Ruilwinkel",
        "kind": Program.Kind.SWAP_SHOP,
        "description": "Kleding en speelgoed brengen en meenemen, met ruilpunten.",
        "open_to_all": True,
    },
    {
        "name": "Sinterklaasactie",
        "kind": Program.Kind.SEASONAL,
        "description": "Een Sinterklaaspakket per kind, in november en begin december.",
        "accepts_uitpas": False,
        "referral_default_days": 60,
        "referral_max_days": 120,
    },
]


@dataclass(frozen=True)
class DemoFamily:
    postcode: str
    children_months: tuple[int, ...]  # ages in months today
    adults: int = 1
    first_name: str = ""
    phone: str = ""
    uitpas: str = ""
    referrals: tuple[tuple[str, tuple[str, ...], str], ...] = ()  # worker, programs, state
    language: str = "nl"
    inactive_months: int = 0


SOFIE = "maatschappelijkwerker"  # CAW Oost-Vlaanderen
LOTTE = "maatschappelijkwerker.kg"  # Kind & Gezin Gent

FAMILIES = [
    # Gent centrum: a baby and a toddler, UiTPAS with social tariff (active, Gent)
    DemoFamily(
        "9000",
        (4, 26),
        adults=2,
        first_name="Amina",
        phone="0470 12 34 56",
        uitpas="0900000067513",
        referrals=((LOTTE, ("Pamperbank",), "valid"),),
    ),
    # Gent: a toddler and a schoolchild; UiTPAS whose social tariff has expired
    DemoFamily(
        "9000",
        (18, 84),
        uitpas="0900000031618",
        referrals=((SOFIE, ("Fietsbib", "Laptops"), "valid"),),
    ),
    # Gent-Sint-Amandsberg: UiTPAS with social tariff in another region
    DemoFamily("9040", (30,), adults=2, uitpas="0900000093204", language="fr"),
    # Gent-Sint-Amandsberg: blocked UiTPAS, but a valid referral
    DemoFamily(
        "9040",
        (9, 60, 110),
        adults=2,
        uitpas="0900000002312",
        referrals=((SOFIE, ("Pamperbank", "Sinterklaasactie"), "valid"),),
    ),
    # Gentbrugge: a teenager with a laptop referral, and one that was revoked
    DemoFamily(
        "9050",
        (150,),
        referrals=(
            (SOFIE, ("Laptops",), "valid"),
            (LOTTE, ("Fietsbib",), "revoked"),
        ),
    ),
    # Gentbrugge: the referral expired last month
    DemoFamily("9050", (40, 96), adults=2, referrals=((LOTTE, ("Babytheek",), "expired"),)),
    # Melle: a newborn and a schoolchild
    DemoFamily(
        "9090",
        (1, 72),
        first_name="Jonas",
        referrals=((LOTTE, ("Pamperbank", "Fietsbib"), "valid"),),
    ),
    # Melle: no evidence, uses the open programs at the normal fee
    DemoFamily("9090", (48, 120), adults=2),
    # Melle: not seen for more than two years (manage.py anonymise_inactive picks it up)
    DemoFamily("9090", (38,), inactive_months=27),
]


def _birth(months: int, today: dt.date) -> services.ChildIn:
    index = today.year * 12 + (today.month - 1) - months
    return services.ChildIn(birth_year=index // 12, birth_month=index % 12 + 1)


@transaction.atomic
def load_demo() -> None:
    if Program.objects.exists():
        return
    if not User.objects.filter(username="coordinator").exists():
        from kern.demo import load_demo as load_kern_demo

        load_kern_demo()
    users = {user.username: user for user in User.objects.select_related("organisation")}
    coordinator = users["coordinator"]
    volunteer = users["vrijwilliger"]

    programs: dict[str, Program] = {}
    for spec in PROGRAMS:
        spec = dict(spec)
        grants = [programs[name] for name in spec.pop("grants", [])]
        programs[spec["name"]] = save_program(
            actor=coordinator, program=Program(**spec), grants=grants, source="demo"
        )

    today = timezone.localdate()
    now = timezone.now()
    for family in FAMILIES:
        worker = users[family.referrals[0][0]] if family.referrals else volunteer
        household = services.register_household(
            actor=worker,
            postcode=family.postcode,
            children=[_birth(months, today) for months in family.children_months],
            adults=family.adults,
            language=family.language,
            first_name=family.first_name,
            phone=family.phone,
            consent=bool(family.first_name or family.phone),
            source="demo",
        )
        if family.uitpas:
            services.link_uitpas_card(
                actor=volunteer, household=household, number=family.uitpas, source="demo"
            )
        for username, names, state in family.referrals:
            issuer = users[username]
            referral = services.issue_referral(
                actor=issuer,
                household=household,
                programs=[programs[name] for name in names],
                source="demo",
            )
            if state == "revoked":
                services.revoke_referral(actor=issuer, referral=referral, source="demo")
            elif state == "expired":
                Referral.objects.filter(pk=referral.pk).update(
                    valid_from=today - dt.timedelta(days=120),
                    valid_until=today - dt.timedelta(days=30),
                    created_at=now - dt.timedelta(days=120),
                )
        if family.inactive_months:
            long_ago = now - dt.timedelta(days=family.inactive_months * 31)
            Household.objects.filter(pk=household.pk).update(
                created_at=long_ago - dt.timedelta(days=200), last_activity_at=long_ago
            )
