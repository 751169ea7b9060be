"""The counter's views, thinly: a scan fills the basket the browser posts (or is refused
and leaves it as it was), the basket's actions, the preview, and confirm recording the
posted basket once per key. The rules themselves are tested with the selectors and
services; the browser journeys are in tests/browser/test_counter_journeys.py."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest
from django.utils import timezone

from kern.models import AuditEntry
from kern.roles import Role
from tests.factories import UserFactory
from tests.uitlening.factories import LoanFactory
from uitlening.models import Distribution, Loan, Visit
from voorraad.models import Item

HX = {"HTTP_HX_REQUEST": "true"}


def basket(household=None, lines=(), key="k-1", **extra) -> str:
    return json.dumps(
        {
            "household": household.code if household else "",
            "key": key,
            "lines": list(lines),
            **extra,
        }
    )


def product_line(product, packs=1) -> dict:
    return {"kind": "product", "id": product.pk, "label": product.name, "packs": packs}


def state_of(response) -> dict:
    """The basket state the answer gives the browser to keep."""
    match = re.search(r'data-basket-state="([^"]*)"', response.content.decode())
    assert match, response.content.decode()[:500]
    return json.loads(html.unescape(match.group(1)))


def message_of(response) -> str:
    match = re.search(r'data-slot="message"[^>]*>(.*?)</div>', response.content.decode(), re.S)
    return html.unescape(match.group(1)).strip() if match else ""


@pytest.fixture
def counter(login, volunteer, point, family):
    """A volunteer's client at the point, with ``family`` checked in (session)."""
    client = login(volunteer)
    response = client.post(
        f"/balie/{point.pk}/scan/", {"code": family.code, "basket": basket()}, **HX
    )
    assert state_of(response)["household"] == family.code
    return client


def scan(client, point, code, state: str):
    return client.post(f"/balie/{point.pk}/scan/", {"code": code, "basket": state}, **HX)


def test_the_counter_page_loads_the_scanner_early_and_has_no_inline_script(login, volunteer, point):
    page = login(volunteer).get(f"/balie/{point.pk}/").content.decode()
    head = page.split("</head>")[0]
    assert re.search(r'<script src="[^"]*js/scanner\.js"></script>', head)  # not deferred
    assert re.search(r'<script src="[^"]*js/counter\.js" defer></script>', head)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert 'data-confirm-code="BEVESTIG"' in page


def test_a_household_scan_starts_its_basket_and_shows_its_panel(login, volunteer, point, family):
    response = login(volunteer).post(
        f"/balie/{point.pk}/scan/", {"code": family.code, "basket": basket()}, **HX
    )
    page = response.content.decode()
    assert 'data-scan-outcome="checkin"' in page and 'data-open-loans="0"' in page
    state = state_of(response)
    assert state["household"] == family.code and state["lines"] == []


def test_a_product_scan_adds_a_pack_and_shows_the_quota_left(counter, point, family, diapers):
    first = scan(counter, point, diapers.code, basket(family))
    assert state_of(first)["lines"] == [product_line(diapers, 1)]
    second = scan(counter, point, diapers.code, json.dumps(state_of(first)))
    assert state_of(second)["lines"][0]["packs"] == 2
    assert 'data-remaining-after="2"' in second.content.decode()  # 4 a period


def test_a_product_before_a_household_is_refused(login, volunteer, point, diapers):
    response = scan(login(volunteer), point, diapers.code, basket())
    assert "eerst de kaart van het gezin" in message_of(response)
    assert state_of(response)["lines"] == []


def test_over_the_quota_a_volunteer_is_refused_and_the_basket_kept(counter, point, family, diapers):
    full = basket(family, [product_line(diapers, 4)])
    response = scan(counter, point, diapers.code, full)
    assert "4 pakken over" in message_of(response) and "coördinator" in message_of(response)
    assert state_of(response)["lines"][0]["packs"] == 4
    more = counter.post(
        f"/balie/{point.pk}/mand/", {"basket": full, "action": "more", "line": "0"}, **HX
    )
    assert state_of(more)["lines"][0]["packs"] == 4 and "4 pakken over" in message_of(more)


