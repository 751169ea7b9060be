"""The demo network: two cooperating municipalities, their locations, partner
organisations and one account per role; and the registry through which every app adds its
own demo data.

``manage.py load_demo`` imports each installed app's ``demo`` module (Django's
``autodiscover_modules``); a module takes part by calling ``register`` at import. The parts
run in the order of ``INSTALLED_APPS`` (kern first: the others need its users and
locations), so the data and the printed codes do not depend on which module happened to be
imported first. Idempotent: running it again creates nothing twice (records are found by
their natural key, or an app skips its part when its data is there).

The printed text is for Dutch-speaking newcomers trying Deelpunt, so it is written in Dutch
like the demo data itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import translation
from django.utils.module_loading import autodiscover_modules

from kern.models import Location, Municipality, OpeningHours, Organisation, User
from kern.roles import Role, sync_role_groups

DEMO_PASSWORD = "deelpunt-demo"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    first_name: str
    role: Role
    organisation: str | None = None
    locations: tuple[str, ...] = ()


MUNICIPALITIES = [
    (
        "Gent",
        "44021",
        ["9000", "9030", "9031", "9032", "9040", "9041", "9042", "9050", "9051", "9052"],
    ),
    ("Melle", "44043", ["9090"]),
]

ORGANISATIONS: list[tuple[str, Organisation.Kind, str]] = [
    ("Sociaal Huis Gent", Organisation.Kind.SOCIAL_SERVICE, "Gent"),
    ("Sociaal Huis Melle", Organisation.Kind.SOCIAL_SERVICE, "Melle"),
    ("CAW Oost-Vlaanderen", Organisation.Kind.CAW, "Gent"),
    ("Kind & Gezin Gent", Organisation.Kind.KIND_EN_GEZIN, "Gent"),
    ("Welzijnsschakel De Brug", Organisation.Kind.WELZIJNSSCHAKEL, "Melle"),
    ("Huis van het Kind Melle", Organisation.Kind.HUIS_VAN_HET_KIND, "Melle"),
    ("Basisschool De Regenboog", Organisation.Kind.SCHOOL, "Gent"),
    ("Bibliotheek De Krook", Organisation.Kind.LIBRARY, "Gent"),
    ("BKO 't Speelhuis", Organisation.Kind.CHILDCARE, "Melle"),
]

T = dt.time
LOCATIONS: list[
    tuple[str, Location.Kind, str, str, str, str, str, list[tuple[int, dt.time, dt.time]]]
] = [
    # name, kind, municipality, organisation, street, postcode, city, hours
    (
        "Magazijn Wiedauwkaai",
        Location.Kind.WAREHOUSE,
        "Gent",
        "Sociaal Huis Gent",
        "Wiedauwkaai 42",
        "9000",
        "Gent",
        [(d, T(8), T(16)) for d in range(5)],
    ),
    (
        "Uitdeelpunt Centrum",
        Location.Kind.DISTRIBUTION_POINT,
        "Gent",
        "Sociaal Huis Gent",
        "Onderbergen 86",
        "9000",
        "Gent",
        [(1, T(9), T(12)), (1, T(13, 30), T(16)), (3, T(13, 30), T(18)), (5, T(9, 30), T(12, 30))],
    ),
    (
        "Uitdeelpunt Melle",
        Location.Kind.DISTRIBUTION_POINT,
        "Melle",
        "Sociaal Huis Melle",
        "Brusselsesteenweg 395",
        "9090",
        "Melle",
        [(2, T(14), T(17)), (4, T(9), T(12))],
    ),
    (
        "Basisschool De Regenboog",
        Location.Kind.COLLECTION_POINT,
        "Gent",
        "Basisschool De Regenboog",
        "Sint-Salvatorstraat 16",
        "9040",
        "Gent",
        [(d, T(8, 15), T(15, 30)) for d in (0, 1, 3, 4)] + [(2, T(8, 15), T(12))],
    ),
    (
        "Bibliotheek De Krook",
        Location.Kind.COLLECTION_POINT,
        "Gent",
        "Bibliotheek De Krook",
        "Miriam Makebaplein 1",
        "9000",
        "Gent",
        [(d, T(10), T(19)) for d in range(6)],
    ),
    (
        "BKO 't Speelhuis",
        Location.Kind.COLLECTION_POINT,
        "Melle",
        "BKO 't Speelhuis",
        "Kerkstraat 7",
        "9090",
        "Melle",
        [(d, T(7), T(18, 30)) for d in range(5)],
    ),
]

ACCOUNTS = [
    DemoAccount(
        "vrijwilliger", "Mieke", Role.VOLUNTEER, "Sociaal Huis Gent", ("Uitdeelpunt Centrum",)
    ),
    DemoAccount(
        "vrijwilliger.melle", "Jamal", Role.VOLUNTEER, "Sociaal Huis Melle", ("Uitdeelpunt Melle",)
    ),
    DemoAccount("maatschappelijkwerker", "Sofie", Role.SOCIAL_WORKER, "CAW Oost-Vlaanderen"),
    DemoAccount("maatschappelijkwerker.kg", "Lotte", Role.SOCIAL_WORKER, "Kind & Gezin Gent"),
    DemoAccount("coordinator", "Karim", Role.COORDINATOR, "Sociaal Huis Gent"),
    DemoAccount("beheerder", "An", Role.ADMIN, "Sociaal Huis Gent"),
]


@transaction.atomic
def load_demo() -> None:
    sync_role_groups(apps)  # normally done by migration; a flushed test database lacks them
    municipalities: dict[str, Municipality] = {}
    for name, nis, postcodes in MUNICIPALITIES:
        municipalities[name], _ = Municipality.objects.get_or_create(
            name=name, defaults={"nis_code": nis, "postcodes": postcodes}
        )
    organisations: dict[str, Organisation] = {}
    for name, organisation_kind, municipality in ORGANISATIONS:
        organisations[name], _ = Organisation.objects.get_or_create(
            name=name,
            defaults={"kind": organisation_kind, "municipality": municipalities[municipality]},
        )
    locations: dict[str, Location] = {}
    for name, location_kind, municipality, organisation, street, postcode, city, hours in LOCATIONS:
        location, created = Location.objects.get_or_create(
            name=name,
            defaults={
                "kind": location_kind,
                "municipality": municipalities[municipality],
                "organisation": organisations[organisation],
                "street": street,
                "postcode": postcode,
                "city": city,
            },
        )
        if created:
            OpeningHours.objects.bulk_create(
                OpeningHours(location=location, weekday=d, opens=o, closes=c) for d, o, c in hours
            )
        locations[name] = location
    for account in ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=account.username,
            defaults={
                "first_name": account.first_name,
                "email": f"{account.username}@deelpunt.example",
                "organisation": organisations.get(account.organisation or ""),
                "is_staff": account.role == Role.ADMIN,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name=account.role.value))
            user.locations.set([locations[name] for name in account.locations])


# --- The registry of demo parts -----------------------------------------------------------


@dataclass(frozen=True)
class DemoLine:
    """One line of the printed overview: a code to scan (or an account) and what it is."""

    code: str
    text: str


@dataclass(frozen=True)
class DemoSection:
    title: str
    lines: list[DemoLine]


@dataclass(frozen=True)
class DemoPart:
    module: str
    load: Callable[[], None]
    show: Callable[[], list[DemoSection]]


_parts: dict[str, DemoPart] = {}


def register(*, load: Callable[[], None], show: Callable[[], list[DemoSection]]) -> None:
    """Add an app's demo: ``load`` creates its data, ``show`` reads back from the database
    what a newcomer can try (so every printed code exists)."""
    _parts[load.__module__] = DemoPart(load.__module__, load, show)


def demo_parts() -> list[DemoPart]:
    """Every installed app's demo part, in the order of INSTALLED_APPS."""
    autodiscover_modules("demo")
    order = {config.name: index for index, config in enumerate(apps.get_app_configs())}

    def position(part: DemoPart) -> int:
        config = apps.get_containing_app_config(part.module)
        return order[config.name] if config is not None else len(order)

    return sorted(_parts.values(), key=position)


def load_all() -> list[DemoSection]:
    """Load every app's demo data; answer what to print, read from the database."""
    parts = demo_parts()
    for part in parts:
        part.load()
    with translation.override("nl-be"):  # labels such as an item's status, in Dutch
        return [section for part in parts for section in part.show()]


def accounts_to_try() -> list[DemoSection]:
    """The demo accounts as they are in the database, with their role and places."""
    users = {
        user.username: user
        for user in User.objects.filter(username__in=[a.username for a in ACCOUNTS])
        .select_related("organisation")
        .prefetch_related("groups", "locations")
    }
    lines = []
    for account in ACCOUNTS:
        user = users.get(account.username)
        if user is None:
            continue
        roles = ", ".join(sorted(group.name for group in user.groups.all()))
        places = ", ".join(sorted(location.name for location in user.locations.all()))
        where = places or (user.organisation.name if user.organisation else "")
        lines.append(DemoLine(user.username, f"{roles:<23} {where}".rstrip()))
    return [DemoSection(f"Demo-accounts (wachtwoord voor allemaal: {DEMO_PASSWORD})", lines)]


register(load=load_demo, show=accounts_to_try)
