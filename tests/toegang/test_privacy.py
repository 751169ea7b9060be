"""GDPR tasks: retention (anonymising inactive households), export and erasure."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from kern.errors import DomainError, NotAllowed
from kern.models import AuditEntry
from kern.roles import Role
from tests.toegang.factories import (
    ChildFactory,
    HouseholdFactory,
    family,
)
from toegang import privacy
from toegang.models import Child, Evidence, Household, Referral, UitpasCard

pytestmark = pytest.mark.django_db

HOUSEHOLD = "toegang.household"


def _inactive(household: Household, *, months: int) -> Household:
    Household.objects.filter(pk=household.pk).update(
        last_activity_at=timezone.now() - dt.timedelta(days=31 * months)
    )
    household.refresh_from_db()
    return household


def _totals() -> dict:
    return {
        "households": dict(
            Household.objects.values_list("postcode").annotate(n=Count("id")).order_by()
        ),
        "children": Child.objects.count(),
        "children_by_year": sorted(Child.objects.values_list("birth_year", flat=True)),
        "referrals": Referral.objects.count(),
        "referral_programs": Referral.programs.through.objects.count(),
    }


def _audit(household: Household, action: str):
    return AuditEntry.objects.filter(
        object_type=HOUSEHOLD, object_id=str(household.pk), action=action
    )


# --- Retention --------------------------------------------------------------------------


def test_anonymise_removes_personal_data_and_keeps_totals():
    old = _inactive(family(postcode="9040", children=2, cards=2, referrals=2), months=25)
    recent = family(postcode="9090")
    before = _totals()

    assert privacy.anonymise_inactive(months=24) == 1

    old.refresh_from_db()
    assert (old.first_name, old.email, old.phone, old.consent_version) == ("", "", "", "")
    assert old.consent_at is None
    assert old.anonymised_at is not None
    assert old.postcode == "9040"
    assert not UitpasCard.objects.filter(household=old).exists()
    assert not Evidence.objects.filter(household=old).exists()
    assert {(c.birth_month, c.diaper_size) for c in old.children.all()} == {(1, None)}
    assert Referral.objects.filter(household=old).count() == 2
    assert _totals() == before  # households per postcode, children per year, referrals

    recent.refresh_from_db()
    assert recent.anonymised_at is None
    assert recent.first_name == "Amina"
    assert UitpasCard.objects.filter(household=recent).count() == 1


def test_anonymise_writes_one_audit_entry_per_household_and_is_idempotent():
    households = [_inactive(family(), months=30) for _ in range(3)]

    assert privacy.anonymise_inactive(months=24) == 3
    assert privacy.anonymise_inactive(months=24) == 0

    for household in households:
        entries = list(_audit(household, "anonymise"))
        assert len(entries) == 1
        assert entries[0].actor is None
        assert entries[0].source == "anonymise_inactive"
        assert entries[0].object_repr == household.code


def test_anonymise_respects_the_retention_period():
    household = _inactive(family(), months=13)
    assert privacy.anonymise_inactive(months=24) == 0
    assert privacy.anonymise_inactive(months=12) == 1
    household.refresh_from_db()
    assert household.anonymised_at is not None


def test_retention_cutoff_counts_calendar_months():
    now = timezone.make_aware(dt.datetime(2026, 3, 31, 10, 0))
    assert privacy.retention_cutoff(months=1, now=now).date() == dt.date(2026, 2, 28)
    assert privacy.retention_cutoff(months=24, now=now).date() == dt.date(2024, 3, 31)
    with pytest.raises(DomainError):
        privacy.retention_cutoff(months=0, now=now)


def test_command_dry_run_changes_nothing():
    household = _inactive(family(), months=30)
    entries = AuditEntry.objects.count()
    out = StringIO()

    call_command("anonymise_inactive", "--dry-run", stdout=out)

    household.refresh_from_db()
    assert household.anonymised_at is None
    assert household.first_name == "Amina"
    assert UitpasCard.objects.filter(household=household).exists()
    assert AuditEntry.objects.count() == entries
    assert "1" in out.getvalue()


def test_command_uses_months_option_and_setting():
    household = _inactive(family(), months=7)
    with override_settings(DEELPUNT_RETENTION_MONTHS=12):
        call_command("anonymise_inactive", stdout=StringIO())
    household.refresh_from_db()
    assert household.anonymised_at is None

    call_command("anonymise_inactive", "--months", "6", stdout=StringIO())
    household.refresh_from_db()
    assert household.anonymised_at is not None


# --- Export -----------------------------------------------------------------------------


def test_export_contains_what_is_held_and_no_hash(admin_user, social_worker):
    household = family(children=2, cards=1, referrals=1)
    card = household.uitpas_cards.get()
    AuditEntry.objects.create(
        actor=social_worker,
        actor_name=social_worker.username,
        action="view",
        object_type=HOUSEHOLD,
        object_id=str(household.pk),
        source="/balie/",
    )

    data = privacy.export_household(actor=admin_user, household=household, source="test")

    text = json.dumps(data)  # JSON-serialisable
    assert card.number_hash not in text
    assert "hash" not in json.dumps(data["uitpas_cards"])
    assert data["household"]["code"] == household.code
    assert data["household"]["email"] == "amina@example.org"
    assert len(data["children"]) == 2
    assert data["uitpas_cards"] == [
        {"last_digits": card.last_digits, "linked_at": data["uitpas_cards"][0]["linked_at"]}
    ]
    assert data["referrals"][0]["programs"] == ["Pamperbank"]
    assert "reason" not in data["referrals"][0]
    assert data["evidence"][0]["card_system"] == "UiTPAS Gent"
    assert any(
        entry["who"] == social_worker.username and entry["from"] == "/balie/"
        for entry in data["audit"]
    )
    assert data["notes"]["uitpas_cards"]
    logged = _audit(household, "export").get()
    assert logged.actor == admin_user
    assert logged.details == {"format": "json"}


def test_export_query_count_does_not_grow_with_the_household(admin_user):
    small = family(children=1, cards=1, referrals=1)
    big = family(children=6, cards=3, referrals=5)
    privacy.export_household(actor=admin_user, household=small)  # warm the permission cache
    counts = []
    for household in (small, big):
        with CaptureQueriesContext(connection) as queries:
            privacy.export_household(actor=admin_user, household=household)
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.SOCIAL_WORKER, Role.COORDINATOR])
def test_only_an_admin_exports(users_by_role, role):
    household = family()
    with pytest.raises(NotAllowed):
        privacy.export_household(actor=users_by_role[role], household=household)
    with pytest.raises(NotAllowed):
        privacy.export_household_pdf(actor=users_by_role[role], household=household)
    assert not _audit(household, "export").exists()


def test_export_views_for_the_admin(admin_user, login):
    household = family()
    client = login(admin_user)

    response = client.get(reverse("toegang:household_export", args=[household.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    assert response.json()["household"]["code"] == household.code

    response = client.get(reverse("toegang:household_export_pdf", args=[household.pk]))
    assert response["Cache-Control"] == "private, no-store"
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")

    formats = sorted(entry.details["format"] for entry in _audit(household, "export"))
    assert formats == ["json", "pdf"]


def test_pdf_export_of_an_erased_household(admin_user):
    household = family()
    privacy.erase_household(actor=admin_user, household=household, reason="verzoek per mail")
    assert privacy.export_household_pdf(actor=admin_user, household=household).startswith(b"%PDF")


# --- Erasure ----------------------------------------------------------------------------


def test_erase_removes_children_cards_and_evidence_and_keeps_referrals(admin_user):
    household = family(children=3, cards=2, referrals=2)
    other = family()

    privacy.erase_household(
        actor=admin_user, household=household, reason="Request by e-mail", source="test"
    )

    household.refresh_from_db()
    assert household.anonymised_at is not None
    assert (household.first_name, household.email, household.phone) == ("", "", "")
    assert household.consent_at is None
    assert not Child.objects.filter(household=household).exists()
    assert not UitpasCard.objects.filter(household=household).exists()
    assert not Evidence.objects.filter(household=household).exists()
    assert Referral.objects.filter(household=household).count() == 2
    entry = _audit(household, "erase").get()
    assert entry.actor == admin_user
    assert entry.details["reason"] == "Request by e-mail"
    assert entry.details["erased"] is True
    assert "Amina" not in json.dumps(entry.details)
    # nothing else touched
    other.refresh_from_db()
    assert other.first_name == "Amina"
    assert Child.objects.filter(household=other).count() == 2


@pytest.mark.parametrize("reason", ["", "   "])
def test_erase_refuses_an_empty_reason(admin_user, reason):
    household = family()
    with pytest.raises(DomainError) as caught:
        privacy.erase_household(actor=admin_user, household=household, reason=reason)
    assert caught.value.field == "reason"
    household.refresh_from_db()
    assert household.anonymised_at is None
    assert Child.objects.filter(household=household).count() == 2
    assert not _audit(household, "erase").exists()


def test_erase_needs_an_admin(coordinator):
    household = family()
    with pytest.raises(NotAllowed):
        privacy.erase_household(actor=coordinator, household=household, reason="request")


def test_erase_view_confirms_and_erases(admin_user, login):
    household = family()
    client = login(admin_user)
    url = reverse("toegang:household_erase", args=[household.pk])

    page = client.get(url)
    assert page.status_code == 200
    assert household.code in page.content.decode()
    assert "Amina" not in page.content.decode()

    refused = client.post(url, {"reason": "", "confirm": "on"})
    assert refused.status_code == 200
    assert refused.context["form"].errors["reason"]
    unconfirmed = client.post(url, {"reason": "request"})
    assert unconfirmed.context["form"].errors["confirm"]
    assert Child.objects.filter(household=household).exists()

    done = client.post(url, {"reason": "Request at the counter", "confirm": "on"})
    assert done.status_code == 302
    assert not Child.objects.filter(household=household).exists()
    assert _audit(household, "erase").get().details["reason"] == "Request at the counter"


# --- The admin list and who may see the privacy screens ---------------------------------


def test_admin_list_shows_codes_only_and_logs_nothing(admin_user, login):
    households = [family(), HouseholdFactory(postcode="9090")]
    client = login(admin_user)
    entries = AuditEntry.objects.count()
    response = client.get(reverse("toegang:household_admin_list"))
    assert response.status_code == 200
    html = response.content.decode()
    for household in households:
        assert household.code in html
    assert "Amina" not in html
    assert "amina@example.org" not in html
    assert AuditEntry.objects.count() == entries


def test_admin_list_filters_by_code(admin_user, login):
    wanted, other = HouseholdFactory(), HouseholdFactory()
    client = login(admin_user)
    html = client.get(reverse("toegang:household_admin_list"), {"code": wanted.code})
    assert wanted.code in html.content.decode()
    assert other.code not in html.content.decode()
    wrong = client.get(reverse("toegang:household_admin_list"), {"code": "nonsense"})
    assert wrong.status_code == 200
    assert wrong.context["error"]
    assert not list(wrong.context["page"])


def test_admin_list_query_count_is_fixed(admin_user, login):
    client = login(admin_user)
    url = reverse("toegang:household_admin_list")
    HouseholdFactory()
    client.get(url)  # warm up session and permission caches
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(20):
        ChildFactory(household=HouseholdFactory())
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(few) == len(many)


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.SOCIAL_WORKER, Role.COORDINATOR])
def test_privacy_screens_are_forbidden_to_other_roles(users_by_role, login, role):
    household = family()
    client = login(users_by_role[role])
    for name, args in [
        ("toegang:household_admin_list", []),
        ("toegang:household_export", [household.pk]),
        ("toegang:household_export_pdf", [household.pk]),
        ("toegang:household_erase", [household.pk]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 403, name
    response = client.post(
        reverse("toegang:household_erase", args=[household.pk]),
        {"reason": "x", "confirm": "on"},
    )
    assert response.status_code == 403
    assert Child.objects.filter(household=household).exists()
    assert not _audit(household, "export").exists()
