"""The counter's API writes (record_distribution, checkout_loan, return_loan, renew_loan,
exchange_loan, confirm_visit) and what scan says at the counter: each calls the same
service as the counter screen, so these tests check the API's part — inputs, answers,
status codes, the Idempotency-Key — and that the services' rules reach the caller."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kern import barcodes
from kern.roles import Role
from tests.api_client import bearer, post
from tests.factories import UserFactory
from uitlening.codes import CONFIRM_CODE
from uitlening.models import Distribution, Loan, RepairTicket, Visit
from uitlening.services import checkout_loan
from voorraad import selectors as stock
from voorraad.models import Item, StockMovement

pytestmark = pytest.mark.django_db

API = "/api/v1/uitlening"


def key(headers, value):
    return {**headers, "HTTP_IDEMPOTENCY_KEY": value}


def distribution_body(point, family, diapers, packs=2, **extra):
    return {
        "location_id": point.pk,
        "household_code": family.code,
        "lines": [{"product_id": diapers.pk, "packs": packs}],
        **extra,
    }


def lent(volunteer, point, family, item):
    return checkout_loan(
        actor=volunteer,
        location=point,
        household=family,
        item=item,
        accessories=list(item.accessories),
        condition="goed",
        deposit_payment="cash",
    )


# --- record_distribution ----------------------------------------------------------------


def test_record_distribution_posts_the_ledger_and_a_retry_gets_the_first_answer(
    client, volunteer, point, family, diapers, pamperbank
):
    headers = key(bearer(volunteer), "scan-1")
    body = distribution_body(point, family, diapers)

    first = post(client, f"{API}/distributions", body, headers)
    again = post(client, f"{API}/distributions", body, headers)

    assert first.status_code == 201, first.content
    answer = first.json()
    assert answer["household_code"] == family.code
    assert answer["lines"] == [
        {
            "product_id": diapers.pk,
            "product": "Luiers maat 4",
            "program_id": pamperbank.pk,
            "program": "Pamperbank",
            "packs": 2,
            "units": 88,
        }
    ]
    assert again.status_code == 201 and again.json() == answer
    assert again["Idempotent-Replay"] == "true" and "Idempotent-Replay" not in first
    assert Distribution.objects.count() == 1
    assert stock.level_of(product=diapers, location=point) == 18 * 44


def test_record_distribution_over_quota_is_refused_in_dutch_and_records_nothing(
    client, volunteer, point, family, diapers
):
    response = post(
        client,
        f"{API}/distributions",
        distribution_body(point, family, diapers, packs=5),  # 4 packs a period
        {**bearer(volunteer), "HTTP_ACCEPT_LANGUAGE": "nl"},
    )

    assert response.status_code == 403, response.content  # a volunteer may not go over it
    assert response.json()["code"] == "over_quota"
    assert "4 pakken" in response.json()["detail"] or "coördinator" in response.json()["detail"]
    assert not Distribution.objects.exists()
    assert stock.level_of(product=diapers, location=point) == 20 * 44


def test_a_coordinator_goes_over_the_quota_with_a_reason(
    client, point, family, diapers, stock_keeper
):
    stock_keeper.locations.add(point)
    body = distribution_body(point, family, diapers, packs=5)

    without = post(client, f"{API}/distributions", body, bearer(stock_keeper))
    reason = post(
        client,
        f"{API}/distributions",
        {**body, "override_reason": "tweeling op komst"},
        bearer(stock_keeper),
    )

    assert without.status_code == 400 and without.json()["field"] == "override_reason"
    assert reason.status_code == 201, reason.content
    assert reason.json()["override_reason"] == "tweeling op komst"


def test_record_distribution_at_another_point_is_refused(
    client, volunteer, other_point, family, diapers
):
    response = post(
        client,
        f"{API}/distributions",
        distribution_body(other_point, family, diapers),
        bearer(volunteer),
    )

    assert response.status_code == 403
    assert not Distribution.objects.exists()


def test_record_distribution_names_a_product_that_does_not_exist(client, volunteer, point, family):
    response = post(
        client,
        f"{API}/distributions",
        {
            "location_id": point.pk,
            "household_code": family.code,
            "lines": [{"product_id": 999999, "packs": 1}],
        },
        bearer(volunteer),
    )

    assert response.status_code == 404 and "999999" in response.json()["detail"]


# --- checkout_loan / return_loan / renew_loan / exchange_loan ---------------------------


def checkout_body(point, family, item, **extra):
    return {
        "location_id": point.pk,
        "household_code": family.code,
        "item_id": item.pk,
        "accessories": list(item.accessories),
        "condition": "goed",
        "deposit_payment": "cash",
        **extra,
    }


def test_checkout_lends_the_item_once_per_key(client, volunteer, point, family, stroller):
    headers = key(bearer(volunteer), "lend-1")
    body = checkout_body(point, family, stroller)

    first = post(client, f"{API}/loans", body, headers)
    again = post(client, f"{API}/loans", body, headers)

    assert first.status_code == 201, first.content
    loan = first.json()
    assert loan["item_code"] == stroller.code and loan["household_code"] == family.code
    assert loan["due_on"] == (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    assert Decimal(loan["deposit"]) == Decimal("5")
    assert loan["returned_at"] is None
    assert again.json() == loan and again["Idempotent-Replay"] == "true"
    assert Loan.objects.count() == 1


def test_checkout_of_an_item_on_loan_is_a_409_in_dutch(
    client, volunteer, point, family, other_family, stroller
):
    lent(volunteer, point, other_family, stroller)

    response = post(
        client,
        f"{API}/loans",
        checkout_body(point, family, stroller),
        {**bearer(volunteer), "HTTP_ACCEPT_LANGUAGE": "nl"},
    )

    assert response.status_code == 409
    assert response.json()["code"] == "item_unavailable"
    assert "uitgeleend" in response.json()["detail"]


def test_checkout_without_every_accessory_is_refused(client, volunteer, point, family, stroller):
    response = post(
        client,
        f"{API}/loans",
        checkout_body(point, family, stroller, accessories=["regenhoes"]),
        bearer(volunteer),
    )

    assert response.status_code == 400
    assert response.json()["code"] == "accessories_missing"
    assert "voetenzak" in response.json()["detail"]


def test_checkout_at_another_point_is_refused(client, volunteer, other_point, family, stroller):
    response = post(
        client, f"{API}/loans", checkout_body(other_point, family, stroller), bearer(volunteer)
    )

    assert response.status_code == 403
    assert not Loan.objects.exists()


def test_a_return_with_damage_opens_a_repair_ticket(client, volunteer, point, family, stroller):
    loan = lent(volunteer, point, family, stroller)
    headers = key(bearer(volunteer), "back-1")
    body = {"location_id": point.pk, "condition": "wiel los", "damage": "voorwiel los"}

    first = post(client, f"{API}/loans/{loan.pk}/return", body, headers)
    again = post(client, f"{API}/loans/{loan.pk}/return", body, headers)

    assert first.status_code == 200, first.content
    assert first.json()["returned_at"] and first.json()["in_repair"] is True
    assert first.json()["deposit_outcome"] == "terug"
    assert again.json() == first.json() and again["Idempotent-Replay"] == "true"
    assert RepairTicket.objects.filter(item=stroller).count() == 1


def test_keeping_part_of_the_deposit_takes_an_amount_in_euro(
    client, volunteer, point, family, stroller
):
    loan = lent(volunteer, point, family, stroller)  # € 5 paid

    response = post(
        client,
        f"{API}/loans/{loan.pk}/return",
        {
            "location_id": point.pk,
            "condition": "vuil",
            "deposit_outcome": "deels",
            "deposit_kept": "2,50",
            "deposit_reason": "reiniging",
        },
        bearer(volunteer),
    )

    assert response.status_code == 200, response.content
    assert Decimal(response.json()["deposit_kept"]) == Decimal("2.50")


def test_returning_twice_is_a_409_and_a_missing_loan_a_404(
    client, volunteer, point, family, stroller
):
    loan = lent(volunteer, point, family, stroller)
    body = {"location_id": point.pk, "condition": "goed"}
    assert post(client, f"{API}/loans/{loan.pk}/return", body, bearer(volunteer)).status_code == 200

    twice = post(client, f"{API}/loans/{loan.pk}/return", body, bearer(volunteer))
    missing = post(client, f"{API}/loans/999999/return", body, bearer(volunteer))

    assert twice.status_code == 409 and twice.json()["code"] == "returned_already"
    assert missing.status_code == 404


def test_a_return_at_another_point_is_refused(
    client, volunteer, point, other_point, family, stroller
):
    loan = lent(volunteer, point, family, stroller)

    response = post(
        client,
        f"{API}/loans/{loan.pk}/return",
        {"location_id": other_point.pk, "condition": "goed"},
        bearer(volunteer),
    )

    assert response.status_code == 403
    assert Loan.objects.get(pk=loan.pk).returned_at is None


def test_renew_extends_the_due_date_once_per_key_and_at_most_twice(
    client, volunteer, point, family, stroller
):
    loan = lent(volunteer, point, family, stroller)
    body = {"location_id": point.pk}

    first = post(client, f"{API}/loans/{loan.pk}/renew", body, key(bearer(volunteer), "r1"))
    replay = post(client, f"{API}/loans/{loan.pk}/renew", body, key(bearer(volunteer), "r1"))
    second = post(client, f"{API}/loans/{loan.pk}/renew", body, key(bearer(volunteer), "r2"))
    third = post(
        client,
        f"{API}/loans/{loan.pk}/renew",
        body,
        {**key(bearer(volunteer), "r3"), "HTTP_ACCEPT_LANGUAGE": "nl"},
    )

    assert first.status_code == 200, first.content
    assert first.json()["due_on"] == (loan.due_on + dt.timedelta(days=30)).isoformat()
    assert replay.json() == first.json() and replay["Idempotent-Replay"] == "true"
    assert second.json()["renewals"] == 2
    assert third.status_code == 400 and third.json()["code"] == "max_renewals"
    assert "verlengd" in third.json()["detail"]


def test_renew_at_another_point_is_refused(client, volunteer, point, other_point, family, stroller):
    loan = lent(volunteer, point, family, stroller)

    response = post(
        client, f"{API}/loans/{loan.pk}/renew", {"location_id": other_point.pk}, bearer(volunteer)
    )

    assert response.status_code == 403
    assert Loan.objects.get(pk=loan.pk).renewals == 0


def test_exchange_brings_one_bike_back_and_lends_the_other_with_the_deposit_carried(
    client, volunteer, point, family, small_bike, big_bike
):
    old = lent(volunteer, point, family, small_bike)  # € 10 social deposit paid

    response = post(
        client,
        f"{API}/loans/{old.pk}/exchange",
        {
            "location_id": point.pk,
            "back": {"condition": "goed"},
            "out": {"item_id": big_bike.pk, "condition": "goed", "deposit_payment": "cash"},
        },
        key(bearer(volunteer), "swap-1"),
    )

    assert response.status_code == 201, response.content
    new = response.json()
    assert new["item_id"] == big_bike.pk and new["exchanged_from_id"] == old.pk
    assert Decimal(new["deposit_carried"]) == Decimal("10")
    assert Loan.objects.get(pk=old.pk).returned_at is not None


# --- confirm_visit ----------------------------------------------------------------------


def test_confirm_visit_records_products_a_loan_and_a_return_once(
    client, volunteer, point, family, diapers, stroller, small_bike
):
    bike_loan = lent(volunteer, point, family, small_bike)
    visits_before = Visit.objects.count()  # the check-out above is a visit of its own
    body = {
        "location_id": point.pk,
        "household_code": family.code,
        "products": [{"product_id": diapers.pk, "packs": 1}],
        "loans": [
            {
                "item_id": stroller.pk,
                "accessories": ["regenhoes", "voetenzak"],
                "condition": "goed",
                "deposit_payment": "cash",
            }
        ],
        "returns": [{"item_id": small_bike.pk, "condition": "goed"}],
    }
    headers = key(bearer(volunteer), "basket-1")

    first = post(client, f"{API}/visits", body, headers)
    again = post(client, f"{API}/visits", body, headers)

    assert first.status_code == 201, first.content
    visit = first.json()
    assert visit["distribution"]["lines"][0]["packs"] == 1
    assert [loan["item_id"] for loan in visit["loans"]] == [stroller.pk]
    assert [loan["id"] for loan in visit["returns"]] == [bike_loan.pk]
    assert again.json() == visit and again["Idempotent-Replay"] == "true"
    assert Visit.objects.count() == visits_before + 1 and Distribution.objects.count() == 1


def test_confirm_visit_is_all_or_nothing(client, volunteer, point, family, diapers, stroller):
    response = post(
        client,
        f"{API}/visits",
        {
            "location_id": point.pk,
            "household_code": family.code,
            "products": [{"product_id": diapers.pk, "packs": 1}],
            "loans": [{"item_id": stroller.pk, "condition": "goed", "deposit_payment": "cash"}],
        },
        bearer(volunteer),
    )

    assert response.status_code == 400 and response.json()["code"] == "accessories_missing"
    assert not Visit.objects.exists() and not Distribution.objects.exists()
    assert not StockMovement.objects.filter(kind=StockMovement.Kind.DISTRIBUTION).exists()


def test_confirm_visit_at_another_point_is_refused(client, volunteer, other_point, family, diapers):
    response = post(
        client,
        f"{API}/visits",
        {
            "location_id": other_point.pk,
            "household_code": family.code,
            "products": [{"product_id": diapers.pk, "packs": 1}],
        },
        bearer(volunteer),
    )

    assert response.status_code == 403
    assert not Visit.objects.exists()


def test_a_role_without_the_counter_may_not_hand_out(client, social_worker, point, family, diapers):
    response = post(
        client,
        f"{API}/distributions",
        distribution_body(point, family, diapers),
        bearer(social_worker),
    )

    assert response.status_code == 403


# --- scan at the counter ----------------------------------------------------------------


def scan(client, user, code):
    return post(client, "/api/v1/scan", {"code": code}, bearer(user))


def test_scanning_a_product_names_its_programs(client, volunteer, diapers, pamperbank):
    answer = scan(client, volunteer, diapers.code).json()

    assert answer["kind"] == "product"
    assert answer["details"]["programs"] == [{"id": pamperbank.pk, "name": "Pamperbank"}]


def test_scanning_an_item_on_loan_says_so_and_until_when_but_not_to_whom(
    client, volunteer, point, family, stroller
):
    loan = lent(volunteer, point, family, stroller)

    answer = scan(client, volunteer, stroller.code).json()

    assert answer["kind"] == "item"
    details = answer["details"]
    assert details["status"] == Item.Status.ON_LOAN and details["on_loan"] is True
    assert details["loan_id"] == loan.pk and details["due_on"] == loan.due_on.isoformat()
    assert details["accessories"] == ["regenhoes", "voetenzak"]
    assert family.code not in str(answer)


def test_scanning_a_free_item_says_it_is_not_on_loan(client, volunteer, stroller):
    details = scan(client, volunteer, stroller.code).json()["details"]

    assert details["on_loan"] is False and "loan_id" not in details
    assert details["safety_problem"] is None


def test_scanning_a_revoked_referral_says_so(client, volunteer, social_worker, family):
    referral = family.referrals.get()
    referral.revoked_at = timezone.now()
    referral.save()

    details = scan(client, volunteer, referral.code).json()["details"]

    assert details["state"] == "revoked"


def test_scanning_the_printed_confirm_code_is_the_confirm_kind(client, volunteer):
    for typed in (CONFIRM_CODE, CONFIRM_CODE.lower(), " bevestig "):
        answer = scan(client, volunteer, typed)
        assert answer.status_code == 200, answer.content
        assert answer.json()["kind"] == "confirm"


def test_a_volunteer_of_another_point_sees_no_more_of_an_item_than_its_loan(
    client, point, other_point, family, stroller, volunteer
):
    lent(volunteer, point, family, stroller)
    elsewhere = UserFactory(username="jan", role="vrijwilliger", locations=[other_point])

    answer = scan(client, elsewhere, barcodes.normalise(stroller.code)).json()

    assert answer["details"]["on_loan"] is True and family.code not in str(answer)


# --- Another point's loans ---------------------------------------------------------------


@pytest.fixture
def melle_volunteer(other_point):
    return UserFactory(username="jonas", role=Role.VOLUNTEER, locations=[other_point])


def test_a_loan_is_renewed_only_at_the_point_that_lent_it(
    client, volunteer, melle_volunteer, point, other_point, family, stroller
):
    loan = lent(volunteer, point, family, stroller)
    response = post(
        client,
        f"{API}/loans/{loan.pk}/renew",
        {"location_id": other_point.pk},
        bearer(melle_volunteer),
    )
    assert response.status_code == 403, response.content
    assert family.code not in response.content.decode()
    assert Loan.objects.get(pk=loan.pk).renewals == 0


def test_an_item_brought_back_elsewhere_does_not_name_its_borrower(
    client, volunteer, melle_volunteer, point, other_point, family, stroller
):
    loan = lent(volunteer, point, family, stroller)
    response = post(
        client,
        f"{API}/loans/{loan.pk}/return",
        {"location_id": other_point.pk, "condition": "goed"},
        bearer(melle_volunteer),
    )
    assert response.status_code == 200, response.content
    assert response.json()["household_code"] is None
    assert family.code not in response.content.decode()
