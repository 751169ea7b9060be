"""Demo stock: a realistic catalogue, lendable items, donors, a few months of donations
from schools, the library and a BKO, transfers to the distribution points and simulated
distributions (so days of cover mean something). Idempotent: it only runs on a network
without products."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kern.demo import DemoLine, DemoSection, register
from kern.models import Location, User
from voorraad import services
from voorraad.models import (
    Category,
    CollectionDrive,
    Donor,
    Item,
    ItemType,
    MinimumLevel,
    Product,
    ProductBarcode,
    StockMovement,
    Supplier,
)

DIAPERS = [
    # size, pack size, EAN (fictitious but valid check digit is computed)
    ("1", 28),
    ("2", 44),
    ("3", 52),
    ("4", 46),
    ("5", 40),
    ("6", 36),
    ("7", 30),
]

OTHER_PRODUCTS = [
    ("Billendoekjes", "Verzorging", 64, Decimal("0.03")),
    ("Zuigelingenvoeding 1 (800 g)", "Voeding", 1, Decimal("14.50")),
    ("Opvolgmelk 2 (800 g)", "Voeding", 1, Decimal("12.90")),
    ("Groentepotjes 6+ m", "Voeding", 4, Decimal("1.20")),
    ("Babyshampoo", "Verzorging", 1, Decimal("3.10")),
    ("Kledingpakket 0–6 maanden", "Kleding", 1, Decimal("25.00")),
    ("Kledingpakket 6–12 maanden", "Kleding", 1, Decimal("25.00")),
    ("Kledingpakket 1–2 jaar", "Kleding", 1, Decimal("25.00")),
    ("Schoolpakket lager onderwijs", "School", 1, Decimal("18.00")),
]

ITEM_TYPES = [
    ("Kinderwagen", "Babytheek", "", ["regenhoes", "muskietennet"]),
    ("Autostoel groep 0+", "Babytheek", "autostoel", ["verkleinkussen"]),
    ("Autostoel groep 1/2/3", "Babytheek", "autostoel", []),
    ("Reisbedje", "Babytheek", "", ["matras", "draagtas"]),
    ("Draagzak", "Babytheek", "", ["handleiding"]),
    ("Kinderfiets", "Fietsbib", "", ["fietsslot", "helm"]),
    ("Laptop", "Laptops", "laptop", ["lader", "muis"]),
    ("Speelgoeddoos", "Speelotheek", "", []),
]


def _ean(base: str) -> str:
    from kern.barcodes import gs1_check_digit

    return base + gs1_check_digit(base)


@transaction.atomic
def load_demo() -> None:
    if Product.objects.exists():
        return
    coordinator = User.objects.get(username="coordinator")
    warehouse = Location.objects.get(name="Magazijn Wiedauwkaai")
    centrum = Location.objects.get(name="Uitdeelpunt Centrum")
    melle = Location.objects.get(name="Uitdeelpunt Melle")
    school = Location.objects.get(name="Basisschool De Regenboog")
    library = Location.objects.get(name="Bibliotheek De Krook")
    bko = Location.objects.get(name="BKO 't Speelhuis")
    rng = random.Random(2026)
    now = timezone.now()

    categories = {}

    def category(name):
        if name not in categories:
            categories[name] = Category.objects.get_or_create(name=name)[0]
        return categories[name]

    products = []
    for index, (size, pack) in enumerate(DIAPERS):
        product = Product.objects.create(
            name=f"Luiers maat {size}",
            category=category("Luiers"),
            pack_size=pack,
            value_per_unit=Decimal("0.21"),
        )
        ProductBarcode.objects.create(
            gtin=_ean(f"540001234{index:03d}"), product=product, units=pack
        )
        products.append(product)
    for index, (name, cat, pack, value) in enumerate(OTHER_PRODUCTS):
        product = Product.objects.create(
            name=name, category=category(cat), pack_size=pack, value_per_unit=value
        )
        ProductBarcode.objects.create(
            gtin=_ean(f"540009876{index:03d}"), product=product, units=pack
        )
        products.append(product)
    diapers = products[: len(DIAPERS)]
    for product in diapers:
        for point in (centrum, melle):
            MinimumLevel.objects.create(
                product=product, location=point, minimum_units=product.pack_size * 10
            )
        MinimumLevel.objects.create(
            product=product, location=warehouse, minimum_units=product.pack_size * 40
        )

    donors = {
        "school": Donor.objects.create(
            name="Basisschool De Regenboog",
            kind=Donor.Kind.SCHOOL,
            city="Gent",
            postcode="9040",
            contact_person="Juf Ilse",
            email="regenboog@school.example",
        ),
        "library": Donor.objects.create(
            name="Bibliotheek De Krook", kind=Donor.Kind.LIBRARY, city="Gent", postcode="9000"
        ),
        "bko": Donor.objects.create(
            name="BKO 't Speelhuis", kind=Donor.Kind.CHILDCARE, city="Melle", postcode="9090"
        ),
        "company": Donor.objects.create(
            name="Drogisterij Van Damme", kind=Donor.Kind.COMPANY, city="Gent", postcode="9000"
        ),
        "resident": Donor.objects.create(
            name="Familie Peeters",
            kind=Donor.Kind.RESIDENT,
            city="Melle",
            postcode="9090",
            wants_receipt=False,
        ),
    }
    services.anonymous_donor()
    today = timezone.localdate()
    drive = CollectionDrive.objects.create(
        name="Luierinzameling voorjaar",
        starts_on=today - dt.timedelta(days=100),
        ends_on=today + dt.timedelta(days=20),
        target_units=6000,
        description="Scholen, bibliotheek en kinderopvang zamelen luiers in voor de pamperbank.",
    )
    drive.collection_points.set([school, library, bko])

    # A few months of donations at the collection points and the warehouse.
    sources = [
        (donors["school"], school),
        (donors["library"], library),
        (donors["bko"], bko),
        (donors["company"], warehouse),
        (donors["resident"], warehouse),
    ]
    for week in range(16, 0, -1):
        for donor, location in rng.sample(sources, 3):
            day = today - dt.timedelta(days=week * 7 + rng.randint(0, 4))
            lines = [
                services.Line(product, product.pack_size * rng.randint(2, 12))
                for product in rng.sample(diapers, 3)
            ]
            lines.append(services.Line(products[len(DIAPERS)], 64 * rng.randint(1, 6)))
            services.receive_donation(
                actor=coordinator,
                donor=donor,
                location=location,
                lines=lines,
                drive=drive
                if location in (school, library, bko) and day >= drive.starts_on
                else None,
                received_on=day,
                at=timezone.make_aware(dt.datetime.combine(day, dt.time(15, 30))),
            )
    # A purchase of baby food and clothes at the warehouse.
    supplier = Supplier.objects.create(
        name="Groothandel Babyzorg", email="verkoop@babyzorg.example"
    )
    services.record_purchase(
        actor=coordinator,
        supplier=supplier,
        location=warehouse,
        lines=[
            services.CostLine(
                product, 40 * product.pack_size, product.value_per_unit * Decimal("0.9")
            )
            for product in products[len(DIAPERS) + 1 :]
        ],
        received_on=today - dt.timedelta(days=60),
        reference="F2026-0412",
        at=now - dt.timedelta(days=60),
    )
    # Collection points bring everything to the warehouse every few weeks.
    for week in (12, 8, 4, 1):
        moment = now - dt.timedelta(days=week * 7)
        for point in (school, library, bko):
            lines = [
                services.Line(level.product, level.on_hand)
                for level in point.stock_levels.select_related("product").filter(on_hand__gt=0)
            ]
            if lines:
                services.transfer_stock(
                    actor=coordinator,
                    from_location=point,
                    to_location=warehouse,
                    lines=lines,
                    at=moment,
                )
    # The warehouse supplies the two distribution points weekly; the points hand out.
    for week in range(10, 0, -1):
        moment = now - dt.timedelta(days=week * 7)
        for point, share in ((centrum, 0.12), (melle, 0.06)):
            lines = []
            for product in products[:10]:
                on_hand = services.level_of(product=product, location=warehouse)
                units = int(on_hand * share) // product.pack_size * product.pack_size
                if units:
                    lines.append(services.Line(product, units))
            if lines:
                services.transfer_stock(
                    actor=coordinator,
                    from_location=warehouse,
                    to_location=point,
                    lines=lines,
                    at=moment,
                )
            for days_later in range(1, 7, 2):
                for product in diapers:
                    on_hand = services.level_of(product=product, location=point)
                    take = min(on_hand, product.pack_size * rng.randint(1, 4))
                    if take:
                        with transaction.atomic():
                            services.post_movement(
                                product=product,
                                location=point,
                                quantity=-take,
                                kind=StockMovement.Kind.DISTRIBUTION,
                                user=coordinator,
                                document_type="demo",
                                reason="demo-uitdeling",
                                at=moment + dt.timedelta(days=days_later, hours=3),
                            )

    # Lendable items: 36 of eight types.
    types = {}
    for name, cat, safety, accessories in ITEM_TYPES:
        types[name] = ItemType.objects.create(
            name=name, category=category(cat), safety=safety, default_accessories=accessories
        )
    brands = {
        "Kinderwagen": ["Joolz Hub", "Bugaboo Fox", "Mutsy Nexo", "Easywalker Harvey"],
        "Autostoel groep 0+": ["Maxi-Cosi Pebble", "Cybex Aton", "Joie i-Snug"],
        "Autostoel groep 1/2/3": ["Britax Evolva", "Joie Trillo"],
        "Reisbedje": ["Chicco Good Night", "Hauck Dream'n Play"],
        "Draagzak": ["Ergobaby Omni", "Manduca First"],
        "Kinderfiets": ['Btwin 14"', 'Puky 16"', 'Cortina 20"', 'Loekie 24"', 'Btwin 26"'],
        "Laptop": ["Lenovo ThinkPad T480", "Dell Latitude 7490", "HP EliteBook 840"],
        "Speelgoeddoos": ["Duplo-doos", "Puzzelkoffer", "Muziekdoos"],
    }
    count = 0
    for type_name, models in brands.items():
        item_type = types[type_name]
        for index in range(5 if type_name in ("Kinderfiets", "Kinderwagen") else 4):
            model = models[index % len(models)]
            item = Item(
                item_type=item_type,
                name=model,
                size=model.split()[-1] if type_name == "Kinderfiets" else "",
                location=centrum if index % 3 else warehouse,
                condition=rng.choice(["als nieuw", "goed", "lichte gebruikssporen"]),
                accessories=list(item_type.default_accessories),
                acquired_on=today - dt.timedelta(days=rng.randint(30, 900)),
                donor=rng.choice(list(donors.values())),
            )
            if item_type.safety == ItemType.Safety.CAR_SEAT:
                item.approval = "R129" if "Cybex" in model or "Joie" in model else "R44/04"
                item.manufactured_on = today - dt.timedelta(days=365 * (1 + index))
                item.end_of_life_on = item.manufactured_on + dt.timedelta(days=365 * 7)
            if item_type.safety == ItemType.Safety.LAPTOP:
                item.serial_number = f"PF{rng.randint(10**7, 10**8 - 1)}"
                item.wiped_on = today - dt.timedelta(days=rng.randint(1, 60))
            services.save_item(actor=coordinator, item=item)
            count += 1
    # A few not available: one in repair, one retired after a crash.
    stroller = Item.objects.filter(item_type=types["Kinderwagen"]).earliest("pk")
    services.change_item_status(
        actor=coordinator, item=stroller, status=Item.Status.IN_REPAIR, note="wiel los"
    )
    seat = Item.objects.filter(item_type=types["Autostoel groep 1/2/3"]).latest("pk")
    seat.crashed = True
    services.save_item(actor=coordinator, item=seat, note="ongeval gemeld door gezin")


def _per_pack(units: int) -> str:
    return "per stuk" if units == 1 else f"pak van {units} stuks"


def show() -> list[DemoSection]:
    """Two products (label code and manufacturer EAN) and an item in each state."""
    products = []
    for product in Product.objects.filter(barcodes__isnull=False).distinct().order_by("pk")[:2]:
        barcode = product.barcodes.order_by("pk").first()
        products.append(DemoLine(product.code, f"{product.name}, {_per_pack(product.pack_size)}"))
        if barcode is not None:
            products.append(
                DemoLine(
                    barcode.gtin,
                    f"EAN op de verpakking: {product.name}, {_per_pack(barcode.units)}",
                )
            )
    items = []
    for status in (Item.Status.AVAILABLE, Item.Status.IN_REPAIR, Item.Status.RETIRED):
        item = (
            Item.objects.filter(status=status)
            .select_related("item_type", "location")
            .order_by("pk")
            .first()
        )
        if item is not None:
            items.append(
                DemoLine(
                    item.code,
                    f"{item.name} ({item.item_type.name}): {item.get_status_display()}, "
                    f"in {item.location.name}",
                )
            )
    return [
        DemoSection("Producten (etiket van Deelpunt en EAN van de fabrikant)", products),
        DemoSection("Uitleenobjecten", items),
    ]


register(load=load_demo, show=show)
