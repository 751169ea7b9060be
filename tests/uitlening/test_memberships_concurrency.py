"""Real threads on the configured database: a membership paid at two counters at once
(two clicks, two volunteers) gives one membership; the other is refused as paid twice."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.apps import apps

from kern.errors import Conflict
from kern.roles import Role, sync_role_groups
from tests.factories import UserFactory
from tests.toegang.factories import HouseholdFactory, ReferralFactory
from tests.voorraad.test_stock_concurrency import errors_of, run_together
from toegang.models import Program
from uitlening import services
from uitlening.models import Membership

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def roles(transactional_db):
    sync_role_groups(apps)


def test_a_membership_paid_twice_at_once_gives_one_membership(point):
    program = Program.objects.create(
        name="Fietsbib",
        kind="fietsbib",
        membership_fee_normal=Decimal("40"),
        membership_fee_social=Decimal("10"),
    )
    users = [
        UserFactory(username=f"balie-{i}", role=Role.VOLUNTEER, locations=[point]) for i in range(3)
    ]
    for user in users:
        assert user.has_perm("kern.use_counter")
    for _round in range(3):
        household = HouseholdFactory()
        ReferralFactory(household=household, programs=[program])

        def pay(user, household=household):
            return services.record_membership(
                actor=user,
                location=point,
                household=household,
                program=program,
                payment="cash",
                idempotency_key=f"lid-{user.pk}-{household.pk}",
            )

        outcomes = run_together(pay, [(user,) for user in users])
        succeeded = [value for kind, value in outcomes if kind == "ok"]
        failed = errors_of(outcomes)
        assert len(succeeded) == 1, outcomes
        assert all(isinstance(e, Conflict) and e.code == "membership_paid_twice" for e in failed)
        assert Membership.objects.filter(household=household).count() == 1
        assert succeeded[0].fee_kind == Membership.FeeKind.SOCIAL
