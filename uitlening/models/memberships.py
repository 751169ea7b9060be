"""Yearly memberships of the lending programs (babytheek, fietsbib, speelotheek): a
program with a membership fee lends only to a household that is a member on the day."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kern.models import Location
from toegang.models import Household, Program


class Membership(models.Model):
    """One paid (or waived) year of membership of one program. A renewal is a new row
    starting the day after the previous one ends; two rows of one household and program
    never overlap (the service checks it under the household lock; the database refuses
    two with the same start)."""

    class FeeKind(models.TextChoices):
        NORMAL = "normaal", _("normal fee")
        SOCIAL = "sociaal", _("social fee")

    class Payment(models.TextChoices):
        CASH = "cash", _("cash")
        PAYCONIQ = "payconiq", _("Payconiq")
        WAIVED = "kwijtgescholden", _("waived")
        FREE = "gratis", _("nothing to pay")

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("household")
    )
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("program")
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded at")
    )
    valid_from = models.DateField(_("member from"))
    valid_until = models.DateField(_("member until"))
    fee_kind = models.CharField(_("fee"), max_length=10, choices=FeeKind.choices)
    amount = models.DecimalField(_("amount (EUR)"), max_digits=7, decimal_places=2)
    payment = models.CharField(_("payment"), max_length=20, choices=Payment.choices)
    waive_reason = models.CharField(_("why waived"), max_length=200, blank=True)
    paid_at = models.DateTimeField(_("paid"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    # NULL, not "": the unique key holds only for requests that sent one.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001
    request_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "program", "valid_from"], name="membership_one_per_start"
            ),
            models.UniqueConstraint(
                fields=["recorded_by", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="membership_idempotency_key",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")),
                name="membership_until_after_from",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="membership_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(payment="kwijtgescholden") | ~Q(waive_reason=""),
                name="membership_waived_with_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["household", "program", "valid_until"]),
            models.Index(fields=["program", "valid_until"]),
        ]

    def __str__(self) -> str:
        return f"{self.program} {self.valid_from:%d/%m/%Y}–{self.valid_until:%d/%m/%Y}"
