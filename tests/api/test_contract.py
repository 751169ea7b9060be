"""What the OpenAPI document promises and how refusals look, operation by operation:
bounded inputs (no server error for huge numbers), declared error answers in one JSON
shape, the Idempotency-Key header, and a 401 in Dutch for a caller without credentials."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from kern import services as kern_services
from tests.voorraad.factories import ProductFactory

HUGE = 2**63  # 9223372036854775808: one past SQLite's and PostgreSQL's largest integer


@pytest.fixture
def schema(client):
    return client.get("/api/v1/openapi.json").json()


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


@pytest.fixture
def coordinator_token(coordinator):
    return kern_services.create_api_token(actor=coordinator, owner=coordinator, name="t").plaintext


def call(method, path, token=None, body=None, **headers):
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return Client().generic(
        method,
        path,
        json.dumps(body) if body is not None else "",
        content_type="application/json",
        **headers,
    )


def test_every_operation_declares_401_and_its_errors_in_the_error_model(schema):
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        assert "401" in responses, (method, path)
        for status, answer in responses.items():
            if status.startswith("4"):
                ref = answer["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorOut"), (method, path, status)
                assert answer["description"], (method, path, status)
    error = schema["components"]["schemas"]["ErrorOut"]
    assert set(error["required"]) == {"detail", "code"}
    assert {"field", "errors"} <= set(error["properties"])


def test_every_write_operation_takes_an_idempotency_key_and_declares_the_replay_header(schema):
    writes = [
        (path, method, op)
        for path, method, op in operations(schema)
        if method in {"post", "put", "patch", "delete"} and op["operationId"] != "scan"
    ]
    # check_eligibility reads (and records a check-in); it is not a write the key guards.
    writes = [w for w in writes if w[2]["operationId"] != "check_eligibility"]
    assert len(writes) >= 7
    for path, method, operation in writes:
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert "Idempotency-Key" in headers, (method, path)
        success = [s for s in operation["responses"] if s.startswith("2")]
        assert all(
            "Idempotent-Replay" in operation["responses"][s].get("headers", {}) for s in success
        ), (method, path)


def test_every_integer_string_and_list_in_the_input_is_bounded(schema):
    def nodes(node, where):
        if isinstance(node, dict):
            yield where, node
            for key, value in node.items():
                yield from nodes(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from nodes(value, f"{where}/{index}")

    used = json.dumps([op for _path, _method, op in operations(schema)])
    components = schema["components"]["schemas"]
    inputs = {
        name: components[name]
        for name in components
        if (name.endswith(("In", "Filter")) and f"/{name}" in used) or name == "ChildIn"
    }
    found = list(nodes(inputs, "#"))
    for _path, _method, operation in operations(schema):
        found += list(nodes(operation["parameters"], operation["operationId"]))
    bounds = {"integer": "maximum", "string": "maxLength", "array": "maxItems"}
    checked = [(where, node) for where, node in found if node.get("type") in bounds]
    assert len(checked) > 20
    unbounded = [
        where
        for where, node in checked
        if bounds[node["type"]] not in node and not ("format" in node or "enum" in node)
    ]
    assert not unbounded


@pytest.mark.parametrize(
    "query",
    ["offset", "category_id", "location_id", "product_id"],
)
def test_stock_levels_with_a_huge_number_is_a_422_not_a_server_error(coordinator_token, query):
    response = call("GET", f"/api/v1/voorraad/levels?{query}={HUGE}", coordinator_token)
    assert response.status_code == 422
    assert response.json()["field"] == query


@pytest.mark.parametrize("path", ["/api/v1/voorraad/donations", "/api/v1/voorraad/transfers"])
def test_a_huge_product_id_on_a_line_is_a_422(coordinator_token, point, other_point, path):
    body = {
        "location_id": point.pk,
        "from_location_id": point.pk,
        "to_location_id": other_point.pk,
        "lines": [{"product_id": HUGE, "quantity": 1}],
    }
    response = call("POST", path, coordinator_token, body)
    assert response.status_code == 422
    assert response.json()["field"] == "lines.0.product_id"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lines": []}, "lines"),
        ({"lines": [{"product_id": 1, "quantity": 1}], "received_on": "0001-01-01"}, "received_on"),
        ({"lines": [{"product_id": 1, "quantity": 1}], "note": "a\x00b"}, "note"),
    ],
)
def test_a_donation_the_schema_excludes_is_a_422_naming_the_field(
    coordinator_token, point, body, field
):
    response = call(
        "POST", "/api/v1/voorraad/donations", coordinator_token, {"location_id": point.pk, **body}
    )
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_the_schema_states_the_earliest_donation_day(schema):
    received_on = schema["components"]["schemas"]["DonationIn"]["properties"]["received_on"]
    [day] = [branch for branch in received_on["anyOf"] if branch.get("type") == "string"]
    assert day["pattern"].startswith("^2")


def test_an_adjustment_of_zero_is_excluded_by_the_schema(coordinator_token, point):
    product = ProductFactory()
    response = call(
        "POST",
        "/api/v1/voorraad/adjustments",
        coordinator_token,
        {"product_id": product.pk, "location_id": point.pk, "quantity": 0, "reason": "telling"},
    )
    assert response.status_code == 422


def test_an_anonymous_post_is_a_401_in_the_error_model_and_in_dutch(db, point):
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/voorraad/adjustments", {"quantity": 1}, content_type="application/json"
    )
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "unauthenticated"
    assert "Meld je aan" in body["detail"]


def test_a_session_write_without_csrf_token_is_a_403_in_dutch(volunteer, point):
    client = Client(enforce_csrf_checks=True)
    client.force_login(volunteer)
    response = client.post("/api/v1/scan", {"code": point.code}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert "CSRF" in response.json()["detail"] and "Failed" not in response.json()["detail"]


def test_a_replayed_token_creation_answers_without_the_secret(coordinator):
    headers = {"HTTP_IDEMPOTENCY_KEY": "tablet-2"}
    # Tokens are made by a person signed in, never by another token.
    session = Client()
    session.force_login(coordinator)
    first = session.post("/api/v1/tokens", {"name": "tablet"}, "application/json", **headers)
    again = session.post("/api/v1/tokens", {"name": "tablet"}, "application/json", **headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["token"].startswith("dp_")
    assert again.json()["token"] is None and again["Idempotent-Replay"] == "true"
    assert {k: v for k, v in first.json().items() if k != "token"} == {
        k: v for k, v in again.json().items() if k != "token"
    }


@pytest.mark.parametrize("body", ["true", "1", '"reden"', "[]", "null"])
def test_a_body_that_is_not_a_json_object_is_a_400_in_dutch(coordinator_token, body):
    # An operation whose fields all have defaults once accepted any JSON value as its body.
    response = Client().post(
        "/api/v1/uitlening/reservations/1/cancel",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {coordinator_token}",
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "De inhoud van de aanvraag is geen leesbaar JSON-object.",
        "code": "invalid",
    }
