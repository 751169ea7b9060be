"""The one answer to a ``DatabaseError`` in a view (``kern.database_errors``): what each
kind of request gets, and that the answer needs no database of its own."""

from __future__ import annotations

import json

import pytest
from django.db import OperationalError
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import translation

from kern import database_errors
from kern.database_errors import DatabaseErrorMiddleware

pytestmark = pytest.mark.django_db


def middleware() -> DatabaseErrorMiddleware:
    return DatabaseErrorMiddleware(lambda request: HttpResponse())


def answer(request, exc: Exception | None = None):
    exc = exc or OperationalError("server closed the connection")
    request.user = None
    with translation.override("nl"):
        return middleware().process_exception(request, exc)


def test_other_errors_and_bugs_are_left_alone():
    from django.db import ProgrammingError, transaction

    assert answer(RequestFactory().post("/x/"), ValueError("no")) is None
    assert answer(RequestFactory().post("/x/"), ProgrammingError("no such column")) is None
    assert answer(RequestFactory().post("/x/"), transaction.TransactionManagementError()) is None


def test_integrity_and_data_errors_are_not_answered_as_a_brief_outage():
    from django.db import DatabaseError, DataError, IntegrityError

    assert answer(RequestFactory().post("/x/"), IntegrityError("UNIQUE constraint failed")) is None
    assert answer(RequestFactory().post("/x/"), DataError("value too long")) is None
    assert answer(RequestFactory().post("/x/"), DatabaseError()) is None


def test_a_page_read_failing_says_so_without_a_retry_form(admin_user):
    request = RequestFactory().get("/voorraad/")
    request.user = admin_user
    response = middleware().process_exception(request, OperationalError("gone"))
    page = response.content.decode()
    assert response.status_code == 503 and "Cache-Control" in response
    assert "Opnieuw proberen" not in page and "niets bewaard" in page


def test_the_api_gets_json_in_dutch():
    response = answer(RequestFactory().post("/api/v1/voorraad/donations", {"a": "b"}))
    body = json.loads(response.content)
    assert response.status_code == 503 and body["code"] == "database_error"
    assert "niets bewaard" in body["detail"]


def test_a_newline_in_the_path_cannot_forge_a_log_line(caplog):
    request = RequestFactory().get("/voorraad/%0d%0aERROR forged: admin signed in")
    assert "\r\n" in request.path  # the client's encoded CR/LF reaches the view decoded
    with caplog.at_level("ERROR", logger="kern.database_errors"):
        answer(request)
    [record] = [r for r in caplog.records if r.name == "kern.database_errors"]
    logged = record.getMessage()
    assert "\n" not in logged and "\r" not in logged
    assert "/voorraad/\\r\\nERROR forged" in logged  # still readable, escaped


def test_a_huge_post_is_not_echoed_back():
    request = RequestFactory().post("/x/", {"veld": "x" * (database_errors.MAX_VALUE_CHARS + 1)})
    assert database_errors.kept_fields(request) is None


def test_when_the_page_itself_cannot_render_a_plain_dutch_answer_is_given(monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("the menu needs the database too")

    monkeypatch.setattr(database_errors, "render_to_string", broken)
    response = answer(RequestFactory().post("/x/", {"a": "b"}))
    assert response.status_code == 503
    assert "niets bewaard" in response.content.decode()


def test_the_retry_form_does_not_echo_a_two_step_code():
    request = RequestFactory().post(
        "/account/tweestapsverificatie/controle/", {"code": "abcd-efgh-ijkl"}
    )
    kept = database_errors.kept_fields(request) or []
    assert all(name != "code" for name, _value in kept)
    assert all("abcd-efgh-ijkl" not in value for _name, value in kept)
