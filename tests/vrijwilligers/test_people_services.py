"""Volunteer profiles through the services: a coordinator creates and edits, a volunteer
edits their own; every bad input is refused with a Dutch message naming the field, and
nothing changes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kern.errors import DomainError, NotAllowed
from kern.hashing import keyed_hash
from kern.models import AuditEntry, Location, User
from kern.roles import Role
from tests.factories import LocationFactory, UserFactory
from tests.vrijwilligers.factories_people import CompetenceFactory, PersonFactory
from vrijwilligers import services
from vrijwilligers.models import Volunteer, VolunteerSkill
from vrijwilligers.services import Availability, Limits

pytestmark = pytest.mark.django_db


@pytest.fixture
def sara(point):
    return PersonFactory(
        user=UserFactory(
            username="sara",
            first_name="Sara",
            last_name="Peeters",
            role=Role.VOLUNTEER,
            locations=[point],
        ),
    )


def snapshot() -> tuple:
    return (
        User.objects.count(),
        Volunteer.objects.count(),
        VolunteerSkill.objects.count(),
        list(Volunteer.objects.values_list("phone", "preferences", "max_hours_per_day")),
    )


def test_a_coordinator_creates_a_volunteer_with_an_account_in_the_volunteer_role(
    coordinator, point
):
    volunteer = services.create_volunteer(
        actor=coordinator,
        username="lotte",
        first_name="Lotte",
        last_name="Claes",
        email="lotte@example.org",
        locations=[point],
        availability=Availability(
            phone="+32 470 11 22 33", available_weekdays=[5, 2, 2], preferences="Liefst balie"
        ),
        limits=Limits(max_hours_per_day=Decimal("4"), max_hours_per_week=Decimal("12")),
    )
    user = volunteer.user
    assert user.has_perm("kern.work_shifts") and not user.has_usable_password()
    assert list(user.locations.all()) == [point]
    assert volunteer.available_weekdays == [2, 5]
    assert volunteer.max_hours_per_week == Decimal("12.0")
    assert AuditEntry.objects.filter(action="create", object_id=str(volunteer.pk)).exists()


def test_a_coordinator_adds_a_profile_to_an_existing_account(coordinator):
    worker = UserFactory(username="jan", role=Role.SOCIAL_WORKER)
    volunteer = services.add_volunteer_profile(actor=coordinator, user=worker)
    worker = User.objects.get(pk=worker.pk)
    assert volunteer.user == worker and worker.has_perm("kern.work_shifts")


def test_a_second_profile_for_one_account_is_refused(coordinator, sara):
    with pytest.raises(DomainError, match="vrijwilligersprofiel"):
        services.add_volunteer_profile(actor=coordinator, user=sara.user)
    assert Volunteer.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"username": "met spatie"}, "username"),
        ({"username": "sara"}, "username"),
        ({"username": "SARA"}, "username"),
        ({"first_name": "  "}, "first_name"),
        ({"email": "geen-adres"}, "email"),
        ({"availability": Availability(phone="bel me")}, "phone"),
        ({"availability": Availability(available_weekdays=[7])}, "available_weekdays"),
        ({"availability": Availability(available_weekdays=[-1])}, "available_weekdays"),
        ({"availability": Availability(emergency_contact_name="Mama")}, "emergency_contact_name"),
        (
            {"availability": Availability(emergency_contact_phone="09 123 45 67")},
            "emergency_contact_name",
        ),
        ({"availability": Availability(preferences="x" * 2001)}, "preferences"),
        ({"limits": Limits(max_hours_per_day=Decimal("0"))}, "max_hours_per_day"),
        ({"limits": Limits(max_hours_per_day=Decimal("25"))}, "max_hours_per_day"),
        ({"limits": Limits(max_hours_per_week=Decimal("169"))}, "max_hours_per_week"),
        (
            {"limits": Limits(max_hours_per_day=Decimal("8"), max_hours_per_week=Decimal("4"))},
            "max_hours_per_day",
        ),
    ],
)
def test_bad_input_when_creating_is_refused_and_nothing_is_made(
    coordinator, point, sara, changes, field
):
    arguments = {"username": "nieuw", "first_name": "Nieuw", "locations": [point], **changes}
    before = snapshot()
    with pytest.raises(DomainError) as refused:
        services.create_volunteer(actor=coordinator, **arguments)
    assert refused.value.field == field
    assert refused.value.message
    assert snapshot() == before


def test_a_location_that_is_not_an_open_distribution_point_is_refused(coordinator):
    depot = LocationFactory(name="Magazijn", kind=Location.Kind.WAREHOUSE)
    with pytest.raises(DomainError, match="Magazijn") as refused:
        services.create_volunteer(
            actor=coordinator, username="nieuw", first_name="Nieuw", locations=[depot]
        )
    assert refused.value.field == "locations"
    assert not User.objects.filter(username="nieuw").exists()


def test_only_a_coordinator_creates_or_edits_volunteers(volunteer, sara, point):
    before = snapshot()
    with pytest.raises(NotAllowed):
        services.create_volunteer(actor=volunteer, username="nieuw", first_name="Nieuw")
    with pytest.raises(NotAllowed):
        services.update_volunteer(
            actor=volunteer,
            volunteer=sara,
            locations=[point],
            availability=Availability(),
            limits=Limits(),
        )
    with pytest.raises(NotAllowed):
        services.set_skill(
            actor=volunteer, volunteer=sara, skill=CompetenceFactory(), valid_until=None
        )
    assert snapshot() == before


def test_a_coordinator_edits_locations_limits_and_availability(coordinator, sara, other_point):
    services.update_volunteer(
        actor=coordinator,
        volunteer=sara,
        locations=[other_point],
        availability=Availability(phone="09 222 33 44", available_weekdays=[0]),
        limits=Limits(max_hours_per_day=Decimal("3.5")),
        is_active=False,
    )
    sara.refresh_from_db()
    assert list(sara.user.locations.all()) == [other_point]
    assert (sara.phone, sara.max_hours_per_day, sara.is_active) == (
        "09 222 33 44",
        Decimal("3.5"),
        False,
    )
    assert AuditEntry.objects.filter(action="update", object_id=str(sara.pk)).exists()


def test_bad_input_when_editing_changes_nothing(coordinator, sara, point, other_point):
    before = snapshot()
    with pytest.raises(DomainError):
        services.update_volunteer(
            actor=coordinator,
            volunteer=sara,
            locations=[other_point],
            availability=Availability(phone="09 1"),
            limits=Limits(),
        )
    assert snapshot() == before
    assert list(sara.user.locations.all()) == [point]


def test_skills_and_qualifications_with_an_expiry(coordinator, sara):
    first_aid = CompetenceFactory(code="ehbo", name="EHBO")
    services.set_skill(
        actor=coordinator, volunteer=sara, skill=first_aid, valid_until=dt.date(2030, 1, 1)
    )
    services.set_skill(
        actor=coordinator, volunteer=sara, skill=first_aid, valid_until=dt.date(2031, 1, 1)
    )
    assert list(sara.skills.values_list("valid_until", flat=True)) == [dt.date(2031, 1, 1)]
    services.remove_skill(actor=coordinator, volunteer=sara, skill=first_aid)
    assert not sara.skills.exists()
    with pytest.raises(DomainError, match="EHBO"):
        services.remove_skill(actor=coordinator, volunteer=sara, skill=first_aid)


def test_a_skill_name_is_unique(coordinator):
    services.create_skill(actor=coordinator, name="Fietsherstel")
    with pytest.raises(DomainError, match=r"(?i)fietsherstel"):
        services.create_skill(actor=coordinator, name="fietsherstel")
    with pytest.raises(DomainError):
        services.create_skill(actor=coordinator, name="  ")


def test_a_volunteer_edits_their_own_contact_and_availability_but_not_their_limits(sara):
    services.update_own_profile(
        user=sara.user,
        availability=Availability(
            phone="0499 00 11 22",
            emergency_contact_name="Tom Peeters",
            emergency_contact_phone="0499 33 44 55",
            available_weekdays=[1, 3],
            preferences="Geen zware dozen",
        ),
    )
    sara.refresh_from_db()
    assert (sara.phone, sara.emergency_contact_name, sara.available_weekdays) == (
        "0499 00 11 22",
        "Tom Peeters",
        [1, 3],
    )
    before = snapshot()
    with pytest.raises(DomainError):
        services.update_own_profile(user=sara.user, availability=Availability(phone="abc"))
    assert snapshot() == before


def test_someone_without_a_profile_has_no_own_profile(coordinator):
    with pytest.raises(NotAllowed, match="vrijwilligersprofiel"):
        services.update_own_profile(user=coordinator, availability=Availability())


def test_contact_data_only_for_coordinators_and_their_reading_is_logged(coordinator, sara):
    other = PersonFactory()
    with pytest.raises(NotAllowed):
        services.read_contact_data(actor=other.user, volunteer=sara)
    own = services.read_contact_data(actor=sara.user, volunteer=sara)
    assert own.phone == sara.phone
    assert not AuditEntry.objects.filter(action="view").exists()
    seen = services.read_contact_data(actor=coordinator, volunteer=sara)
    assert seen.email == "sara@example.org"
    entry = AuditEntry.objects.get(action="view")
    assert (entry.actor, entry.object_id) == (coordinator, str(sara.pk))


def test_regenerating_the_calendar_token_stores_only_its_keyed_hash(sara):
    first = services.regenerate_calendar_token(user=sara.user)
    second = services.regenerate_calendar_token(user=sara.user)
    sara.refresh_from_db()
    assert first != second and len(second) >= 30
    assert sara.calendar_token_digest == keyed_hash(second)
    assert second not in str(Volunteer.objects.values().get(pk=sara.pk))
