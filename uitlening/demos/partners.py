"""Demo partner requests of Welzijnsschakel De Brug (account ``partner.debrug``, a social
worker of the Welzijnsschakel): one approved with fewer diapers than asked and ready to
hand over at Uitdeelpunt Melle, one waiting for a coordinator. Numbers only, no names.

Through the services; idempotent: it runs only when there is no partner request yet."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from kern.demo import DEMO_PASSWORD, DemoLine, DemoSection
from kern.models import Location, Organisation, User
from kern.roles import Role
from uitlening import services
from uitlening.models import PartnerRequest
from voorraad.models import Product

PARTNER = "partner.debrug"
ORGANISATION = "Welzijnsschakel De Brug"


def _partner() -> User | None:
    organisation = Organisation.objects.filter(name=ORGANISATION).first()
    if organisation is None:
        return None
    user, created = User.objects.get_or_create(
        username=PARTNER,
        defaults={
            "first_name": "Ilse",
            "email": f"{PARTNER}@deelpunt.example",
            "organisation": organisation,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=Role.SOCIAL_WORKER.value))
    return user


@transaction.atomic
def load() -> None:
    if PartnerRequest.objects.exists():
        return
    partner = _partner()
    coordinator = User.objects.filter(username="coordinator").first()
    melle = Location.objects.filter(name="Uitdeelpunt Melle").first()
    products = {p.name: p for p in Product.objects.filter(name__in=_NAMES)}
    if partner is None or coordinator is None or melle is None or len(products) < len(_NAMES):
        return
    partner = User.objects.get(pk=partner.pk)  # fresh permission cache
    today = timezone.localdate()
    first = services.submit_partner_request(
        actor=partner,
        pickup_location=melle,
        pickup_date=today + dt.timedelta(days=2),
        households_served=5,
        children_served=9,
        lines=[
            services.RequestedLine(products["Luiers maat 4"], 6),
            services.RequestedLine(products["Billendoekjes"], 4),
        ],
        note="Voor de gezinnen van onze ontmoetingsnamiddag.",
    )
    services.approve_partner_request(
        actor=coordinator,
        request=first,
        approved_packs={products["Luiers maat 4"].pk: 4},
        note="Luiers maat 4 zijn schaars: vier pakken deze keer.",
    )
    services.submit_partner_request(
        actor=partner,
        pickup_location=melle,
        pickup_date=today + dt.timedelta(days=9),
        households_served=3,
        children_served=4,
        lines=[
            services.RequestedLine(products["Babyshampoo"], 3),
            services.RequestedLine(products["Kledingpakket 1–2 jaar"], 2),
        ],
    )


_NAMES = ("Luiers maat 4", "Billendoekjes", "Babyshampoo", "Kledingpakket 1–2 jaar")


def show() -> list[DemoSection]:
    requests = list(PartnerRequest.objects.select_related("pickup_location").order_by("pk"))
    if not requests:
        return []
    lines = [DemoLine(PARTNER, f"maatschappelijk werker, {ORGANISATION} (vraagt goederen aan)")]
    for request in requests:
        lines.append(
            DemoLine(
                f"/balie/partneraanvragen/{request.pk}/",
                f"{request.get_status_display()}: afhalen in {request.pickup_location.name} "
                f"op {request.pickup_date:%d/%m/%Y}, {request.households_served} gezinnen, "
                f"{request.children_served} kinderen",
            )
        )
    return [DemoSection("Partneraanvragen (Balie → Partneraanvragen)", lines)]
