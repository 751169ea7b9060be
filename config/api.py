"""The one NinjaAPI of Deelpunt, at /api/v1/, with a router per app."""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from kern.api import router as kern_router
from kern.api_auth import api_auth
from kern.errors import DomainError
from rapportering.api import router as rapportering_router
from toegang.api import router as toegang_router
from uitlening.api import eligibility_router
from uitlening.api import router as uitlening_router
from uitlening.api.holds import router as holds_router
from uitlening.api.points import points_router
from voorraad.api import router as voorraad_router
from vrijwilligers.api import router as vrijwilligers_router


class ObjectBodyParser(Parser):
    """Every request body of this API is a JSON object. Without this, a body of ``true``
    or ``[]`` passes for an operation whose fields all have defaults (django-ninja wraps
    it before validating): it is refused as unreadable (400) instead."""

    def parse_body(self, request):
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise ValueError("the request body is not a JSON object")
        return data

    def parse_querydict(self, data, list_fields, request):
        """A parameter that takes one value but came several times is passed on as the
        list it is, so validation refuses it (422 naming it); ninja kept the last value,
        so ``?location_id=-3&location_id=2`` was answered as if only ``2`` was sent."""
        parsed = super().parse_querydict(data, list_fields, request)
        for key in data:
            if key not in list_fields and len(data.getlist(key)) > 1:
                parsed[key] = data.getlist(key)
        return parsed


class DeelpuntAPI(NinjaAPI):
    """ninja answers a method an address does not take with a bare text/html 405; here it
    is refused in the API's error shape like every other refusal (DESIGN.md: errors are
    JSON with a clear message), with the same Allow header."""

    @property
    def urls(self):
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            pattern.callback = _json_when_not_allowed(pattern.callback)
        return patterns, app_name, namespace


def _json_when_not_allowed(view):
    @wraps(view)  # keeps ninja's csrf_exempt mark
    def answer(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if not isinstance(response, HttpResponseNotAllowed):
            return response
        refusal = _error(
            request,
            405,
            _("This address does not take %(method)s, only %(allowed)s.")
            % {"method": request.method, "allowed": response["Allow"]},
            "method_not_allowed",
        )
        refusal["Allow"] = response["Allow"]
        return refusal

    return answer


api = DeelpuntAPI(
    parser=ObjectBodyParser(),
    title="Deelpunt API",
    version="1",
    description=(
        "Materiële hulp voor gezinnen. Token-authenticatie: `Authorization: Bearer dp_…` "
        "(persoonlijke API-sleutel); in de browser geldt je sessie."
    ),
    auth=api_auth,
    urls_namespace="api",
)

api.add_router("/", kern_router)
api.add_router("/voorraad/", voorraad_router)
api.add_router("/uitlening/", uitlening_router)
api.add_router("/uitlening/", points_router)
api.add_router("/uitlening/", holds_router)
api.add_router("/toegang/", toegang_router)
api.add_router("/toegang/", eligibility_router)
api.add_router("/vrijwilligers/", vrijwilligers_router)
api.add_router("/rapportering/", rapportering_router)


def _error(request, status: int, message: str, code: str, **extra):
    """Every refusal in one shape (kern.api_contract.ErrorOut)."""
    return api.create_response(request, {"detail": message, "code": code, **extra}, status=status)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    extra = {"field": exc.field} if exc.field else {}
    return _error(request, exc.status, exc.message, exc.code, **extra)


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc):
    return _error(
        request,
        401,
        _("Log in or send a valid API token (Authorization: Bearer …)."),
        "unauthenticated",
    )


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    # ninja's own refusals (e.g. a body it cannot parse), in the project's error shape.
    if exc.status_code == 401:
        return authentication_error(request, exc)
    if exc.status_code == 403:
        return permission_denied(request, exc)
    if str(exc).startswith("Cannot parse request body"):
        message = _("The request body is not a readable JSON object.")
    else:
        message = _("The request is not valid: %(reason)s") % {"reason": exc}
    return _error(request, exc.status_code, message, "invalid")


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return _error(request, 403, _("Your role does not allow this."), "forbidden")


@api.exception_handler(Http404)
def not_found(request, exc):
    return _error(request, 404, _("That record does not exist."), "not_found")


@api.exception_handler(ValidationError)
def django_validation_error(request, exc: ValidationError):
    return _error(request, 400, " ".join(exc.messages), "invalid")


def _field(location) -> str | None:
    """``lines.0.quantity`` for ninja's ("body", "payload", "lines", 0, "quantity")."""
    parts = list(location)[1:]
    if parts and parts[0] in ("payload", "filters"):
        parts = parts[1:]
    return ".".join(str(part) for part in parts) or None


@api.exception_handler(NinjaValidationError)
def validation_error(request, exc: NinjaValidationError):
    first = _field(exc.errors[0].get("loc", ())) if exc.errors else None
    extra = {"field": first} if first else {}
    return _error(
        request,
        422,
        _("The request is not valid: check the fields listed in “errors”."),
        "validation",
        errors=exc.errors,
        **extra,
    )
