"""Households, with the minimum the programs need: postcode (or municipality), adults,
the children's birth months and the preferred language. No names and no contact data:
those are kept only with the family's own consent, which a spreadsheet cannot give.
Households are only created (a pseudonymous family has no key a file could match on)."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kern.errors import DomainError
from kern.models import Municipality, User
from rapportering.importers.base import (
    CREATE,
    Cells,
    Column,
    Done,
    Handler,
    items_of,
    whole_number,
)
from toegang import services
from toegang.models import Household

_MONTH = re.compile(r"^(\d{1,2})[/\-.](\d{4})$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})(?:-\d{1,2})?$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z]{2,4})?$")
LANGUAGE_NAMES = {
    "nederlands": "nl",
    "frans": "fr",
    "engels": "en",
    "duits": "de",
    "arabisch": "ar",
    "turks": "tr",
    "pools": "pl",
    "roemeens": "ro",
    "bulgaars": "bg",
    "spaans": "es",
    "russisch": "ru",
    "oekraiens": "uk",
    "oekraïens": "uk",
    "perzisch": "fa",
}


def children_of(cells: Cells) -> list[services.ChildIn]:
    children = []
    for part in items_of(cells, "kinderen", separators=",;| \n"):
        match = _MONTH.match(part)
        iso = _ISO_MONTH.match(part)
        if match:
            month, year = int(match.group(1)), int(match.group(2))
        elif iso:
            year, month = int(iso.group(1)), int(iso.group(2))
        else:
            raise DomainError(
                _("kinderen: “%(value)s” is not a birth month; write mm/jjjj, e.g. 03/2024.")
                % {"value": part},
                field="kinderen",
            )
        children.append(services.ChildIn(birth_year=year, birth_month=month))
    return children


def language_of(cells: Cells) -> str:
    value = cells.get("taal", "").strip().lower()
    if not value:
        return "nl"
    value = LANGUAGE_NAMES.get(value, value)
    if not _LANGUAGE.match(value):
        raise DomainError(
            _("taal: “%(value)s” is not a language code such as nl, fr, en or ar.")
            % {"value": value},
            field="taal",
        )
    return value


class Households(Handler):
    kind = "gezinnen"
    permission = "kern.manage_programs"
    personal = True
    note = gettext_lazy(
        "Only the minimum: postcode (or municipality), number of adults, the children's "
        "birth months (mm/yyyy, several separated by a comma) and the preferred language. "
        "No names or contact details: those need the family's own consent. Every row "
        "creates a new household; nothing is updated."
    )
    columns = (
        Column("postcode", ("postal_code", "zip"), example="9000"),
        Column("gemeente", ("municipality",), example="Gent"),
        Column("volwassenen", ("adults",), example="2"),
        Column(
            "kinderen", ("children", "geboortemaanden", "birth_months"), example="03/2024, 11/2021"
        ),
        Column("taal", ("language", "voorkeurtaal"), example="nl"),
    )

    def run(self, *, actor: User, cells: Cells) -> Done:
        postcode = cells.get("postcode", "").strip()
        municipality_name = cells.get("gemeente", "").strip()
        if municipality_name:
            municipality = Municipality.objects.filter(name__iexact=municipality_name).first()
            if municipality is None:
                raise DomainError(
                    _("There is no municipality %(name)s.") % {"name": municipality_name},
                    field="gemeente",
                )
            if not postcode:
                if not municipality.postcodes:
                    raise DomainError(
                        _("%(name)s has no postcodes: give the postcode.")
                        % {"name": municipality.name},
                        field="postcode",
                    )
                postcode = str(municipality.postcodes[0])
            elif postcode not in (municipality.postcodes or []):
                raise DomainError(
                    _("Postcode %(postcode)s is not in %(name)s.")
                    % {"postcode": postcode, "name": municipality.name},
                    field="postcode",
                )
        if not postcode:
            raise DomainError(_("Give a postcode or a municipality."), field="postcode")
        adults = whole_number(cells, "volwassenen", default=1)
        household: Household = services.register_household(
            actor=actor,
            postcode=postcode,
            children=children_of(cells),
            adults=adults or 0,
            language=language_of(cells),
            source="import",
        )
        return Done(CREATE, household)
