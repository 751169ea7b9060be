"""The swap shop (ruilwinkel): an append-only points ledger per household with a running
balance, like the stock ledger; the points per category; and the shop's rules (grant per
period, spending cap, expiry)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kern.dbguards import AppendOnlyModel
from kern.models import Location
from toegang.models import Household, Program
from voorraad.models import Category, Product


class PointsScheme(models.Model):
    """The rules of a swap shop program. Without a scheme: no grant, no cap, no expiry."""

    program = models.OneToOneField(
        Program,
        on_delete=models.CASCADE,
        related_name="points_scheme",
        verbose_name=_("program"),
        limit_choices_to={"kind": Program.Kind.SWAP_SHOP},
    )
    grant_per_adult = models.PositiveIntegerField(_("points granted per adult"), default=0)
    grant_per_child = models.PositiveIntegerField(_("points granted per child"), default=0)
    grant_period_days = models.PositiveSmallIntegerField(_("grant period (days)"), default=90)
    spend_cap = models.PositiveIntegerField(
        _("most points spent per period"),
        null=True,
        blank=True,
        help_text=_("Empty: no cap."),
    )
    cap_period_days = models.PositiveSmallIntegerField(_("cap period (days)"), default=28)
    expiry_days = models.PositiveSmallIntegerField(
        _("points expire after (days)"),
        null=True,
        blank=True,
        help_text=_("Empty: points never expire."),
    )

    class Meta:
        verbose_name = _("swap shop rules")
        verbose_name_plural = _("swap shop rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(grant_period_days__gte=1, cap_period_days__gte=1),
                name="pointsscheme_periods_positive",
            ),
            models.CheckConstraint(
                condition=Q(expiry_days__isnull=True) | Q(expiry_days__gte=1),
                name="pointsscheme_expiry_positive",
            ),
        ]

    def __str__(self) -> str:
        return str(self.program)


class PointsRate(models.Model):
    """What a piece of a category is worth in the swap shop: points earned for bringing
    one, points spent for taking one."""

    category = models.OneToOneField(
        Category, on_delete=models.CASCADE, related_name="points_rate", verbose_name=_("category")
    )
    earn_points = models.PositiveIntegerField(_("points earned per piece brought"))
    spend_points = models.PositiveIntegerField(_("points spent per piece taken"))

    class Meta:
        verbose_name = _("points rate")
        verbose_name_plural = _("points rates")
        ordering = ["category__name"]

    def __str__(self) -> str:
        return str(self.category)


class PointsBalance(models.Model):
    """The running balance of a household's points. Changed only by
    ``uitlening.services.points`` under ``select_for_update``, in the transaction that
    writes the ledger row; the database refuses a negative balance."""

    household = models.OneToOneField(
        Household, on_delete=models.PROTECT, related_name="points_balance"
    )
    balance = models.BigIntegerField(_("points"), default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("points balance")
        verbose_name_plural = _("points balances")
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="pointsbalance_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.household}: {self.balance}"


class PointsEntry(AppendOnlyModel):
    """One signed change of a household's points, never changed or deleted: a mistake
    is corrected by a correction entry."""

    append_only_table = "points ledger"
    append_only_rows = "entries"

    class Kind(models.TextChoices):
        EARN = "verdiend", _("earned")
        SPEND = "besteed", _("spent")
        GRANT = "toegekend", _("granted")
        EXPIRE = "vervallen", _("expired")
        CORRECTION = "correctie", _("correction")

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="points_entries"
    )
    delta = models.BigIntegerField(_("points"))
    balance_after = models.BigIntegerField(_("balance after"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("pieces"), null=True, blank=True)
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    #: Earned and granted points lapse on this day (None: never).
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    #: A grant: the first day of the period it is for (one grant per period).
    grant_period_start = models.DateField(null=True, blank=True)
    # NULL, not "": the unique key holds only for requests that sent one.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001
    request_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(delta=0), name="pointsentry_delta_not_zero"),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="pointsentry_balance_not_negative"
            ),
            models.CheckConstraint(
                condition=(Q(kind__in=["verdiend", "toegekend"]) & Q(delta__gt=0))
                | (Q(kind__in=["besteed", "vervallen"]) & Q(delta__lt=0))
                | Q(kind="correctie"),
                name="pointsentry_sign_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="pointsentry_idempotency_key",
            ),
            models.UniqueConstraint(
                fields=["household", "grant_period_start"],
                condition=Q(kind="toegekend"),
                name="pointsentry_one_grant_per_period",
            ),
        ]
        indexes = [
            models.Index(fields=["household", "created_at"]),
            models.Index(fields=["kind", "expires_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.household} {self.delta:+d}"
