"""The membership and swap shop screens, thinly: the counter panel shows both sections
after a household scan; their forms record through the services and answer the section
again, with the service's Dutch message on a refusal; the coordinators' pages. The rules
are tested in test_memberships.py and test_points.py."""

from __future__ import annotations

import html
import json
from decimal import Decimal

import pytest

from tests.voorraad.factories import CategoryFactory, ProductFactory
from toegang.models import Program
from uitlening.models import Membership, PointsEntry, PointsRate, PointsScheme
from uitlening.selectors.points import balance_of

HX = {"HTTP_HX_REQUEST": "true"}
pytestmark = pytest.mark.django_db


@pytest.fixture
def fees(babytheek):
    Program.objects.filter(pk=babytheek.pk).update(
        membership_fee_normal=Decimal("25"), membership_fee_social=Decimal("5")
    )
    babytheek.refresh_from_db()
    return babytheek


@pytest.fixture
def clothes(db):
    program = Program.objects.create(name="Ruilwinkel", kind="ruilwinkel", open_to_all=True)
    PointsScheme.objects.create(program=program, grant_per_adult=5)
    category = CategoryFactory(name="Kleding")
    PointsRate.objects.create(category=category, earn_points=10, spend_points=12)
    return ProductFactory(name="Kledingpakket", pack_size=1, category=category)


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_a_household_scan_shows_the_membership_and_points_sections(
    login, volunteer, point, family, fees, clothes
):
    client = login(volunteer)
    basket = json.dumps({"household": "", "key": "k", "lines": []})
    response = client.post(
        f"/balie/{point.pk}/scan/", {"code": family.code, "basket": basket}, **HX
    )
    body = text(response)
    assert 'data-panel-section="membership"' in body and 'data-panel-section="points"' in body
    assert 'data-membership-program="Babytheek"' in body
    assert 'data-fee-kind="sociaal"' in body and 'data-membership-status="none"' in body


def test_the_membership_form_records_and_answers_the_section(login, volunteer, point, family, fees):
    client = login(volunteer)
    url = f"/balie/{point.pk}/gezin/{family.pk}/lidmaatschap/"
    form = {"program": fees.pk, "payment": "cash", "idempotency_key": "form-1"}
    response = client.post(url, form, **HX)
    assert response.status_code == 200
    membership = Membership.objects.get()
    assert 'data-membership-status="member"' in text(response)
    assert f"{membership.valid_until:%d/%m/%Y}" in text(response)
    assert response["Cache-Control"] == "private, no-store"
    # A double click: the same key answers the same membership.
    client.post(url, form, **HX)
    assert Membership.objects.count() == 1
    # Another form showing today as the start: refused as paid twice, in Dutch.
    other = {**form, "idempotency_key": "form-2", "starts_on": membership.valid_from.isoformat()}
    refused = text(client.post(url, other, **HX))
    assert "data-membership-error" in refused and "Gezin" in refused
    assert Membership.objects.count() == 1


def test_a_volunteer_cannot_record_at_another_point(login, volunteer, other_point, family, fees):
    response = login(volunteer).post(
        f"/balie/{other_point.pk}/gezin/{family.pk}/lidmaatschap/",
        {"program": fees.pk, "payment": "cash"},
    )
    assert response.status_code == 403 and not Membership.objects.exists()


def test_the_points_forms_earn_and_spend_and_show_a_refusal(
    login, volunteer, point, family, clothes
):
    client = login(volunteer)
    base = f"/balie/{point.pk}/gezin/{family.pk}/punten/"
    earned = client.post(
        base + "verdienen/",
        {"code": clothes.code, "quantity": "2", "idempotency_key": "e1"},
        **HX,
    )
    assert 'data-points-balance="20"' in text(earned)
    spent = client.post(
        base + "besteden/", {"product": clothes.pk, "quantity": "1", "idempotency_key": "s1"}, **HX
    )
    assert 'data-points-balance="8"' in text(spent)
    refused = text(
        client.post(
            base + "besteden/",
            {"product": clothes.pk, "quantity": "1", "idempotency_key": "s2"},
            **HX,
        )
    )
    assert "data-points-error" in refused and "8 punten" in refused and family.code in refused
    assert balance_of(family) == 8
    bad = text(client.post(base + "besteden/", {"product": "", "quantity": "x"}, **HX))
    assert "data-points-error" in bad
    granted = text(client.post(base + "toekennen/", {}, **HX))
    assert "data-points-message" in granted
    assert PointsEntry.objects.filter(kind="toegekend").count() == 1


