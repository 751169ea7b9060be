"""Stock screens, thinly: overview (paging, filters, export, fixed query count),
transfers, corrections, counts and reversals through the browser-facing views."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.voorraad.factories import DonorFactory, ProductFactory
from voorraad import services
from voorraad.models import StockCount, StockMovement, Transfer

PAGES = [
    "/voorraad/",
    "/voorraad/bewegingen/",
    "/voorraad/overboekingen/",
    "/voorraad/overboekingen/nieuw/",
    "/voorraad/correcties/nieuw/",
    "/voorraad/tellingen/",
    "/voorraad/op-datum/",
]


@pytest.fixture
def stocked(coordinator, point):
    products = [ProductFactory(name=f"Luiers maat {n}", pack_size=40) for n in range(1, 4)]
    services.receive_donation(
        actor=coordinator,
        donor=DonorFactory(),
        location=point,
        lines=[services.Line(p, 400) for p in products],
    )
    return products


@pytest.mark.parametrize("url", PAGES)
def test_stock_pages_are_for_coordinators_only(login, coordinator, volunteer, url):
    assert login(coordinator).get(url).status_code == 200
    assert login(volunteer).get(url).status_code == 403


def overview_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


def test_overview_uses_the_same_number_of_queries_for_3_or_60_products(login, coordinator, point):
    client = login(coordinator)
    donor = DonorFactory()
    few = [ProductFactory() for _ in range(3)]
    services.receive_donation(
        actor=coordinator, donor=donor, location=point, lines=[services.Line(p, 5) for p in few]
    )
    small = overview_queries(client, "/voorraad/")
    many = [ProductFactory() for _ in range(57)]
    services.receive_donation(
        actor=coordinator, donor=donor, location=point, lines=[services.Line(p, 5) for p in many]
    )
    large = overview_queries(client, "/voorraad/")
    assert small == large
    assert overview_queries(client, "/voorraad/?page=2") == large


def test_overview_marks_levels_below_minimum_and_filters_on_them(
    login, coordinator, point, stocked
):
    services.save_product(actor=coordinator, product=stocked[0], minimums={point: 800})
    client = login(coordinator)
    html = client.get("/voorraad/").content.decode()
    assert html.count('class="low"') == 1
    only_low = client.get("/voorraad/?low=1").content.decode()
    assert "Luiers maat 1" in only_low and "Luiers maat 2" not in only_low


def test_overview_exports_csv_and_xlsx(login, coordinator, stocked):
    client = login(coordinator)
    csv = client.get("/voorraad/?export=csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert "Luiers maat 2" in b"".join(csv.streaming_content).decode()
    xlsx = client.get("/voorraad/?export=xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "Luiers maat 3" in values and 400 in values


def test_transfer_through_the_screens_moves_stock_after_marking_done(
    login, coordinator, point, other_point, stocked
):
    client = login(coordinator)
    product = stocked[0]
    prefix = f"p{product.pk}"
    response = client.post(
        f"/voorraad/overboekingen/nieuw/?from_location={point.pk}&to_location={other_point.pk}",
        {
            "from_location": point.pk,
            "to_location": other_point.pk,
            f"{prefix}-packs": "2",
            f"{prefix}-loose": "5",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    transfer = Transfer.objects.get()
    assert services.level_of(product=product, location=other_point) == 0  # planned only
    client.post(f"/voorraad/overboekingen/{transfer.pk}/uitvoeren/")
    assert services.level_of(product=product, location=other_point) == 85
    client.post(
        f"/voorraad/overboekingen/{transfer.pk}/uitvoeren/"
    )  # a second click changes nothing
    assert services.level_of(product=product, location=point) == 315


def test_transfer_of_more_than_on_hand_keeps_the_form_and_books_nothing(
    login, coordinator, point, other_point, stocked
):
    client = login(coordinator)
    prefix = f"p{stocked[0].pk}"
    response = client.post(
        f"/voorraad/overboekingen/nieuw/?from_location={point.pk}&to_location={other_point.pk}",
        {"from_location": point.pk, "to_location": other_point.pk, f"{prefix}-packs": "99"},
    )
    assert response.status_code == 200
    assert 'value="99"' in response.content.decode()
    # Planning checks nothing against stock; executing does, and refuses.
    assert (
        Transfer.objects.count() == 0
        or services.level_of(product=stocked[0], location=point) == 400
    )


def test_correction_form_requires_a_reason_and_keeps_the_input(login, coordinator, point, stocked):
    client = login(coordinator)
    data = {
        "location": point.pk,
        "product": stocked[1].pk,
        "kind": "write_off",
        "direction": "-",
        "packs": "1",
        "reason": "",
    }
    response = client.post("/voorraad/correcties/nieuw/", data)
    assert response.status_code == 200
    assert StockMovement.objects.filter(kind="afschrijving").count() == 0
    data["reason"] = "waterschade"
    assert client.post("/voorraad/correcties/nieuw/", data).status_code == 302
    assert services.level_of(product=stocked[1], location=point) == 360


def test_count_through_the_screens_keeps_movements_made_after_counting(
    login, coordinator, point, stocked
):
    client = login(coordinator)
    client.post("/voorraad/tellingen/", {"location": point.pk})
    count = StockCount.objects.get()
    product = stocked[0]
    row = client.post(
        f"/voorraad/tellingen/{count.pk}/product/{product.pk}/",
        {f"p{product.pk}-packs": "9", f"p{product.pk}-loose": "0"},
        HTTP_HX_REQUEST="true",
    )
    assert 'data-variance="-40"' in row.content.decode()
    services.adjust_stock(
        actor=coordinator, product=product, location=point, quantity=-40, reason="uitgedeeld"
    )
    client.post(f"/voorraad/tellingen/{count.pk}/afsluiten/")
    assert services.level_of(product=product, location=point) == 320  # 360 counted, 40 out since
    assert services.level_of(product=stocked[1], location=point) == 400  # not counted: untouched


def test_count_line_with_bad_input_keeps_what_was_typed(login, coordinator, point, stocked):
    client = login(coordinator)
    client.post("/voorraad/tellingen/", {"location": point.pk})
    count = StockCount.objects.get()
    product = stocked[0]
    row = client.post(
        f"/voorraad/tellingen/{count.pk}/product/{product.pk}/",
        {f"p{product.pk}-packs": "-3", f"p{product.pk}-loose": "2"},
        HTTP_HX_REQUEST="true",
    )
    html = row.content.decode()
    assert 'value="-3"' in html and 'class="error"' in html
    assert count.lines.count() == 0


def test_reversal_screen_books_an_opposite_row(login, coordinator, point, stocked):
    client = login(coordinator)
    movement = StockMovement.objects.filter(product=stocked[2]).get()
    response = client.post(
        f"/voorraad/bewegingen/{movement.pk}/terugdraaien/", {"reason": "dubbel ingegeven"}
    )
    assert response.status_code == 302
    assert services.level_of(product=stocked[2], location=point) == 0
    again = client.post(f"/voorraad/bewegingen/{movement.pk}/terugdraaien/", {"reason": "nog eens"})
    assert again.status_code == 200
    assert StockMovement.objects.filter(kind="terugdraaiing").count() == 1


def test_stock_on_a_past_date_shows_what_was_there_then(login, coordinator, point, stocked):
    import datetime as dt

    from django.utils import timezone

    yesterday = timezone.localdate() - dt.timedelta(days=1)
    client = login(coordinator)
    before = client.get("/voorraad/op-datum/", {"location": point.pk, "day": yesterday.isoformat()})
    assert 'data-units="' not in before.content.decode()  # the donation came in today
    today = client.get(
        "/voorraad/op-datum/", {"location": point.pk, "day": timezone.localdate().isoformat()}
    )
    assert today.content.decode().count('data-units="400"') == 3
    future = client.get(
        "/voorraad/op-datum/",
        {"location": point.pk, "day": (timezone.localdate() + dt.timedelta(days=2)).isoformat()},
    )
    assert 'class="error"' in future.content.decode()
