"""Volunteer allowances (forfaitaire onkostenvergoeding): the ceilings per calendar year,
because they are indexed every year, and the payments, append-only (a mistake is corrected
by a negative payment with a note)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kern.dbguards import AppendOnlyModel
from kern.models import User
from vrijwilligers.models.people import Volunteer


class AllowanceCeiling(models.Model):
    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    per_day = models.DecimalField(_("ceiling per day"), max_digits=7, decimal_places=2)
    per_year = models.DecimalField(_("ceiling per year"), max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = _("allowance ceiling")
        verbose_name_plural = _("allowance ceilings")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(per_day__gt=0) & Q(per_year__gt=0) & Q(year__gte=2000),
                name="allowance_ceiling_positive",
            )
        ]

    def __str__(self) -> str:
        return str(self.year)


class AllowancePayment(AppendOnlyModel):
    append_only_table = "allowance register"
    append_only_rows = "payments"

    class Kind(models.TextChoices):
        FLAT_RATE = "flat_rate", _("flat-rate allowance")
        ACTUAL_COSTS = "actual_costs", _("actual costs")

    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="payments"
    )
    #: The day the allowance is for (the ceilings count per day and per calendar year).
    day = models.DateField(_("day"))
    amount = models.DecimalField(_("amount"), max_digits=7, decimal_places=2)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    created_by = models.ForeignKey(
        User, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("allowance payment")
        verbose_name_plural = _("allowance payments")
        ordering = ["day", "id"]
        indexes = [models.Index(fields=["volunteer", "day"])]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="allowance_amount_not_zero")
        ]
