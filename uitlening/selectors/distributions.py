"""Reads of distributions: the packs a household took (the quota ``toegang`` shows is
real because of it) and the plan of a basket of consumables, with every refusal.

``plan_distribution`` is the one home of the distribution rules: the counter's preview
(``price_basket``) shows its refusals, and ``record_distribution`` / ``confirm_visit``
run it again under the household's lock and refuse what it refuses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from kern.models import Location
from toegang.models import Household, Program
from uitlening.models import Distribution, DistributionLine
from uitlening.selectors.lines import ProductLine, Refusal
from uitlening.selectors.programs import Entitlements, program_for
from voorraad import selectors as stock
from voorraad.models import Product
from voorraad.services import MAX_UNITS_PER_LINE

_PACKS_TAKEN_SQL = (
    "SELECT COALESCE(SUM(line.packs), 0)"
    f" FROM {DistributionLine._meta.db_table} line"
    f" JOIN {Distribution._meta.db_table} d ON d.id = line.distribution_id"
    " WHERE d.household_id = %s AND d.corrected_at IS NULL AND d.created_at >= %s"
    " AND line.program_id = %s"
)


def packs_taken(*, household: Household, program: Program, since: dt.date) -> int:
    """Packs of ``program`` the household took at a counter from ``since`` (inclusive):
    the lines of its distributions that were not corrected. Registered with ``toegang``
    as the quota provider (see ``UitleningConfig.ready``). Plain SQL: every check-in asks
    this once per program with a quota, and building the ORM aggregate cost several times
    the query (index ``household, created_at``)."""
    start = dt.datetime.combine(since, dt.time.min, tzinfo=timezone.get_current_timezone())
    with connection.cursor() as cursor:
        cursor.execute(
            _PACKS_TAKEN_SQL,
            [household.pk, connection.ops.adapt_datetimefield_value(start), program.pk],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


@dataclass(frozen=True)
class LinePlan:
    """One product of the basket (repeated scans of a product added up)."""

    product: Product
    packs: int
    units: int
    program: Program | None
    refusals: tuple[Refusal, ...] = ()


@dataclass(frozen=True)
class ProgramQuota:
    """A program's quota over the basket. ``remaining_*`` is None without a quota."""

    program: Program
    quota_packs: int | None
    remaining_before: int | None
    in_basket: int
    contribution: Decimal

    @property
    def remaining_after(self) -> int | None:
        if self.remaining_before is None:
            return None
        return max(0, self.remaining_before - self.in_basket)

    @property
    def over_by(self) -> int:
        if self.remaining_before is None:
            return 0
        return max(0, self.in_basket - self.remaining_before)


@dataclass(frozen=True)
class DistributionPlan:
    lines: list[LinePlan]
    programs: list[ProgramQuota]
    contribution: Decimal  # per visit, once per program in the basket
    refusals: list[Refusal] = field(default_factory=list)

    @property
    def blocking(self) -> list[Refusal]:
        return [r for r in self.refusals if not r.overridable]

    @property
    def overridable(self) -> list[Refusal]:
        return [r for r in self.refusals if r.overridable]


def _packs(line: ProductLine) -> int | str:
    """The packs of a line as a positive whole number, or a refusal message."""
    packs = line.packs
    if isinstance(packs, bool) or not isinstance(packs, int) or packs < 1:
        return _(
            "%(product)s: the number of packs must be a whole number from 1, not %(packs)s."
        ) % {
            "product": line.product.name,
            "packs": packs,
        }
    if packs * line.product.pack_size > MAX_UNITS_PER_LINE:
        return _("%(product)s: %(packs)d packs is more than Deelpunt hands out at once.") % {
            "product": line.product.name,
            "packs": packs,
        }
    return packs


def plan_distribution(
    *,
    household: Household,
    location: Location,
    lines: Sequence[ProductLine],
    entitlements: Entitlements | None = None,
    on: dt.date | None = None,
) -> DistributionPlan:
    """Every product line with its program and units, the quota per program over the
    whole basket, the contribution due, and every refusal with its reason: no program,
    no access, a quota exceeded (a coordinator may override), too little stock here,
    an inactive product, a wrong number of packs."""
    on = on or timezone.localdate()
    entitlements = entitlements or Entitlements(household=household, location=location, on=on)
    refusals: list[Refusal] = []
    merged: dict[int, tuple[Product, int, int]] = {}  # product -> (product, packs, first index)
    for index, line in enumerate(lines):
        packs = _packs(line)
        if isinstance(packs, str):
            refusals.append(Refusal("invalid_packs", packs, line=index))
            continue
        product, before, first = merged.get(line.product.pk, (line.product, 0, index))
        merged[line.product.pk] = (product, before + packs, first)

    plans: list[LinePlan] = []
    quotas: dict[int, ProgramQuota] = {}
    for product, packs, index in merged.values():
        line_refusals: list[Refusal] = []
        units = packs * product.pack_size
        if not product.is_active:
            line_refusals.append(
                Refusal(
                    "inactive_product",
                    _("%(product)s is no longer handed out.") % {"product": product.name},
                    line=index,
                )
            )
        choice = program_for(
            category_id=product.category_id, good=product.name, entitlements=entitlements
        )
        program = choice.program
        if program is None:
            line_refusals.append(Refusal(choice.refusal_code, choice.refusal, line=index))
        elif program.kind == Program.Kind.SWAP_SHOP:
            # Swap-shop goods cost points; the points ledger (the swap-shop part of the
            # household panel) takes them out of stock, never a free hand-out.
            line_refusals.append(
                Refusal(
                    "swap_shop_goods",
                    _(
                        "%(product)s belongs to the %(program)s: it is taken with swap points "
                        "(the swap-shop part of the household panel), not in the basket."
                    )
                    % {"product": product.name, "program": program.name},
                    line=index,
                )
            )
        else:
            assert choice.entitlement is not None
            entitlement = choice.entitlement
            quota = quotas.get(program.pk) or ProgramQuota(
                program=program,
                quota_packs=entitlement.quota_packs,
                remaining_before=entitlement.quota_remaining,
                in_basket=0,
                contribution=entitlement.contribution,
            )
            left = quota.remaining_after
            if left is not None and packs > left:
                line_refusals.append(
                    Refusal(
                        "over_quota",
                        _(
                            "%(product)s (%(program)s): %(left)d packs left this period for "
                            "household %(household)s, %(asked)d asked."
                        )
                        % {
                            "product": product.name,
                            "program": program.name,
                            "left": left,
                            "household": household.code,
                            "asked": packs,
                        },
                        overridable=True,
                        line=index,
                    )
                )
            quotas[program.pk] = ProgramQuota(
                program=quota.program,
                quota_packs=quota.quota_packs,
                remaining_before=quota.remaining_before,
                in_basket=quota.in_basket + packs,
                contribution=quota.contribution,
            )
        on_hand = stock.level_of(product=product, location=location)
        if units > on_hand:
            line_refusals.append(
                Refusal(
                    "insufficient_stock",
                    _("%(product)s: %(left)d packs left at %(location)s, %(asked)d asked.")
                    % {
                        "product": product.name,
                        "left": on_hand // product.pack_size,
                        "location": location.name,
                        "asked": packs,
                    },
                    line=index,
                )
            )
        plans.append(LinePlan(product, packs, units, program, tuple(line_refusals)))
        refusals.extend(line_refusals)
    return DistributionPlan(
        lines=plans,
        programs=list(quotas.values()),
        contribution=sum((q.contribution for q in quotas.values()), Decimal("0")),
        refusals=refusals,
    )
