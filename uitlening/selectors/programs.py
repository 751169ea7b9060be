"""Which program a good belongs to: ``ProgramCategory`` says "program P hands out or
lends what is in category C". When several active programs take a category, the good
goes with the first (by name) the household is allowed in at this point."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from kern.models import Location
from kern.prepared import PreparedQuery
from toegang import selectors as access
from toegang.models import Household, Program
from uitlening.models import ProgramCategory


def programs_for_category(category_id: int) -> list[Program]:
    """The active programs that take this category, by name."""
    return [
        link.program
        for link in ProgramCategory.objects.filter(
            category_id=category_id, program__is_active=True
        ).select_related("program")
    ]


_PROGRAM_NAMES = PreparedQuery(
    lambda category_id: ProgramCategory.objects.filter(
        category_id=category_id, program__is_active=True
    ).values_list("program_id", "program__name")
)


def program_names_for_category(category_id: int) -> list[tuple[int, str]]:
    """(id, name) of ``programs_for_category``, in the same order: what a scan shows,
    without building Program objects (compiled once, see ``kern.prepared``)."""
    return [(pk, name) for pk, name in _PROGRAM_NAMES.rows(category_id=category_id)]


@dataclass
class Entitlements:
    """Entitlements of one household at one point on one day, each computed once, from
    the household's facts read once (``HouseholdFacts``)."""

    household: Household
    location: Location
    on: dt.date
    _cache: dict[int, access.Entitlement] = field(default_factory=dict, init=False, repr=False)
    _categories: dict[int, list[Program]] = field(default_factory=dict, init=False, repr=False)
    _facts: access.HouseholdFacts | None = field(default=None, init=False, repr=False)

    def of(self, program: Program) -> access.Entitlement:
        if program.pk not in self._cache:
            if self._facts is None:  # read once for all programs of this basket
                self._facts = access.HouseholdFacts(self.household, on=self.on)
            self._cache[program.pk] = access.entitlement(
                household=self.household, program=program, location=self.location, facts=self._facts
            )
        return self._cache[program.pk]

    def programs_for(self, category_id: int) -> list[Program]:
        """``programs_for_category``, read once per category for this basket (a basket of
        diapers has many products of one category)."""
        if category_id not in self._categories:
            self._categories[category_id] = programs_for_category(category_id)
        return self._categories[category_id]


@dataclass(frozen=True)
class ProgramChoice:
    program: Program | None
    entitlement: access.Entitlement | None
    refusal_code: str = ""
    refusal: str = ""


def program_for(*, category_id: int, good: str, entitlements: Entitlements) -> ProgramChoice:
    """The program ``good`` (a product or item name, for messages) goes out under for
    this household, or why there is none."""
    programs = entitlements.programs_for(category_id)
    if not programs:
        return ProgramChoice(
            None,
            None,
            "no_program",
            _("%(good)s belongs to no program: a coordinator links its category to a program.")
            % {"good": good},
        )
    for program in programs:
        entitlement = entitlements.of(program)
        if entitlement.allowed:
            return ProgramChoice(program, entitlement)
    first = entitlements.of(programs[0])
    return ProgramChoice(
        None,
        first,
        "no_access",
        _("%(good)s for household %(household)s: %(explanation)s")
        % {
            "good": good,
            "household": entitlements.household.code,
            "explanation": first.explanation,
        },
    )
