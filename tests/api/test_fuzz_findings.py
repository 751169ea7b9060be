"""What ``make fuzz`` found, kept as regression tests (docs/reliability.md, "Long fuzzing")."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("put", "/api/v1/whoami", {"GET"}),
        ("delete", "/api/v1/voorraad/donations", {"POST"}),
        ("patch", "/api/v1/tokens/1", {"DELETE"}),
    ],
)
def test_a_method_an_api_address_does_not_take_is_a_405_in_the_error_model(
    db, method, path, allowed
):
    response = getattr(Client(), method)(path)
    assert response.status_code == 405
    assert set(response["Allow"].replace(" ", "").split(",")) == allowed
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "method_not_allowed"
    assert method.upper() in body["detail"]


def test_a_single_valued_query_parameter_sent_twice_is_a_422_naming_it(db, point):
    # ninja took the last value and answered 200, so "-31547294294044764&… =2" passed.
    response = Client().get(
        "/api/v1/uitlening/catalogue",
        {"location_id": ["-31547294294044764", str(point.pk)]},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "location_id"
    assert response.json()["code"] == "validation"


def test_a_single_valued_query_parameter_sent_once_still_works(db, point):
    response = Client().get("/api/v1/uitlening/catalogue", {"location_id": point.pk})
    assert response.status_code in (200, 404)
    assert response.status_code != 422
