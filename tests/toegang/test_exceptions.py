"""toegang.services.exceptions: a coordinator's documented exception."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kern.errors import DomainError, NotAllowed
from kern.models import AuditEntry
from toegang import selectors, services
from toegang.models import Evidence

TODAY = timezone.localdate


def test_a_coordinator_exception_needs_a_reason_and_gives_access(
    family, coordinator, pamperbank, gent_point
):
    with pytest.raises(DomainError):
        services.grant_exception(
            actor=coordinator, household=family, program=pamperbank, reason=" ", valid_until=TODAY()
        )
    services.grant_exception(
        actor=coordinator,
        household=family,
        program=pamperbank,
        reason="UiTPAS onbereikbaar",
        valid_until=TODAY() + dt.timedelta(days=7),
    )
    assert selectors.entitlement(household=family, program=pamperbank, location=gent_point).allowed
    evidence = Evidence.objects.get(kind=Evidence.Kind.EXCEPTION)
    assert evidence.reason == "UiTPAS onbereikbaar"
    assert AuditEntry.objects.filter(
        action="grant_exception", details__evidence=evidence.pk
    ).exists()


def test_a_volunteer_cannot_grant_an_exception(family, volunteer, pamperbank):
    with pytest.raises(NotAllowed):
        services.grant_exception(
            actor=volunteer, household=family, program=pamperbank, reason="x", valid_until=TODAY()
        )
