"""Real threads against the configured database (SQLite file in WAL mode, or PostgreSQL
with DATABASE_URL): two counters handing out a package for the same child give one
package, one distribution and stock moved once; two hand-overs of one partner request
give one hand-over."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.utils import timezone

from kern.errors import Conflict
from kern.models import Organisation
from kern.roles import Role, sync_role_groups
from tests.factories import OrganisationFactory, UserFactory
from tests.toegang.factories import HouseholdFactory, ReferralFactory
from tests.uitlening.test_seasonal import born
from tests.voorraad.factories import CategoryFactory, ProductFactory
from tests.voorraad.helpers import balance, book, ledger_sum
from tests.voorraad.test_stock_concurrency import errors_of, run_together
from toegang.models import Program
from uitlening import services
from uitlening.models import (
    Distribution,
    PartnerHandover,
    PartnerRequest,
    SeasonalAction,
    SeasonalPackage,
    Visit,
)
from uitlening.services import RequestedLine
from voorraad import services as stock
from voorraad.models import StockMovement

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def roles(transactional_db):
    # A transactional test empties every table afterwards, the role groups included.
    sync_role_groups(apps)


def counter_volunteers(point, n: int):
    users = [
        UserFactory(username=f"balie-{i}", role=Role.VOLUNTEER, locations=[point]) for i in range(n)
    ]
    for user in users:
        assert user.has_perm("kern.use_counter")  # fills the permission cache before sharing
    return users


@pytest.fixture
def sinterklaas(point, coordinator, stock_keeper):
    today = timezone.localdate()
    program = Program.objects.create(
        name="Sinterklaasactie", kind=Program.Kind.SEASONAL, accepts_uitpas=False
    )
    chocolate = ProductFactory(
        name="Chocoladeletter", pack_size=1, category=CategoryFactory(name="Snoep")
    )
    book(stock_keeper, point, (chocolate, 100))
    action = services.create_action(
        actor=coordinator,
        name="Sinterklaas",
        kind=SeasonalAction.Kind.SINTERKLAAS,
        program=program,
        action_date=today,
        handout_from=today,
        handout_until=today + dt.timedelta(days=3),
        points=[point],
    )
    band = services.add_age_band(
        actor=coordinator, action=action, label="0–11 jaar", age_from=0, age_to=11
    )
    services.set_package_line(actor=coordinator, band=band, product=chocolate, packs=2)
    return action, program, chocolate


@pytest.mark.parametrize("for_child", [True, False], ids=["one child", "all children"])
def test_two_counters_handing_out_one_childs_package_give_one_package(
    point, sinterklaas, for_child
):
    action, program, chocolate = sinterklaas
    first, second = counter_volunteers(point, 2)
    for round_number in range(3):
        household = HouseholdFactory(children=[born(30 + round_number, action.action_date)])
        ReferralFactory(household=household, programs=[program])
        child = household.children.get()
        before = balance(chocolate, point)

        def hand_out(user, household=household, child=child):
            return services.hand_out_packages(
                actor=user,
                location=point,
                household=household,
                action=action,
                child_ids=[child.pk] if for_child else None,
            )

        outcomes = run_together(hand_out, [(first,), (second,)])

        assert sorted(kind for kind, _value in outcomes) == ["error", "ok"], outcomes
        [error] = errors_of(outcomes)
        assert isinstance(error, Conflict) and error.code == "package_handed_out", error
        assert SeasonalPackage.objects.filter(action=action, child=child).count() == 1
        assert Distribution.objects.filter(household=household).count() == 1
        assert Visit.objects.filter(household=household).count() == 1
        assert balance(chocolate, point) == before - 2
    assert balance(chocolate, point) == ledger_sum(chocolate, point)
    assert stock.reconcile() == []


def test_two_hand_overs_of_one_partner_request_give_one_hand_over(point, coordinator, stock_keeper):
    schakel = OrganisationFactory(
        name="Welzijnsschakel De Brug", kind=Organisation.Kind.WELZIJNSSCHAKEL
    )
    partner = UserFactory(username="ilse", role=Role.SOCIAL_WORKER, organisation=schakel)
    soap = ProductFactory(name="Zeep", pack_size=1, category=CategoryFactory(name="Verzorging"))
    book(stock_keeper, point, (soap, 100))
    users = [*counter_volunteers(point, 2), coordinator]
    assert coordinator.has_perm("kern.use_counter")
    for _round in range(3):
        request = services.submit_partner_request(
            actor=partner,
            pickup_location=point,
            pickup_date=timezone.localdate(),
            households_served=3,
            children_served=5,
            lines=[RequestedLine(soap, 10)],
        )
        services.approve_partner_request(actor=coordinator, request=request)
        before = balance(soap, point)

        outcomes = run_together(
            lambda user, request=request: services.hand_over_partner_request(
                actor=user, request=request
            ),
            [(user,) for user in users],
        )

        kinds = sorted(kind for kind, _value in outcomes)
        assert kinds == ["error", "error", "ok"], outcomes
        assert all(
            isinstance(e, Conflict) and e.code == "handed_over_already" for e in errors_of(outcomes)
        ), outcomes
        assert PartnerHandover.objects.filter(request=request).count() == 1
        assert PartnerRequest.objects.get(pk=request.pk).status == PartnerRequest.Status.HANDED_OVER
        assert balance(soap, point) == before - 10
        handover = PartnerHandover.objects.get(request=request)
        assert (
            StockMovement.objects.filter(
                document_type=StockMovement.DocumentType.PARTNER_HANDOVER, document_id=handover.pk
            ).count()
            == 1
        )
    assert balance(soap, point) == ledger_sum(soap, point) == 70
