"""The social worker's referral screens: issue (with a new or a known household), list,
detail, renew, revoke, the letter for the family and the household card; and the
coordinator's counts. Strings are not compared (the Dutch catalogue comes later): these
tests look at data, status codes and data-* attributes."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kern.models import AuditEntry
from kern.roles import Role
from tests.conftest import require_tool
from tests.factories import OpeningHoursFactory, OrganisationFactory, UserFactory
from tests.toegang.factories import HouseholdFactory, ProgramFactory, ReferralFactory
from toegang.documents import household_card_pdf, referral_letter_pdf
from toegang.models import Child, Household, Referral


@pytest.fixture
def pamperbank(db):
    return ProgramFactory(name="Pamperbank", kind="pamperbank", quota_packs_per_child=8)


@pytest.fixture
def fietsbib(db):
    return ProgramFactory(
        name="Fietsbib", kind="fietsbib", referral_default_days=180, referral_max_days=365
    )


@pytest.fixture
def other_worker(db):
    return UserFactory(
        username="jonas",
        role=Role.SOCIAL_WORKER,
        organisation=OrganisationFactory(name="Kind & Gezin Gent"),
    )


@pytest.fixture
def referral(social_worker, pamperbank):
    return ReferralFactory(issued_by=social_worker, programs=[pamperbank])


def child_born_months_ago(months: int) -> tuple[int, int]:
    today = timezone.localdate()
    total = today.year * 12 + today.month - 1 - months
    return total // 12, total % 12 + 1


def new_household_post(*programs, **extra) -> dict:
    year, month = child_born_months_ago(10)
    data = {
        "programs": [p.pk for p in programs],
        "valid_until": "",
        "household_code": "",
        "postcode": "9000",
        "adults": "2",
        "child_1_month": str(month),
        "child_1_year": str(year),
    }
    data.update(extra)
    return data


def referral_codes(html: str) -> set[str]:
    return set(re.findall(r'data-referral="([^"]+)"', html))


# --- Issuing ----------------------------------------------------------------------------


def test_the_form_has_no_reason_field(login, social_worker, pamperbank):
    response = login(social_worker).get(reverse("toegang:referral_create"))
    assert response.status_code == 200
    form = response.context["form"]
    assert not any("reason" in name or "reden" in name for name in form.fields)
    assert 'data-help="secrecy"' in response.content.decode()
    assert list(form.fields["programs"].queryset) == [pamperbank]


def test_issuing_for_a_new_household_creates_both_and_logs_the_household(
    login, social_worker, pamperbank
):
    url = reverse("toegang:referral_create")
    response = login(social_worker).post(url, new_household_post(pamperbank))

    household = Household.objects.get()
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("toegang:referral_detail", args=[referral.pk])
    assert household.postcode == "9000" and household.adults == 2
    assert household.first_name == "" and household.consent_at is None
    assert Child.objects.filter(household=household).count() == 1
    assert referral.household == household
    assert referral.issued_by == social_worker
    assert referral.organisation == social_worker.organisation
    assert list(referral.programs.all()) == [pamperbank]
    assert referral.valid_until == timezone.localdate() + dt.timedelta(days=90)
    created = AuditEntry.objects.get(action="create", object_type="toegang.household")
    assert created.object_id == str(household.pk)
    assert created.actor == social_worker and created.source == url
    assert AuditEntry.objects.filter(action="issue_referral", object_id=str(household.pk)).exists()


def test_a_first_name_without_consent_shows_the_form_again_and_creates_nothing(
    login, social_worker, pamperbank
):
    data = new_household_post(pamperbank, first_name="Amira", phone="0470 12 34 56")
    response = login(social_worker).post(reverse("toegang:referral_create"), data)

    assert response.status_code == 200
    assert "consent" in response.context["form"].errors
    html = response.content.decode()
    assert 'value="Amira"' in html and 'value="0470 12 34 56"' in html
    assert re.search(r'class="field has-error" data-field="consent"', html)
    assert not Household.objects.exists()
    assert not Referral.objects.exists()
    assert not AuditEntry.objects.filter(object_type="toegang.household").exists()


def test_a_first_name_with_consent_is_kept(login, social_worker, pamperbank):
    data = new_household_post(pamperbank, first_name="Amira", consent="on")
    response = login(social_worker).post(reverse("toegang:referral_create"), data)
    assert response.status_code == 302
    household = Household.objects.get()
    assert household.first_name == "Amira" and household.consent_at is not None


def test_household_and_referral_are_all_or_nothing(login, social_worker, pamperbank):
    too_late = timezone.localdate() + dt.timedelta(days=pamperbank.referral_max_days + 1)
    data = new_household_post(pamperbank, valid_until=too_late.isoformat())
    response = login(social_worker).post(reverse("toegang:referral_create"), data)

    assert response.status_code == 200
    assert "valid_until" in response.context["form"].errors
    assert not Household.objects.exists()
    assert not Referral.objects.exists()


def test_issuing_for_a_known_household_by_its_code(login, social_worker, pamperbank, fietsbib):
    household = HouseholdFactory(children=[child_born_months_ago(30)])
    until = timezone.localdate() + dt.timedelta(days=30)
    data = {
        "programs": [pamperbank.pk, fietsbib.pk],
        "valid_until": until.isoformat(),
        "household_code": household.code.lower(),
        "adults": "1",
    }
    response = login(social_worker).post(reverse("toegang:referral_create"), data)

    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.household == household and referral.valid_until == until
    assert set(referral.programs.all()) == {pamperbank, fietsbib}
    assert Household.objects.count() == 1
    assert AuditEntry.objects.filter(action="view", object_id=str(household.pk)).exists()


def test_a_mistyped_household_code_is_shown_at_the_code(login, social_worker, pamperbank):
    household = HouseholdFactory()
    typo = household.code[:-1] + ("B" if household.code[-1] != "B" else "C")
    data = {"programs": [pamperbank.pk], "household_code": typo, "adults": "1"}
    response = login(social_worker).post(reverse("toegang:referral_create"), data)

    assert response.status_code == 200
    assert "household_code" in response.context["form"].errors
    assert f'value="{typo}"' in response.content.decode()
    assert not Referral.objects.exists()


def test_a_code_and_a_new_household_together_are_refused(login, social_worker, pamperbank):
    household = HouseholdFactory()
    data = new_household_post(pamperbank, household_code=household.code)
    response = login(social_worker).post(reverse("toegang:referral_create"), data)
    assert response.status_code == 200
    assert "household_code" in response.context["form"].errors
    assert Household.objects.count() == 1 and not Referral.objects.exists()


def test_an_implausible_birth_month_is_shown_at_the_children(login, social_worker, pamperbank):
    data = new_household_post(pamperbank, child_1_year=str(timezone.localdate().year + 2))
    response = login(social_worker).post(reverse("toegang:referral_create"), data)
    assert response.status_code == 200
    assert "children" in response.context["form"].errors
    assert 'class="field has-error" data-field="children"' in response.content.decode()
    assert not Household.objects.exists()


def test_volunteers_and_coordinators_cannot_issue(login, volunteer, coordinator):
    for user in (volunteer, coordinator):
        client = login(user)
        assert client.get(reverse("toegang:referral_list")).status_code == 403
        assert client.get(reverse("toegang:referral_create")).status_code == 403


# --- List and detail --------------------------------------------------------------------


def test_the_list_shows_only_own_referrals(login, social_worker, other_worker, pamperbank, point):
    OpeningHoursFactory(location=point, weekday=2, opens=dt.time(13), closes=dt.time(16))
    mine = ReferralFactory(issued_by=social_worker, programs=[pamperbank])
    theirs = ReferralFactory(issued_by=other_worker, programs=[pamperbank])

    response = login(social_worker).get(reverse("toegang:referral_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert referral_codes(html) == {mine.code}
    assert theirs.household.code not in html
    assert f'data-point="{point.code}"' in html
    assert reverse("toegang:referral_create") in html


def test_the_list_shows_status_and_use_and_filters(login, social_worker, pamperbank):
    today = timezone.localdate()
    active = ReferralFactory(issued_by=social_worker, programs=[pamperbank])
    soon = ReferralFactory(
        issued_by=social_worker, programs=[pamperbank], valid_until=today + dt.timedelta(days=14)
    )
    soon.first_used_at = timezone.now()
    soon.save()
    expired = ReferralFactory(
        issued_by=social_worker,
        programs=[pamperbank],
        valid_from=today - dt.timedelta(days=100),
        valid_until=today - dt.timedelta(days=1),
    )
    revoked = ReferralFactory(
        issued_by=social_worker, programs=[pamperbank], revoked_at=timezone.now()
    )
    client = login(social_worker)
    url = reverse("toegang:referral_list")

    default = client.get(url).content.decode()
    assert referral_codes(default) == {active.code, soon.code}
    assert (
        f'data-referral="{soon.code}" data-household="{soon.household.code}" data-status="soon" data-used="yes"'
        in default
    )
    assert 'data-status="active" data-used="no"' in default

    ended = client.get(url, {"toon": "ended"}).content.decode()
    assert referral_codes(ended) == {expired.code, revoked.code}
    assert (
        f'data-referral="{revoked.code}" data-household="{revoked.household.code}" data-status="revoked"'
        in ended
    )
    assert 'data-status="expired"' in ended

    everything = client.get(url, {"toon": "all"}).content.decode()
    assert referral_codes(everything) == {active.code, soon.code, expired.code, revoked.code}


def test_the_list_takes_a_fixed_number_of_queries(
    login, social_worker, pamperbank, fietsbib, point
):
    client = login(social_worker)
    url = reverse("toegang:referral_list")

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, {"toon": "all"}).status_code == 200
        return len(captured)

    ReferralFactory(issued_by=social_worker, programs=[pamperbank])
    few = count()
    for _ in range(8):
        ReferralFactory(issued_by=social_worker, programs=[pamperbank, fietsbib])
        OpeningHoursFactory(location=point)
    assert count() == few


def test_the_detail_is_only_for_its_issuer_and_logs_the_view(
    login, social_worker, other_worker, referral
):
    url = reverse("toegang:referral_detail", args=[referral.pk])
    response = login(social_worker).get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-referral="{referral.code}"' in html
    assert f'data-household="{referral.household.code}"' in html
    assert "Pamperbank" in html
    assert 'data-used="no"' in html
    assert re.search(r'data-confirm="[^"]+"', html)
    view = AuditEntry.objects.get(action="view", object_id=str(referral.household_id))
    assert view.actor == social_worker and view.source == url

    assert login(other_worker).get(url).status_code == 404
    letter = reverse("toegang:referral_letter", args=[referral.pk])
    assert login(other_worker).get(letter).status_code == 404
    assert (
        login(social_worker).get(reverse("toegang:referral_detail", args=[999999])).status_code
        == 404
    )


def test_another_worker_cannot_revoke_or_renew(login, other_worker, referral):
    client = login(other_worker)
    revoke = client.post(reverse("toegang:referral_revoke", args=[referral.pk]))
    renew = client.post(reverse("toegang:referral_renew", args=[referral.pk]), {"valid_until": ""})
    assert revoke.status_code == 404 and renew.status_code == 404
    referral.refresh_from_db()
    assert referral.revoked_at is None
    assert Referral.objects.count() == 1


def test_revoke(login, social_worker, referral):
    client = login(social_worker)
    response = client.post(reverse("toegang:referral_revoke", args=[referral.pk]))
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.revoked_at is not None and referral.revoked_by == social_worker
    detail = client.get(response["Location"]).content.decode()
    assert 'data-status="revoked"' in detail
    assert 'data-form="revoke"' not in detail
    assert client.get(reverse("toegang:referral_revoke", args=[referral.pk])).status_code == 405


def test_renew_with_a_new_date(login, social_worker, referral):
    until = timezone.localdate() + dt.timedelta(days=60)
    client = login(social_worker)
    response = client.post(
        reverse("toegang:referral_renew", args=[referral.pk]), {"valid_until": until.isoformat()}
    )
    new = Referral.objects.exclude(pk=referral.pk).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("toegang:referral_detail", args=[new.pk])
    assert new.renews == referral and new.valid_until == until
    assert new.household == referral.household
    assert list(new.programs.all()) == list(referral.programs.all())

    old = client.get(reverse("toegang:referral_detail", args=[referral.pk])).content.decode()
    assert f'data-renewal="{new.code}"' in old and 'data-form="renew"' not in old


def test_renew_too_far_shows_the_error_and_keeps_the_date(login, social_worker, referral):
    too_late = timezone.localdate() + dt.timedelta(days=400)
    response = login(social_worker).post(
        reverse("toegang:referral_renew", args=[referral.pk]), {"valid_until": too_late.isoformat()}
    )
    assert response.status_code == 200
    assert "valid_until" in response.context["renew_form"].errors
    assert f'value="{too_late.isoformat()}"' in response.content.decode()
    assert Referral.objects.count() == 1


# --- Letter and household card ----------------------------------------------------------


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    pdftotext = require_tool("pdftotext", "apt-get install poppler-utils")
    source = tmp_path / "document.pdf"
    source.write_bytes(pdf)
    found = subprocess.run([pdftotext, source, "-"], capture_output=True, text=True, check=True)
    return " ".join(found.stdout.split())


def decode(pdf: bytes, tmp_path: Path, symbology: str) -> list[str]:
    """The values zbar reads from the PDF rasterised at 200 dpi, for one symbology."""
    pdftoppm = require_tool("pdftoppm", "apt-get install poppler-utils")
    zbarimg = require_tool("zbarimg", "apt-get install zbar-tools")
    source = tmp_path / "scan.pdf"
    source.write_bytes(pdf)
    subprocess.run([pdftoppm, "-r", "200", "-gray", "-png", source, tmp_path / "page"], check=True)
    values = []
    for page in sorted(tmp_path.glob("page-*.png")):
        found = subprocess.run(
            [zbarimg, "--quiet", "--raw", "-Sdisable", f"-S{symbology}.enable", page],
            capture_output=True,
            text=True,
        )
        values += [line for line in found.stdout.splitlines() if line]
    return values


def test_the_letter_names_the_programs_and_its_codes_decode(
    login, social_worker, referral, fietsbib, point, tmp_path
):
    OpeningHoursFactory(location=point, weekday=2, opens=dt.time(13), closes=dt.time(16))
    referral.programs.add(fietsbib)
    response = login(social_worker).get(reverse("toegang:referral_letter", args=[referral.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    pdf = response.content

    text = pdf_text(pdf, tmp_path)
    assert "Pamperbank" in text and "Fietsbib" in text
    assert referral.code in text
    assert f"{referral.valid_until:%d/%m/%Y}" in text
    assert point.name in text and point.street in text and "13:00" in text
    assert social_worker.organisation.name in text
    assert social_worker.first_name not in text and social_worker.username not in text
    assert referral.household.code not in text

    assert decode(pdf, tmp_path, "code128") == [referral.code]
    assert decode(pdf, tmp_path, "qrcode") == [referral.code]
    assert AuditEntry.objects.filter(action="view", source=response.request["PATH_INFO"]).exists()


def test_the_household_card_decodes(tmp_path):
    household = HouseholdFactory.build(pk=4271)
    pdf = household_card_pdf(household)
    assert decode(pdf, tmp_path, "code128") == [household.code]
    assert decode(pdf, tmp_path, "qrcode") == [household.code]
    assert household.code in pdf_text(pdf, tmp_path)


def test_the_household_card_is_for_its_referrer_and_the_counter(
    login, social_worker, other_worker, volunteer, coordinator, admin_user, referral
):
    url = reverse("toegang:household_card", args=[referral.household_id])
    for user in (social_worker, volunteer, coordinator):
        response = login(user).get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response["Cache-Control"] == "private, no-store"
        assert AuditEntry.objects.filter(actor=user, action="view", source=url).exists()
    assert login(other_worker).get(url).status_code == 404
    assert login(admin_user).get(url).status_code == 403
    missing = reverse("toegang:household_card", args=[999999])
    assert login(volunteer).get(missing).status_code == 404


def test_a_revoked_letter_is_still_printable_but_marked(social_worker, referral, tmp_path):
    referral.revoked_at = timezone.now()
    referral.save()
    assert referral.code in pdf_text(referral_letter_pdf(referral), tmp_path)


# --- The coordinator's figures ----------------------------------------------------------


def test_the_figures_count_and_show_no_household(
    login, coordinator, social_worker, other_worker, pamperbank, fietsbib
):
    today = timezone.localdate()
    used = ReferralFactory(issued_by=social_worker, programs=[pamperbank, fietsbib])
    used.first_used_at = timezone.now()
    used.save()
    ReferralFactory(issued_by=social_worker, programs=[pamperbank])
    ReferralFactory(issued_by=other_worker, programs=[fietsbib], revoked_at=timezone.now())
    expired = ReferralFactory(
        issued_by=other_worker,
        programs=[pamperbank],
        valid_from=today - dt.timedelta(days=10),
        valid_until=today - dt.timedelta(days=1),
    )
    this_month = int(expired.valid_from >= today.replace(day=1))
    this_year = int(expired.valid_from.year == today.year)

    response = login(coordinator).get(reverse("toegang:referral_stats"))
    assert response.status_code == 200
    html = response.content.decode()
    for referral in Referral.objects.select_related("household"):
        assert referral.household.code not in html
        assert referral.code not in html
    assert social_worker.username not in html and other_worker.username not in html

    rows = {row.name: row for row in response.context["by_organisation"]}
    caw = rows[social_worker.organisation.name]
    assert (caw.issued_month, caw.issued_year, caw.active, caw.used, caw.expired_unused) == (
        2,
        2,
        2,
        1,
        0,
    )
    kg = rows[other_worker.organisation.name]
    assert (kg.issued_month, kg.issued_year, kg.active, kg.used, kg.expired_unused) == (
        1 + this_month,
        1 + this_year,
        0,
        0,
        this_year,
    )
    programs = {row.name: row for row in response.context["by_program"]}
    assert programs["Pamperbank"].issued_year == 2 + this_year
    assert programs["Pamperbank"].active == 2
    assert programs["Fietsbib"].issued_year == 2 and programs["Fietsbib"].used == 1
    assert response.context["totals"]["issued_year"] == 3 + this_year
    assert response.context["totals"]["active"] == 2
    assert f'data-organisation="{social_worker.organisation.pk}"' in html


def test_only_coordinators_see_the_figures(login, social_worker, volunteer):
    for user in (social_worker, volunteer):
        assert login(user).get(reverse("toegang:referral_stats")).status_code == 403
