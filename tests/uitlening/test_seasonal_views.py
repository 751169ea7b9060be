"""The seasonal and partner screens, thinly: who may open them, that they call the
services and show what those say, the pick list PDF, and the counter panel's hand-out."""

# ruff: noqa: F811  (fixtures imported from the service tests)
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kern.models import Organisation
from kern.roles import Role
from tests.factories import OrganisationFactory, UserFactory
from tests.uitlening.test_partners import goods, submit  # noqa: F401  (fixture)
from tests.uitlening.test_seasonal import (  # noqa: F401  (fixtures)
    action,
    kids,
    sinterklaas_program,
    today,
    toys,
)
from uitlening.models import PartnerHandover, PartnerRequest, SeasonalAction, SeasonalPackage
from uitlening.selectors.panel import panel_sections

HX = {"HTTP_HX_REQUEST": "true"}


def test_a_coordinator_makes_an_action_and_adds_a_band_and_a_line(
    login, coordinator, sinterklaas_program, point, toys, today
):
    client = login(coordinator)
    response = client.post(
        reverse("uitlening:seasonal_create"),
        {
            "name": "Sint 2026",
            "kind": "sinterklaas",
            "program": sinterklaas_program.pk,
            "action_date": today.isoformat(),
            "handout_from": today.isoformat(),
            "handout_until": (today + dt.timedelta(days=5)).isoformat(),
            "points": [point.pk],
        },
    )
    made = SeasonalAction.objects.get(name="Sint 2026")
    assert response.status_code == 303
    detail = reverse("uitlening:seasonal_detail", args=[made.pk])
    client.post(
        detail, {"form": "band", "label": "0–2 jaar", "age_from": 0, "age_to": 2, "unit": "years"}
    )
    band = made.bands.get()
    client.post(detail, {"form": "line", "band": band.pk, "product": toys["book"].pk, "packs": 2})
    assert band.lines.get().packs == 2
    response = client.post(
        detail, {"form": "band", "label": "baby", "age_from": 3, "age_to": 9, "unit": "months"}
    )
    assert "0–2 jaar" in response.content.decode()  # the overlap, said beside the form
    html = client.get(reverse("uitlening:seasonal_list")).content.decode()
    assert "Sint 2026" in html


def test_the_action_screen_counts_entitled_children_and_links_the_pick_lists(
    login, coordinator, action, kids, point
):
    html = (
        login(coordinator)
        .get(reverse("uitlening:seasonal_detail", args=[action.pk]))
        .content.decode()
    )
    assert 'data-entitled-children="2"' in html
    assert 'data-band="0–2 jaar" data-band-children="1"' in html
    assert reverse("uitlening:seasonal_pick_list", args=[action.pk, point.pk]) in html


