"""Lendable items: their types, status, safety data and history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kern import barcodes
from kern.models import Location
from voorraad.models.catalogue import Category
from voorraad.models.documents import Donor


class ItemType(models.Model):
    class Safety(models.TextChoices):
        NONE = "", _("none")
        CAR_SEAT = "autostoel", _("car seat")
        LAPTOP = "laptop", _("laptop")

    name = models.CharField(_("name"), max_length=100, unique=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="item_types"
    )
    safety = models.CharField(
        _("safety data"), max_length=12, choices=Safety.choices, blank=True, default=""
    )
    description = models.TextField(
        _("short description"),
        blank=True,
        help_text=_("For families in the public catalogue, e.g. what age or height it suits."),
    )
    default_accessories = models.JSONField(
        _("default accessories"), default=list, blank=True, help_text=_("E.g. rain cover, charger.")
    )

    class Meta:
        verbose_name = _("item type")
        verbose_name_plural = _("item types")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    class Status(models.TextChoices):
        AVAILABLE = "beschikbaar", _("available")
        ON_LOAN = "uitgeleend", _("on loan")
        RESERVED = "gereserveerd", _("reserved")
        IN_REPAIR = "herstelling", _("in repair")
        RETIRED = "afgevoerd", _("retired")

    class Approval(models.TextChoices):
        NONE = "", _("—")
        R44_04 = "R44/04", "R44/04"
        R129 = "R129", "R129 (i-Size)"

    item_type = models.ForeignKey(
        ItemType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="items"
    )
    name = models.CharField(
        _("description"), max_length=150, help_text=_("Brand and model, e.g. Joolz Hub.")
    )
    size = models.CharField(
        _("size"), max_length=30, blank=True, help_text=_('E.g. 20" or 0–13 kg.')
    )
    status = models.CharField(
        _("status"), max_length=15, choices=Status.choices, default=Status.AVAILABLE
    )
    held_for = models.CharField(
        _("held for"),
        max_length=40,
        blank=True,
        help_text=_("Whom a reserved item is kept for, e.g. a household code."),
    )
    location = models.ForeignKey(
        Location, verbose_name=_("kept at"), on_delete=models.PROTECT, related_name="items"
    )
    condition = models.TextField(_("condition"), blank=True)
    accessories = models.JSONField(_("accessories"), default=list, blank=True)
    acquired_on = models.DateField(_("acquired on"), null=True, blank=True)
    donor = models.ForeignKey(
        Donor,
        verbose_name=_("donor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
    )
    # car seats
    approval = models.CharField(
        _("approval"), max_length=10, choices=Approval.choices, blank=True, default=""
    )
    manufactured_on = models.DateField(_("manufacture date"), null=True, blank=True)
    end_of_life_on = models.DateField(_("advised end of life"), null=True, blank=True)
    crashed = models.BooleanField(_("has been in a crash"), default=False)
    # laptops
    serial_number = models.CharField(_("serial number"), max_length=60, blank=True)
    wiped_on = models.DateField(_("wiped and reinstalled on"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["item_type__name", "id"]
        indexes = [models.Index(fields=["item_type", "status"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})" if self.pk else self.name

    @property
    def code(self) -> str:
        return barcodes.encode(barcodes.CodeType.ITEM, self.pk)


class ItemEvent(models.Model):
    """Every status change (and condition note) of an item, append-only."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("from"), max_length=15, blank=True)
    to_status = models.CharField(_("to"), max_length=15)
    note = models.TextField(_("note"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("item event")
        verbose_name_plural = _("item history")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.from_status} → {self.to_status}"
