"""The organisation note (Belgian volunteer law): versions are published append-only with
an increasing number, a volunteer receives and acknowledges the current one on screen, a
coordinator records a paper acknowledgement; bad input changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from kern.errors import Conflict, DomainError, NotAllowed
from kern.roles import Role, sync_role_groups
from tests.factories import UserFactory
from tests.voorraad.test_stock_concurrency import errors_of, run_together
from tests.vrijwilligers.factories_people import NoteFactory, PersonFactory
from vrijwilligers import services
from vrijwilligers.models import NoteAcknowledgement, OrganisationNote
from vrijwilligers.selectors.people import has_acknowledged_current_note

TEXTS = {
    "aim": "Sociaal Huis, vzw",
    "insurance": "Ethias",
    "allowance_scheme": "Forfaitair",
    "discretion": "Discreet",
}


@pytest.mark.django_db
def test_publishing_numbers_the_versions_and_the_newest_is_current(coordinator):
    first = services.publish_note(actor=coordinator, **TEXTS)
    second = services.publish_note(actor=coordinator, **{**TEXTS, "insurance": "P&V"})
    assert (first.version, second.version) == (1, 2)
    assert second.published_by == coordinator


@pytest.mark.django_db
@pytest.mark.parametrize("part", sorted(TEXTS))
def test_a_version_missing_a_part_is_refused(coordinator, part):
    with pytest.raises(DomainError) as refused:
        services.publish_note(actor=coordinator, **{**TEXTS, part: "   "})
    assert refused.value.field == part
    assert not OrganisationNote.objects.exists()


@pytest.mark.django_db
def test_publishing_the_same_text_again_is_refused(coordinator):
    services.publish_note(actor=coordinator, **TEXTS)
    with pytest.raises(DomainError):
        services.publish_note(actor=coordinator, **TEXTS)
    assert OrganisationNote.objects.count() == 1


@pytest.mark.django_db
def test_only_a_coordinator_publishes(volunteer):
    with pytest.raises(NotAllowed):
        services.publish_note(actor=volunteer, **TEXTS)
    assert not OrganisationNote.objects.exists()


@pytest.mark.django_db
def test_a_volunteer_receives_then_acknowledges_the_current_version():
    sara = PersonFactory()
    note = NoteFactory()
    received = services.mark_note_received(user=sara.user)
    assert received.acknowledged_at is None and received.note == note
    assert not has_acknowledged_current_note(volunteer=sara)
    again = services.mark_note_received(user=sara.user)
    assert again.received_at == received.received_at  # the first showing counts

    done = services.acknowledge_note(user=sara.user, version=note.version)
    assert done.acknowledged_at is not None and has_acknowledged_current_note(volunteer=sara)
    twice = services.acknowledge_note(user=sara.user, version=note.version)
    assert twice.acknowledged_at == done.acknowledged_at


@pytest.mark.django_db
def test_acknowledging_a_version_that_is_no_longer_current_is_refused():
    sara = PersonFactory()
    old = NoteFactory()
    NoteFactory()
    with pytest.raises(Conflict):
        services.acknowledge_note(user=sara.user, version=old.version)
    assert not NoteAcknowledgement.objects.exists()


@pytest.mark.django_db
def test_a_new_version_needs_a_new_acknowledgement(coordinator):
    sara = PersonFactory()
    services.publish_note(actor=coordinator, **TEXTS)
    services.acknowledge_note(user=sara.user, version=1)
    services.publish_note(actor=coordinator, **{**TEXTS, "aim": "Nieuw doel"})
    assert not has_acknowledged_current_note(volunteer=sara)


@pytest.mark.django_db
def test_a_coordinator_records_a_paper_acknowledgement_with_its_date(coordinator):
    sara = PersonFactory()
    note = NoteFactory(published_at=timezone.now() - dt.timedelta(days=10))
    signed_on = timezone.localdate() - dt.timedelta(days=3)
    row = services.record_paper_acknowledgement(
        actor=coordinator, volunteer=sara, version=note.version, signed_on=signed_on
    )
    assert timezone.localtime(row.acknowledged_at).date() == signed_on
    assert row.recorded_by == coordinator
    assert has_acknowledged_current_note(volunteer=sara)
    with pytest.raises(Conflict):
        services.record_paper_acknowledgement(
            actor=coordinator, volunteer=sara, version=note.version, signed_on=signed_on
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("version", "days_from_today", "field"),
    [(99, -1, "version"), (1, 1, "signed_on"), (1, -30, "signed_on")],
)
def test_a_bad_paper_acknowledgement_is_refused(coordinator, version, days_from_today, field):
    sara = PersonFactory()
    NoteFactory(version=1, published_at=timezone.now() - dt.timedelta(days=10))
    with pytest.raises(DomainError) as refused:
        services.record_paper_acknowledgement(
            actor=coordinator,
            volunteer=sara,
            version=version,
            signed_on=timezone.localdate() + dt.timedelta(days=days_from_today),
        )
    assert refused.value.field == field
    assert not NoteAcknowledgement.objects.exists()


@pytest.mark.django_db
def test_a_volunteer_cannot_record_a_paper_acknowledgement():
    sara = PersonFactory()
    NoteFactory(version=1)
    with pytest.raises(NotAllowed):
        services.record_paper_acknowledgement(
            actor=sara.user, volunteer=sara, version=1, signed_on=timezone.localdate()
        )


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_publishing_at_once_get_two_versions():
    sync_role_groups(apps)  # an earlier transactional test may have flushed the groups
    coordinator = UserFactory(username="karim", role=Role.COORDINATOR)
    outcomes = run_together(
        lambda aim: services.publish_note(actor=coordinator, **{**TEXTS, "aim": aim}),
        [("Doel A",), ("Doel B",), ("Doel C",)],
    )
    assert errors_of(outcomes) == []
    assert sorted(OrganisationNote.objects.values_list("version", flat=True)) == [1, 2, 3]
    assert connection.vendor in {"sqlite", "postgresql"}
