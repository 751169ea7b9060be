"""Partner requests: a partner organisation (Welzijnsschakel, CAW, school) asks for goods
for the families it follows — products and packs, a pick-up point and day, and how many
households and children it serves, never who. A coordinator approves (possibly with
other quantities) or refuses it; the goods are handed over once.

The hand-over is its own document (``PartnerHandover``), not a ``Distribution``: a
distribution is always to one household, and the quota, receipts and figures of
households rest on that. The hand-over books its lines in the stock ledger as document
``partner_handover``; the one-to-one link to the request makes a second hand-over of
one request impossible in the database."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kern.models import Location, Organisation
from voorraad.models import Product


class PartnerRequest(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "ingediend", _("waiting for approval")
        APPROVED = "goedgekeurd", _("approved")
        REFUSED = "geweigerd", _("refused")
        HANDED_OVER = "overhandigd", _("handed over")

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="partner_requests",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    pickup_location = models.ForeignKey(
        Location, verbose_name=_("pick-up point"), on_delete=models.PROTECT, related_name="+"
    )
    pickup_date = models.DateField(_("pick-up day"))
    households_served = models.PositiveIntegerField(_("households served"))
    children_served = models.PositiveIntegerField(_("children served"))
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_note = models.TextField(_("coordinator's note"), blank=True)

    class Meta:
        verbose_name = _("partner request")
        verbose_name_plural = _("partner requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(households_served__gte=1), name="uitlening_partner_households"
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status"])]

    def __str__(self) -> str:
        return f"{self.pk}"


class PartnerRequestLine(models.Model):
    """Requested, approved and handed-out packs of one product, kept side by side so
    reports can set them against each other."""

    request = models.ForeignKey(PartnerRequest, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    requested_packs = models.PositiveIntegerField(_("requested packs"))
    approved_packs = models.PositiveIntegerField(_("approved packs"), null=True, blank=True)
    handed_out_packs = models.PositiveIntegerField(_("handed-out packs"), default=0)

    class Meta:
        verbose_name = _("partner request line")
        verbose_name_plural = _("partner request lines")
        ordering = ["request", "product__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "product"], name="uitlening_partner_line_product"
            ),
            models.CheckConstraint(
                condition=Q(requested_packs__gt=0), name="uitlening_partner_line_requested"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} × {self.requested_packs}"


class PartnerHandover(models.Model):
    """The goods of one approved request leaving the pick-up point: its lines are the
    request lines' ``handed_out_packs``, booked as ledger document ``partner_handover``."""

    request = models.OneToOneField(
        PartnerRequest, on_delete=models.PROTECT, related_name="handover"
    )
    location = models.ForeignKey(
        Location, verbose_name=_("distribution point"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("handed over"), default=timezone.now)
    # NULL (not ""): rows without a key stay outside the unique constraint below.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001

    class Meta:
        verbose_name = _("partner hand-over")
        verbose_name_plural = _("partner hand-overs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="uitlening_partner_handover_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.request_id}"