def test_a_coordinator_goes_over_the_quota_with_a_reason(login, point, family, diapers):
    coordinator = UserFactory(username="coord", role=Role.COORDINATOR, locations=[point])
    client = login(coordinator)
    scan(client, point, family.code, basket())
    response = scan(client, point, diapers.code, basket(family, [product_line(diapers, 4)]))
    assert state_of(response)["lines"][0]["packs"] == 5
    assert 'data-basket-field="override_reason"' in response.content.decode()
    refused = client.post(
        f"/balie/{point.pk}/bevestig/", {"basket": json.dumps(state_of(response))}, **HX
    )
    assert refused.status_code >= 400 and not Distribution.objects.exists()
    with_reason = dict(state_of(response), override_reason="tweeling, extra nood")
    done = client.post(f"/balie/{point.pk}/bevestig/", {"basket": json.dumps(with_reason)}, **HX)
    assert done.status_code == 200
    assert Distribution.objects.get().override_reason == "tweeling, extra nood"


def test_an_item_on_loan_to_this_household_comes_back_others_go_out(
    counter, point, family, stroller, second_stroller, babytheek
):
    LoanFactory(item=stroller, household=family, program=babytheek, location=point)
    Item.objects.filter(pk=stroller.pk).update(status=Item.Status.ON_LOAN)
    back = scan(counter, point, stroller.code, basket(family))
    assert state_of(back)["lines"][0]["kind"] == "return"
    out = scan(counter, point, second_stroller.code, json.dumps(state_of(back)))
    assert [line["kind"] for line in state_of(out)["lines"]] == ["return", "loan"]
    assert 'data-refusal="condition_missing"' in out.content.decode()  # to fill in


def test_an_item_that_cannot_go_out_is_refused_with_the_reason(
    counter, point, family, other_family, stroller, second_stroller, babytheek
):
    LoanFactory(item=stroller, household=other_family, program=babytheek, location=point)
    Item.objects.filter(pk=stroller.pk).update(status=Item.Status.ON_LOAN)
    Item.objects.filter(pk=second_stroller.pk).update(status=Item.Status.IN_REPAIR)
    for item, reason in ((stroller, "al uitgeleend"), (second_stroller, "in herstelling")):
        response = scan(counter, point, item.code, basket(family))
        assert reason in message_of(response), message_of(response)
        assert state_of(response)["lines"] == []


def test_a_car_seat_past_its_end_of_life_is_refused(counter, point, family, car_seat):
    Item.objects.filter(pk=car_seat.pk).update(
        end_of_life_on=timezone.localdate() - dt.timedelta(days=1)
    )
    response = scan(counter, point, car_seat.code, basket(family))
    assert car_seat.name in message_of(response) and state_of(response)["lines"] == []


def test_basket_actions_change_the_posted_basket(counter, point, family, diapers, wipes):
    lines = [product_line(diapers, 2), product_line(wipes, 1)]
    url = f"/balie/{point.pk}/mand/"
    less = counter.post(url, {"basket": basket(family, lines), "action": "less", "line": "0"}, **HX)
    assert state_of(less)["lines"][0]["packs"] == 1
    gone = counter.post(
        url, {"basket": basket(family, lines), "action": "remove", "line": "0"}, **HX
    )
    assert [line["id"] for line in state_of(gone)["lines"]] == [wipes.pk]
    empty = counter.post(url, {"basket": basket(family, lines), "action": "clear"}, **HX)
    assert state_of(empty)["lines"] == [] and state_of(empty)["household"] == family.code
    assert state_of(empty)["key"] != "k-1"  # a new basket, a new key


def test_an_unreadable_basket_is_a_dutch_message(counter, point):
    response = counter.post(f"/balie/{point.pk}/mand/", {"basket": "{not json"}, **HX)
    assert "kon niet gelezen worden" in message_of(response)


def test_a_basket_of_a_family_not_opened_in_this_session_opens_it_logged(
    login, volunteer, point, family
):
    response = login(volunteer).post(
        f"/balie/{point.pk}/mand/", {"basket": basket(family), "panel": "1"}, **HX
    )
    assert f'data-household="{family.code}"' in response.content.decode()
    assert AuditEntry.objects.filter(
        action="view", object_type="toegang.household", object_id=str(family.pk)
    ).exists()


