"""Donors: matched by name."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kern.errors import DomainError
from kern.models import User
from rapportering.importers.base import (
    CREATE,
    UPDATE,
    Cells,
    Column,
    Done,
    Handler,
    Key,
    normalise_header,
    required,
    yes_no,
)
from voorraad import services
from voorraad.models import Donor

# Column → model field, for the plain text fields.
TEXT_FIELDS = {
    "contactpersoon": "contact_person",
    "email": "email",
    "telefoon": "phone",
    "straat": "street",
    "postcode": "postcode",
    "gemeente": "city",
    "notities": "notes",
}


def donor_kind(value: str) -> str:
    wanted = normalise_header(value)
    for kind in Donor.Kind:
        if wanted in (normalise_header(kind.value), normalise_header(str(kind.label))):
            return kind.value
    raise DomainError(
        _("soort: “%(value)s” is not a kind of donor. Use one of: %(kinds)s.")
        % {"value": value, "kinds": ", ".join(k.value for k in Donor.Kind)},
        field="soort",
    )


class Donors(Handler):
    kind = "schenkers"
    permission = "kern.manage_stock"
    # A resident donor's row holds a name, e-mail, phone and street: audited like people.
    personal = True
    list_url = "voorraad:donor_list"
    note = gettext_lazy(
        "Matched by name: a known donor is updated with the filled-in cells. "
        "Kinds: school, bibliotheek, kinderopvang, huis_van_het_kind, bedrijf, inwoner, "
        "anoniem, organisatie."
    )
    columns = (
        Column("naam", ("name", "donor"), required=True, example="Basisschool De Regenboog"),
        Column("soort", ("kind", "type"), example="school"),
        Column("contactpersoon", ("contact", "contact_person"), example="Els Peeters"),
        Column("email", ("e_mail", "mail"), example="info@regenboog.be"),
        Column("telefoon", ("phone", "tel"), example="09 123 45 67"),
        Column("straat", ("street", "adres", "address"), example="Schoolstraat 1"),
        Column("postcode", ("postal_code", "zip"), example="9000"),
        Column("gemeente", ("city", "plaats", "town"), example="Gent"),
        Column("bedankbrief", ("wants_receipt", "receipt"), example="ja"),
        Column("notities", ("notes", "opmerkingen"), example=""),
    )

    def keys(self, cells: Cells) -> list[Key]:
        return [Key("naam:" + cells.get("naam", "").strip().lower(), _("The name"))]

    def run(self, *, actor: User, cells: Cells) -> Done:
        name = required(cells, "naam")
        matches = list(Donor.objects.filter(name__iexact=name)[:2])
        if len(matches) > 1:
            raise DomainError(
                _("There are several donors called %(name)s: change this one on its page.")
                % {"name": name}
            )
        donor = matches[0] if matches else None
        outcome = UPDATE if donor is not None else CREATE
        if donor is None:
            donor = Donor(name=name, kind=Donor.Kind.RESIDENT)
        else:
            donor.name = name
        if cells.get("soort", "").strip():
            donor.kind = donor_kind(cells["soort"])
        elif outcome == CREATE:
            raise DomainError(_("A new donor needs a kind (soort)."), field="soort")
        for column, attribute in TEXT_FIELDS.items():
            if cells.get(column, "").strip():
                setattr(donor, attribute, cells[column].strip())
        receipt = yes_no(cells, "bedankbrief")
        if receipt is not None:
            donor.wants_receipt = receipt
        donor = services.save_donor(actor=actor, donor=donor)
        return Done(outcome, donor)

    def url_of(self, object_id: int) -> str:
        return reverse("voorraad:donor_detail", args=[object_id])
