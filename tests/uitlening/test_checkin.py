"""Check-in at the counter: household card, referral letter and UiTPAS card (against the
UiTPAS stand-in), registration at the counter, and what a volunteer never sees."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from kern import barcodes
from kern.errors import Conflict, DomainError
from kern.models import AuditEntry
from toegang import services
from toegang.models import Evidence, Household, Program, Referral, UitpasCard
from toegang.uitpas import standin_passes as fixtures
from uitlening.views.counter import _household_card_url

ACTIVE_GENT = "0900000067513"
ACTIVE_GENTBRUGGE = "0900010959113"
EXPIRED = "0900000031618"  # also a valid EAN-13
OTHER_REGION = "0900000093204"
BLOCKED = "0900000002312"
UNKNOWN = "0900000000019"  # Luhn-valid, not in publiq's test data
MISTYPED = "0900000067514"
CARD_SYSTEM_NAMES = [system["name"] for system in fixtures.CARD_SYSTEMS.values()]
EVIDENCE_WORDS = ["uitpas", "doorverwijz", "referral", "kansentarief", "regio gent", "caw"]

HX = {"HTTP_HX_REQUEST": "true"}


# --- Fixtures -------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _uitpas_for_every_test(uitpas):
    return uitpas


@pytest.fixture
def programs(db):
    pamperbank = Program.objects.create(
        name="Pamperbank",
        kind=Program.Kind.DIAPERS,
        accepts_uitpas=True,
        accepts_referral=True,
        quota_packs_per_child=8,
        quota_child_max_age_months=36,
    )
    fietsbib = Program.objects.create(
        name="Fietsbib",
        kind=Program.Kind.BIKE_LIBRARY,
        accepts_uitpas=True,
        accepts_referral=False,
        membership_fee_normal=Decimal("20"),
        membership_fee_social=Decimal("5"),
    )
    return {"Pamperbank": pamperbank, "Fietsbib": fietsbib}


def months_ago(n: int) -> services.ChildIn:
    today = timezone.localdate()
    index = today.year * 12 + today.month - 1 - n
    return services.ChildIn(birth_year=index // 12, birth_month=index % 12 + 1)


@pytest.fixture
def household(volunteer):
    return services.register_household(
        actor=volunteer,
        postcode="9000",
        adults=2,
        children=[months_ago(10), months_ago(62)],
        first_name="Amina",
        email="amina.family@example.org",
        phone="0470 12 34 56",
        consent=True,
    )


def linked(volunteer, number: str, **kwargs) -> Household:
    household = services.register_household(
        actor=volunteer, postcode="9000", children=[months_ago(5)], **kwargs
    )
    services.link_uitpas_card(actor=volunteer, household=household, number=number)
    return household


def scan(client, point, code: str) -> str:
    response = client.post(f"/balie/{point.pk}/scan/", {"code": code}, **HX)
    assert response.status_code == 200
    return response.content.decode()


def rows(html: str) -> dict[str, tuple[str, str]]:
    """Program name → (the row's opening tag, the row's content)."""
    return {
        name: (tag, body)
        for tag, name, body in re.findall(
            r'(<tr data-program="([^"]*)"[^>]*>)(.*?)</tr>', html, re.S
        )
    }


def allowed(html: str) -> dict[str, bool]:
    return {name: 'data-allowed="true"' in tag for name, (tag, _body) in rows(html).items()}


def assert_no_evidence(html: str) -> None:
    for name in CARD_SYSTEM_NAMES:
        assert name not in html
    for name, (tag, body) in rows(html).items():
        if 'data-allowed="true"' in tag:
            text = body.lower()
            assert not [word for word in EVIDENCE_WORDS if word in text], name


def view_logged(household: Household) -> bool:
    return AuditEntry.objects.filter(
        action="view", object_type="toegang.household", object_id=str(household.pk)
    ).exists()


def nothing_uitpas_written() -> None:
    assert not Evidence.objects.exists()


# --- Household card ---------------------------------------------------------------------


def test_household_code_checks_in_with_entitlements(
    login, volunteer, point, programs, household, social_worker
):
    html = scan(login(volunteer), point, household.code)
    assert 'data-scan-outcome="checkin"' in html
    assert f'data-household="{household.code}"' in html
    assert 'data-children="2"' in html
    assert 'data-child-months="10"' in html and 'data-child-months="62"' in html
    assert allowed(html) == {"Pamperbank": False, "Fietsbib": False}
    assert "data-welcome-name" in html and "Amina" in html  # first name with consent
    assert "amina.family@example.org" not in html and "0470" not in html
    assert view_logged(household)


def test_household_without_consent_shows_no_first_name(login, volunteer, point, programs):
    household = services.register_household(
        actor=volunteer, postcode="9000", children=[months_ago(3)]
    )
    html = scan(login(volunteer), point, household.code)
    assert "data-welcome-name" not in html
    assert 'data-child-months="3"' in html


def test_check_in_queries_do_not_grow_with_children_or_referrals(
    login, volunteer, point, programs, social_worker
):
    small = services.register_household(actor=volunteer, postcode="9000", children=[])
    big = services.register_household(
        actor=volunteer, postcode="9000", children=[months_ago(n) for n in (2, 14, 30, 50, 70)]
    )
    for _ in range(3):
        services.issue_referral(
            actor=social_worker, household=big, programs=[programs["Pamperbank"]]
        )
    # Both have access: the quota used is read (one query) for a household with access.
    services.issue_referral(actor=social_worker, household=small, programs=[programs["Pamperbank"]])
    client = login(volunteer)
    scan(client, point, small.code)  # warm up session and permission caches
    counts = []
    for household in (small, big):
        with CaptureQueriesContext(connection) as queries:
            scan(client, point, household.code)
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- Referral letter --------------------------------------------------------------------


def test_referral_code_checks_in_and_marks_the_referral_used(
    login, volunteer, point, programs, household, social_worker
):
    until = timezone.localdate() + dt.timedelta(days=30)
    referral = services.issue_referral(
        actor=social_worker,
        household=household,
        programs=[programs["Pamperbank"]],
        valid_until=until,
    )
    html = scan(login(volunteer), point, referral.code)
    assert f'data-household="{household.code}"' in html
    assert allowed(html) == {"Pamperbank": True, "Fietsbib": False}
    tag, body = rows(html)["Pamperbank"]
    assert f"{until:%d/%m/%Y}" in body
    assert f'data-until="{until:%Y-%m-%d}"' in tag
    assert 'data-quota-remaining="8"' in tag  # one child under 36 months × 8 packs
    assert_no_evidence(html)
    assert social_worker.get_full_name() not in html
    referral.refresh_from_db()
    first_use = referral.first_used_at
    assert first_use is not None
    assert view_logged(household)

    scan(login(volunteer), point, referral.code)
    referral.refresh_from_db()
    assert referral.first_used_at == first_use


def test_a_revoked_referral_is_not_marked_used(db, volunteer, programs, household, social_worker):
    referral = services.issue_referral(
        actor=social_worker, household=household, programs=[programs["Pamperbank"]]
    )
    services.revoke_referral(actor=social_worker, referral=referral)
    assert services.mark_referral_used(referral=Referral.objects.get(pk=referral.pk)) is False
    assert Referral.objects.get(pk=referral.pk).first_used_at is None


# --- UiTPAS card ------------------------------------------------------------------------


def test_linked_card_with_active_social_tariff_in_the_region_is_allowed(
    login, volunteer, point, programs, uitpas
):
    household = linked(volunteer, ACTIVE_GENT)
    html = scan(login(volunteer), point, ACTIVE_GENT)
    assert f'data-household="{household.code}"' in html
    assert allowed(html) == {"Pamperbank": True, "Fietsbib": True}
    assert 'data-membership-fee="5' in rows(html)["Fietsbib"][1]  # the social fee
    assert_no_evidence(html)
    evidence = Evidence.objects.get(household=household)
    assert evidence.social_tariff == "ACTIVE"
    assert evidence.card_system_name in CARD_SYSTEM_NAMES  # kept, but never shown
    assert view_logged(household)

    # A second scan reuses the recent check instead of asking UiTPAS again.
    scan(login(volunteer), point, ACTIVE_GENT)
    assert Evidence.objects.filter(household=household).count() == 1
    assert uitpas.requests_seen.get("/passes") == 1


def test_expired_social_tariff_is_not_allowed_and_the_message_is_shown(
    login, volunteer, point, programs
):
    linked(volunteer, EXPIRED)
    html = scan(login(volunteer), point, EXPIRED)
    assert allowed(html) == {"Pamperbank": False, "Fietsbib": False}
    assert "data-uitpas-message" in html
    assert escape(fixtures.EXPIRED_MESSAGE) in html
    assert_no_evidence(html)


def test_social_tariff_of_another_region_is_not_allowed(login, volunteer, point, programs):
    linked(volunteer, OTHER_REGION)
    html = scan(login(volunteer), point, OTHER_REGION)
    assert allowed(html) == {"Pamperbank": False, "Fietsbib": False}
    assert_no_evidence(html)


@pytest.mark.parametrize(
    ("number", "code", "end_user"),
    [
        (BLOCKED, "passholder_blocked", fixtures.BLOCKED.end_user_nl),
        (UNKNOWN, "pass_not_found", "Er werd geen UiTPAS gevonden"),
    ],
)
def test_linked_card_refused_by_uitpas_without_other_evidence_is_a_red_check_in(
    login, volunteer, point, programs, number, code, end_user
):
    household = linked(volunteer, number)
    html = scan(login(volunteer), point, number)
    assert 'data-scan-outcome="checkin"' in html
    assert re.search(r'<article class="scan-card checkin error"', html)
    assert f'data-uitpas-error="{code}"' in html
    assert "data-end-user-message" in html and escape(end_user) in html
    assert "data-exception-hint" in html
    assert f'data-household="{household.code}"' in html
    assert allowed(html) == {"Pamperbank": False, "Fietsbib": False}
    assert number not in html  # only the last digits
    nothing_uitpas_written()


def test_unlinked_card_answers_with_a_registration_form(login, volunteer, point, programs, uitpas):
    html = scan(login(volunteer), point, ACTIVE_GENT)
    assert uitpas.requests_seen.get("/passes") == 1  # UiTPAS accepted it first
    assert 'data-scan-outcome="register"' in html
    assert "data-register-form" in html
    assert f'value="{ACTIVE_GENT}"' in html
    assert f'hx-post="/balie/{point.pk}/gezin/nieuw/"' in html
    assert not Household.objects.exists()
    nothing_uitpas_written()


def test_unlinked_card_that_is_also_an_ean_is_checked_as_an_uitpas_card(
    login, volunteer, point, programs, uitpas
):
    assert barcodes.recognise(EXPIRED).gtin == EXPIRED
    html = scan(login(volunteer), point, EXPIRED)
    assert uitpas.requests_seen.get("/passes") == 1
    assert 'data-uitpas-error="no_social_tariff"' in html  # its tariff expired


def test_mistyped_uitpas_number_is_flagged_and_nothing_is_created(
    login, volunteer, point, programs
):
    with pytest.raises(barcodes.BarcodeError) as typo:
        barcodes.recognise(MISTYPED)
    html = scan(login(volunteer), point, MISTYPED)
    assert 'data-scan-outcome="error"' in html
    assert escape(typo.value.message) in html
    assert not Household.objects.exists()
    nothing_uitpas_written()


@pytest.mark.parametrize(
    ("fault", "code"),
    [("down", "unavailable"), ("slow", "timeout"), ("rate_limit", "rate_limited")],
)
def test_uitpas_faults_at_a_scan_show_a_clear_message_and_write_nothing(
    login, volunteer, point, programs, uitpas, settings, fault, code
):
    household = linked(volunteer, ACTIVE_GENT)
    if fault == "down":
        uitpas.down()
    elif fault == "slow":
        settings.UITPAS_TIMEOUT = 0.3
        uitpas.slow(0.8)
    else:
        uitpas.rate_limit(1)
    html = scan(login(volunteer), point, ACTIVE_GENT)
    assert 'data-scan-outcome="checkin"' in html
    assert f'data-uitpas-error="{code}"' in html
    assert "data-exception-hint" in html
    assert f'data-household="{household.code}"' in html
    nothing_uitpas_written()


def test_expired_token_is_renewed_once_and_the_check_succeeds(
    login, volunteer, point, programs, uitpas
):
    first = linked(volunteer, ACTIVE_GENT)
    second = linked(volunteer, ACTIVE_GENTBRUGGE)
    client = login(volunteer)
    scan(client, point, ACTIVE_GENT)
    uitpas.expire_tokens()
    html = scan(client, point, ACTIVE_GENTBRUGGE)
    assert 'data-scan-outcome="checkin"' in html
    assert allowed(html)["Pamperbank"] is True
    assert uitpas.requests_seen == {"/token": 2, "/passes": 3}
    assert Evidence.objects.filter(household__in=[first, second]).count() == 2


# --- Registration at the counter --------------------------------------------------------


def registration(**overrides) -> dict:
    child = months_ago(7)
    data = {
        "postcode": "9000",
        "adults": "2",
        "language": "ar",
        "uitpas_number": "",
        "first_name": "",
        "child_1_month": str(child.birth_month),
        "child_1_year": str(child.birth_year),
    }
    data.update(overrides)
    return data


def test_registration_form_renders_as_a_page(login, volunteer, point):
    response = login(volunteer).get(f"/balie/{point.pk}/gezin/nieuw/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-register-form" in html and "hx-post" not in html
    assert html.count("data-child-row=") == 6


def test_registration_with_an_uitpas_card_creates_household_card_and_evidence(
    login, volunteer, point, programs
):
    response = login(volunteer).post(
        f"/balie/{point.pk}/gezin/nieuw/",
        registration(uitpas_number=ACTIVE_GENT, consent="on", first_name="Youssef"),
        **HX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    household = Household.objects.get()
    assert household.first_name == "Youssef" and household.consent_at is not None
    assert household.language == "ar" and household.adults == 2
    assert household.email == "" and household.phone == ""
    assert household.children.count() == 1
    card = UitpasCard.objects.get(household=household)
    assert card.last_digits == ACTIVE_GENT[-4:]
    assert Evidence.objects.get(household=household).card == card
    assert 'data-scan-outcome="checkin"' in html and "data-new-household" in html
    assert f'data-household="{household.code}"' in html
    assert allowed(html) == {"Pamperbank": True, "Fietsbib": True}
    assert_no_evidence(html)
    assert ("data-household-card" in html) == bool(_household_card_url(household))
    actions = set(
        AuditEntry.objects.filter(object_id=str(household.pk)).values_list("action", flat=True)
    )
    assert {"create", "link_uitpas", "check_uitpas", "view"} <= actions


def test_registration_without_javascript_shows_the_counter_with_the_check_in(
    login, volunteer, point, programs
):
    response = login(volunteer).post(f"/balie/{point.pk}/gezin/nieuw/", registration(), follow=True)
    html = response.content.decode()
    assert response.redirect_chain[0][1] == 303  # post/redirect/get
    assert response.status_code == 200
    assert 'id="scan-form"' in html and 'data-scan-outcome="checkin"' in html
    household = Household.objects.get()
    assert not UitpasCard.objects.exists()
    assert view_logged(household)


@pytest.mark.parametrize(
    ("number", "fault", "code"),
    [
        (BLOCKED, None, "passholder_blocked"),
        (UNKNOWN, None, "pass_not_found"),
        (ACTIVE_GENT, "down", "unavailable"),
        (ACTIVE_GENT, "slow", "timeout"),
        (ACTIVE_GENT, "rate_limit", "rate_limited"),
    ],
)
def test_registration_with_an_uitpas_error_creates_nothing_and_keeps_the_input(
    login, volunteer, point, programs, uitpas, settings, number, fault, code
):
    if fault == "down":
        uitpas.down()
    elif fault == "slow":
        settings.UITPAS_TIMEOUT = 0.3
        uitpas.slow(0.8)
    elif fault == "rate_limit":
        uitpas.rate_limit(1)
    response = login(volunteer).post(
        f"/balie/{point.pk}/gezin/nieuw/",
        registration(postcode="9050", uitpas_number=number, consent="on", first_name="Nadia"),
        **HX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-scan-outcome="register"' in html
    assert f'data-uitpas-error="{code}"' in html and "data-exception-hint" in html
    assert 'value="9050"' in html and f'value="{number}"' in html and 'value="Nadia"' in html
    assert not Household.objects.exists()
    assert not UitpasCard.objects.exists()
    nothing_uitpas_written()
    assert not AuditEntry.objects.filter(object_type="toegang.household").exists()


def test_registration_with_a_mistyped_number_creates_nothing(login, volunteer, point, programs):
    response = login(volunteer).post(
        f"/balie/{point.pk}/gezin/nieuw/", registration(uitpas_number=MISTYPED), **HX
    )
    html = response.content.decode()
    assert "data-form-error" in html and f'value="{MISTYPED}"' in html
    assert not Household.objects.exists()


def test_registration_refuses_a_first_name_without_consent(login, volunteer, point, programs):
    response = login(volunteer).post(
        f"/balie/{point.pk}/gezin/nieuw/", registration(first_name="Lotte"), **HX
    )
    html = response.content.decode()
    assert "has-error" in html and 'value="Lotte"' in html
    assert not Household.objects.exists()


def test_registration_needs_both_month_and_year(login, volunteer, point, programs):
    response = login(volunteer).post(
        f"/balie/{point.pk}/gezin/nieuw/", registration(child_2_month="4"), **HX
    )
    row = re.search(r'<tr data-child-row="2">(.*?)</tr>', response.content.decode(), re.S)
    assert row is not None and 'class="error"' in row.group(1)  # beside the missing year
    assert not Household.objects.exists()


def test_volunteer_cannot_register_at_another_point(login, volunteer, other_point):
    client = login(volunteer)
    assert client.get(f"/balie/{other_point.pk}/gezin/nieuw/").status_code == 403
    response = client.post(f"/balie/{other_point.pk}/gezin/nieuw/", registration())
    assert response.status_code == 403
    assert not Household.objects.exists()


def test_registration_asks_uitpas_before_its_transaction(volunteer, point, programs, monkeypatch):
    from toegang.uitpas import client as uitpas_client
    from uitlening import services as counter

    depth_at_start = len(connection.atomic_blocks)  # the test's own transaction
    depths = []
    real_get_pass = uitpas_client.get_pass

    def get_pass(number, config=None):
        depths.append(len(connection.atomic_blocks))
        return real_get_pass(number, config)

    monkeypatch.setattr(uitpas_client, "get_pass", get_pass)
    checkin = counter.register_at_counter(
        actor=volunteer,
        location=point,
        postcode="9000",
        adults=1,
        children=[months_ago(4)],
        uitpas_number=ACTIVE_GENT,
    )
    assert depths == [depth_at_start]  # no transaction of the service was open
    assert Evidence.objects.get(household=checkin.household).social_tariff == "ACTIVE"


def test_registration_with_a_wrong_postcode_does_not_ask_uitpas(volunteer, point, uitpas):
    from uitlening import services as counter

    with pytest.raises(DomainError):
        counter.register_at_counter(
            actor=volunteer,
            location=point,
            postcode="90",
            adults=1,
            children=[],
            uitpas_number=ACTIVE_GENT,
        )
    assert not uitpas.requests_seen.get("/passes")
    assert not Household.objects.exists()


def test_a_card_linked_to_another_household_is_refused_before_asking_uitpas(
    volunteer, point, uitpas
):
    from uitlening import services as counter

    linked(volunteer, ACTIVE_GENT)
    with pytest.raises(Conflict):
        counter.register_at_counter(
            actor=volunteer,
            location=point,
            postcode="9000",
            adults=1,
            children=[],
            uitpas_number=ACTIVE_GENT,
        )
    assert not uitpas.requests_seen.get("/passes")
    assert Household.objects.count() == 1
