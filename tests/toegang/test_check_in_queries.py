"""A check-in reads each fact about the household once, however many programs it shows:
the program graph, the referrals and exceptions, the children and the UiTPAS checks are
read once per check-in (``HouseholdFacts``), and give the answers each program's own
``entitlement`` gives."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.api_client import bearer, post
from tests.toegang.factories import EvidenceFactory, UitpasCardFactory
from toegang import selectors, services
from toegang.models import Evidence, Program

TODAY = timezone.localdate


@pytest.fixture
def household(social_worker, coordinator, pamperbank):
    year = TODAY().year - 1
    household = services.register_household(
        actor=social_worker,
        postcode="9000",
        children=[services.ChildIn(year, 3), services.ChildIn(year - 5, 7)],
    )
    services.issue_referral(actor=social_worker, household=household, programs=[pamperbank])
    card = UitpasCardFactory(household=household)
    EvidenceFactory(
        household=household, card=card, card_system_id="1", card_system_postcodes=["9000"]
    )
    return household


def _more_programs(n: int, start: int) -> list[Program]:
    return [
        Program.objects.create(name=f"Programma {start + i}", kind="babytheek") for i in range(n)
    ]


def _statements_of_a_check_in(client, headers, location, household) -> int:
    body = {"location_id": location.pk, "household_code": household.code}
    assert post(client, "/api/v1/toegang/eligibility", body, headers).status_code == 200
    with CaptureQueriesContext(connection) as queries:  # the program graph is cached now
        response = post(client, "/api/v1/toegang/eligibility", body, headers)
    assert response.status_code == 200, response.content
    return len(queries.captured_queries)


def test_check_in_reads_each_household_fact_once(
    client, volunteer, gent_point, pamperbank, household
):
    headers = bearer(volunteer)
    _more_programs(1, start=0)
    with_two = _statements_of_a_check_in(client, headers, gent_point, household)
    _more_programs(4, start=1)
    with_six = _statements_of_a_check_in(client, headers, gent_point, household)
    assert Program.objects.filter(is_active=True).count() == 6
    assert with_six == with_two


def test_check_in_reads_the_program_graph_the_referrals_and_the_uitpas_checks_once(
    client, volunteer, gent_point, pamperbank, household
):
    _more_programs(5, start=0)
    body = {"location_id": gent_point.pk, "household_code": household.code}
    headers = bearer(volunteer)
    post(client, "/api/v1/toegang/eligibility", body, headers)
    with CaptureQueriesContext(connection) as queries:
        response = post(client, "/api/v1/toegang/eligibility", body, headers)
    assert len(response.json()["entitlements"]) == 6
    statements = [q["sql"] for q in queries.captured_queries]
    assert sum("toegang_programgraphversion" in sql for sql in statements) == 1
    assert sum("toegang_referral_programs" in sql for sql in statements) == 1
    assert sum("checked_at DESC, id DESC" in sql for sql in statements) == 1  # UiTPAS checks


def test_facts_read_once_give_the_answers_of_each_program_read_alone(
    social_worker, coordinator, gent_point, pamperbank, household
):
    babytheek = Program.objects.create(
        name="Babytheek",
        kind="babytheek",
        membership_fee_normal=Decimal("25"),
        membership_fee_social=Decimal("5"),
    )
    fietsbib = Program.objects.create(name="Fietsbib", kind="fietsbib", accepts_uitpas=False)
    ruilwinkel = Program.objects.create(name="Ruilwinkel", kind="ruilwinkel")
    laptops = Program.objects.create(
        name="Laptops", kind="laptops", accepts_uitpas=False, accepts_referral=False
    )
    closed = Program.objects.create(
        name="Dicht", kind="laptops", accepts_uitpas=False, accepts_referral=False
    )
    speelotheek = Program.objects.create(name="Speelotheek", kind="speelotheek", open_to_all=True)
    elsewhere = Program.objects.create(
        name="Elders", kind="seizoensactie", uitpas_card_systems=["77"], uitpas_check_reuse_hours=1
    )
    pamperbank.grants.add(fietsbib)
    Evidence.objects.create(
        household=household,
        kind=Evidence.Kind.EXCEPTION,
        program=laptops,
        reason="test",
        valid_until=TODAY() + dt.timedelta(days=10),
        checked_by=coordinator,
    )
    old_card = UitpasCardFactory(household=household)
    EvidenceFactory(
        household=household,
        card=old_card,
        card_system_id="77",
        checked_at=timezone.now() - dt.timedelta(hours=3),
    )
    programs = [
        pamperbank,
        babytheek,
        fietsbib,
        ruilwinkel,
        laptops,
        closed,
        speelotheek,
        elsewhere,
    ]
    facts = selectors.HouseholdFacts(household)
    for program in programs:
        together = selectors.entitlement(
            household=household, program=program, location=gent_point, facts=facts
        )
        alone = selectors.entitlement(household=household, program=program, location=gent_point)
        assert together == alone, program.name
    answers = {
        p.name: selectors.entitlement(household=household, program=p, location=gent_point)
        for p in programs
    }
    assert answers["Pamperbank"].allowed and answers["Pamperbank"].quota_packs == 8
    assert answers["Fietsbib"].allowed  # opened by the pamperbank's referral
    assert answers["Laptops"].until == TODAY() + dt.timedelta(days=10)  # the exception
    assert not answers["Dicht"].allowed
    assert answers["Elders"].needs_uitpas_check  # its card system's check is too old


def test_facts_of_another_household_or_day_are_refused(household, pamperbank, gent_point):
    facts = selectors.HouseholdFacts(household)
    with pytest.raises(ValueError):
        selectors.entitlement(
            household=household,
            program=pamperbank,
            location=gent_point,
            on=TODAY() + dt.timedelta(days=1),
            facts=facts,
        )
