import pytest
from django.test import Client

from kern import services
from kern.models import ApiToken


@pytest.fixture
def token(volunteer):
    return services.create_api_token(actor=volunteer, owner=volunteer, name="balietablet").plaintext


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_openapi_schema_lists_the_contract_operations(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation_ids = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert {"whoami", "scan"} <= operation_ids


def test_docs_page_loads_swagger_from_our_own_static_files(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def test_whoami_with_token_names_roles_and_points(client, token, point):
    response = client.get("/api/v1/whoami", **bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "mieke"
    assert body["roles"] == ["vrijwilliger"]
    assert [loc["name"] for loc in body["locations"]] == ["Uitdeelpunt Centrum"]
    assert body["locations"][0]["code"] == point.code
    assert "use_counter" in body["permissions"]


def test_revoked_token_gets_401_in_dutch(client, token):
    services.revoke_api_token(actor=ApiToken.objects.get().user, token_id=ApiToken.objects.get().pk)
    response = client.get("/api/v1/whoami", **bearer(token))
    assert response.status_code == 401
    assert "Meld je aan" in response.json()["detail"]


def test_session_write_without_csrf_token_is_refused(volunteer, point):
    client = Client(enforce_csrf_checks=True)
    client.force_login(volunteer)
    response = client.post("/api/v1/scan", {"code": point.code}, content_type="application/json")
    assert response.status_code == 403


def test_token_write_needs_no_csrf_token(token, point):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/scan", {"code": point.code}, content_type="application/json", **bearer(token)
    )
    assert response.status_code == 200
    assert response.json()["kind"] == "location"
    assert response.json()["label"] == "Uitdeelpunt Centrum"


def test_scan_mistyped_code_is_a_400_with_dutch_message(client, token):
    response = client.post(
        "/api/v1/scan", {"code": "L0000019"}, content_type="application/json", **bearer(token)
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_barcode"
    assert "controleteken" in body["detail"]


def test_scan_unknown_location_is_a_404_naming_the_code(client, token):
    from kern.barcodes import CodeType, encode

    code = encode(CodeType.LOCATION, 9999)
    response = client.post(
        "/api/v1/scan", {"code": code}, content_type="application/json", **bearer(token)
    )
    assert response.status_code == 404
    assert code in response.json()["detail"]


def test_scan_uitpas_number_is_recognised_without_storing_it(client, token):
    response = client.post(
        "/api/v1/scan", {"code": "0900000095902"}, content_type="application/json", **bearer(token)
    )
    assert response.status_code == 200
    assert response.json()["kind"] == "uitpas"
    assert response.json()["label"].endswith("5902")


def test_validation_errors_are_422_with_dutch_message(client, token):
    response = client.post(
        "/api/v1/scan", {"nope": 1}, content_type="application/json", **bearer(token)
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation"
    assert response.json()["errors"]


def test_create_list_and_revoke_own_token_through_the_api(client, token):
    # Tokens are made by a person signed in, never by another token.
    client.force_login(ApiToken.objects.get(name="balietablet").user)
    created = client.post(
        "/api/v1/tokens",
        {"name": "tweede tablet", "valid_days": 30},
        content_type="application/json",
    )
    client.logout()
    assert created.status_code == 201
    new = created.json()
    assert new["token"].startswith("dp_")
    listed = client.get("/api/v1/tokens", **bearer(token)).json()
    assert {t["name"] for t in listed} == {"balietablet", "tweede tablet"}
    assert all("token" not in t for t in listed)
    revoked = client.delete(f"/api/v1/tokens/{new['id']}", **bearer(token))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert client.get("/api/v1/whoami", **bearer(new["token"])).status_code == 401


def test_create_token_with_blank_name_is_refused_by_the_schema_and_creates_nothing(client, token):
    response = client.post(
        "/api/v1/tokens", {"name": " "}, content_type="application/json", **bearer(token)
    )
    assert response.status_code == 422
    assert response.json()["field"] == "name"
    assert ApiToken.objects.count() == 1
