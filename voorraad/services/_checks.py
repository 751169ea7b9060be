"""Checks every stock service shares: the role, quantities, locations, model validation,
dates of documents and the idempotency-key race."""

from __future__ import annotations

import datetime as dt
from typing import Literal, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from kern import permissions
from kern.errors import DomainError
from kern.models import Location, User
from voorraad.models import Product

MAX_UNITS_PER_LINE = 100_000
# Paper records older than this are not stock Deelpunt keeps; an earlier date is a typo.
EARLIEST_DOCUMENT_DAY = dt.date(2000, 1, 1)

_M = TypeVar("_M", bound=models.Model)


def require_stock_role(actor: User) -> None:
    permissions.require(actor, "kern.manage_stock")


def check_quantity(product: Product, quantity: object, *, allow_zero: bool = False) -> int:
    """A whole number of units from 1 (or 0) up to ``MAX_UNITS_PER_LINE``."""
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        try:
            quantity = int(str(quantity).strip())
        except ValueError:
            raise DomainError(
                _("%(product)s: “%(quantity)s” is not a whole number.")
                % {"product": product.name, "quantity": quantity},
                field="quantity",
            ) from None
    if quantity < 0 or (quantity == 0 and not allow_zero):
        raise DomainError(
            _("%(product)s: the quantity must be more than zero, not %(quantity)d.")
            % {"product": product.name, "quantity": quantity},
            field="quantity",
        )
    if quantity > MAX_UNITS_PER_LINE:
        raise DomainError(
            _(
                "%(product)s: %(quantity)d units on one line is more than Deelpunt accepts (%(max)d). Check the number."
            )
            % {"product": product.name, "quantity": quantity, "max": MAX_UNITS_PER_LINE},
            field="quantity",
        )
    return quantity


def check_location(location: Location) -> Location:
    if not location.is_active:
        raise DomainError(
            _("%(location)s is no longer active: choose another location.")
            % {"location": location.name}
        )
    return location


def check_received_on(
    received_on: dt.date, *, document: Literal["donation", "purchase"]
) -> dt.date:
    """A day goods came in: not in the future and not before 2000."""
    if received_on > timezone.localdate():
        future = {
            "donation": _("A donation cannot be received in the future."),
            "purchase": _("A purchase cannot be received in the future."),
        }
        raise DomainError(future[document], field="received_on")
    if received_on < EARLIEST_DOCUMENT_DAY:
        too_early = {
            "donation": _(
                "A donation received on %(day)s? Deelpunt accepts donations from %(first)s on: check the date."
            ),
            "purchase": _(
                "A purchase received on %(day)s? Deelpunt accepts purchases from %(first)s on: check the date."
            ),
        }
        raise DomainError(
            too_early[document]
            % {"day": f"{received_on:%d/%m/%Y}", "first": f"{EARLIEST_DOCUMENT_DAY:%d/%m/%Y}"},
            field="received_on",
        )
    return received_on


def validate(obj: models.Model) -> None:
    """Model validation as a DomainError naming the first problem and its field."""
    try:
        obj.full_clean()
    except ValidationError as exc:
        field, problems = next(iter(exc.message_dict.items()))
        raise DomainError(
            " ".join(str(p) for p in problems), field=None if field == NON_FIELD_ERRORS else field
        ) from None


def first_with_key(model: type[_M], idempotency_key: str | None) -> _M | None:
    """The document that a concurrent request with the same idempotency key committed
    first, or None. On PostgreSQL the loser of that race waits for the winner's commit
    at its unique-index insert and then gets an IntegrityError; this finds the winner."""
    if not idempotency_key:
        return None
    return model._default_manager.filter(idempotency_key=idempotency_key).first()
