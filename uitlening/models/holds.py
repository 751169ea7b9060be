"""Reservations: a household waiting for an item of a type (and size) at the point where
it wants to collect it, in a queue; when a matching item is there it is held for the
first in the queue until a deadline, then offered to the next.

The database keeps the two rules a race could break: a household waits at most once per
item type and size, and an item is held for at most one reservation."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kern.models import Location
from toegang.models import Household, Program
from voorraad.models import Item, ItemType


class Reservation(models.Model):
    class Status(models.TextChoices):
        WAITING = "wachtend", _("waiting")
        HELD = "vastgehouden", _("held, ready to collect")
        COLLECTED = "opgehaald", _("collected")
        CANCELLED = "geannuleerd", _("cancelled")
        EXPIRED = "verlopen", _("expired")

    ACTIVE = (Status.WAITING, Status.HELD)

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    item_type = models.ForeignKey(
        ItemType, verbose_name=_("item type"), on_delete=models.PROTECT, related_name="+"
    )
    size = models.CharField(
        _("size"), max_length=30, blank=True, help_text=_("Empty: any size of this type.")
    )
    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="+"
    )
    location = models.ForeignKey(
        Location,
        verbose_name=_("collect at"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Order in the queue of its item type at its point: lowest first.
    position = models.PositiveIntegerField(_("position"))
    status = models.CharField(
        _("status"), max_length=15, choices=Status.choices, default=Status.WAITING
    )
    held_item = models.ForeignKey(
        Item,
        verbose_name=_("held item"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    held_at = models.DateTimeField(_("held since"), null=True, blank=True)
    held_until = models.DateTimeField(_("held until"), null=True, blank=True)
    created_at = models.DateTimeField(_("reserved"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    end_reason = models.CharField(_("why it ended"), max_length=200, blank=True)
    loan = models.ForeignKey(
        "uitlening.Loan",
        verbose_name=_("collected as loan"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reordered_at = models.DateTimeField(_("moved in the queue"), null=True, blank=True)
    reordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reorder_reason = models.CharField(_("why it was moved"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["position", "created_at", "id"]
        indexes = [models.Index(fields=["item_type", "location", "status", "position"])]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "item_type", "size"],
                condition=Q(status__in=["wachtend", "vastgehouden"]),
                name="reservation_one_active_per_household_type_size",
                violation_error_message=_(
                    "This household already waits for this item type and size."
                ),
            ),
            models.UniqueConstraint(
                fields=["held_item"],
                condition=Q(status="vastgehouden"),
                name="reservation_one_hold_per_item",
                violation_error_message=_("This item is held for another reservation already."),
            ),
            models.CheckConstraint(
                condition=~Q(status="vastgehouden")
                | Q(held_item__isnull=False, held_until__isnull=False),
                name="reservation_held_has_item_and_deadline",
            ),
        ]

    def __str__(self) -> str:
        size = f" {self.size}" if self.size else ""
        return f"{self.item_type}{size} · {self.status}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE
