"""Lendable items: matched by their Deelpunt item code, else by serial number."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kern import barcodes
from kern.errors import DomainError
from kern.models import Location, User
from rapportering.importers.base import (
    CREATE,
    UPDATE,
    Cells,
    Column,
    Done,
    Handler,
    Key,
    date,
    items_of,
    required,
    too_long,
    yes_no,
)
from voorraad import services
from voorraad.models import Donor, Item, ItemType

TEXT_FIELDS = {"maat": ("size", 30), "staat": ("condition", 10_000)}
DATE_FIELDS = {
    "verworven_op": "acquired_on",
    "fabricagedatum": "manufactured_on",
    "einde_levensduur": "end_of_life_on",
    "gewist_op": "wiped_on",
}


def _approval(value: str) -> str:
    wanted = value.strip().upper().replace(" ", "")
    for approval in Item.Approval:
        if approval.value and wanted.startswith(approval.value.upper()):
            return approval.value
    raise DomainError(
        _("goedkeuring: “%(value)s” is not R44/04 or R129.") % {"value": value},
        field="goedkeuring",
    )


class Items(Handler):
    kind = "uitleenobjecten"
    permission = "kern.manage_stock"
    list_url = "voorraad:item_list"
    note = gettext_lazy(
        "Matched by the Deelpunt item code (column code), else by serial number: a known "
        "item is updated. The type and the location must already exist; a new item is "
        "available. Dates as dd/mm/yyyy."
    )
    columns = (
        Column("type", ("item_type", "soort", "objecttype"), example="Kinderwagen"),
        Column("naam", ("name", "omschrijving", "description"), example="Joolz Hub"),
        Column("code", ("asset_tag", "item_code", "objectcode"), example=""),
        Column("serienummer", ("serial_number", "serial"), example="JH-2231"),
        Column("locatie", ("location", "bewaard_in", "kept_at"), example="Magazijn"),
        Column("maat", ("size",), example=""),
        Column("staat", ("condition", "toestand"), example="Goed, kleine kras"),
        Column("toebehoren", ("accessories",), example="regenhoes, voetenzak"),
        Column("verworven_op", ("acquired_on", "datum"), example="15/03/2025"),
        Column("schenker", ("donor",), example=""),
        Column("goedkeuring", ("approval",), example=""),
        Column("fabricagedatum", ("manufactured_on",), example=""),
        Column("einde_levensduur", ("end_of_life_on",), example=""),
        Column("crash", ("crashed", "ongeval"), example=""),
        Column("gewist_op", ("wiped_on",), example=""),
    )

    def keys(self, cells: Cells) -> list[Key]:
        keys = []
        if cells.get("code", "").strip():
            keys.append(Key("code:" + barcodes.normalise(cells["code"]), _("The code")))
        if cells.get("serienummer", "").strip():
            keys.append(
                Key("serie:" + cells["serienummer"].strip().lower(), _("The serial number"))
            )
        return keys

    def _match(self, cells: Cells) -> Item | None:
        code = cells.get("code", "").strip()
        if code:
            parsed = barcodes.decode(code, expect=barcodes.CodeType.ITEM)
            item = Item.objects.select_related("item_type").filter(pk=parsed.number).first()
            if item is None:
                raise DomainError(
                    _("There is no item with code %(code)s.") % {"code": code}, field="code"
                )
            return item
        serial = cells.get("serienummer", "").strip()
        if serial:
            matches = list(Item.objects.filter(serial_number__iexact=serial)[:2])
            if len(matches) > 1:
                raise DomainError(
                    _("Several items have serial number %(serial)s: give the item code.")
                    % {"serial": serial},
                    field="serienummer",
                )
            return matches[0] if matches else None
        return None

    def run(self, *, actor: User, cells: Cells) -> Done:
        item = self._match(cells)
        outcome = UPDATE if item is not None else CREATE
        if item is None:
            item = Item()
            required(cells, "type")
            required(cells, "naam")
            required(cells, "locatie")
        if cells.get("type", "").strip():
            item_type = ItemType.objects.filter(name__iexact=cells["type"].strip()).first()
            if item_type is None:
                raise DomainError(
                    _("There is no item type %(name)s: create it first.")
                    % {"name": cells["type"].strip()},
                    field="type",
                )
            item.item_type = item_type
        if cells.get("naam", "").strip():
            if len(cells["naam"].strip()) > 150:
                raise too_long("naam", 150)
            item.name = cells["naam"].strip()
        if cells.get("locatie", "").strip():
            location = Location.objects.filter(name__iexact=cells["locatie"].strip()).first()
            if location is None:
                raise DomainError(
                    _("There is no location %(name)s.") % {"name": cells["locatie"].strip()},
                    field="locatie",
                )
            item.location = location
        if cells.get("serienummer", "").strip():
            item.serial_number = cells["serienummer"].strip()
        for column, (attribute, most) in TEXT_FIELDS.items():
            if cells.get(column, "").strip():
                if len(cells[column].strip()) > most:
                    raise too_long(column, most)
                setattr(item, attribute, cells[column].strip())
        if cells.get("toebehoren", "").strip():
            item.accessories = items_of(cells, "toebehoren", separators=",;|\n")
        for column, attribute in DATE_FIELDS.items():
            day = date(cells, column)
            if day is not None:
                setattr(item, attribute, day)
        if cells.get("schenker", "").strip():
            donor = Donor.objects.filter(name__iexact=cells["schenker"].strip()).first()
            if donor is None:
                raise DomainError(
                    _("There is no donor %(name)s.") % {"name": cells["schenker"].strip()},
                    field="schenker",
                )
            item.donor = donor
        if cells.get("goedkeuring", "").strip():
            item.approval = _approval(cells["goedkeuring"])
        crashed = yes_no(cells, "crash")
        if crashed is not None:
            item.crashed = crashed
        item = services.save_item(actor=actor, item=item, note=_("imported"))
        return Done(outcome, item)

    def url_of(self, object_id: int) -> str:
        return reverse("voorraad:item_detail", args=[object_id])
