"""Schemathesis fuzzes every operation of /api/v1/openapi.json on a live test server with
the demo data: no answer may be a server error or break the schema, under every check
schemathesis has, in its example, coverage, fuzzing and stateful (link-following) phases.

Each operation takes its requests in turn from every caller: the API token of each role
(volunteer, social worker, coordinator, admin), no token at all, a revoked token and an
expired token. The last three must never get an answer other than 401 from an operation
that asks for a login, and every refusal must be in the API's JSON error model. The run
fails when some operation was not tried by every caller.

``make fuzz`` runs the same with many more examples (DEELPUNT_FUZZ_EXAMPLES) and prints
how many requests each operation got, per caller, and the failures by kind."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import os
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import StringIO

import pytest
import schemathesis
from django.core.management import call_command
from django.utils import timezone
from schemathesis.engine import Status, events

from kern import services
from kern.models import ApiToken, User
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

ANONYMOUS = "anonymous"
REVOKED = "revoked token"
EXPIRED = "expired token"
ROLES = [role.value for role in Role]
CALLERS = [*ROLES, ANONYMOUS, REVOKED, EXPIRED]
# Per operation: every caller once (so an operation with few cases still meets them all),
# then two more rounds of the roles, so most requests reach the operation's own code.
ROTATION = [*CALLERS, *ROLES, *ROLES]


@dataclass
class Findings:
    # operation label -> caller -> requests sent
    requests: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    by_phase: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    # requests of the engine's own (e.g. the ignored_auth check's) with some other token
    other_callers: int = 0
    by_check: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(sum(callers.values()) for callers in self.requests.values())

    def missing_callers(self) -> dict[str, list[str]]:
        return {
            operation: [caller for caller in CALLERS if not callers[caller]]
            for operation, callers in self.requests.items()
            if any(not callers[caller] for caller in CALLERS)
        }

    def report(self, seconds: float) -> str:
        width = max(len(operation) for operation in self.requests)
        head = "  ".join(f"{caller[:11]:>11}" for caller in CALLERS)
        lines = [f"{'operation':<{width}}  {'requests':>8}  {head}"]
        for operation in sorted(self.requests):
            callers = self.requests[operation]
            counts = "  ".join(f"{callers[caller]:>11}" for caller in CALLERS)
            lines.append(f"{operation:<{width}}  {sum(callers.values()):>8}  {counts}")
        lines.append(
            f"fuzz: seed {SEED}, {EXAMPLES} examples per operation, "
            f"{len(self.requests)} operations, {self.total} requests "
            f"(and {self.other_callers} with schemathesis's own tokens) "
            f"(by phase {dict(self.by_phase)}), failures {dict(self.by_check) or 0}, "
            f"{seconds:.0f} s"
        )
        return "\n".join(lines)


def _token(user: User, name: str) -> tuple[str, ApiToken]:
    issued = services.create_api_token(actor=user, owner=user, name=name)
    return issued.plaintext, ApiToken.objects.get(user=user, name=name)


@dataclass
class Callers:
    tokens: dict[str, str | None]  # caller -> bearer token (None: no Authorization header)
    role_token_ids: list[int]

    def keep_roles_signed_in(self) -> None:
        """The fuzzer may revoke any token it can name (DELETE /tokens/{id}), its own too;
        undone before each request, so a role's requests keep reaching the operations."""
        ApiToken.objects.filter(pk__in=self.role_token_ids, revoked_at__isnull=False).update(
            revoked_at=None
        )


@pytest.fixture
def callers(transactional_db) -> Callers:
    call_command("load_demo", "--allow-without-debug", stdout=StringIO())
    tokens: dict[str, str | None] = {ANONYMOUS: None}
    role_token_ids = []
    for role in ROLES:
        user = User.objects.filter(groups__name=role).order_by("pk").first()
        assert user is not None, role
        tokens[role], token = _token(user, "schemathesis")
        role_token_ids.append(token.pk)
    admin = User.objects.filter(groups__name=Role.ADMIN.value).order_by("pk").first()
    assert admin is not None
    tokens[REVOKED], revoked = _token(admin, "schemathesis revoked")
    services.revoke_api_token(actor=admin, token_id=revoked.pk)
    tokens[EXPIRED], expired = _token(admin, "schemathesis expired")
    ApiToken.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    return Callers(tokens=tokens, role_token_ids=role_token_ids)


def _public_operations(schema) -> set[str]:
    """Operations that declare no security requirement (ninja's ``auth=None``)."""
    default = schema.raw_schema.get("security")
    return {
        f"{method.upper()} {path}"
        for path, methods in schema.raw_schema["paths"].items()
        for method, operation in methods.items()
        if isinstance(operation, dict) and not operation.get("security", default)
    }


