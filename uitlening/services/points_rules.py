"""The swap shop's settings, a coordinator's work: what a piece of each category is worth
in points (``PointsRate``) and the rules of the swap-shop program (``PointsScheme``:
grants, the cap per period, expiry). The ledger itself is ``services.points``."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from kern import audit, permissions
from kern.errors import DomainError
from kern.models import User
from toegang.models import Program
from uitlening.models import PointsRate, PointsScheme
from voorraad.models import Category


@transaction.atomic
def save_points_rate(
    *,
    actor: User,
    category: Category,
    earn_points: int,
    spend_points: int,
    source: str = "",
) -> PointsRate:
    """What a piece of ``category`` is worth in the swap shop (a coordinator's
    setting; 0 means it cannot be brought, or taken, for points)."""
    permissions.require(actor, "kern.manage_programs")
    for name, value in (("earn_points", earn_points), ("spend_points", spend_points)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10_000:
            raise DomainError(_("Give a number of points from 0 to 10000."), field=name)
    rate, _created = PointsRate.objects.update_or_create(
        category=category, defaults={"earn_points": earn_points, "spend_points": spend_points}
    )
    audit.record(
        actor=actor,
        action="save_points_rate",
        obj=rate,
        source=source,
        details={"category": category.name, "earn": earn_points, "spend": spend_points},
    )
    return rate


@transaction.atomic
def save_points_scheme(
    *,
    actor: User,
    program: Program,
    grant_per_adult: int,
    grant_per_child: int,
    grant_period_days: int,
    spend_cap: int | None,
    cap_period_days: int,
    expiry_days: int | None,
    source: str = "",
) -> PointsScheme:
    """The rules of a swap shop program (a coordinator's setting): the grant per adult
    and per child per period, the most points spent per period (None: no cap), and after
    how many days earned and granted points expire (None: never). Points already earned
    keep the expiry they got."""
    permissions.require(actor, "kern.manage_programs")
    if program.kind != Program.Kind.SWAP_SHOP:
        raise DomainError(
            _("%(program)s is not a swap shop.") % {"program": program.name}, field="program"
        )
    numbers = {
        "grant_per_adult": (grant_per_adult, 0, 10_000),
        "grant_per_child": (grant_per_child, 0, 10_000),
        "grant_period_days": (grant_period_days, 1, 3650),
        "spend_cap": (spend_cap, 0, 1_000_000),
        "cap_period_days": (cap_period_days, 1, 3650),
        "expiry_days": (expiry_days, 1, 3650),
    }
    for name, (value, low, high) in numbers.items():
        if value is None and name in ("spend_cap", "expiry_days"):
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise DomainError(
                _("Give a whole number from %(low)d to %(high)d.") % {"low": low, "high": high},
                field=name,
            )
    scheme, _created = PointsScheme.objects.update_or_create(
        program=program,
        defaults={
            "grant_per_adult": grant_per_adult,
            "grant_per_child": grant_per_child,
            "grant_period_days": grant_period_days,
            "spend_cap": spend_cap,
            "cap_period_days": cap_period_days,
            "expiry_days": expiry_days,
        },
    )
    audit.record(
        actor=actor,
        action="save_points_scheme",
        obj=scheme,
        source=source,
        details={name: value for name, (value, _low, _high) in numbers.items()},
    )
    return scheme