def test_the_pick_list_is_a_pdf_with_bands_totals_and_codes_only(
    login, coordinator, action, kids, point, tmp_path
):
    import subprocess

    from tests.conftest import require_tool

    pdftotext = require_tool("pdftotext", "apt-get install poppler-utils")
    response = login(coordinator).get(
        reverse("uitlening:seasonal_pick_list", args=[action.pk, point.pk]), {"dag": "2026-12-05"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    source = tmp_path / "picklijst.pdf"
    source.write_bytes(response.content)
    text = subprocess.run(
        [pdftotext, "-layout", str(source), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Picklijst: Sinterklaas" in text and "05/12/2026" in text
    assert kids.code in text
    assert "Chocoladeletter" in text and "Puzzel" in text
    assert "0–2 jaar" in text or "0-2 jaar" in text


def test_volunteers_do_not_manage_actions(login, volunteer, action):
    assert login(volunteer).get(reverse("uitlening:seasonal_list")).status_code == 403
    assert (
        login(volunteer).get(reverse("uitlening:seasonal_detail", args=[action.pk])).status_code
        == 403
    )


def test_the_panel_hands_out_a_childs_package_and_refuses_it_a_second_time(
    login, volunteer, action, kids, point, today
):
    [section] = [
        s
        for s in panel_sections(household=kids, location=point, on=today)
        if s.template.endswith("panel_seasonal.html")
    ]
    child = section.context["actions"][0].waiting[0]
    client = login(volunteer)
    url = reverse("uitlening:seasonal_hand_out", args=[point.pk])
    data = {"household": kids.pk, "action": action.pk, "child": child.child_id, "key": "k-1"}
    html = client.post(url, data, **HX).content.decode()
    assert "data-seasonal-message" in html
    assert "data-seasonal-receipt" in html  # the distribution's receipt, in the family's language
    assert f'data-seasonal-child="{child.child_id}" data-served' in html
    again = client.post(url, {**data, "key": "k-2"}, **HX).content.decode()
    assert child.born in again and "Sinterklaas" in again
    assert SeasonalPackage.objects.filter(child_id=child.child_id).count() == 1


def test_the_checkin_card_includes_the_seasonal_section(login, volunteer, action, kids, point):
    html = (
        login(volunteer)
        .post(f"/balie/{point.pk}/scan/", {"code": kids.code}, **HX)
        .content.decode()
    )
    assert "data-seasonal-panel" in html
    assert "data-hand-out-all" in html


# --- Partner requests --------------------------------------------------------------------


@pytest.fixture
def partner(db):
    schakel = OrganisationFactory(
        name="Welzijnsschakel De Brug", kind=Organisation.Kind.WELZIJNSSCHAKEL
    )
    return UserFactory(username="ilse", role=Role.SOCIAL_WORKER, organisation=schakel)


def test_a_partner_sends_a_request_and_sees_it(login, partner, point, goods):
    client = login(partner)
    form = client.get(reverse("uitlening:partner_create")).content.decode()
    assert 'id="partner-request-lines"' in form and 'name="product_7"' in form
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    response = client.post(
        reverse("uitlening:partner_create"),
        {
            "pickup_location": point.pk,
            "pickup_date": tomorrow.isoformat(),
            "households_served": 4,
            "children_served": 7,
            "note": "",
            "product_0": goods["soap"].pk,
            "packs_0": 5,
        },
    )
    made = PartnerRequest.objects.get()
    assert response.status_code == 303
    assert made.lines.get().requested_packs == 5
    assert (
        "Welzijnsschakel De Brug" in client.get(reverse("uitlening:partner_list")).content.decode()
    )
    other = UserFactory(
        username="caw", role=Role.SOCIAL_WORKER, organisation=OrganisationFactory(name="CAW")
    )
    assert login(other).get(reverse("uitlening:partner_detail", args=[made.pk])).status_code == 404


def test_a_coordinator_approves_and_a_volunteer_hands_over_once(
    login,
    partner,
    coordinator,
    volunteer,
    point,
    goods,
):
    made = submit(partner, point, goods, dt.date.today() + dt.timedelta(days=1))
    detail = reverse("uitlening:partner_detail", args=[made.pk])
    login(coordinator).post(
        detail,
        {
            "form": "approve",
            f"approved_{goods['diapers'].pk}": "2",
            f"approved_{goods['soap'].pk}": "10",
            "decision_note": "minder luiers",
        },
    )
    made.refresh_from_db()
    assert made.status == PartnerRequest.Status.APPROVED
    client = login(volunteer)
    assert (
        "Zeep"
        in client.get(reverse("uitlening:partner_pick_list", args=[made.pk])).content.decode()
    )
    client.post(detail, {"form": "hand_over", "key": "a"})
    response = client.post(detail, {"form": "hand_over", "key": "b"}, follow=True)
    assert "Welzijnsschakel De Brug" in response.content.decode()
    assert PartnerHandover.objects.count() == 1


@pytest.mark.parametrize("field", ["household", "action"])
@pytest.mark.parametrize("value", ["abc", "1.5", "²", "9" * 30])
def test_a_hand_out_with_a_tampered_id_is_not_found_not_a_server_error(
    login, volunteer, action, kids, point, field, value
):
    client = login(volunteer)
    client.raise_request_exception = False
    data = {"household": kids.pk, "action": action.pk, "child": "all", "key": "k-x"}
    response = client.post(
        reverse("uitlening:seasonal_hand_out", args=[point.pk]), {**data, field: value}, **HX
    )
    assert response.status_code == 404
    assert not SeasonalPackage.objects.exists()


def test_removing_a_band_with_a_tampered_id_is_not_found(login, coordinator, action):
    client = login(coordinator)
    client.raise_request_exception = False
    response = client.post(
        reverse("uitlening:seasonal_detail", args=[action.pk]),
        {"form": "remove_band", "band": "abc"},
    )
    assert response.status_code == 404
    assert action.bands.count() == 3


def test_the_pick_list_is_private_and_logs_each_household_it_shows(
    login, volunteer, action, kids, point
):
    from kern.models import AuditEntry

    response = login(volunteer).get(
        reverse("uitlening:seasonal_pick_list", args=[action.pk, point.pk]), {"dag": "2026-12-05"}
    )
    assert response.status_code == 200
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control
    [entry] = AuditEntry.objects.filter(action="view", details__list="seasonal pick list")
    assert (entry.object_type, entry.object_id) == ("toegang.household", str(kids.pk))
    assert entry.actor == volunteer and entry.details["day"] == "2026-12-05"


def test_the_pick_list_says_it_holds_what_is_still_to_pick_up(
    login, coordinator, action, kids, point, tmp_path
):
    import subprocess

    from tests.conftest import require_tool

    pdftotext = require_tool("pdftotext", "apt-get install poppler-utils")
    client = login(coordinator)
    page = client.get(
        reverse("uitlening:seasonal_detail", args=[action.pk]), {"dag": "2026-12-05"}
    ).content.decode()
    assert "?dag=2026-12-05" in page and "Nog af te halen" in page
    response = client.get(
        reverse("uitlening:seasonal_pick_list", args=[action.pk, point.pk]), {"dag": "2026-12-05"}
    )
    source = tmp_path / "picklijst.pdf"
    source.write_bytes(response.content)
    text = subprocess.run(
        [pdftotext, "-raw", str(source), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "nog af te halen op 05/12/2026" in " ".join(text.split())