def _in_error_model(answer) -> bool:
    """DESIGN.md: every refusal is JSON with a clear message (kern.api_contract.ErrorOut),
    also for a method or body that no operation declares."""
    try:
        body = answer.json()
    except ValueError:
        return False
    return (
        isinstance(body, dict)
        and isinstance(body.get("detail"), str)
        and bool(body["detail"].strip())
        and isinstance(body.get("code"), str)
        and bool(body["code"])
    )


def _caller_of(headers, tokens: dict[str, str | None]) -> str:
    by_token = {f"Bearer {token}": caller for caller, token in tokens.items() if token}
    for name, value in headers.items():
        if name.lower() == "authorization":
            value = value[0] if isinstance(value, list) else value
            return by_token.get(value, "other")
    return ANONYMOUS


def fuzz(url: str, callers: Callers) -> Findings:
    tokens = callers.tokens
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "workers": 1,
            # the machine may be shared and busy: slow is not wrong here (make bench times)
            "request-timeout": 60,
            "generation": {"max-examples": EXAMPLES, "database": "none"},
            "checks": {"positive_data_acceptance": {"expected-statuses": VALID_DATA_MAY_GET}},
        }
    )
    schema = schemathesis.openapi.from_url(url, config=config, timeout=120)
    public = _public_operations(schema)
    turns: dict[str, Iterator[str]] = defaultdict(lambda: itertools.cycle(ROTATION))

    @schema.auth(refresh_interval=None)
    class EachCallerInTurn:
        def get(self, case, context):
            callers.keep_roles_signed_in()
            return next(turns[case.operation.label])

        def set(self, case, data, context):
            headers = {
                name: value
                for name, value in (case.headers or {}).items()
                if name.lower() != "authorization"
            }
            if tokens[data] is not None:
                headers["Authorization"] = f"Bearer {tokens[data]}"
            case.headers = headers

    found = Findings()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            for case_id, interaction in recorder.interactions.items():
                case = recorder.cases[case_id].value
                operation = case.operation.label
                caller = _caller_of(interaction.request.headers, tokens)
                if caller not in CALLERS:
                    found.other_callers += 1
                    continue
                found.requests[operation][caller] += 1
                found.by_phase[str(event.phase.value)] += 1
                answer = interaction.response
                if answer is None:
                    continue
                if (
                    caller in (ANONYMOUS, REVOKED, EXPIRED)
                    and operation not in public
                    and 200 <= answer.status_code < 300
                ):
                    found.by_check["answered without a valid token"] += 1
                    found.failures.append(
                        f"{operation} answered {answer.status_code} to a caller with "
                        f"{caller}: {answer.content[:300]!r}"
                    )
                if answer.status_code >= 400 and not _in_error_model(answer):
                    found.by_check["refusal outside the error model"] += 1
                    found.failures.append(
                        f"{operation}: {case.method} answered {answer.status_code} "
                        f"{answer.headers.get('content-type')} {answer.content[:200]!r}"
                    )
                # Revoking a token may name the caller's own: schemathesis's follow-up checks
                # resend that DELETE with the token it has just revoked, which must be refused.
                if (
                    caller in ROLES
                    and answer.status_code == 401
                    and operation != "DELETE /api/v1/tokens/{token_id}"
                ):
                    found.by_check["valid token refused"] += 1
                    found.failures.append(f"{operation} answered 401 to the {caller}'s token")
            for case_id, checks in recorder.checks.items():
                for check in checks:
                    if check.status != Status.FAILURE:
                        continue
                    found.by_check[check.name] += 1
                    case = recorder.cases[case_id].value
                    sent = recorder.interactions.get(case_id)
                    answer = sent.response if sent else None
                    caller = _caller_of(sent.request.headers, tokens) if sent else ""
                    info = check.failure_info
                    found.failures.append(
                        f"{recorder.label} {check.name} as {caller}: "
                        f"{info.failure.title if info else ''}\n"
                        f"  sent {case.path_parameters} {case.query} {case.body!r:.300}\n"
                        f"  got {answer.status_code if answer else '-'} "
                        f"{answer.content[:300] if answer else b''!r}"
                    )
        elif isinstance(event, events.NonFatalError | events.FatalError):
            found.by_check["engine error"] += 1
            found.failures.append(f"engine: {getattr(event, 'value', event)!r}")
    return found


@pytest.fixture
def quiet_refusals():
    """Thousands of 4xx warnings would bury the report; server errors are still logged."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


def test_every_operation_answers_within_its_schema_for_every_caller(
    live_server, callers, quiet_refusals
):
    started = time.monotonic()
    found = fuzz(f"{live_server.url}/api/v1/openapi.json", callers)
    print("\n" + found.report(time.monotonic() - started))
    assert found.requests
    assert not found.failures, "\n\n".join(sorted(set(found.failures)))
    assert not found.missing_callers(), found.missing_callers()
