"""Eligibility hot path (issue: toegang): the check a counter makes for every family,
with the UiTPAS evidence already cached (no call to UiTPAS)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def benchmarks(repeat: int, client_factory):
    from kern import services as kern_services
    from kern.models import Location, User
    from toegang import selectors, services
    from toegang.models import Evidence, Program

    volunteer = User.objects.get(username="vrijwilliger")
    social_worker = User.objects.get(username="maatschappelijkwerker")
    point = Location.objects.get(name="Uitdeelpunt Centrum")
    pamperbank = Program.objects.get(name="Pamperbank")
    today = timezone.localdate()
    household = services.register_household(
        actor=social_worker, postcode="9000", children=[services.ChildIn(today.year, 1)]
    )
    card = services.link_uitpas_card(actor=volunteer, household=household, number="0900010959113")
    Evidence.objects.create(
        household=household,
        kind=Evidence.Kind.UITPAS,
        card=card,
        social_tariff="ACTIVE",
        card_system_id="1",
        card_system_name="UiTPAS Regio Gent",
        card_system_postcodes=list(point.municipality.postcodes),
        valid_until=today + dt.timedelta(days=300),
        checked_by=volunteer,
    )
    token = kern_services.create_api_token(actor=volunteer, owner=volunteer, name="bench").plaintext
    api = client_factory("vrijwilliger")
    body = {
        "location_id": point.pk,
        "household_code": household.code,
        "program_ids": [pamperbank.pk],
    }

    def eligibility_service():
        result = selectors.entitlement(household=household, program=pamperbank, location=point)
        assert result.allowed

    def eligibility_api():
        response = api.post(
            "/api/v1/toegang/eligibility",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code == 200 and response.json()["entitlements"][0]["allowed"]

    yield "eligibility_cached_evidence_service", eligibility_service, repeat, {}
    yield "eligibility_cached_evidence_api", eligibility_api, repeat, {}