def test_coordinators_see_memberships_per_program_with_the_fee_counts(
    login, volunteer, coordinator, point, family, fees
):
    from uitlening import services

    services.record_membership(
        actor=volunteer, location=point, household=family, program=fees, payment="cash"
    )
    assert login(volunteer).get("/balie/lidmaatschappen/").status_code == 403
    response = login(coordinator).get("/balie/lidmaatschappen/")
    assert response.status_code == 200
    body = text(response)
    assert 'data-social="1"' in body and 'data-normal="0"' in body and family.code in body


def test_coordinators_set_the_points_per_category(login, volunteer, coordinator):
    category = CategoryFactory(name="Speelgoed")
    assert login(volunteer).get("/balie/ruilpunten/").status_code == 403
    client = login(coordinator)
    response = client.post(
        "/balie/ruilpunten/", {"category": category.pk, "earn_points": "3", "spend_points": "4"}
    )
    assert response.status_code == 302
    assert PointsRate.objects.get(category=category).spend_points == 4
    assert 'data-rate="Speelgoed"' in text(client.get("/balie/ruilpunten/"))


def test_coordinators_set_the_rules_of_the_swap_shop(login, volunteer, coordinator, clothes):
    client = login(coordinator)
    page = text(client.get("/balie/ruilpunten/"))
    assert "data-points-scheme" in page and "Regels van Ruilwinkel" in page
    form = {
        "scheme-grant_per_adult": "8",
        "scheme-grant_per_child": "12",
        "scheme-grant_period_days": "30",
        "scheme-spend_cap": "",
        "scheme-cap_period_days": "28",
        "scheme-expiry_days": "90",
    }
    assert client.post("/balie/ruilpunten/", form).status_code == 302
    scheme = PointsScheme.objects.get()
    assert (scheme.grant_per_adult, scheme.spend_cap, scheme.expiry_days) == (8, None, 90)
    refused = text(client.post("/balie/ruilpunten/", {**form, "scheme-grant_period_days": "0"}))
    assert "has-error" in refused and PointsScheme.objects.get().grant_period_days == 30


@pytest.mark.parametrize("value", ["abc", "", "²", "9" * 30])
def test_a_membership_form_with_a_tampered_program_answers_the_section_with_an_error(
    login, volunteer, point, family, fees, value
):
    client = login(volunteer)
    client.raise_request_exception = False
    response = client.post(
        f"/balie/{point.pk}/gezin/{family.pk}/lidmaatschap/",
        {"program": value, "payment": "cash"},
        **HX,
    )
    assert response.status_code == 200
    assert "data-membership-error" in text(response)
    assert not Membership.objects.exists()


def test_a_refused_membership_logs_the_look_at_the_households_memberships(
    login, volunteer, point, family, fees
):
    from kern.models import AuditEntry

    client = login(volunteer)
    client.post(
        f"/balie/{point.pk}/gezin/{family.pk}/lidmaatschap/",
        {"program": fees.pk, "payment": "onbekend"},
        **HX,
    )
    assert not Membership.objects.exists()
    assert AuditEntry.objects.filter(
        action="view", object_type="toegang.household", object_id=str(family.pk)
    ).exists()


def test_a_refused_points_form_logs_the_look_at_the_households_balance(
    login, volunteer, point, family, clothes
):
    from kern.models import AuditEntry

    client = login(volunteer)
    refused = client.post(
        f"/balie/{point.pk}/gezin/{family.pk}/punten/besteden/",
        {"product": clothes.pk, "quantity": "1", "idempotency_key": "s1"},
        **HX,
    )
    assert "data-points-error" in text(refused)
    assert AuditEntry.objects.filter(
        action="view", object_type="toegang.household", object_id=str(family.pk)
    ).exists()


def test_the_panel_asks_for_an_uitpas_scan_instead_of_showing_a_fee(login, volunteer, point):
    import datetime as dt

    from django.utils import timezone

    from tests.toegang.factories import EvidenceFactory, HouseholdFactory
    from toegang.models import Evidence

    program = Program.objects.create(
        name="Fietsbib open",
        kind="fietsbib",
        open_to_all=True,
        accepts_uitpas=True,
        membership_fee_normal=Decimal("20"),
        membership_fee_social=Decimal("5"),
    )
    household = HouseholdFactory(postcode=point.postcode or "9000")
    evidence = EvidenceFactory(
        household=household, card_system_postcodes=[point.postcode or "9000"]
    )
    Evidence.objects.filter(pk=evidence.pk).update(
        checked_at=timezone.now() - dt.timedelta(hours=program.uitpas_check_reuse_hours + 1)
    )
    client = login(volunteer)
    response = client.post(
        f"/balie/{point.pk}/gezin/{household.pk}/lidmaatschap/",
        {"program": program.pk, "payment": "cash"},
        **HX,
    )
    body = text(response)
    assert "data-fee-undecided" in body and 'data-fee-kind="normaal"' not in body
    assert "Scan de UiTPAS opnieuw" in body and "data-membership-form" not in body
    assert not Membership.objects.exists()
