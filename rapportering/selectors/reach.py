"""Reach: the households served in the period, their children, first-time versus
returning, per municipality and per program.

A household is reached by any counter action in the period within the filter: a
distribution that was not corrected (seasonal packages are handed out with one), a loan
lent or brought back, a membership paid, swap points earned or spent. It is first-time
when it had no such action (within the same programs and points) before the period."""

from __future__ import annotations

import operator
from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce

from django.db.models import Count, Exists, OuterRef
from django.utils.translation import gettext as _

from kern.models import Municipality
from rapportering import anonymity
from rapportering.selectors.filters import ReportFilter
from rapportering.selectors.report import KeyFigure, Table
from rapportering.selectors.scope import Group, breakdown_rows, handed_out, moment_in, scoped
from toegang.models import Child, Household, Program
from uitlening.models import Distribution, Loan, Membership, PointsEntry

# (household, municipality, program or None)
Action = tuple[int, int | None, int | None]


@dataclass
class Reach:
    households: set[int] = field(default_factory=set)
    municipality_of: dict[int, int | None] = field(default_factory=dict)
    by_program: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    returning: set[int] = field(default_factory=set)
    children_of: dict[int, int] = field(default_factory=dict)

    def children(self, households: set[int]) -> int:
        return sum(self.children_of.get(pk, 0) for pk in households)


def swap_programs(filters: ReportFilter) -> list[int]:
    """The swap shop programs the filter covers: points entries carry no program, so they
    belong to the swap shop (the first one, when there are several)."""
    programs = Program.objects.filter(kind=Program.Kind.SWAP_SHOP)
    if filters.programs:
        programs = programs.filter(pk__in=filters.programs)
    return list(programs.order_by("pk").values_list("pk", flat=True))


def actions(filters: ReportFilter) -> set[Action]:
    """The distinct (household, municipality, program) of the actions in the period."""
    found: set[Action] = set()
    lines = handed_out(filters)
    # order_by(): the lines' default ordering by id would otherwise join the DISTINCT and
    # bring every line of the period into Python instead of one row per household.
    found.update(
        lines.values_list(
            "distribution__household_id", "distribution__household__municipality_id", "program_id"
        )
        .order_by()
        .distinct()
    )
    loan_scope = scoped(filters, program="program", household="household")
    lent = Loan.objects.filter(
        moment_in(filters, "lent_at"), loan_scope, scoped(filters, location="location")
    )
    back = Loan.objects.filter(
        moment_in(filters, "returned_at"), loan_scope, scoped(filters, location="return_location")
    )
    paid = Membership.objects.filter(
        moment_in(filters, "paid_at"),
        scoped(filters, program="program", location="location", household="household"),
    )
    for queryset in (lent, back, paid):
        found.update(
            queryset.values_list("household_id", "household__municipality_id", "program_id")
            .order_by()
            .distinct()
        )
    swap = swap_programs(filters)
    if swap or not filters.programs:
        points = PointsEntry.objects.filter(
            moment_in(filters, "created_at"),
            scoped(filters, location="location", household="household"),
            kind__in=[PointsEntry.Kind.EARN, PointsEntry.Kind.SPEND],
        )
        program = swap[0] if swap else None
        found.update(
            (household, municipality, program)
            for household, municipality in points.values_list(
                "household_id", "household__municipality_id"
            )
            .order_by()
            .distinct()
        )
    return found


def households_reached(filters: ReportFilter) -> int:
    """The number of households reached in the period within the filter: the one
    definition of "households reached/served" (the report's key figure, the dashboard's
    households this month)."""
    return len({household for household, _municipality, _program in actions(filters)})


def seen_before(filters: ReportFilter) -> set[int]:
    """The households with an action before the period, within its programs and points:
    one probe per household along the (household, time) indexes, rather than reading
    the whole history."""
    household = OuterRef("pk")
    before = filters.since
    distributions = Distribution.objects.filter(
        scoped(filters, program="lines__program", location="location"),
        household=household,
        created_at__lt=before,
        corrected_at__isnull=True,
    )
    loan_scope = scoped(filters, program="program")
    lent = Loan.objects.filter(
        loan_scope, scoped(filters, location="location"), household=household, lent_at__lt=before
    )
    back = Loan.objects.filter(
        loan_scope,
        scoped(filters, location="return_location"),
        household=household,
        returned_at__lt=before,
    )
    paid = Membership.objects.filter(
        scoped(filters, program="program", location="location"),
        household=household,
        paid_at__lt=before,
    )
    earlier = [Exists(distributions), Exists(lent), Exists(back), Exists(paid)]
    if swap_programs(filters) or not filters.programs:
        earlier.append(
            Exists(
                PointsEntry.objects.filter(
                    scoped(filters, location="location"),
                    household=household,
                    created_at__lt=before,
                    kind__in=[PointsEntry.Kind.EARN, PointsEntry.Kind.SPEND],
                )
            )
        )
    households = Household.objects.all()
    if filters.municipalities:
        households = households.filter(municipality__in=filters.municipalities)
    return set(households.filter(reduce(operator.or_, earlier)).values_list("pk", flat=True))


def reach(filters: ReportFilter) -> Reach:
    result = Reach()
    for household, municipality, program in actions(filters):
        result.households.add(household)
        result.municipality_of[household] = municipality
        if program is not None:
            result.by_program[program].add(household)
    if result.households:
        result.returning = result.households & seen_before(filters)
        counts = Child.objects.values_list("household_id").annotate(n=Count("id")).order_by()
        if filters.municipalities:
            counts = counts.filter(household__municipality__in=filters.municipalities)
        result.children_of = dict(counts)
    return result


