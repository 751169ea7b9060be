"""Volunteer allowances (forfaitaire onkostenvergoeding, wet van 3 juli 2005).

Rules, each checked here and nowhere else:

- the ceilings per day and per year are configuration per calendar year (they are indexed
  every year); a flat-rate payment for a year without a ceiling is refused;
- a flat-rate payment that would take the volunteer's total for that day or that year
  over its ceiling is refused, and the message names what is left;
- flat-rate and actual-cost reimbursement are not mixed for one volunteer in one calendar
  year (actual costs, paid against receipts, have no ceiling);
- the register is append-only: a mistake is corrected with a negative entry and a note,
  and a correction cannot take back more than was paid that day in that kind.

The volunteer row is locked (``select_for_update``) before the totals are summed, so two
payments at once cannot both pass a ceiling."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from kern import audit, permissions
from kern.errors import DomainError, NotFound
from kern.models import User
from vrijwilligers.models import AllowanceCeiling, AllowancePayment, Volunteer
from vrijwilligers.selectors import allowances as allowance_selectors

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999.99")
KINDS = {choice.value: choice.label for choice in AllowancePayment.Kind}

MAX_NOTE = 200  # AllowancePayment.note


def euro(amount: Decimal) -> str:
    """“€ 1.692,51”: Belgian notation."""
    text = f"{amount.quantize(CENT):,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"€ {text}"


def _money(value: Decimal | str | int, *, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, ValueError):
        raise DomainError(
            _("“%(value)s” is not an amount.") % {"value": value}, field=field
        ) from None
    if not amount.is_finite() or abs(amount) > MAX_AMOUNT:
        raise DomainError(_("This amount is too large."), field=field)
    return amount


@transaction.atomic
def set_ceiling(
    *, actor: User, year: int, per_day: Decimal, per_year: Decimal, source: str = ""
) -> AllowanceCeiling:
    """Configure (or correct) the ceilings of a calendar year."""
    permissions.require(actor, "kern.manage_shifts")
    if not 2000 <= year <= 2100:
        raise DomainError(_("Choose a year between 2000 and 2100."), field="year")
    per_day = _money(per_day, field="per_day")
    per_year = _money(per_year, field="per_year")
    if per_day <= 0 or per_year <= 0:
        raise DomainError(_("A ceiling is more than € 0."), field="per_day")
    if per_day > per_year:
        raise DomainError(
            _("The ceiling per day cannot be above the one per year."), field="per_day"
        )
    existing = AllowanceCeiling.objects.select_for_update().filter(year=year).first()
    before = (
        {"per_day": str(existing.per_day), "per_year": str(existing.per_year)} if existing else {}
    )
    ceiling, _created = AllowanceCeiling.objects.update_or_create(
        year=year, defaults={"per_day": per_day, "per_year": per_year}
    )
    audit.record(
        actor=actor,
        action="set_allowance_ceiling",
        obj=ceiling,
        source=source,
        details={"before": before, "per_day": str(per_day), "per_year": str(per_year)},
    )
    return ceiling


@transaction.atomic
def record_payment(
    *,
    actor: User,
    volunteer_id: int,
    day: dt.date,
    amount: Decimal,
    kind: str,
    note: str = "",
    source: str = "",
) -> AllowancePayment:
    """Record one allowance payment (or, with a negative amount, a correction)."""
    permissions.require(actor, "kern.manage_shifts")
    amount = _money(amount, field="amount")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise DomainError(
            _("Keep the note under %(max)d characters.") % {"max": MAX_NOTE}, field="note"
        )
    if amount == 0:
        raise DomainError(_("An amount of € 0 is not a payment."), field="amount")
    if kind not in KINDS:
        raise DomainError(_("Choose flat-rate allowance or actual costs."), field="kind")
    volunteer = (
        Volunteer.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk=volunteer_id)
        .first()
    )
    if volunteer is None:
        raise NotFound(_("This volunteer is not known in Deelpunt."))
    name = volunteer.full_name
    year = day.year
    if amount < 0:
        _check_correction(volunteer, day=day, amount=amount, kind=kind, note=note)
    else:
        _check_not_mixed(volunteer, year=year, kind=kind)
        if kind == AllowancePayment.Kind.FLAT_RATE:
            _check_ceilings(volunteer, day=day, amount=amount)
    payment = AllowancePayment.objects.create(
        volunteer=volunteer, day=day, amount=amount, kind=kind, note=note, created_by=actor
    )
    audit.record(
        actor=actor,
        action="allowance_payment",
        obj=volunteer,
        source=source,
        details={
            "payment": payment.pk,
            "day": day.isoformat(),
            "amount": str(amount),
            "kind": kind,
            "volunteer": name,
        },
    )
    return payment


def _check_not_mixed(volunteer: Volunteer, *, year: int, kind: str) -> None:
    other = allowance_selectors.kinds_in_year(volunteer=volunteer, year=year) - {kind}
    if other:
        raise DomainError(
            _(
                "%(name)s already received %(other)s in %(year)d: flat-rate allowance and "
                "actual costs cannot be mixed for one volunteer in one year."
            )
            % {"name": volunteer.full_name, "other": KINDS[other.pop()], "year": year},
            code="allowance_kinds_mixed",
        )


def _check_ceilings(volunteer: Volunteer, *, day: dt.date, amount: Decimal) -> None:
    ceiling = allowance_selectors.ceiling_for(day.year)
    if ceiling is None:
        raise DomainError(
            _(
                "No allowance ceilings are set for %(year)d yet: a coordinator enters them "
                "under Allowances before any flat-rate allowance for that year is paid."
            )
            % {"year": day.year},
            code="allowance_no_ceiling",
        )
    flat = AllowancePayment.Kind.FLAT_RATE
    day_left = ceiling.per_day - allowance_selectors.paid_on_day(
        volunteer=volunteer, day=day, kind=flat
    )
    if amount > day_left:
        raise DomainError(
            _(
                "%(amount)s for %(name)s on %(day)s is over the ceiling of %(ceiling)s a day: "
                "%(left)s is left for that day."
            )
            % {
                "amount": euro(amount),
                "name": volunteer.full_name,
                "day": f"{day:%d/%m/%Y}",
                "ceiling": euro(ceiling.per_day),
                "left": euro(max(day_left, Decimal(0))),
            },
            code="allowance_over_day_ceiling",
            field="amount",
        )
    year_left = ceiling.per_year - allowance_selectors.paid_in_year(
        volunteer=volunteer, year=day.year, kind=flat
    )
    if amount > year_left:
        raise DomainError(
            _(
                "%(amount)s for %(name)s is over the ceiling of %(ceiling)s for %(year)d: "
                "%(left)s is left for this year."
            )
            % {
                "amount": euro(amount),
                "name": volunteer.full_name,
                "ceiling": euro(ceiling.per_year),
                "year": day.year,
                "left": euro(max(year_left, Decimal(0))),
            },
            code="allowance_over_year_ceiling",
            field="amount",
        )


def _check_correction(
    volunteer: Volunteer, *, day: dt.date, amount: Decimal, kind: str, note: str
) -> None:
    if not note:
        raise DomainError(
            _("A correction (a negative amount) needs a note saying why."), field="note"
        )
    paid = allowance_selectors.paid_on_day(volunteer=volunteer, day=day, kind=kind)
    if paid + amount < 0:
        raise DomainError(
            _(
                "%(name)s was paid %(paid)s as %(kind)s on %(day)s: a correction cannot "
                "take back more than that."
            )
            % {
                "name": volunteer.full_name,
                "paid": euro(paid),
                "kind": KINDS[kind],
                "day": f"{day:%d/%m/%Y}",
            },
            code="allowance_correction_too_large",
            field="amount",
        )
