"""The append-only stock ledger and the running balance per product and location."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kern.dbguards import AppendOnlyModel
from kern.models import Location
from voorraad.models.catalogue import Product


class StockLevel(models.Model):
    """The running balance of one product at one location. Changed only by
    ``voorraad.services`` in the same transaction as the ledger row, by a guarded UPDATE;
    the database refuses a negative balance."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="levels")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="stock_levels")
    on_hand = models.BigIntegerField(_("on hand (units)"), default=0)
    updated_at = models.DateTimeField(_("last change"), default=timezone.now)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.UniqueConstraint(fields=["product", "location"], name="stocklevel_unique"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stocklevel_not_negative"),
        ]
        indexes = [models.Index(fields=["location", "product"])]

    def __str__(self) -> str:
        return f"{self.product} @ {self.location}: {self.on_hand}"


class StockMovement(AppendOnlyModel):
    """One signed change of a product's quantity at a location. Never updated, never
    deleted: a mistake is corrected by a reversing row."""

    class Kind(models.TextChoices):
        DONATION = "schenking", _("donation")
        PURCHASE = "aankoop", _("purchase")
        TRANSFER_OUT = "overboeking_uit", _("transfer out")
        TRANSFER_IN = "overboeking_in", _("transfer in")
        ADJUSTMENT = "correctie", _("adjustment")
        WRITE_OFF = "afschrijving", _("write-off")
        COUNT = "telling", _("count correction")
        DISTRIBUTION = "uitdeling", _("distribution")
        REVERSAL = "terugdraaiing", _("reversal")

    class DocumentType(models.TextChoices):
        """The kind of document a movement belongs to (with ``document_id``)."""

        DONATION = "donation", _("donation")
        PURCHASE = "purchase", _("purchase")
        TRANSFER = "transfer", _("transfer")
        COUNT = "count", _("stock count")
        DISTRIBUTION = "distribution", _("distribution")
        PARTNER_HANDOVER = "partner_handover", _("hand-over to a partner")
        SWAP = "swap", _("swap shop")
        DEMO = "demo", _("demo data")

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="movements")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="movements")
    quantity = models.BigIntegerField(_("quantity (units)"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    document_type = models.CharField(
        _("document"), max_length=30, blank=True, choices=DocumentType.choices
    )
    document_id = models.BigIntegerField(_("document number"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
    )

    append_only_table = "stock ledger"
    append_only_rows = "movements"

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="stockmovement_quantity_not_zero")
        ]
        indexes = [
            models.Index(fields=["product", "location", "at"]),
            models.Index(fields=["location", "at"]),
            models.Index(fields=["document_type", "document_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.product} @ {self.location}: {self.quantity:+d}"


# --- Donors and donations ---------------------------------------------------------------