def section(
    filters: ReportFilter, *, tables: bool = True
) -> tuple[list[KeyFigure], list[Table], Reach]:
    found = reach(filters)
    total = len(found.households)
    returning = len(found.returning)
    first = total - returning
    hidden = hidden_cells(found)
    key_figures = [
        KeyFigure("households_reached", _("Households reached"), anonymity.households(total)),
        KeyFigure(
            "children_reached",
            _("Children in those households"),
            anonymity.about(found.children(found.households), households=total),
        ),
        KeyFigure(
            "first_time_households",
            _("Households reached for the first time"),
            anonymity.Figure(None) if FIRST in hidden else anonymity.households(first),
        ),
        KeyFigure(
            "returning_households",
            _("Returning households"),
            anonymity.Figure(None) if RETURNING in hidden else anonymity.households(returning),
        ),
    ]
    if not tables:
        return key_figures, [], found
    return key_figures, [by_municipality(found, hidden), by_program(found)], found


# A cell of the per-municipality table: ("households" | "first" | "returning",
# municipality or None); the key figures use the municipality key ``ALL``.
Cell = tuple[str, int | str | None]
ALL = "all"
FIRST: Cell = ("first", ALL)
RETURNING: Cell = ("returning", ALL)


def members_per_municipality(found: Reach) -> dict[int | None, set[int]]:
    members: dict[int | None, set[int]] = defaultdict(set)
    for household, municipality in found.municipality_of.items():
        members[municipality].add(household)
    return members


def hidden_cells(found: Reach) -> set[Cell]:
    """The cells of the per-municipality table and of the first-time/returning key
    figures to hide. Each municipality's households split into first-time and returning,
    each of those columns adds up to its key figure and the key figures to the households
    reached: a hidden cell must not be any of those sums minus what is shown. A hidden
    municipality hides its split with it."""
    members = members_per_municipality(found)
    total = len(found.households)
    returning = len(found.returning)
    sizes: dict[Cell, int] = {
        ("households", ALL): total,
        FIRST: total - returning,
        RETURNING: returning,
    }
    follows: dict[Cell, list[Cell]] = {}
    for pk, households in members.items():
        back = len(households & found.returning)
        sizes[("households", pk)] = len(households)
        sizes[("first", pk)] = len(households) - back
        sizes[("returning", pk)] = back
        follows[("households", pk)] = [("first", pk), ("returning", pk)]
    keys = sorted_municipalities(members)
    sums: list[tuple[Cell, list[Cell]]] = [
        (("households", ALL), [FIRST, RETURNING]),
        (("households", ALL), [("households", pk) for pk in keys]),
        (FIRST, [("first", pk) for pk in keys]),
        (RETURNING, [("returning", pk) for pk in keys]),
    ]
    sums.extend((("households", pk), [("first", pk), ("returning", pk)]) for pk in keys)
    return anonymity.mask_sums(sizes, sums, follows=follows)


def municipality_names(members: dict[int | None, set[int]]) -> dict[int, str]:
    return dict(
        Municipality.objects.filter(pk__in=[pk for pk in members if pk]).values_list("pk", "name")
    )


def sorted_municipalities(
    members: dict[int | None, set[int]], names: dict[int, str] | None = None
) -> list[int | None]:
    names = municipality_names(members) if names is None else names
    return sorted(members, key=lambda pk: (pk is None, names.get(pk or 0, ""), pk or 0))


def by_municipality(found: Reach, hidden: set[Cell] | None = None) -> Table:
    hidden = hidden_cells(found) if hidden is None else hidden
    members = members_per_municipality(found)
    names = municipality_names(members)
    keys = sorted_municipalities(members, names)
    groups = [
        Group(
            labels=[names.get(pk, "") if pk else _("Municipality unknown")],
            households=len(members[pk]),
            about=[found.children(members[pk])],
        )
        for pk in keys
    ]
    rows = breakdown_rows(
        groups, hidden={i for i, pk in enumerate(keys) if ("households", pk) in hidden}
    )
    # First-time and returning split each row: two cells that add up to its households.
    for row, pk in zip(rows, keys, strict=True):
        returning = len(members[pk] & found.returning)
        first = len(members[pk]) - returning
        row.extend(
            anonymity.Figure(None) if (column, pk) in hidden else anonymity.households(n)
            for column, n in (("first", first), ("returning", returning))
        )
    return Table(
        key="reach_by_municipality",
        title=_("Households reached per municipality"),
        columns=[
            _("Municipality"),
            _("Households"),
            _("Children"),
            _("First time"),
            _("Returning"),
        ],
        rows=rows,
        note=_("Municipality where the household lives."),
        section="reach",
    )


def by_program(found: Reach) -> Table:
    names = dict(Program.objects.filter(pk__in=list(found.by_program)).values_list("pk", "name"))
    keys = sorted(found.by_program, key=lambda pk: names.get(pk, ""))
    groups = [
        Group(
            labels=[names.get(pk, "")],
            households=len(found.by_program[pk]),
            about=[found.children(found.by_program[pk])],
        )
        for pk in keys
    ]
    return Table(
        key="reach_by_program",
        title=_("Households reached per program"),
        columns=[_("Program"), _("Households"), _("Children")],
        rows=breakdown_rows(groups),
        note=_("A household served by several programs counts once in each."),
        section="reach",
    )
