"""The yearly attestation and the volunteer card, read back with pdftotext (poppler)."""

from __future__ import annotations

import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse

from kern.models import AuditEntry
from tests.conftest import require_tool
from tests.factories import OrganisationFactory
from tests.vrijwilligers.factories_attendance import local, make_shift, make_signup, make_volunteer
from vrijwilligers.documents import attestation_pdf, format_hours, volunteer_card_pdf

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    tool = require_tool("pdftotext", "apt-get install poppler-utils")
    result = subprocess.run(
        [tool, "-layout", "-", "-"], input=content, capture_output=True, check=True
    )
    return result.stdout.decode("utf-8")


@pytest.fixture
def sara(point):
    point.organisation = OrganisationFactory(name="Sociaal Huis Merelbeke")
    point.save()
    return make_volunteer(
        username="sara", first_name="Sara", last_name="Peeters", locations=[point]
    )


def test_format_hours_is_written_the_belgian_way():
    assert [format_hours(Decimal(v)) for v in ("3", "2.5", "2.75", "0")] == [
        "3",
        "2,5",
        "2,75",
        "0",
    ]


def test_the_attestation_names_the_volunteer_year_shifts_hours_and_organisation(sara, point):
    for day, hours in ((4, "3"), (11, "2.5")):
        shift = make_shift(location=point, starts_at=local(2025, 1, day))
        make_signup(shift=shift, volunteer=sara, attendance="attended", hours=Decimal(hours))
    shift = make_shift(location=point, starts_at=local(2025, 3, 1))
    make_signup(shift=shift, volunteer=sara, attendance="late", hours=Decimal("3"))
    shift = make_shift(location=point, starts_at=local(2025, 4, 1))
    make_signup(shift=shift, volunteer=sara, attendance="no_show")
    text = pdf_text(attestation_pdf(sara, year=2025))
    assert "Attest vrijwilligerswerk 2025" in text
    assert "Sociaal Huis Merelbeke verklaart dat Sara Peeters in 2025" in text
    assert "3 diensten" in text and "8,5 uur" in text
    assert "Uitdeelpunt Centrum" in text
    lines = {line.split()[0]: line.split()[1:] for line in text.splitlines() if line.strip()}
    assert lines["januari"] == ["2", "5,5"]
    assert lines["februari"] == ["—", "—"]
    assert lines["maart"] == ["1", "3"]
    assert lines["april"] == ["—", "—"]  # a no-show counts nothing
    assert lines["Totaal"] == ["3", "8,5"]
    assert "wet van 3 juli 2005" in text


def test_an_attestation_without_shifts_says_so(sara):
    text = pdf_text(attestation_pdf(sara, year=2024))
    assert "In 2024 werden geen diensten van Sara Peeters geregistreerd." in text


def test_the_card_carries_the_name_and_the_v_code(sara):
    text = pdf_text(volunteer_card_pdf(sara))
    assert "Sara Peeters" in text
    assert sara.code in text and sara.code.startswith("V")
    assert "Vrijwilliger" in text


def test_a_coordinator_downloads_an_attestation_and_it_is_audited(client, coordinator, sara):
    client.force_login(coordinator)
    response = client.get(reverse("vrijwilligers:hours_attestation", args=[sara.pk, 2025]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert {"private", "no-store"} <= {
        part.strip() for part in response["Cache-Control"].split(",")
    }
    assert AuditEntry.objects.filter(action="print_attestation", actor=coordinator).exists()


def test_a_volunteer_downloads_their_own_attestation_and_card(client, sara):
    client.force_login(sara.user)
    attest = client.get(reverse("vrijwilligers:hours_attestation", args=[sara.pk, 2025]))
    card = client.get(reverse("vrijwilligers:volunteer_card", args=[sara.pk]))
    assert attest.status_code == 200 and card.status_code == 200
    assert "Sara Peeters" in pdf_text(card.content)
