"""The access-control matrix: every URL pattern and every API operation of Deelpunt with
the roles that may use it. ``test_access_matrix.py`` fails when a pattern or an operation
exists without a row here (or a row names one that is gone), and requests each row as every
role, asserting allowed or refused, ``Cache-Control: private, no-store`` on what a
signed-in person gets and the strict Content-Security-Policy on every HTML page.

A page row: ``"route": page(ROLES, pk="@context-key", format="csv")`` — the route exactly
as Django prints it (prefixes joined), the roles allowed, and the URL's arguments: ``@name``
is a record from ``tests/security/data.py``'s context, anything else is taken literally.
``post=True`` for a view that only accepts POST: it is requested with GET, and a 405 for an
allowed role proves the role check let it through (role_required runs before the method
check), while a refused role gets 403 and is never let near the action. ``send=True`` for a
POST-only view whose method check runs before its role check: it is sent an empty POST
(after every other row, as it may change what they read). ``public=True`` for
an answer that is public on purpose (the catalogue) and keeps its own Cache-Control.

An API row: ``"METHOD /api/v1/path": op(ROLES, ...)`` with the path's arguments as above and
the JSON body (``body``) or query (``query``) an allowed role sends; the body's values may be
``@name`` too. Requested with the role's session; refused is 401 (anonymous) or 403.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from kern.roles import Role

ANON = "anonymous"
VOL = Role.VOLUNTEER.value
SW = Role.SOCIAL_WORKER.value
COORD = Role.COORDINATOR.value
ADMIN = Role.ADMIN.value
ROLES = (ANON, VOL, SW, COORD, ADMIN)

EVERYONE = frozenset(ROLES)
SIGNED_IN = frozenset({VOL, SW, COORD, ADMIN})
NOBODY: frozenset[str] = frozenset()


def roles(*names: str) -> frozenset[str]:
    return frozenset(names)


# The whole Django admin is one row: its own login and permission checks guard every page,
# and only the admin role has staff access.
ADMIN_SITE = "beheer/"


@dataclass(frozen=True)
class Page:
    allowed: frozenset[str]
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    post: bool = False
    send: bool = False
    public: bool = False
    query: str = ""


@dataclass(frozen=True)
class Op:
    allowed: frozenset[str]
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    body: Mapping[str, Any] | None = None
    query: Mapping[str, Any] | None = None
    public: bool = False


def page(
    allowed: frozenset[str],
    *,
    post: bool = False,
    send: bool = False,
    public: bool = False,
    query: str = "",
    **kwargs: Any,
) -> Page:
    return Page(allowed=allowed, kwargs=kwargs, post=post, send=send, public=public, query=query)


def op(
    allowed: frozenset[str],
    *,
    body: Mapping[str, Any] | None = None,
    query: Mapping[str, Any] | None = None,
    public: bool = False,
    **kwargs: Any,
) -> Op:
    return Op(allowed=allowed, kwargs=kwargs, body=body, query=query, public=public)


def resolve(value: Any, context: Mapping[str, Any]) -> Any:
    """``@name`` -> the context's record id; lists and dicts element by element."""
    if isinstance(value, str) and value.startswith("@"):
        return context[value[1:]]
    if isinstance(value, list):
        return [resolve(v, context) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v, context) for k, v in value.items()}
    return value


# --- What exists ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    route: str
    name: str
    arguments: tuple[str, ...]


def url_patterns() -> list[Pattern]:
    """Every URL pattern of config.urls, prefixes joined; the admin as one row; the API's
    operations left to ``api_operations`` (its schema pages stay here)."""
    found: list[Pattern] = []

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                route = prefix + str(entry.pattern)
                if route == ADMIN_SITE:
                    found.append(Pattern(route, "admin:index", ()))
                    continue
                space = namespace
                if entry.namespace:
                    space = f"{namespace}{entry.namespace}:"
                walk(entry, route, space)
            elif isinstance(entry, URLPattern):
                if getattr(entry.callback, "__module__", "").startswith("ninja.operation"):
                    continue  # an API operation: checked through the OpenAPI schema
                route = prefix + str(entry.pattern)
                name = f"{namespace}{entry.name}" if entry.name else ""
                arguments = tuple(entry.pattern.regex.groupindex)
                found.append(Pattern(route, name, arguments))

    walk(get_resolver(), "", "")
    return found