def test_confirm_records_the_basket_once_per_key(counter, point, family, diapers):
    posted = {"basket": basket(family, [product_line(diapers, 2)], key="once")}
    first = counter.post(f"/balie/{point.pk}/bevestig/", posted, **HX)
    again = counter.post(f"/balie/{point.pk}/bevestig/", posted, **HX)
    assert first.status_code == again.status_code == 200
    assert 'data-scan-outcome="confirmed"' in first.content.decode()
    assert "data-replayed" in again.content.decode()
    assert Visit.objects.count() == 1 and Distribution.objects.count() == 1
    fresh = state_of(first)
    assert fresh["lines"] == [] and fresh["household"] == family.code and fresh["key"] != "once"


def test_a_refused_confirm_keeps_the_basket_and_records_nothing(counter, point, family, stroller):
    line = {"kind": "loan", "id": stroller.pk, "label": stroller.name, "accessories": []}
    response = counter.post(
        f"/balie/{point.pk}/bevestig/", {"basket": basket(family, [line])}, **HX
    )
    assert response.status_code in (400, 409, 422)
    assert "regenhoes" in message_of(response)
    assert state_of(response)["lines"][0]["id"] == stroller.pk
    assert not Loan.objects.exists() and not Visit.objects.exists()


def test_confirm_at_another_point_is_forbidden(counter, other_point, family, diapers):
    response = counter.post(
        f"/balie/{other_point.pk}/bevestig/", {"basket": basket(family, [product_line(diapers)])}
    )
    assert response.status_code == 403 and not Distribution.objects.exists()


# --- Privacy and bad input -----------------------------------------------------------


def test_counter_answers_are_never_cached(counter, point, family):
    for response in (
        counter.get(f"/balie/{point.pk}/"),
        scan(counter, point, family.code, basket(family)),
        counter.post(f"/balie/{point.pk}/mand/", {"basket": basket(family), "panel": "1"}, **HX),
    ):
        cache = response["Cache-Control"]
        assert "no-store" in cache and "private" in cache, cache


def test_a_family_checked_in_at_one_point_is_logged_again_at_another(
    login, point, other_point, family
):
    both = UserFactory(username="lien", role=Role.VOLUNTEER, locations=[point, other_point])
    client = login(both)
    scan(client, point, family.code, basket())
    before = AuditEntry.objects.filter(action="view", object_id=str(family.pk)).count()
    response = client.post(
        f"/balie/{other_point.pk}/mand/", {"basket": basket(family), "panel": "1"}, **HX
    )
    assert response.status_code == 200
    after = AuditEntry.objects.filter(action="view", object_id=str(family.pk)).count()
    assert after == before + 1


@pytest.mark.parametrize(
    "line",
    [
        {"kind": "product", "packs": 1e999},
        {"kind": "return", "outcome": "gehouden", "kept": "NaN"},
        {"kind": "return", "outcome": "gehouden", "kept": "1e99999999"},
    ],
)
def test_absurd_numbers_in_a_posted_basket_are_refused_not_a_server_error(
    counter, point, family, diapers, stroller, line
):
    if line["kind"] == "product":
        line = {**product_line(diapers), "packs": line["packs"]}
    else:
        LoanFactory(item=stroller, household=family, location=point)
        Item.objects.filter(pk=stroller.pk).update(status=Item.Status.ON_LOAN)
        line = {"kind": "return", "id": stroller.pk, "label": stroller.name, **line}
    state = json.dumps({"household": family.code, "key": "k-9", "lines": [line]})
    for url in (f"/balie/{point.pk}/mand/", f"/balie/{point.pk}/bevestig/"):
        response = counter.post(url, {"basket": state}, **HX)
        assert response.status_code < 500, (url, response.status_code)
    if line["kind"] == "return":  # an amount kept that is no amount: refused, nothing kept
        assert not Visit.objects.exists()
    else:  # a count that is no count is read as one pack, never more
        assert sum(d.lines.get().packs for d in Distribution.objects.all()) <= 1


def test_a_negative_line_index_changes_nothing(counter, point, family, diapers):
    state = basket(family, [product_line(diapers, 2)])
    response = counter.post(
        f"/balie/{point.pk}/mand/",
        {"basket": state, "action": "remove", "line": "-1"},
        **HX,
    )
    assert [line["packs"] for line in state_of(response)["lines"]] == [2]
