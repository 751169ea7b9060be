"""The counter's check-in fixes: a registration is recorded once per form (redirect after
POST, idempotency key), a refused UiTPAS card or a revoked or expired referral letter
warns without hiding the family's other evidence, and a new UiTPAS card is checked with
UiTPAS before anyone fills in the registration form."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from kern.models import AuditEntry, IdempotencyRecord
from toegang import services
from toegang.models import Evidence, Household, Referral, UitpasCard
from toegang.uitpas import standin_passes as fixtures
from uitlening import services as counter
from uitlening.services.checkin import NEW_CARD_REUSE

from . import test_checkin as base
from .test_checkin import (  # the same helpers as the check-in tests
    ACTIVE_GENT,
    ACTIVE_GENTBRUGGE,
    BLOCKED,
    EXPIRED,
    HX,
    OTHER_REGION,
    UNKNOWN,
    allowed,
    assert_no_evidence,
    linked,
    months_ago,
    registration,
    rows,
    scan,
)

# The same fixtures as the check-in tests (the stand-in for every test, two programs, a
# family with consent).
_uitpas_for_every_test = base._uitpas_for_every_test
programs = base.programs
household = base.household

NO_SOCIAL_TARIFF = "0900000095902"
UNREGISTERED = "0900000074519"


def register_url(point) -> str:
    return f"/balie/{point.pk}/gezin/nieuw/"


def form_key(html: str) -> str:
    match = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    assert match, "the registration form carries its idempotency key"
    return match.group(1)


def warnings(html: str) -> list[str]:
    return re.findall(r'data-checkin-warning="([^"]+)"', html)


# --- Registration: once per form --------------------------------------------------------


def test_each_registration_form_gets_its_own_idempotency_key(login, volunteer, point):
    client = login(volunteer)
    first = form_key(client.get(register_url(point)).content.decode())
    second = form_key(client.get(register_url(point)).content.decode())
    assert first != second and len(first) >= 32


def test_the_same_registration_sent_twice_registers_one_family(login, volunteer, point, programs):
    client = login(volunteer)
    key = form_key(client.get(register_url(point)).content.decode())
    data = registration(idempotency_key=key)
    answers = [client.post(register_url(point), data, **HX).content.decode() for _ in range(2)]
    household = Household.objects.get()
    for html in answers:
        assert 'data-scan-outcome="checkin"' in html and "data-new-household" in html
        assert f'data-household="{household.code}"' in html
    assert AuditEntry.objects.filter(action="create", object_type="toegang.household").count() == 1


def test_a_double_click_without_javascript_registers_one_family(login, volunteer, point, programs):
    client = login(volunteer)
    data = registration(idempotency_key="form-1")
    first = client.post(register_url(point), data)
    second = client.post(register_url(point), data)
    assert first.status_code == second.status_code == 303
    assert first["Location"] == second["Location"] == f"{register_url(point)}?ingeschreven=form-1"
    assert Household.objects.count() == 1


def test_reload_after_a_registration_shows_the_family_and_registers_nothing(
    login, volunteer, point, programs
):
    client = login(volunteer)
    response = client.post(register_url(point), registration(idempotency_key="form-2"))
    assert response.status_code == 303
    household = Household.objects.get()
    for _reload in range(2):
        page = client.get(response["Location"])
        html = page.content.decode()
        assert page.status_code == 200
        assert 'id="scan-form"' in html  # the counter, ready for the next scan
        assert f'data-household="{household.code}"' in html and "data-new-household" in html
    assert Household.objects.count() == 1


def test_a_registration_of_another_volunteer_or_point_is_not_shown(
    login, volunteer, point, other_point, programs
):
    from kern.roles import Role
    from tests.factories import UserFactory

    login(volunteer).post(register_url(point), registration(idempotency_key="form-3"))
    colleague = UserFactory(username="jan", role=Role.VOLUNTEER, locations=[point])
    response = login(colleague).get(f"{register_url(point)}?ingeschreven=form-3")
    assert response.status_code == 404
    assert login(volunteer).get(f"{register_url(point)}?ingeschreven=nope").status_code == 404


def test_a_replayed_registration_does_not_ask_uitpas_again(
    login, volunteer, point, programs, uitpas
):
    client = login(volunteer)
    data = registration(idempotency_key="form-4", uitpas_number=ACTIVE_GENT)
    client.post(register_url(point), data, **HX)
    client.post(register_url(point), data, **HX)
    assert uitpas.requests_seen.get("/passes") == 1
    assert Evidence.objects.count() == 1 and UitpasCard.objects.count() == 1


def test_the_same_form_sent_again_with_other_details_is_refused_and_keeps_them(
    login, volunteer, point, programs
):
    client = login(volunteer)
    client.post(register_url(point), registration(idempotency_key="form-5"), **HX)
    household = Household.objects.get()
    html = client.post(
        register_url(point), registration(idempotency_key="form-5", postcode="9050"), **HX
    ).content.decode()
    assert 'data-scan-outcome="register"' in html and "data-form-error" in html
    assert household.code in html  # names the family registered with this form
    assert 'value="9050"' in html  # what was typed is kept
    fresh = form_key(html)
    assert fresh != "form-5"  # sending it again now registers another family
    assert Household.objects.count() == 1
    client.post(register_url(point), registration(idempotency_key=fresh, postcode="9050"), **HX)
    assert Household.objects.count() == 2


def test_a_refused_registration_keeps_its_key_so_a_retry_can_succeed(
    login, volunteer, point, programs, uitpas
):
    client = login(volunteer)
    uitpas.down()
    data = registration(idempotency_key="form-6", uitpas_number=ACTIVE_GENT, postcode="9050")
    html = client.post(register_url(point), data, **HX).content.decode()
    assert 'data-uitpas-error="unavailable"' in html
    assert form_key(html) == "form-6" and 'value="9050"' in html
    assert not IdempotencyRecord.objects.exists()  # a failed attempt claims nothing
    uitpas.reset()
    html = client.post(register_url(point), data, **HX).content.decode()
    assert 'data-scan-outcome="checkin"' in html
    assert Household.objects.count() == 1


# --- A refused UiTPAS card does not hide the family's other evidence --------------------


@pytest.fixture
def with_referral(social_worker, programs):
    def add(household: Household) -> Referral:
        return services.issue_referral(
            actor=social_worker, household=household, programs=[programs["Pamperbank"]]
        )

    return add


@pytest.mark.parametrize(
    ("number", "code", "end_user"),
    [
        (BLOCKED, "passholder_blocked", fixtures.BLOCKED.end_user_nl),
        (UNKNOWN, "pass_not_found", "Er werd geen UiTPAS gevonden"),
    ],
)
def test_a_refused_card_shows_the_familys_referral_with_a_warning(
    login, volunteer, point, programs, with_referral, number, code, end_user
):
    household = linked(volunteer, number)
    with_referral(household)
    html = scan(login(volunteer), point, number)
    assert 'data-scan-outcome="checkin"' in html
    assert f'data-household="{household.code}"' in html
    assert allowed(html) == {"Pamperbank": True, "Fietsbib": False}
    assert 'data-quota-remaining="8"' in rows(html)["Pamperbank"][0]
    assert warnings(html) == [code] and f'data-uitpas-error="{code}"' in html
    assert end_user in html
    assert "data-other-evidence" in html and "data-exception-hint" not in html
    assert not re.search(r'<article class="scan-card checkin error"', html)  # not a red card
    assert_no_evidence(html)
    assert not Evidence.objects.exists()


def test_uitpas_down_still_shows_the_familys_referral(
    login, volunteer, point, programs, with_referral, uitpas
):
    household = linked(volunteer, ACTIVE_GENT)
    with_referral(household)
    uitpas.down()
    html = scan(login(volunteer), point, ACTIVE_GENT)
    assert allowed(html)["Pamperbank"] is True
    assert warnings(html) == ["unavailable"]


def test_an_expired_social_tariff_shows_the_referral_and_says_the_card_expired(
    login, volunteer, point, programs, with_referral
):
    household = linked(volunteer, EXPIRED)
    with_referral(household)
    html = scan(login(volunteer), point, EXPIRED)
    assert allowed(html) == {"Pamperbank": True, "Fietsbib": False}
    assert warnings(html) == ["uitpas_expired"]
    assert "data-uitpas-message" in html  # UiTPAS's own words for the family, as before


def test_a_social_tariff_of_another_region_shows_an_exception_and_says_so(
    login, volunteer, coordinator, point, programs
):
    household = linked(volunteer, OTHER_REGION)
    services.grant_exception(
        actor=coordinator,
        household=household,
        program=programs["Fietsbib"],
        reason="Verhuisd, kaart nog niet omgezet",
        valid_until=timezone.localdate() + dt.timedelta(days=10),
    )
    html = scan(login(volunteer), point, OTHER_REGION)
    assert allowed(html) == {"Pamperbank": False, "Fietsbib": True}
    assert warnings(html) == ["uitpas_other_region"]
    assert "Verhuisd" not in html  # the exception's reason is evidence
    assert_no_evidence(html)


def test_a_card_that_gives_access_has_no_warning(login, volunteer, point, programs):
    linked(volunteer, ACTIVE_GENT)
    html = scan(login(volunteer), point, ACTIVE_GENT)
    assert warnings(html) == [] and "data-checkin-warnings" not in html


def test_the_api_still_answers_a_refused_card_with_its_error(volunteer, point, programs):
    from toegang.uitpas.client import UitpasError

    linked(volunteer, BLOCKED)
    with pytest.raises(UitpasError):
        counter.check_in_by(
            actor=volunteer, location=point, kind="uitpas", code=BLOCKED, source="api"
        )


# --- A revoked or expired referral letter says so ---------------------------------------


def test_a_revoked_referral_says_so_and_shows_what_else_counts(
    login, volunteer, point, programs, household, social_worker
):
    valid = services.issue_referral(
        actor=social_worker, household=household, programs=[programs["Pamperbank"]]
    )
    revoked = services.issue_referral(
        actor=social_worker, household=household, programs=[programs["Pamperbank"]]
    )
    services.revoke_referral(actor=social_worker, referral=revoked)
    revoked.refresh_from_db()
    html = scan(login(volunteer), point, revoked.code)
    assert 'data-scan-outcome="checkin"' in html
    assert f'data-household="{household.code}"' in html
    assert warnings(html) == ["referral_revoked"]
    assert re.search(r"data-checkin-warnings[^>]*>", html)
    assert f"{timezone.localtime(revoked.revoked_at):%d/%m/%Y}" in html
    assert allowed(html)["Pamperbank"] is True  # the other referral still counts
    assert "data-other-evidence" in html
    assert Referral.objects.get(pk=revoked.pk).first_used_at is None
    assert valid.code not in html


def test_an_expired_referral_says_so_in_dutch_with_its_date(
    login, volunteer, point, programs, household, social_worker
):
    referral = services.issue_referral(
        actor=social_worker, household=household, programs=[programs["Pamperbank"]]
    )
    today = timezone.localdate()
    last_day = today - dt.timedelta(days=3)
    Referral.objects.filter(pk=referral.pk).update(
        valid_from=today - dt.timedelta(days=40), valid_until=last_day
    )
    client = login(volunteer)
    client.cookies["django_language"] = "nl"
    html = scan(client, point, referral.code)
    assert warnings(html) == ["referral_expired"]
    expired_on = last_day + dt.timedelta(days=1)
    assert f"Deze doorverwijzing is verlopen op {expired_on:%d/%m/%Y}" in html
    assert allowed(html) == {"Pamperbank": False, "Fietsbib": False}
    assert "data-exception-hint" in html  # nothing else counts: a red card
    assert re.search(r'<article class="scan-card checkin error"', html)
    assert Referral.objects.get(pk=referral.pk).first_used_at is None


def test_a_valid_referral_has_no_warning(
    login, volunteer, point, programs, household, social_worker
):
    referral = services.issue_referral(
        actor=social_worker, household=household, programs=[programs["Pamperbank"]]
    )
    html = scan(login(volunteer), point, referral.code)
    assert warnings(html) == []


# --- A new UiTPAS card is checked before the registration form --------------------------


@pytest.mark.parametrize(
    ("number", "code"),
    [
        (UNKNOWN, "pass_not_found"),
        (UNREGISTERED, "invalid_card_status"),
        (BLOCKED, "passholder_blocked"),
        (NO_SOCIAL_TARIFF, "no_social_tariff"),
        (EXPIRED, "no_social_tariff"),
    ],
)
def test_a_new_card_uitpas_refuses_is_refused_at_the_scan_without_a_form(
    login, volunteer, point, programs, uitpas, number, code
):
    html = scan(login(volunteer), point, number)
    assert 'data-scan-outcome="error"' in html
    assert f'data-uitpas-error="{code}"' in html
    assert "data-register-form" not in html
    assert number not in html
    assert uitpas.requests_seen.get("/passes") == 1
    assert not Household.objects.exists() and not Evidence.objects.exists()


def test_an_unregistered_card_shows_uitpas_message(login, volunteer, point, programs):
    html = scan(login(volunteer), point, UNREGISTERED)
    assert "data-end-user-message" in html
    assert "nog niet geregistreerd" in html


def test_registration_after_the_scan_reuses_uitpas_answer(
    login, volunteer, point, programs, uitpas
):
    client = login(volunteer)
    before = timezone.now()
    html = scan(client, point, ACTIVE_GENTBRUGGE)
    assert 'data-scan-outcome="register"' in html
    after_scan = timezone.now()
    data = registration(uitpas_number=ACTIVE_GENTBRUGGE, idempotency_key=form_key(html))
    answer = client.post(register_url(point), data, **HX).content.decode()
    assert 'data-scan-outcome="checkin"' in answer
    assert allowed(answer)["Pamperbank"] is True
    assert uitpas.requests_seen.get("/passes") == 1  # asked once, at the scan
    evidence = Evidence.objects.get()
    assert before <= evidence.checked_at <= after_scan  # dated when UiTPAS answered
    assert evidence.social_tariff == "ACTIVE"
    # Used once: the same card in a new form asks UiTPAS again (and is linked already).
    assert counter.recall_new_card(client.session, ACTIVE_GENTBRUGGE) is None


def test_an_old_answer_from_the_scan_is_not_reused(login, volunteer, point, programs, uitpas):
    client = login(volunteer)
    html = scan(client, point, ACTIVE_GENTBRUGGE)
    session = client.session
    memo = next(iter(session["uitlening.new_uitpas_cards"].values()))
    memo["at"] = (timezone.now() - NEW_CARD_REUSE - dt.timedelta(minutes=1)).isoformat()
    session.save()
    data = registration(uitpas_number=ACTIVE_GENTBRUGGE, idempotency_key=form_key(html))
    client.post(register_url(point), data, **HX)
    assert uitpas.requests_seen.get("/passes") == 2
    assert Household.objects.count() == 1


def test_no_reuse_when_a_program_wants_a_fresh_check_every_time(
    login, volunteer, point, programs, uitpas
):
    programs["Pamperbank"].uitpas_check_reuse_hours = 0
    programs["Pamperbank"].save()
    client = login(volunteer)
    html = scan(client, point, ACTIVE_GENTBRUGGE)
    data = registration(uitpas_number=ACTIVE_GENTBRUGGE, idempotency_key=form_key(html))
    client.post(register_url(point), data, **HX)
    assert uitpas.requests_seen.get("/passes") == 2


def test_the_answer_for_one_card_is_not_used_for_another(login, volunteer, point, programs, uitpas):
    client = login(volunteer)
    html = scan(client, point, ACTIVE_GENTBRUGGE)
    data = registration(uitpas_number=NO_SOCIAL_TARIFF, idempotency_key=form_key(html))
    answer = client.post(register_url(point), data, **HX).content.decode()
    assert 'data-uitpas-error="no_social_tariff"' in answer
    assert f'value="{NO_SOCIAL_TARIFF}"' in answer  # the number typed is kept
    assert uitpas.requests_seen.get("/passes") == 2
    assert not Household.objects.exists()


def test_a_typed_card_without_social_tariff_is_refused_and_the_form_kept(
    login, volunteer, point, programs
):
    data = registration(
        uitpas_number=NO_SOCIAL_TARIFF, postcode="9050", consent="on", first_name="Femke"
    )
    html = login(volunteer).post(register_url(point), data, **HX).content.decode()
    assert 'data-uitpas-error="no_social_tariff"' in html
    assert 'value="9050"' in html and 'value="Femke"' in html
    assert f'value="{NO_SOCIAL_TARIFF}"' in html
    assert 'value="ar" selected' in html or re.search(r'<option value="ar"[^>]*selected', html)
    child = months_ago(7)
    assert re.search(rf'name="child_1_year"[^>]*value="{child.birth_year}"', html)
    assert not Household.objects.exists()
