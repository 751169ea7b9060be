"""The passes the UiTPAS stand-in serves: publiq's public test numbers (see the table in the
UiTPAS notes), with card systems and answers shaped like ``GET /passes`` of API v4.

First names and passholder ids are made up; they exist only because the API's ``Pass``
requires them. End dates follow today's date, so an active tariff is never in the past.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

PROBLEM_BASE = "https://api.publiq.be/probs"
PASS_NOT_FOUND = f"{PROBLEM_BASE}/uitpas/pass-not-found"
PASSHOLDER_BLOCKED = f"{PROBLEM_BASE}/uitpas/passholder-blocked"
INVALID_CARD_STATUS = f"{PROBLEM_BASE}/uitpas/invalid-card-status"
RATE_LIMITED = f"{PROBLEM_BASE}/uitpas/rate-limited"
UNAUTHORIZED = f"{PROBLEM_BASE}/auth/unauthorized"
FORBIDDEN = f"{PROBLEM_BASE}/auth/forbidden"
QUERY_PARAMETER_MISSING = f"{PROBLEM_BASE}/url/query-parameter-missing"
URL_NOT_FOUND = f"{PROBLEM_BASE}/url/not-found"

EXPIRED_MESSAGE = "Je sociaal tarief is verlopen. Contacteer je UiTPAS balie."


def _cities(name: str, *postal_codes: str) -> list[dict[str, str]]:
    return [{"postalCode": code, "name": name} for code in postal_codes]


CARD_SYSTEMS: dict[str, dict] = {
    "gent": {
        "id": 3,
        "name": "UiTPAS Regio Gent",
        "links": {"website": "https://www.uitpas.be"},
        "cities": [
            *_cities(
                "Gent",
                "9000",
                "9030",
                "9031",
                "9032",
                "9040",
                "9041",
                "9042",
                "9050",
                "9051",
                "9052",
            ),
            *_cities("Melle", "9090"),
        ],
        "permanent": True,
    },
    "aalst": {
        "id": 8,
        "name": "UiTPAS Regio Aalst",
        "links": {"website": "https://www.uitpas.be"},
        "cities": [
            *_cities("Aalst", "9300", "9308", "9310", "9320"),
            *_cities("Lede", "9340"),
            *_cities("Erpe-Mere", "9420"),
            *_cities("Haaltert", "9450"),
            *_cities("Denderleeuw", "9470"),
        ],
        "permanent": True,
    },
}


@dataclass(frozen=True)
class Problem:
    """A problem+json answer instead of a pass (a blocked or unregistered card)."""

    status: int
    type: str
    title: str
    detail: str
    end_user_nl: str | None = None
    card_status: str | None = None
    with_passholder: bool = False


@dataclass(frozen=True)
class StandInPass:
    number: str
    social_tariff: str  # ACTIVE, EXPIRED or NONE
    postal_code: str
    card_system: str = "gent"
    first_name: str = ""
    points: int = 0
    pass_type: str = "INDIVIDUAL"
    messages: tuple[tuple[str, str], ...] = field(default=())
    problem: Problem | None = None

    @property
    def passholder_id(self) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"deelpunt-standin:{self.number}"))


BLOCKED = Problem(
    status=400,
    type=PASSHOLDER_BLOCKED,
    title="Passholder blocked",
    detail="The passholder of this pass is blocked.",
    end_user_nl="Deze UiTPAS is geblokkeerd. Neem contact op met een UiTPAS-balie.",
    with_passholder=True,
)
UNREGISTERED = Problem(
    status=400,
    type=INVALID_CARD_STATUS,
    title="Invalid card status",
    detail="The card is not in ACTIVE state.",
    end_user_nl=(
        "Deze UiTPAS is nog niet geregistreerd. Laat de kaart registreren aan een UiTPAS-balie."
    ),
    card_status="LOCAL_STOCK",
)

TEST_PASSES: dict[str, StandInPass] = {
    p.number: p
    for p in [
        StandInPass("0900000095902", "NONE", "9000", first_name="Femke", points=4),
        StandInPass("0900000067513", "ACTIVE", "9090", first_name="Youssef", points=21),
        StandInPass(
            "0900000031618",
            "EXPIRED",
            "9000",
            first_name="Lotte",
            points=2,
            messages=(("WARN", EXPIRED_MESSAGE),),
        ),
        StandInPass("0900010959113", "ACTIVE", "9090", first_name="Arne", points=9),
        StandInPass("0900000002312", "ACTIVE", "9000", first_name="Nadia", problem=BLOCKED),
        StandInPass(
            "0900000058918",
            "EXPIRED",
            "1000",
            first_name="Bram",
            points=0,
            messages=(("WARN", EXPIRED_MESSAGE),),
        ),
        StandInPass("1000000520006", "NONE", "9000", first_name="Zeynep", points=15),
        StandInPass(
            "0900000093204", "ACTIVE", "9000", card_system="aalst", first_name="Jonas", points=7
        ),
        StandInPass("0900000074519", "ACTIVE", "", problem=UNREGISTERED),
    ]
}


def end_date(social_tariff: str, today: dt.date) -> str | None:
    """The tariff's end as the API writes it: an RFC 3339 UTC time, 23:59:59 in Brussels.

    Active: until the end of next year; expired: ended at the end of last year.
    """
    if social_tariff == "ACTIVE":
        year = today.year + 1
    elif social_tariff == "EXPIRED":
        year = today.year - 1
    else:
        return None
    return f"{year}-12-31T22:59:59Z"  # 31 December is winter time: UTC+1


def pass_body(test_pass: StandInPass, today: dt.date) -> dict:
    """The ``Pass`` object of ``GET /passes`` for a test pass that has no problem."""
    social_tariff: dict[str, str] = {"status": test_pass.social_tariff}
    end = end_date(test_pass.social_tariff, today)
    if end:
        social_tariff["endDate"] = end
    body: dict = {
        "passholderId": test_pass.passholder_id,
        "passType": test_pass.pass_type,
        "uitpasNumber": test_pass.number,
        "firstName": test_pass.first_name,
        "points": test_pass.points,
        "postalCode": test_pass.postal_code,
        "socialTariff": social_tariff,
        "cardSystem": CARD_SYSTEMS[test_pass.card_system],
    }
    if test_pass.messages:
        body["messages"] = [{"level": lvl, "text": text} for lvl, text in test_pass.messages]
    return body


def problem_body(
    status: int,
    type_: str,
    title: str,
    detail: str | None = None,
    end_user_nl: str | None = None,
    **extra: str,
) -> dict:
    """An RFC 7807 body in publiq's error model (``Error.json``)."""
    body: dict = {"type": type_, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if end_user_nl:
        body["endUserMessage"] = {"nl": end_user_nl}
    body.update(extra)
    return body


def lookup(identifier: str, today: dt.date) -> tuple[int, dict]:
    """Answer ``GET /passes?identifier=…``: (HTTP status, JSON body)."""
    test_pass = TEST_PASSES.get(identifier.strip())
    if test_pass is None:
        return 404, problem_body(
            404,
            PASS_NOT_FOUND,
            "Pass not found",
            "No pass found for the given identifier.",
            "Er werd geen UiTPAS gevonden met dit nummer. Controleer het nummer op de kaart.",
        )
    problem = test_pass.problem
    if problem is None:
        return 200, pass_body(test_pass, today)
    extra: dict[str, str] = {}
    if problem.card_status:
        extra["cardStatus"] = problem.card_status
    if problem.with_passholder:
        extra["passholderId"] = test_pass.passholder_id
        extra["passType"] = test_pass.pass_type
    return problem.status, problem_body(
        problem.status, problem.type, problem.title, problem.detail, problem.end_user_nl, **extra
    )
