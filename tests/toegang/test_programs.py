"""Programs and their rules (coordinator), documented exceptions, and the demo data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kern.errors import DomainError, NotAllowed
from kern.models import AuditEntry, Location
from kern.roles import Role
from tests.toegang.factories import HouseholdFactory, ProgramFactory
from toegang import selectors, services
from toegang.models import Evidence, Household, Program, Referral, UitpasCard
from toegang.services import parse_card_systems, save_program

pytestmark = pytest.mark.django_db


def _program(**fields) -> Program:
    return Program(**{"name": "Babytheek", "kind": Program.Kind.BABY_LIBRARY, **fields})


# --- save_program -----------------------------------------------------------------------


def test_save_program_with_grants_is_logged(coordinator):
    babytheek = ProgramFactory(name="Babytheek", kind=Program.Kind.BABY_LIBRARY)
    pamperbank = save_program(
        actor=coordinator,
        program=Program(name="Pamperbank", kind=Program.Kind.DIAPERS, quota_packs_per_child=8),
        grants=[babytheek],
        source="test",
    )
    assert list(pamperbank.grants.all()) == [babytheek]
    assert selectors.programs_opening(babytheek) == {babytheek.pk, pamperbank.pk}
    entry = AuditEntry.objects.get(object_type="toegang.program", object_id=str(pamperbank.pk))
    assert entry.action == "create"
    assert entry.details == {"grants": [babytheek.pk]}

    pamperbank.quota_packs_per_child = 6
    save_program(actor=coordinator, program=pamperbank, grants=[])
    pamperbank.refresh_from_db()
    assert pamperbank.quota_packs_per_child == 6
    assert not pamperbank.grants.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"referral_default_days": 120, "referral_max_days": 90}, "referral_default_days"),
        ({"referral_default_days": 0}, "referral_default_days"),
        ({"quota_packs_per_child": 0}, "quota_packs_per_child"),
        ({"quota_packs_per_child": 8, "quota_period_days": 0}, "quota_period_days"),
        (
            {"quota_packs_per_child": 8, "quota_child_max_age_months": 0},
            "quota_child_max_age_months",
        ),
        ({"max_concurrent_loans": 2}, "loan_days"),
        ({"max_concurrent_loans": 0, "loan_days": 42}, "max_concurrent_loans"),
        ({"loan_days": 0}, "loan_days"),
        (
            {"membership_fee_social": Decimal("30"), "membership_fee_normal": Decimal("25")},
            "membership_fee_social",
        ),
        ({"contribution": Decimal("-1")}, "contribution"),
        (
            {"accepts_uitpas": False, "accepts_referral": False, "open_to_all": False},
            "accepts_uitpas",
        ),
        ({"uitpas_card_systems": ["1", "twee systemen"]}, "uitpas_card_systems"),
        ({"uitpas_check_reuse_hours": 1000}, "uitpas_check_reuse_hours"),
        ({"name": "  "}, "name"),
    ],
)
def test_program_validation(coordinator, fields, field):
    with pytest.raises(DomainError) as caught:
        save_program(actor=coordinator, program=_program(**fields), grants=[])
    assert caught.value.field == field
    assert caught.value.message
    assert not Program.objects.exists()


def test_a_program_cannot_grant_itself(coordinator):
    program = save_program(actor=coordinator, program=_program(), grants=[])
    with pytest.raises(DomainError) as caught:
        save_program(actor=coordinator, program=program, grants=[program])
    assert caught.value.field == "grants"
    assert not program.grants.exists()


def test_program_names_are_unique_whatever_the_case(coordinator):
    ProgramFactory(name="Fietsbib")
    with pytest.raises(DomainError) as caught:
        save_program(actor=coordinator, program=_program(name="fietsbib"), grants=[])
    assert caught.value.field == "name"


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.SOCIAL_WORKER, Role.ADMIN])
def test_only_a_coordinator_saves_programs(users_by_role, role):
    with pytest.raises(NotAllowed):
        save_program(actor=users_by_role[role], program=_program(), grants=[])


def test_parse_card_systems():
    assert parse_card_systems(" 1, 7 ;12 7,, ") == ["1", "7", "12"]
    assert parse_card_systems("") == []


# --- Program screens --------------------------------------------------------------------


def _form_data(**overrides) -> dict:
    data = {
        "name": "Fietsbib",
        "kind": Program.Kind.BIKE_LIBRARY,
        "description": "",
        "is_active": "on",
        "accepts_uitpas": "on",
        "accepts_referral": "on",
        "contribution": "0",
        "membership_fee_normal": "40",
        "membership_fee_social": "10,50",
        "quota_packs_per_child": "",
        "quota_period_days": "28",
        "quota_child_max_age_months": "36",
        "max_concurrent_loans": "1",
        "loan_days": "180",
        "referral_default_days": "90",
        "referral_max_days": "365",
        "card_systems": "1, 7",
        "uitpas_check_reuse_hours": "24",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_coordinator_creates_and_edits_a_program(coordinator, login):
    babytheek = ProgramFactory(name="Babytheek", kind=Program.Kind.BABY_LIBRARY)
    client = login(coordinator)

    assert client.get(reverse("toegang:program_create")).status_code == 200
    response = client.post(reverse("toegang:program_create"), _form_data(grants=[babytheek.pk]))
    assert response.status_code == 302, response.context["form"].errors
    program = Program.objects.get(name="Fietsbib")
    assert program.membership_fee_social == Decimal("10.50")
    assert program.uitpas_card_systems == ["1", "7"]
    assert list(program.grants.all()) == [babytheek]

    url = reverse("toegang:program_edit", args=[program.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert program.pk not in [
        choice.pk for choice in page.context["form"].fields["grants"].queryset
    ]
    response = client.post(url, _form_data(loan_days="200", card_systems=""))
    assert response.status_code == 302
    program.refresh_from_db()
    assert program.loan_days == 200
    assert program.uitpas_card_systems == []
    assert not program.grants.exists()


def test_program_form_shows_the_service_error_on_its_field(coordinator, login):
    client = login(coordinator)
    response = client.post(
        reverse("toegang:program_create"),
        _form_data(referral_default_days="400", referral_max_days="365"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["referral_default_days"]
    response = client.post(reverse("toegang:program_create"), _form_data(card_systems="1, a b!"))
    assert response.context["form"].errors["card_systems"]
    assert not Program.objects.exists()


def test_program_list_query_count_is_fixed(coordinator, login):
    client = login(coordinator)
    ProgramFactory(name="A")
    client.get(reverse("toegang:program_list"))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("toegang:program_list")).status_code == 200
    others = [ProgramFactory(name=f"P{n}") for n in range(8)]
    for program in others:
        program.grants.set(others[:3])
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("toegang:program_list"))
    assert len(few) == len(many)


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.SOCIAL_WORKER, Role.ADMIN])
def test_program_screens_are_forbidden_to_other_roles(users_by_role, login, role):
    program = ProgramFactory()
    client = login(users_by_role[role])
    for url in [
        reverse("toegang:program_list"),
        reverse("toegang:program_create"),
        reverse("toegang:program_edit", args=[program.pk]),
        reverse("toegang:exception_create"),
    ]:
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("toegang:program_create"), _form_data()).status_code == 403
    assert not Program.objects.filter(name="Fietsbib").exists()


# --- Exceptions -------------------------------------------------------------------------


@pytest.fixture
def pamperbank(db):
    return ProgramFactory(name="Pamperbank", accepts_uitpas=True, accepts_referral=True)


def test_exception_needs_a_reason(coordinator, pamperbank):
    household = HouseholdFactory()
    with pytest.raises(DomainError) as caught:
        services.grant_exception(
            actor=coordinator,
            household=household,
            program=pamperbank,
            reason="  ",
            valid_until=timezone.localdate() + dt.timedelta(days=10),
        )
    assert caught.value.field == "reason"


def test_exception_view(coordinator, login, pamperbank, point):
    household = HouseholdFactory()
    client = login(coordinator)
    url = reverse("toegang:exception_create")
    today = timezone.localdate()
    data = {
        "household": household.code,
        "program": pamperbank.pk,
        "valid_until": (today + dt.timedelta(days=30)).isoformat(),
        "reason": "UiTPAS is down",
        "location": point.pk,
    }
    assert client.get(url).status_code == 200

    no_reason = client.post(url, {**data, "reason": ""})
    assert no_reason.context["form"].errors["reason"]
    too_long = client.post(
        url, {**data, "valid_until": (today + dt.timedelta(days=120)).isoformat()}
    )
    assert too_long.context["form"].errors["valid_until"]
    unknown = client.post(url, {**data, "household": "G9999999"})
    assert unknown.context["form"].errors["household"]
    assert not Evidence.objects.exists()

    response = client.post(url, data)
    assert response.status_code == 200
    evidence = Evidence.objects.get(household=household)
    assert evidence.kind == Evidence.Kind.EXCEPTION
    assert evidence.reason == "UiTPAS is down"
    result = response.context["result"]
    assert result["entitlement"].allowed
    assert result["entitlement"].until == today + dt.timedelta(days=30)
    assert result["entitlement"].explanation in response.content.decode()
    assert AuditEntry.objects.filter(action="grant_exception", object_id=str(household.pk)).exists()


# --- Demo data --------------------------------------------------------------------------


def _demo_counts() -> list[int]:
    return [
        model.objects.count()
        for model in (Program, Household, Referral, UitpasCard, Location, AuditEntry)
    ]


def test_demo_load_twice_creates_nothing_twice(db):
    call_command("load_demo", "--allow-without-debug", "--quiet-accounts", stdout=StringIO())
    first = _demo_counts()
    call_command("load_demo", "--allow-without-debug", "--quiet-accounts", stdout=StringIO())
    assert _demo_counts() == first

    programs = {program.name: program for program in Program.objects.all()}
    assert set(programs) == {
        "Pamperbank",
        "Babytheek",
        "Fietsbib",
        "Laptops",
        "Speelotheek",
        "Ruilwinkel",
        "Sinterklaasactie",
    }
    assert list(programs["Pamperbank"].grants.all()) == [programs["Babytheek"]]
    assert programs["Pamperbank"].quota_packs_per_child == 8
    assert not programs["Laptops"].accepts_uitpas
    assert programs["Ruilwinkel"].open_to_all
    assert UitpasCard.objects.count() == 4
    assert sorted(card.last_digits for card in UitpasCard.objects.all()) == sorted(
        ["7513", "1618", "3204", "2312"]
    )
    assert set(Household.objects.values_list("postcode", flat=True)) >= {
        "9000",
        "9040",
        "9050",
        "9090",
    }
    today = timezone.localdate()
    assert Referral.objects.filter(revoked_at__isnull=False).count() == 1
    assert Referral.objects.filter(valid_until__lt=today).count() == 1
    assert set(Referral.objects.values_list("issued_by__username", flat=True)) == {
        "maatschappelijkwerker",
        "maatschappelijkwerker.kg",
    }
