"""A template change racing a sign-up, with real threads against the configured database
(SQLite in WAL mode with BEGIN IMMEDIATE, or PostgreSQL with DATABASE_URL): the change
removes only shifts nobody signed up for, so a sign-up is never deleted with its shift.

The sign-up is started at the worst moment on purpose: right after the template change
has listed the shifts without sign-ups, before it removes them."""

from __future__ import annotations

import threading

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from kern.errors import DomainError
from kern.roles import Role, sync_role_groups
from tests.factories import LocationFactory, UserFactory
from tests.vrijwilligers.factories import ShiftFactory, VolunteerFactory, tomorrow_at
from vrijwilligers import services
from vrijwilligers.models import Shift, ShiftTemplate, Signup

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 2.0  # seconds the change waits for the sign-up before it goes on (a lock may hold it)


@pytest.fixture(autouse=True)
def roles(transactional_db):
    # A transactional test empties every table afterwards, the role groups included.
    sync_role_groups(apps)


def template_with_one_shift(place) -> tuple[ShiftTemplate, Shift]:
    starts_at = tomorrow_at(9)
    template = ShiftTemplate.objects.create(
        location=place,
        role="Balie",
        recurrence=ShiftTemplate.Recurrence.WEEKLY,
        weekday=timezone.localtime(starts_at).weekday(),
        starts_on=timezone.localdate(),
        start_time=timezone.localtime(starts_at).time(),
        end_time=timezone.localtime(starts_at + timezone.timedelta(hours=3)).time(),
        min_volunteers=1,
        max_volunteers=3,
    )
    shift = ShiftFactory(location=place, template=template, starts_at=starts_at, max_volunteers=3)
    return template, shift


def deactivate(actor, template: ShiftTemplate):
    return services.update_template(
        actor=actor,
        template=template,
        role=template.role,
        recurrence=template.recurrence,
        weekday=template.weekday,
        starts_on=template.starts_on,
        start_time=template.start_time,
        end_time=template.end_time,
        min_volunteers=template.min_volunteers,
        max_volunteers=template.max_volunteers,
        is_active=False,
    )


def is_free_shifts_query(sql: str) -> bool:
    """The query that lists a template's shifts without any sign-up."""
    return (
        sql.lstrip().upper().startswith("SELECT")
        and 'FROM "vrijwilligers_shift"' in sql
        and "LEFT OUTER JOIN" in sql
        and "IS NULL" in sql
    )


def test_a_signup_landing_during_a_template_change_is_never_deleted_with_its_shift():
    place = LocationFactory(name="Uitdeelpunt Centrum")
    coordinator = UserFactory(username="karim", role=Role.COORDINATOR)
    volunteer = VolunteerFactory(locations=[place])
    assert volunteer.user.has_perm("kern.work_shifts")  # fills the cache before sharing
    template, shift = template_with_one_shift(place)

    outcome: dict[str, object] = {}

    def sign_up() -> None:
        try:
            outcome["ok"] = services.sign_up(actor=volunteer.user, shift=shift)
        except BaseException as exc:  # asserted on below
            outcome["error"] = exc
        finally:
            connection.close()

    racer = threading.Thread(target=sign_up, name="signup-racer")

    def start_the_signup_after_listing(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not racer.is_alive() and not outcome and is_free_shifts_query(sql):
            racer.start()
            racer.join(WAIT)  # PostgreSQL: commits now unless a lock holds it back
        return result

    with connection.execute_wrapper(start_the_signup_after_listing):
        deactivate(coordinator, template)
    racer.join(30)
    assert not racer.is_alive(), "the sign-up hangs"

    assert outcome, "the change never listed its free shifts"
    if "ok" in outcome:
        signup = outcome["ok"]
        assert isinstance(signup, Signup)
        # The volunteer was told they are in: the shift and the sign-up must both exist.
        assert Shift.objects.filter(pk=shift.pk).exists()
        assert Signup.objects.filter(pk=signup.pk, status="confirmed").exists()
    else:
        # The change came first: the shift is gone and nothing was written for it.
        assert not Shift.objects.filter(pk=shift.pk).exists()
        assert not Signup.objects.filter(volunteer=volunteer).exists()


def test_signing_up_for_a_shift_a_template_change_just_removed_is_refused_in_dutch():
    place = LocationFactory(name="Uitdeelpunt Centrum")
    coordinator = UserFactory(username="karim", role=Role.COORDINATOR)
    volunteer = VolunteerFactory(locations=[place])
    template, shift = template_with_one_shift(place)
    deactivate(coordinator, template)  # the volunteer's page still shows the shift

    with pytest.raises(DomainError, match=r"bestaat niet|niet meer"):
        services.sign_up(actor=volunteer.user, shift=shift)
    assert not Signup.objects.exists()
