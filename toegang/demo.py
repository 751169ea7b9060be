"""Demo programs and families: the seven programs of DESIGN.md with their rules, families
in Gent and Melle with children of various ages, referrals from the two demo social
workers (one revoked, one expired) and UiTPAS cards for publiq's test passes.

Runs after the kern part of ``manage.py load_demo`` (which makes the accounts) and only
when there is no program yet, so running it again creates nothing twice. Linking a card
does not call UiTPAS; checking it at the counter does (the stand-in answers for the test
passes). ``show`` reads back the household cards, referral letters and UiTPAS test numbers
to try (in Dutch, like the demo data)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from kern.demo import DemoLine, DemoSection, register
from kern.models import Municipality, User
from toegang import services
from toegang.models import Household, Program, Referral, UitpasCard
from toegang.services import save_program
from toegang.uitpas import standin_passes

D = Decimal

PROGRAMS: list[dict[str, Any]] = [
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
    users = {user.username: user for user in User.objects.select_related("organisation")}
    coordinator = users["coordinator"]
    volunteer = users["vrijwilliger"]

    programs: dict[str, Program] = {}
    for program_spec in PROGRAMS:
        spec = dict(program_spec)
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


# --- What a newcomer can try ------------------------------------------------------------


def _age(months: int) -> str:
    return f"{months} mnd" if months < 24 else f"{months // 12} jaar"


def _household_line(household: Household, today: dt.date) -> DemoLine:
    children = [child.age_in_months(today) for child in household.children.all()]
    parts = [
        f"{household.municipality.name if household.municipality else ''} "
        f"{household.postcode}".strip(),
        f"{household.adults} volwassene{'n' if household.adults != 1 else ''}",
    ]
    if children:
        word = "kind" if len(children) == 1 else "kinderen"
        parts.append(f"{len(children)} {word} ({', '.join(_age(m) for m in children)})")
    if household.first_name:
        parts.append(f"voornaam {household.first_name}")
    parts += [f"UiTPAS …{card.last_digits}" for card in household.uitpas_cards.all()]
    return DemoLine(household.code, ", ".join(parts))


def _referral_lines(today: dt.date) -> list[DemoLine]:
    referrals = Referral.objects.select_related("household").prefetch_related("programs")
    by_state = [
        (
            referrals.counting_on(today),
            lambda r: f"geldig tot {r.valid_until:%d/%m/%Y}",
        ),
        (referrals.filter(revoked_at__isnull=False), lambda r: "ingetrokken"),
        (
            referrals.filter(revoked_at__isnull=True, valid_until__lt=today),
            lambda r: f"verlopen op {r.valid_until:%d/%m/%Y}",
        ),
    ]
    lines = []
    for queryset, state in by_state:
        referral = queryset.order_by("pk").first()
        if referral is not None:
            programs = ", ".join(sorted(program.name for program in referral.programs.all()))
            lines.append(
                DemoLine(
                    referral.code,
                    f"{state(referral)}: {programs}, gezin {referral.household.code}",
                )
            )
    return lines


def _what_uitpas_answers(test_pass: standin_passes.StandInPass, postcodes: set[str]) -> str:
    problem = test_pass.problem
    if problem is not None and problem.type == standin_passes.PASSHOLDER_BLOCKED:
        return "geblokkeerd: UiTPAS weigert de kaart"
    if problem is not None and problem.type == standin_passes.INVALID_CARD_STATUS:
        return "kaart nog niet geregistreerd bij UiTPAS"
    card_system = standin_passes.CARD_SYSTEMS[test_pass.card_system]
    if test_pass.social_tariff == "ACTIVE":
        covered = {city["postalCode"] for city in card_system["cities"]}
        if postcodes & covered:
            return f"kansentarief actief ({card_system['name']})"
        return f"kansentarief actief in een andere regio ({card_system['name']}): telt hier niet"
    if test_pass.social_tariff == "EXPIRED":
        return "kansentarief verlopen"
    return "geen kansentarief"


def _uitpas_lines() -> list[DemoLine]:
    postcodes = {code for m in Municipality.objects.all() for code in m.postcodes}
    lines = []
    for number, test_pass in standin_passes.TEST_PASSES.items():
        card = (
            UitpasCard.objects.filter(number_hash=services.uitpas_hash(number))
            .select_related("household")
            .first()
        )
        linked = f"gezin {card.household.code}" if card else "nog aan geen gezin gekoppeld"
        lines.append(DemoLine(number, f"{_what_uitpas_answers(test_pass, postcodes)}; {linked}"))
    return lines


def show() -> list[DemoSection]:
    """The household cards of the demo's families (other parts' households, such as the
    reports' anonymous history, are not for trying at the counter), one valid, one
    revoked and one expired referral letter, and what the UiTPAS stand-in answers for
    each of publiq's test numbers."""
    today = timezone.localdate()
    households = (
        Household.objects.filter(anonymised_at__isnull=True)
        .select_related("municipality")
        .prefetch_related("children", "uitpas_cards")
        .order_by("pk")[: len(FAMILIES)]
    )
    return [
        DemoSection("Gezinskaarten", [_household_line(h, today) for h in households]),
        DemoSection("Doorverwijsbrieven", _referral_lines(today)),
        DemoSection(
            "UiTPAS-testnummers (de stand-in van make run antwoordt zoals publiqs testomgeving)",
            _uitpas_lines(),
        ),
    ]


register(load=load_demo, show=show)
