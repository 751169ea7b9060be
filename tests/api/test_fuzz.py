"""Schemathesis fuzzes every operation of /api/v1/openapi.json on a live test server with
the demo data: no answer may be a server error or break the schema, under every check
schemathesis has. The requests take turns with the API token of each role, so every
operation is tried as a volunteer, a social worker, a coordinator and an admin.

``make fuzz`` runs the same with many more examples (DEELPUNT_FUZZ_EXAMPLES)."""

from __future__ import annotations

import itertools
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from io import StringIO

import pytest
import schemathesis
from django.core.management import call_command
from schemathesis.engine import Status, events

from kern import services
from kern.models import User
from kern.roles import Role

EXAMPLES = int(os.environ.get("DEELPUNT_FUZZ_EXAMPLES", "10"))
SEED = int(os.environ.get("DEELPUNT_FUZZ_SEED", "20250107"))

# In this API 422 means "does not match the schema" (ninja's validation) and 400 "well
# formed, but refused by a rule no schema can state": a day relative to today, a check
# digit, the state of other records. So a schema-valid request may get a 400 (declared on
# every operation that can give it), while a 422 for one still fails the run: that is the
# schema and the validation disagreeing. Rules a schema can state (non-empty lists and
# reasons, bounds, dates from 2000 on) are in the schema.
VALID_DATA_MAY_GET = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]


@dataclass
class Findings:
    operations: set[str] = field(default_factory=set)
    requests: int = 0
    failures: list[str] = field(default_factory=list)
    by_check: Counter[str] = field(default_factory=Counter)


@pytest.fixture
def role_tokens(transactional_db) -> list[str]:
    call_command("load_demo", stdout=StringIO())
    tokens = []
    for role in Role:
        user = User.objects.filter(groups__name=role.value).order_by("pk").first()
        assert user is not None, role
        tokens.append(
            services.create_api_token(actor=user, owner=user, name="schemathesis").plaintext
        )
    return tokens


def fuzz(url: str, tokens: list[str]) -> Findings:
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "workers": 1,
            "generation": {"max-examples": EXAMPLES, "database": "none"},
            "checks": {"positive_data_acceptance": {"expected-statuses": VALID_DATA_MAY_GET}},
        }
    )
    schema = schemathesis.openapi.from_url(url, config=config)
    turns = itertools.cycle(tokens)

    @schema.auth(refresh_interval=None)
    class EachRoleInTurn:
        def get(self, case, context):
            return next(turns)

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    found = Findings()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            if " /" in recorder.label:  # "POST /api/v1/…"; not the stateful phase's label
                found.operations.add(recorder.label)
            found.requests += len(recorder.interactions)
            for case_id, checks in recorder.checks.items():
                for check in checks:
                    if check.status != Status.FAILURE:
                        continue
                    found.by_check[check.name] += 1
                    case = recorder.cases[case_id].value
                    interaction = recorder.interactions.get(case_id)
                    answer = interaction.response if interaction else None
                    info = check.failure_info
                    found.failures.append(
                        f"{recorder.label} {check.name}: {info.failure.title if info else ''}\n"
                        f"  sent {case.path_parameters} {case.query} {case.body!r:.300}\n"
                        f"  got {answer.status_code if answer else '-'} "
                        f"{answer.content[:300] if answer else b''!r}"
                    )
        elif isinstance(event, events.NonFatalError | events.FatalError):
            found.by_check["engine error"] += 1
            found.failures.append(f"engine: {getattr(event, 'value', event)!r}")
    return found


def test_every_operation_answers_within_its_schema_for_every_role(live_server, role_tokens):
    started = time.monotonic()
    found = fuzz(f"{live_server.url}/api/v1/openapi.json", role_tokens)
    print(
        f"\nfuzz: {len(found.operations)} operations, {found.requests} requests, "
        f"failures {dict(found.by_check)}, {time.monotonic() - started:.0f} s"
    )
    assert found.operations
    assert not found.failures, "\n\n".join(sorted(set(found.failures)))
