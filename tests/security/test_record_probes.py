"""Record-level probes: a signed-in person reaching for a record or a place that is not
theirs, by URL or by API. Each must be refused (403, or 404 where even its existence is not
theirs to know) AND leave an audit entry ``denied`` naming the person, the screen or
operation and the ids from the URL, with no personal data in it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from kern.models import AuditEntry
from kern.roles import Role
from tests.security import data
from tests.security.matrix import resolve

VOL = Role.VOLUNTEER.value
SW = Role.SOCIAL_WORKER.value
VOL_B = data.VOLUNTEER_OF_B


@dataclass(frozen=True)
class Probe:
    what: str
    role: str
    method: str
    url: str  # "@name" parts are filled from the context
    body: Mapping[str, Any] | None = None
    form: Mapping[str, Any] = field(default_factory=dict)

    @property
    def api(self) -> bool:
        return self.url.startswith("/api/")


AT_B = "a volunteer of point A acting at point B"
PROBES = [
    # --- A volunteer of Uitdeelpunt Centrum at Uitdeelpunt Melle: counter, loans, shifts
    Probe(AT_B + ": the counter page", VOL, "GET", "/balie/{other_point}/"),
    Probe(
        AT_B + ": check-in by scan",
        VOL,
        "POST",
        "/balie/{other_point}/scan/",
        form={"code": "@household_code"},
    ),
    Probe(AT_B + ": hand-out", VOL, "POST", "/balie/{other_point}/bevestig/"),
    Probe(AT_B + ": register a household", VOL, "GET", "/balie/{other_point}/gezin/nieuw/"),
    Probe(AT_B + ": overdue loans", VOL, "GET", "/balie/{other_point}/te-laat/"),
    Probe(AT_B + ": overdue loans CSV", VOL, "GET", "/balie/{other_point}/te-laat.csv"),
    Probe(
        AT_B + ": earn points",
        VOL,
        "POST",
        "/balie/{other_point}/gezin/{household}/punten/verdienen/",
    ),
    Probe(
        AT_B + ": membership", VOL, "POST", "/balie/{other_point}/gezin/{household}/lidmaatschap/"
    ),
    Probe(AT_B + ": waiting list", VOL, "POST", "/balie/{other_point}/wachtlijst/"),
    Probe(AT_B + ": seasonal package", VOL, "POST", "/balie/{other_point}/seizoenspakket/"),
    Probe(AT_B + ": a distribution of B", VOL, "GET", "/balie/uitdelingen/{other_distribution}/"),
    Probe(AT_B + ": a receipt of B", VOL, "GET", "/balie/uitdelingen/{other_distribution}/bon/"),
    Probe(
        AT_B + ": a receipt PDF of B", VOL, "GET", "/balie/uitdelingen/{other_distribution}/bon.pdf"
    ),
    Probe(
        AT_B + ": API check-in",
        VOL,
        "POST",
        "/api/v1/uitlening/visits",
        body={"location_id": "@other_point", "household_code": "@household_code"},
    ),
    Probe(
        AT_B + ": API hand-out",
        VOL,
        "POST",
        "/api/v1/uitlening/distributions",
        body={
            "location_id": "@other_point",
            "household_code": "@household_code",
            "lines": [{"product_id": "@product", "packs": 1}],
        },
    ),
    Probe(
        AT_B + ": API loan",
        VOL,
        "POST",
        "/api/v1/uitlening/loans",
        body={
            "item_id": "@item",
            "condition": "goed",
            "location_id": "@other_point",
            "household_code": "@household_code",
        },
    ),
    Probe(
        AT_B + ": API loan return",
        VOL,
        "POST",
        "/api/v1/uitlening/loans/{loan}/return",
        body={"condition": "goed", "location_id": "@other_point"},
    ),
    Probe(
        AT_B + ": API loan renewal",
        VOL,
        "POST",
        "/api/v1/uitlening/loans/{loan}/renew",
        body={"location_id": "@other_point"},
    ),
    Probe(
        AT_B + ": API points",
        VOL,
        "GET",
        "/api/v1/uitlening/points?location_id={other_point}&household_code={household_code}",
    ),
    Probe(
        AT_B + ": API reservation",
        VOL,
        "POST",
        "/api/v1/uitlening/reservations",
        body={
            "household_code": "@household_code",
            "item_type_id": "@item_type",
            "location_id": "@other_point",
        },
    ),
    Probe(
        AT_B + ": API eligibility",
        VOL,
        "POST",
        "/api/v1/toegang/eligibility",
        body={"location_id": "@other_point", "household_code": "@household_code"},
    ),
    Probe(
        AT_B + ": shift sign-up",
        VOL,
        "POST",
        "/vrijwilligers/diensten/{other_point_shift}/inschrijven/",
    ),
    Probe(
        AT_B + ": API shift sign-up",
        VOL,
        "POST",
        "/api/v1/vrijwilligers/shifts/{other_point_shift}/signups",
    ),
    # --- The volunteer of Uitdeelpunt Melle reaching for Uitdeelpunt Centrum's records
    Probe(
        "a volunteer of point B reading a loan of point A",
        VOL_B,
        "GET",
        "/balie/uitleningen/{loan}/",
    ),
    Probe(
        "a volunteer of point B printing a loan agreement of point A",
        VOL_B,
        "GET",
        "/balie/uitleningen/{loan}/overeenkomst.pdf",
    ),
    Probe(
        "a volunteer of point B renewing a loan of point A",
        VOL_B,
        "POST",
        "/balie/uitleningen/{loan}/verlengen/",
    ),
    Probe(
        "a volunteer of point B reading a distribution of point A",
        VOL_B,
        "GET",
        "/balie/uitdelingen/{distribution}/",
    ),
    Probe("a volunteer of point B at point A's counter", VOL_B, "GET", "/balie/{point}/"),
    Probe(
        "a volunteer of point B cancelling a reservation at point A",
        VOL_B,
        "POST",
        "/balie/reservaties/{reservation}/annuleer/",
    ),
    Probe(
        "API: a volunteer of point B cancelling a reservation at point A",
        VOL_B,
        "POST",
        "/api/v1/uitlening/reservations/{reservation}/cancel",
        body={},
    ),
    # --- Shifts of another volunteer
    Probe(
        "a volunteer checking in another volunteer's sign-up",
        VOL,
        "POST",
        "/vrijwilligers/aanwezigheid/{other_signup}/ik-ben-er/",
    ),
    Probe(
        "a volunteer cancelling another volunteer's sign-up",
        VOL,
        "POST",
        "/vrijwilligers/diensten/inschrijving/{other_signup}/annuleren/",
    ),
    Probe(
        "a volunteer offering another volunteer's shift for a swap",
        VOL,
        "POST",
        "/vrijwilligers/diensten/inschrijving/{other_signup}/ruilen/",
    ),
    Probe(
        "API: a volunteer cancelling another volunteer's sign-up",
        VOL,
        "POST",
        "/api/v1/vrijwilligers/signups/{other_signup}/cancel",
        body={},
    ),
    # --- A volunteer reading another volunteer's contact data
    Probe(
        "a volunteer reading another volunteer's profile",
        VOL,
        "GET",
        "/vrijwilligers/{other_volunteer}/",
    ),
    Probe(
        "a volunteer reading another volunteer's contact data",
        VOL,
        "GET",
        "/vrijwilligers/{other_volunteer}/contactgegevens/",
    ),
    Probe(
        "a volunteer reading another volunteer's hours",
        VOL,
        "GET",
        "/vrijwilligers/uren/{other_volunteer}/{year}/",
    ),
    Probe(
        "a volunteer reading another volunteer's attestation",
        VOL,
        "GET",
        "/vrijwilligers/uren/{other_volunteer}/{year}/attest.pdf",
    ),
    Probe(
        "a volunteer printing another volunteer's card",
        VOL,
        "GET",
        "/vrijwilligers/aanwezigheid/kaart/{other_volunteer}.pdf",
    ),
    # --- A social worker and another organisation's referral
    Probe(
        "a social worker reading another organisation's referral",
        SW,
        "GET",
        "/toegang/doorverwijzingen/{other_referral}/",
    ),
    Probe(
        "a social worker printing another organisation's referral letter",
        SW,
        "GET",
        "/toegang/doorverwijzingen/{other_referral}/brief.pdf",
    ),
    Probe(
        "a social worker renewing another organisation's referral",
        SW,
        "POST",
        "/toegang/doorverwijzingen/{other_referral}/verlengen/",
    ),
    Probe(
        "a social worker revoking another organisation's referral",
        SW,
        "POST",
        "/toegang/doorverwijzingen/{other_referral}/intrekken/",
        form={"reason": "probe"},
    ),
    Probe(
        "API: a social worker revoking another organisation's referral",
        SW,
        "POST",
        "/api/v1/toegang/referrals/{other_referral}/revoke",
        body={"reason": "probe"},
    ),
    # --- Guessing a household's id or code
    Probe(
        "a social worker printing the card of a household of another organisation",
        SW,
        "GET",
        "/toegang/gezinnen/{other_household}/kaart.pdf",
    ),
    Probe(
        "a social worker guessing a household id that does not exist",
        SW,
        "GET",
        "/toegang/gezinnen/{missing_id}/kaart.pdf",
    ),
    Probe(
        "a volunteer guessing a household id at the counter",
        VOL,
        "POST",
        "/balie/{point}/gezin/{missing_id}/punten/verdienen/",
    ),
    Probe(
        "a volunteer reading a household's privacy export",
        VOL,
        "GET",
        "/toegang/gezinnen/{household}/export.json",
    ),
    Probe(
        "API: a social worker reading a household's reservations by code",
        SW,
        "GET",
        "/api/v1/uitlening/reservations?household_code={household_code}",
    ),
    Probe(
        "API: a volunteer guessing a household code",
        VOL,
        "GET",
        "/api/v1/uitlening/reservations?household_code={missing_code}",
    ),
    Probe(
        "API: a volunteer guessing a referral id to revoke",
        VOL,
        "POST",
        "/api/v1/toegang/referrals/{missing_id}/revoke",
        body={"reason": "probe"},
    ),
]


def probe_url(probe: Probe, context: Mapping[str, Any]) -> str:
    return probe.url.format(**{k: v for k, v in context.items() if isinstance(v, (int, str))})


@pytest.mark.django_db
def test_every_probe_is_refused_and_logged():
    context = data.load()
    clients = {}
    for role, user in context["users"].items():
        clients[role] = Client()
        clients[role].force_login(user)
    failures = []
    for probe in PROBES:
        url = probe_url(probe, context)
        user = context["users"][probe.role]
        before = set(AuditEntry.objects.filter(action="denied").values_list("pk", flat=True))
        if probe.body is not None:
            response = clients[probe.role].generic(
                probe.method,
                url,
                json.dumps(resolve(dict(probe.body), context)),
                content_type="application/json",
            )
        elif probe.method == "POST":
            response = clients[probe.role].post(url, resolve(dict(probe.form), context))
        else:
            response = clients[probe.role].get(url)
        where = f"{probe.what} ({probe.method} {url} as {probe.role} -> {response.status_code})"
        if response.status_code not in (403, 404):
            failures.append(f"{where}: not refused: {response.content[:300]!r}")
            continue
        entries = AuditEntry.objects.filter(action="denied").exclude(pk__in=before)
        entry = entries.filter(actor=user).first()
        if entry is None:
            failures.append(f"{where}: refused, but not in the audit log")
            continue
        path = url.split("?")[0]
        if entry.source != f"{probe.method} {path}" or not entry.object_type:
            failures.append(f"{where}: logged as {entry.source!r} / {entry.object_type!r}")
        if entry.object_repr or set(entry.details) - {"status"}:
            failures.append(f"{where}: the log entry carries more than ids: {entry.details!r}")
    print(f"\nprobes: {len(PROBES)}")
    assert not failures, f"{len(failures)} of {len(PROBES)} probes failed:\n" + "\n".join(failures)
