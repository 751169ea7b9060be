"""Partner requests: a partner's social worker asks for goods (numbers of households and
children, no names) and sees only their organisation's requests; a coordinator approves
(possibly with other quantities and a note) or refuses; the goods are handed over once at
the pick-up point, out of its stock, with requested, approved and handed-out packs kept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from kern.errors import Conflict, DomainError, NotAllowed
from kern.models import Organisation
from kern.roles import Role
from tests.factories import LocationFactory, OrganisationFactory, UserFactory
from tests.voorraad.factories import CategoryFactory, ProductFactory
from tests.voorraad.helpers import balance, book, ledger_sum, take
from uitlening import services
from uitlening.models import Distribution, PartnerHandover, PartnerRequest
from uitlening.selectors.partners import partner_reach, request_for, visible_requests
from uitlening.services import RequestedLine
from voorraad import services as stock
from voorraad.models import StockMovement

Status = PartnerRequest.Status


@pytest.fixture
def schakel(db):
    return OrganisationFactory(
        name="Welzijnsschakel De Brug", kind=Organisation.Kind.WELZIJNSSCHAKEL
    )


@pytest.fixture
def partner(db, schakel):
    return UserFactory(username="ilse", role=Role.SOCIAL_WORKER, organisation=schakel)


@pytest.fixture
def goods(db, point, stock_keeper):
    category = CategoryFactory(name="Verzorging")
    diapers = ProductFactory(name="Luiers maat 4", pack_size=44, category=category)
    soap = ProductFactory(name="Zeep", pack_size=1, category=category)
    book(stock_keeper, point, (diapers, 10 * 44), (soap, 30))
    return {"diapers": diapers, "soap": soap}


@pytest.fixture
def tomorrow():
    return timezone.localdate() + dt.timedelta(days=1)


def submit(partner, point, goods, tomorrow, **overrides):
    fields = {
        "actor": partner,
        "pickup_location": point,
        "pickup_date": tomorrow,
        "households_served": 6,
        "children_served": 11,
        "lines": [RequestedLine(goods["diapers"], 4), RequestedLine(goods["soap"], 10)],
        "note": "voor de gezinnen van de zomerwerking",
    }
    fields.update(overrides)
    return services.submit_partner_request(**fields)


@pytest.fixture
def request_(partner, point, goods, tomorrow):
    return submit(partner, point, goods, tomorrow)


@pytest.fixture
def approved(request_, coordinator):
    return services.approve_partner_request(actor=coordinator, request=request_)


def test_a_partner_requests_goods_for_its_organisation(request_, schakel, partner):
    assert request_.organisation == schakel
    assert request_.status == Status.SUBMITTED
    assert {
        (line.product.name, line.requested_packs, line.approved_packs)
        for line in request_.lines.all()
    } == {
        ("Luiers maat 4", 4, None),
        ("Zeep", 10, None),
    }


def test_repeated_products_are_added_up_and_nonsense_is_refused(partner, point, goods, tomorrow):
    merged = submit(
        partner,
        point,
        goods,
        tomorrow,
        lines=[RequestedLine(goods["soap"], 2), RequestedLine(goods["soap"], 3)],
    )
    assert [line.requested_packs for line in merged.lines.all()] == [5]
    for bad, field in [
        ({"lines": []}, "lines"),
        ({"lines": [RequestedLine(goods["soap"], 0)]}, "lines"),
        ({"households_served": 0}, "households_served"),
        ({"children_served": -1}, "children_served"),
        ({"pickup_date": timezone.localdate() - dt.timedelta(days=1)}, "pickup_date"),
        ({"pickup_location": LocationFactory(kind="magazijn", name="Magazijn")}, "pickup_location"),
    ]:
        with pytest.raises(DomainError) as error:
            submit(partner, point, goods, tomorrow, **bad)
        assert error.value.field == field


def test_only_social_workers_of_an_organisation_request(volunteer, point, goods, tomorrow, db):
    with pytest.raises(NotAllowed):
        submit(volunteer, point, goods, tomorrow)
    loose = UserFactory(username="los", role=Role.SOCIAL_WORKER)
    with pytest.raises(NotAllowed):
        submit(loose, point, goods, tomorrow)


def test_a_partner_sees_and_edits_only_its_organisations_requests(
    request_, partner, point, goods, tomorrow
):
    other = UserFactory(
        username="caw", role=Role.SOCIAL_WORKER, organisation=OrganisationFactory(name="CAW")
    )
    assert list(visible_requests(partner)) == [request_]
    assert list(visible_requests(other)) == []
    with pytest.raises(NotAllowed):
        services.update_partner_request(
            actor=other,
            request=request_,
            pickup_location=point,
            pickup_date=tomorrow,
            households_served=1,
            children_served=1,
            lines=[RequestedLine(goods["soap"], 1)],
        )
    services.update_partner_request(
        actor=partner,
        request=request_,
        pickup_location=point,
        pickup_date=tomorrow,
        households_served=7,
        children_served=12,
        lines=[RequestedLine(goods["soap"], 8)],
    )
    request_.refresh_from_db()
    assert request_.households_served == 7
    assert [(line.product_id, line.requested_packs) for line in request_.lines.all()] == [
        (goods["soap"].pk, 8)
    ]


def test_a_decided_request_is_not_edited_any_more(approved, partner, point, goods, tomorrow):
    with pytest.raises(Conflict):
        services.update_partner_request(
            actor=partner,
            request=approved,
            pickup_location=point,
            pickup_date=tomorrow,
            households_served=1,
            children_served=1,
            lines=[RequestedLine(goods["soap"], 1)],
        )


def test_a_coordinator_sees_all_and_a_volunteer_the_approved_at_their_point(
    request_, approved, coordinator, volunteer, db
):
    assert request_for(coordinator, approved.pk) == approved
    assert list(visible_requests(volunteer)) == [approved]
    elsewhere = UserFactory(username="elders", role=Role.VOLUNTEER, locations=[LocationFactory()])
    assert list(visible_requests(elsewhere)) == []


def test_approving_with_other_quantities_needs_a_note(request_, coordinator, goods):
    with pytest.raises(DomainError) as error:
        services.approve_partner_request(
            actor=coordinator, request=request_, approved_packs={goods["diapers"].pk: 2}
        )
    assert error.value.field == "decision_note"
    done = services.approve_partner_request(
        actor=coordinator,
        request=request_,
        approved_packs={goods["diapers"].pk: 2},
        note="luiers zijn schaars deze maand",
    )
    assert done.status == Status.APPROVED and done.decided_by == coordinator
    packs = {
        line.product.name: (line.requested_packs, line.approved_packs) for line in done.lines.all()
    }
    assert packs == {"Luiers maat 4": (4, 2), "Zeep": (10, 10)}


def test_only_a_coordinator_decides_and_only_once(request_, partner, volunteer, coordinator):
    for actor in (partner, volunteer):
        with pytest.raises(NotAllowed):
            services.approve_partner_request(actor=actor, request=request_)
    with pytest.raises(DomainError):
        services.refuse_partner_request(actor=coordinator, request=request_, note="")
    services.refuse_partner_request(actor=coordinator, request=request_, note="geen voorraad")
    with pytest.raises(Conflict):
        services.approve_partner_request(actor=coordinator, request=request_)


def test_approving_nothing_at_all_is_refused(request_, coordinator, goods):
    with pytest.raises(DomainError):
        services.approve_partner_request(
            actor=coordinator,
            request=request_,
            approved_packs={goods["diapers"].pk: 0, goods["soap"].pk: 0},
            note="niets",
        )


def test_the_hand_over_takes_the_approved_packs_out_of_the_pick_up_points_stock(
    approved, volunteer, point, goods, coordinator
):
    handover = services.hand_over_partner_request(actor=volunteer, request=approved)

    approved.refresh_from_db()
    assert approved.status == Status.HANDED_OVER
    assert handover.location == point
    assert balance(goods["diapers"], point) == 6 * 44 == ledger_sum(goods["diapers"], point)
    assert balance(goods["soap"], point) == 20
    movements = StockMovement.objects.filter(
        document_type=StockMovement.DocumentType.PARTNER_HANDOVER, document_id=handover.pk
    )
    assert movements.count() == 2
    assert {line.product.name: line.handed_out_packs for line in approved.lines.all()} == {
        "Luiers maat 4": 4,
        "Zeep": 10,
    }
    assert not Distribution.objects.exists()  # households' figures and quota stay apart
    assert stock.reconcile() == []


def test_a_second_hand_over_is_refused_in_dutch_and_by_the_database(
    approved, volunteer, coordinator, point, goods
):
    first = services.hand_over_partner_request(actor=volunteer, request=approved)
    with pytest.raises(Conflict) as error:
        services.hand_over_partner_request(actor=coordinator, request=approved)
    assert "Welzijnsschakel De Brug" in str(error.value)
    assert balance(goods["soap"], point) == 20
    with pytest.raises(IntegrityError), transaction.atomic():
        PartnerHandover.objects.create(request=approved, location=point, user=coordinator)
    assert PartnerHandover.objects.get() == first


def test_a_retry_with_the_same_key_gets_the_first_hand_over(approved, volunteer, point, goods):
    first = services.hand_over_partner_request(
        actor=volunteer, request=approved, idempotency_key="k1"
    )
    again = services.hand_over_partner_request(
        actor=volunteer, request=approved, idempotency_key="k1"
    )
    assert again.pk == first.pk
    assert balance(goods["soap"], point) == 20


def test_only_an_approved_request_is_handed_over_at_its_own_point(request_, volunteer, db):
    with pytest.raises(DomainError) as error:
        services.hand_over_partner_request(actor=volunteer, request=request_)
    assert error.value.code == "not_approved"
    elsewhere = UserFactory(username="elders", role=Role.VOLUNTEER, locations=[LocationFactory()])
    with pytest.raises(NotAllowed):
        services.hand_over_partner_request(actor=elsewhere, request=request_)


def test_short_stock_at_hand_over_names_product_and_point_and_writes_nothing(
    approved, volunteer, point, goods, stock_keeper
):
    take(stock_keeper, goods["diapers"], point, 8 * 44)
    with pytest.raises(Conflict) as error:
        services.hand_over_partner_request(actor=volunteer, request=approved)
    assert "Luiers maat 4" in str(error.value) and point.name in str(error.value)
    approved.refresh_from_db()
    assert approved.status == Status.APPROVED
    assert not PartnerHandover.objects.exists()
    assert balance(goods["soap"], point) == 30


def test_partner_reach_adds_up_households_children_and_packs(
    approved, volunteer, partner, point, goods, tomorrow
):
    services.hand_over_partner_request(actor=volunteer, request=approved)
    submit(partner, point, goods, tomorrow, households_served=2, children_served=3)
    reach = partner_reach(PartnerRequest.objects.all())
    assert (reach.requests, reach.households, reach.children) == (2, 8, 14)
    assert (reach.requested_packs, reach.approved_packs, reach.handed_out_packs) == (28, 14, 14)