def api_operations() -> dict[str, str]:
    """``"METHOD /api/v1/path"`` -> operationId, from the OpenAPI schema of config.api."""
    from config.api import api

    schema = api.get_openapi_schema()
    return {
        f"{method.upper()} {path}": operation["operationId"]
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }


PAGES: dict[str, Page] = {
    # --- Accounts, public pages and the API's schema
    "": page(SIGNED_IN),
    "gezond/": page(EVERYONE),
    "favicon.ico": page(EVERYONE),
    "aanmelden/": page(EVERYONE),
    "afmelden/": page(EVERYONE, post=True),
    "account/wachtwoord/": page(SIGNED_IN),
    "account/wachtwoord/gewijzigd/": page(SIGNED_IN),
    "account/tweestapsverificatie/": page(SIGNED_IN),
    "account/tweestapsverificatie/controle/": page(SIGNED_IN),
    "account/tweestapsverificatie/instellen/": page(SIGNED_IN),
    "account/tweestapsverificatie/herstelcodes/": page(SIGNED_IN, post=True),
    "gebruikers/<int:pk>/aanmelden/": page(roles(ADMIN), pk="@volunteer_user"),
    "baliemodus/<int:pk>/": page(roles(VOL, COORD), pk="@point"),
    "baliemodus/verlaten/": page(EVERYONE, post=True),
    "wachtwoord-vergeten/": page(EVERYONE),
    "wachtwoord-vergeten/verstuurd/": page(EVERYONE),
    "wachtwoord-vergeten/<uidb64>/<token>/": page(EVERYONE, uidb64="MQ", token="set-password"),
    "wachtwoord-vergeten/klaar/": page(EVERYONE),
    "taal/": page(EVERYONE),
    "jsi18n/": page(EVERYONE),
    "beheer/": page(roles(ADMIN)),  # the whole admin site; others go to its login
    "api/v1/openapi.json": page(EVERYONE),
    "api/v1/docs": page(EVERYONE),
    "api/v1/": page(NOBODY),  # django-ninja's root: 404 for everyone
    # --- kern
    "locaties/": page(roles(COORD, ADMIN)),
    "locaties/nieuw/": page(roles(COORD, ADMIN)),
    "locaties/<int:pk>/": page(roles(COORD, ADMIN), pk="@point"),
    "locaties/<int:pk>/wijzigen/": page(roles(COORD, ADMIN), pk="@point"),
    "organisaties/": page(roles(ADMIN)),
    "gebruikers/": page(roles(ADMIN)),
    "auditlog/": page(roles(ADMIN)),
    "account/api-sleutels/": page(SIGNED_IN),
    "account/api-sleutels/<int:pk>/intrekken/": page(SIGNED_IN, post=True, pk="@token"),
    # --- uitlening: the counter, loans, holds, seasonal actions, partners, points
    "balie/": page(roles(VOL, COORD)),
    "balie/<int:pk>/": page(roles(VOL, COORD), pk="@point"),
    "balie/<int:pk>/scan/": page(roles(VOL, COORD), post=True, pk="@point"),
    "balie/<int:pk>/mand/": page(roles(VOL, COORD), post=True, pk="@point"),
    "balie/<int:pk>/bevestig/": page(roles(VOL, COORD), post=True, pk="@point"),
    "balie/<int:pk>/gezin/nieuw/": page(roles(VOL, COORD), pk="@point"),
    "balie/uitdelingen/<int:pk>/": page(roles(VOL, COORD), pk="@distribution"),
    "balie/uitdelingen/<int:pk>/bon/": page(roles(VOL, COORD), pk="@distribution"),
    "balie/uitdelingen/<int:pk>/bon.pdf": page(roles(VOL, COORD), pk="@distribution"),
    "balie/uitdelingen/bon.css": page(EVERYONE, public=True),
    "balie/bevestigkaart.pdf": page(roles(VOL, COORD)),
    "balie/uitleningen/<int:pk>/": page(roles(VOL, COORD), pk="@loan"),
    "balie/uitleningen/<int:pk>/verlengen/": page(roles(VOL, COORD), post=True, pk="@loan"),
    "balie/uitleningen/<int:pk>/overeenkomst.pdf": page(roles(VOL, COORD), pk="@loan"),
    "balie/te-laat/": page(roles(VOL, COORD)),
    "balie/<int:pk>/te-laat/": page(roles(VOL, COORD), pk="@point"),
    "balie/<int:pk>/te-laat.csv": page(roles(VOL, COORD), pk="@point"),
    "balie/herstellingen/": page(roles(COORD)),
    "balie/herstellingen/<int:pk>/": page(roles(COORD), pk="@repair"),
    "balie/herinneringen/": page(roles(COORD)),
    "balie/seizoensacties/": page(roles(COORD)),
    "balie/seizoensacties/nieuw/": page(roles(COORD)),
    "balie/seizoensacties/<int:pk>/": page(roles(COORD), pk="@seasonal"),
    "balie/seizoensacties/<int:pk>/picklijst/<int:point>/": page(
        roles(VOL, COORD), pk="@seasonal", point="@point"
    ),
    "balie/<int:pk>/seizoenspakket/": page(roles(VOL, COORD), post=True, pk="@point"),
    "balie/partneraanvragen/": page(roles(VOL, SW, COORD)),
    "balie/partneraanvragen/nieuw/": page(roles(SW)),
    "balie/partneraanvragen/<int:pk>/": page(roles(COORD), pk="@partner_request"),
    "balie/partneraanvragen/<int:pk>/wijzigen/": page(NOBODY, pk="@partner_request"),
    "balie/partneraanvragen/<int:pk>/picklijst/": page(roles(COORD), pk="@partner_request"),
    "balie/<int:pk>/gezin/<int:household>/lidmaatschap/": page(
        roles(VOL, COORD), post=True, pk="@point", household="@household"
    ),
    "balie/lidmaatschappen/": page(roles(COORD)),
    "balie/<int:pk>/gezin/<int:household>/punten/verdienen/": page(
        roles(VOL, COORD), post=True, pk="@point", household="@household"
    ),
    "balie/<int:pk>/gezin/<int:household>/punten/besteden/": page(
        roles(VOL, COORD), post=True, pk="@point", household="@household"
    ),
    "balie/<int:pk>/gezin/<int:household>/punten/toekennen/": page(
        roles(VOL, COORD), post=True, pk="@point", household="@household"
    ),
    "balie/ruilpunten/": page(roles(COORD)),
    "balie/<int:pk>/wachtlijst/": page(roles(VOL, COORD), post=True, pk="@point"),
    "balie/wachtlijsten/": page(roles(COORD)),
    "balie/wachtlijsten/<int:pk>/": page(roles(COORD), pk="@item_type"),
    "balie/reservaties/<int:pk>/annuleer/": page(roles(VOL, COORD), post=True, pk="@reservation"),
    "catalogus/": page(EVERYONE, public=True),
    "catalogus/<int:pk>/": page(EVERYONE, public=True, pk="@point"),
    # --- toegang: referrals, households, programs
    "toegang/doorverwijzingen/": page(roles(SW)),
    "toegang/doorverwijzingen/nieuw/": page(roles(SW)),
    "toegang/doorverwijzingen/overzicht/": page(roles(COORD)),
    "toegang/doorverwijzingen/<int:pk>/": page(roles(SW), pk="@referral"),
    "toegang/doorverwijzingen/<int:pk>/verlengen/": page(roles(SW), post=True, pk="@referral"),
    "toegang/doorverwijzingen/<int:pk>/intrekken/": page(roles(SW), post=True, pk="@referral"),
    "toegang/doorverwijzingen/<int:pk>/brief.pdf": page(roles(SW), pk="@referral"),
    "toegang/gezinnen/<int:pk>/kaart.pdf": page(roles(VOL, SW, COORD), pk="@household"),
    "toegang/gezinnen/": page(roles(ADMIN)),
    "toegang/gezinnen/<int:pk>/export.json": page(roles(ADMIN), pk="@household"),
    "toegang/gezinnen/<int:pk>/export.pdf": page(roles(ADMIN), pk="@household"),
    "toegang/gezinnen/<int:pk>/wissen/": page(roles(ADMIN), pk="@household"),
    "toegang/programmas/": page(roles(COORD)),
    "toegang/programmas/nieuw/": page(roles(COORD)),
    "toegang/programmas/<int:pk>/wijzigen/": page(roles(COORD), pk="@program"),
    "toegang/uitzonderingen/nieuw/": page(roles(COORD)),
    # --- voorraad
    "voorraad/": page(roles(COORD)),
    "voorraad/op-datum/": page(roles(COORD)),
    "voorraad/bewegingen/": page(roles(COORD)),
    "voorraad/bewegingen/<int:pk>/terugdraaien/": page(roles(COORD), pk="@movement"),
    "voorraad/overboekingen/": page(roles(COORD)),
    "voorraad/overboekingen/nieuw/": page(roles(COORD)),
    "voorraad/overboekingen/<int:pk>/": page(roles(COORD), pk="@transfer"),
    "voorraad/overboekingen/<int:pk>/uitvoeren/": page(roles(COORD), post=True, pk="@transfer"),
    "voorraad/overboekingen/<int:pk>/annuleren/": page(roles(COORD), post=True, pk="@transfer"),
    "voorraad/overboekingen/<int:pk>/paklijst.pdf": page(roles(COORD), pk="@transfer"),
    "voorraad/correcties/nieuw/": page(roles(COORD)),
    "voorraad/tellingen/": page(roles(COORD)),
    "voorraad/tellingen/<int:pk>/": page(roles(COORD), pk="@count"),
    "voorraad/tellingen/<int:pk>/product/<int:product_pk>/": page(
        roles(COORD), post=True, pk="@count", product_pk="@product"
    ),
    "voorraad/tellingen/<int:pk>/afsluiten/": page(roles(COORD), post=True, pk="@count"),
    "voorraad/tellingen/<int:pk>/annuleren/": page(roles(COORD), post=True, pk="@count"),
    "voorraad/tellingen/<int:pk>/telblad.pdf": page(roles(COORD), pk="@count"),
    "voorraad/categorieen/": page(roles(COORD)),
    "voorraad/producten/": page(roles(COORD)),
    "voorraad/producten/nieuw/": page(roles(COORD)),
    "voorraad/producten/<int:pk>/": page(roles(COORD), pk="@product"),
    "voorraad/producten/<int:pk>/wijzigen/": page(roles(COORD), pk="@product"),
    "voorraad/objecttypes/": page(roles(COORD)),
    "voorraad/objecten/": page(roles(COORD)),
    "voorraad/objecten/nieuw/": page(roles(COORD)),
    "voorraad/objecten/<int:pk>/": page(roles(COORD), pk="@item"),
    "voorraad/objecten/<int:pk>/wijzigen/": page(roles(COORD), pk="@item"),
    "voorraad/objecten/<int:pk>/status/": page(roles(COORD), post=True, pk="@item"),
    "voorraad/schenkers/": page(roles(COORD)),
    "voorraad/schenkers/nieuw/": page(roles(COORD)),
    "voorraad/schenkers/<int:pk>/": page(roles(COORD), pk="@donor"),
    "voorraad/schenkers/<int:pk>/wijzigen/": page(roles(COORD), pk="@donor"),
    "voorraad/schenkingen/": page(roles(COORD)),
    "voorraad/schenkingen/nieuw/": page(roles(COORD)),
    "voorraad/schenkingen/<int:pk>/": page(roles(COORD), pk="@donation"),
    "voorraad/schenkingen/<int:pk>/scan/": page(roles(COORD), post=True, pk="@donation"),
    "voorraad/schenkingen/<int:pk>/ean/": page(roles(COORD), post=True, pk="@donation"),
    "voorraad/schenkingen/<int:pk>/lijn/<int:product_pk>/": page(
        roles(COORD), post=True, pk="@donation", product_pk="@product"
    ),
    "voorraad/schenkingen/<int:pk>/boeken/": page(roles(COORD), post=True, pk="@donation"),
    "voorraad/schenkingen/<int:pk>/detail/": page(roles(COORD), pk="@donation"),
    "voorraad/schenkingen/<int:pk>/bedankbrief.pdf": page(roles(COORD), pk="@donation"),
    "voorraad/inzamelacties/": page(roles(COORD)),
    "voorraad/inzamelacties/nieuw/": page(roles(COORD)),
    "voorraad/inzamelacties/<int:pk>/": page(roles(COORD), pk="@drive"),
    "voorraad/inzamelacties/<int:pk>/wijzigen/": page(roles(COORD), pk="@drive"),
    "voorraad/aankopen/": page(roles(COORD)),
    "voorraad/aankopen/nieuw/": page(roles(COORD)),
    "voorraad/aankopen/<int:pk>/": page(roles(COORD), pk="@purchase"),
    "voorraad/labels/producten/": page(roles(COORD)),
    "voorraad/labels/objecten/": page(roles(COORD)),
    "voorraad/labels/locaties/": page(roles(COORD)),
    # --- vrijwilligers
    "vrijwilligers/": page(roles(COORD)),
    "vrijwilligers/nieuw/": page(roles(COORD)),
    "vrijwilligers/<int:pk>/": page(roles(COORD), pk="@volunteer"),
    "vrijwilligers/<int:pk>/bewerken/": page(roles(COORD), pk="@volunteer"),
    "vrijwilligers/<int:pk>/contactgegevens/": page(roles(COORD), pk="@volunteer"),
    "vrijwilligers/<int:pk>/vaardigheden/": page(roles(COORD), send=True, pk="@volunteer"),
    "vrijwilligers/<int:pk>/nota-op-papier/": page(roles(COORD), send=True, pk="@volunteer"),
    "vrijwilligers/profiel/": page(roles(VOL, COORD)),
    "vrijwilligers/profiel/agenda/": page(
        roles(VOL), send=True
    ),  # a coordinator without a volunteer profile: 403
    "vrijwilligers/organisatienota/": page(roles(VOL, COORD)),
    "vrijwilligers/organisatienota/nieuw/": page(roles(COORD)),
    "vrijwilligers/diensten/": page(roles(VOL, COORD)),
    "vrijwilligers/diensten/mijn/": page(roles(VOL, COORD)),
    "vrijwilligers/diensten/<int:pk>/": page(roles(VOL, COORD), pk="@shift"),
    "vrijwilligers/diensten/<int:pk>/inschrijven/": page(roles(VOL, COORD), post=True, pk="@shift"),
    "vrijwilligers/diensten/<int:pk>/toewijzen/": page(roles(COORD), post=True, pk="@shift"),
    "vrijwilligers/diensten/inschrijving/<int:pk>/annuleren/": page(
        roles(VOL, COORD), post=True, pk="@signup"
    ),
    "vrijwilligers/diensten/inschrijving/<int:pk>/verwijderen/": page(
        roles(COORD), post=True, pk="@signup"
    ),
    "vrijwilligers/diensten/inschrijving/<int:pk>/ruilen/": page(
        roles(VOL, COORD), post=True, pk="@signup"
    ),
    "vrijwilligers/diensten/ruil/<int:pk>/intrekken/": page(
        roles(VOL, COORD), post=True, pk="@swap"
    ),
    "vrijwilligers/diensten/ruil/<int:pk>/overnemen/": page(
        roles(VOL, COORD), post=True, pk="@swap"
    ),
    "vrijwilligers/planning/": page(roles(COORD)),
    "vrijwilligers/planning/lijst/": page(roles(COORD)),
    "vrijwilligers/planning/wie-waar/": page(roles(COORD)),
    "vrijwilligers/planning/genereren/": page(roles(COORD)),
    "vrijwilligers/planning/diensten/nieuw/": page(roles(COORD)),
    "vrijwilligers/planning/diensten/<int:pk>/": page(roles(COORD), pk="@shift"),
    "vrijwilligers/sjablonen/": page(roles(COORD)),
    "vrijwilligers/sjablonen/nieuw/": page(roles(COORD)),
    "vrijwilligers/sjablonen/<int:pk>/": page(roles(COORD), pk="@template"),
    "vrijwilligers/sluitingsdagen/": page(roles(COORD)),
    "vrijwilligers/sluitingsdagen/<int:pk>/verwijderen/": page(
        roles(COORD), post=True, pk="@closing_day"
    ),
    "vrijwilligers/aanwezigheid/": page(roles(VOL, COORD)),
    "vrijwilligers/aanwezigheid/<int:signup_id>/ik-ben-er/": page(
        roles(VOL, COORD), post=True, signup_id="@signup"
    ),
    "vrijwilligers/aanwezigheid/beheer/": page(roles(COORD)),
    "vrijwilligers/aanwezigheid/dienst/<int:shift_id>/": page(roles(COORD), shift_id="@shift"),
    "vrijwilligers/aanwezigheid/afwezigen/": page(roles(COORD), post=True),
    "vrijwilligers/aanwezigheid/pauze/<int:volunteer_id>/opheffen/": page(
        roles(COORD), post=True, volunteer_id="@volunteer"
    ),
    "vrijwilligers/aanwezigheid/kaart/<int:volunteer_id>.pdf": page(
        roles(VOL, COORD), volunteer_id="@volunteer"
    ),
    "vrijwilligers/uren/": page(roles(VOL, COORD)),
    "vrijwilligers/uren/<int:year>.csv": page(roles(COORD), year="@year"),
    "vrijwilligers/uren/<int:year>.xlsx": page(roles(COORD), year="@year"),
    "vrijwilligers/uren/<int:volunteer_id>/<int:year>/": page(
        roles(VOL, COORD), volunteer_id="@volunteer", year="@year"
    ),
    "vrijwilligers/uren/<int:volunteer_id>/<int:year>/attest.pdf": page(
        roles(VOL, COORD), volunteer_id="@volunteer", year="@year"
    ),
    "vrijwilligers/vergoedingen/": page(roles(COORD)),
    "vrijwilligers/vergoedingen/plafonds/": page(roles(COORD)),
    "vrijwilligers/vergoedingen/<int:year>.csv": page(roles(COORD), year="@year"),
    "vrijwilligers/agenda/<str:token>.ics": page(EVERYONE, token="@calendar_token"),
    # --- rapportering
    "rapporten/": page(roles(COORD, ADMIN)),
    "rapporten/rapport/": page(roles(COORD, ADMIN)),
    "rapporten/signalen/": page(roles(COORD, ADMIN)),
    "rapporten/signalen/<slug:key>.<str:format>": page(
        roles(COORD, ADMIN), key="absent", format="csv"
    ),
    "rapporten/prognose/": page(roles(COORD, ADMIN)),
    "rapporten/prognose/aankoopadvies.<str:format>": page(roles(COORD, ADMIN), format="csv"),
    "rapporten/jaarverslag/": page(roles(COORD, ADMIN)),
    "rapporten/jaarverslag/<int:year>.pdf": page(roles(COORD, ADMIN), year="@year"),
    "rapporten/uitdelingen/export/<str:format>/": page(roles(COORD, ADMIN), format="csv"),
    "rapporten/export/<str:key>/<str:format>/": page(roles(COORD, ADMIN), key="all", format="csv"),
    "rapporten/import/": page(roles(COORD)),
    "rapporten/import/<int:pk>/": page(roles(COORD), pk="@import"),
    "rapporten/import/<int:pk>/controleren/": page(roles(COORD), send=True, pk="@import"),
    "rapporten/import/<int:pk>/toepassen/": page(roles(COORD), send=True, pk="@import"),
    "rapporten/import/<int:pk>/annuleren/": page(roles(COORD), send=True, pk="@import"),
    "rapporten/import/sjabloon/<str:kind>.<str:extension>": page(
        roles(COORD), kind="producten", extension="csv"
    ),
}

OPERATIONS: dict[str, Op] = {
    "GET /api/v1/whoami": op(SIGNED_IN),
    "POST /api/v1/scan": op(roles(VOL, SW, COORD), body={"code": "@household_code"}),
    "GET /api/v1/tokens": op(SIGNED_IN),
    "POST /api/v1/tokens": op(SIGNED_IN, body={"name": "matrix"}),
    "DELETE /api/v1/tokens/{token_id}": op(roles(VOL, ADMIN), token_id="@token"),
    "POST /api/v1/voorraad/donations": op(
        roles(COORD),
        body={"location_id": "@point", "lines": [{"product_id": "@product", "quantity": 1}]},
    ),
    "POST /api/v1/voorraad/transfers": op(
        roles(COORD),
        body={
            "from_location_id": "@warehouse",
            "to_location_id": "@point",
            "lines": [{"product_id": "@product", "quantity": 1}],
        },
    ),
    "POST /api/v1/voorraad/adjustments": op(
        roles(COORD),
        body={
            "product_id": "@product",
            "location_id": "@point",
            "quantity": 1,
            "reason": "telling",
        },
    ),
    "GET /api/v1/voorraad/levels": op(roles(COORD), query={"location_id": "@point"}),
    "POST /api/v1/uitlening/distributions": op(
        roles(VOL, COORD),
        body={
            "location_id": "@point",
            "household_code": "@household_code",
            "lines": [{"product_id": "@product", "packs": 1}],
        },
    ),
    "POST /api/v1/uitlening/loans": op(
        roles(VOL, COORD),
        body={
            "item_id": "@item",
            "condition": "goed",
            "location_id": "@point",
            "household_code": "@household_code",
        },
    ),
    "POST /api/v1/uitlening/loans/{loan_id}/return": op(
        roles(VOL, COORD), loan_id="@loan", body={"condition": "goed", "location_id": "@point"}
    ),
    "POST /api/v1/uitlening/loans/{loan_id}/renew": op(
        roles(VOL, COORD), loan_id="@loan", body={"location_id": "@point"}
    ),
    "POST /api/v1/uitlening/loans/{loan_id}/exchange": op(
        roles(VOL, COORD),
        loan_id="@loan",
        body={
            "location_id": "@point",
            "back": {"condition": "goed"},
            "out": {"item_id": "@item", "condition": "goed"},
        },
    ),
    "POST /api/v1/uitlening/visits": op(
        roles(VOL, COORD), body={"location_id": "@point", "household_code": "@household_code"}
    ),
    "GET /api/v1/uitlening/points": op(
        roles(VOL, COORD), query={"location_id": "@point", "household_code": "@household_code"}
    ),
    "POST /api/v1/uitlening/points/earn": op(
        roles(VOL, COORD),
        body={
            "location_id": "@point",
            "household_code": "@household_code",
            "product_id": "@product",
            "quantity": 1,
        },
    ),
    "POST /api/v1/uitlening/points/spend": op(
        roles(VOL, COORD),
        body={
            "location_id": "@point",
            "household_code": "@household_code",
            "product_id": "@product",
            "quantity": 1,
        },
    ),
    "POST /api/v1/uitlening/reservations": op(
        roles(VOL, COORD),
        body={
            "household_code": "@household_code",
            "item_type_id": "@item_type",
            "location_id": "@point",
        },
    ),
    "GET /api/v1/uitlening/reservations": op(
        roles(VOL, COORD), query={"household_code": "@household_code"}
    ),
    "POST /api/v1/uitlening/reservations/{reservation_id}/cancel": op(
        roles(VOL, COORD), reservation_id="@reservation", body={}
    ),
    "GET /api/v1/uitlening/item-types/{item_type_id}/queue": op(
        roles(COORD), item_type_id="@item_type", query={"location_id": "@point"}
    ),
    "GET /api/v1/uitlening/catalogue": op(EVERYONE, public=True),
    "POST /api/v1/toegang/referrals": op(
        roles(SW), body={"program_ids": ["@program"], "household_code": "@household_code"}
    ),
    "POST /api/v1/toegang/referrals/{referral_id}/revoke": op(
        roles(SW), referral_id="@referral", body={"reason": "matrix"}
    ),
    "POST /api/v1/toegang/eligibility": op(
        roles(VOL, COORD), body={"location_id": "@point", "household_code": "@household_code"}
    ),
    "GET /api/v1/vrijwilligers/shifts": op(roles(VOL, COORD), query={"location_id": "@point"}),
    "POST /api/v1/vrijwilligers/shifts/{shift_id}/signups": op(roles(VOL), shift_id="@open_shift"),
    "POST /api/v1/vrijwilligers/signups/{signup_id}/cancel": op(
        roles(VOL, COORD), signup_id="@signup", body={"reason": "matrix"}
    ),
    "GET /api/v1/rapportering/summary": op(roles(COORD, ADMIN)),
}
