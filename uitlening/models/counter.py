"""What the counter records: visits, distributions of consumables, loans of items with
their deposits, and the repair tickets a damaged return opens.

A check-in itself keeps nothing here: it reads and writes the households, cards and
referrals of ``toegang``. Stock moves only through ``voorraad``'s ledger and item
transitions; these records say who, what, for whom and why.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kern.models import Location
from toegang.models import Household, Program
from voorraad.models import Category, Item, ItemType, Product

#: Loan period when a program does not set one.
DEFAULT_LOAN_DAYS = 21


class ProgramCategory(models.Model):
    """ "Program P hands out or lends what is in category C"."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="+"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("program category")
        verbose_name_plural = _("program categories")
        ordering = ["program__name", "category__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "category"], name="uitlening_program_category_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.program_id} → {self.category_id}"


class Visit(models.Model):
    """One confirmed action at the counter: a whole basket (what a household took,
    borrowed and brought back in one go), or one check-out, return, renewal, exchange,
    distribution or correction. Every counter service claims its idempotency key here,
    with the hash of the request: a retry gets the first answer and records nothing
    twice, the same key for another request is refused."""

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    location = models.ForeignKey(
        Location, verbose_name=_("distribution point"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    # NULL (not ""): rows without a key stay outside the unique constraint below.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001
    request_hash = models.CharField(max_length=64, blank=True)
    # The service that recorded it (confirm_visit, checkout_loan, renew_loan, ...).
    operation = models.CharField(_("operation"), max_length=30, default="confirm_visit")

    class Meta:
        verbose_name = _("counter visit")
        verbose_name_plural = _("counter visits")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="uitlening_visit_key_once_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.pk}"


class Distribution(models.Model):
    """Consumables handed to a household at a point; its lines are booked in the stock
    ledger as document ``distribution`` with this id."""

    class Payment(models.TextChoices):
        FREE = "gratis", _("free")
        CASH = "cash", _("cash")
        PAYCONIQ = "payconiq", _("Payconiq")

    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="distributions",
    )
    location = models.ForeignKey(
        Location, verbose_name=_("distribution point"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="distributions"
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    contribution = models.DecimalField(
        _("contribution due (EUR)"), max_digits=7, decimal_places=2, default=Decimal("0")
    )
    payment = models.CharField(
        _("paid"), max_length=10, choices=Payment.choices, default=Payment.FREE
    )
    override_reason = models.CharField(_("override reason"), max_length=200, blank=True)
    # NULL (not ""): rows without a key stay outside the unique constraint below.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001
    corrected_at = models.DateTimeField(_("corrected"), null=True, blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    correction_reason = models.CharField(_("correction reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("distribution")
        verbose_name_plural = _("distributions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="uitlening_distribution_key_once_per_user",
            )
        ]
        indexes = [models.Index(fields=["household", "created_at"])]

    def __str__(self) -> str:
        return f"{self.pk}"


class DistributionLine(models.Model):
    distribution = models.ForeignKey(Distribution, on_delete=models.PROTECT, related_name="lines")
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="+"
    )
    packs = models.PositiveIntegerField(_("packs"))
    units = models.PositiveIntegerField(_("units"))  # what the ledger moved

    class Meta:
        verbose_name = _("distribution line")
        verbose_name_plural = _("distribution lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(packs__gt=0) & Q(units__gt=0), name="uitlening_line_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product_id} × {self.packs}"


class Loan(models.Model):
    """An item lent to a household, from check-out to return."""

    class Payer(models.TextChoices):
        HOUSEHOLD = "gezin", _("the household")
        THIRD_PARTY = "derde", _("a third party")
        WAIVED = "kwijtgescholden", _("waived")

    class DepositPayment(models.TextChoices):
        NONE = "geen", _("nothing paid at the counter")
        CASH = "cash", _("cash")
        PAYCONIQ = "payconiq", _("Payconiq")

    class DepositOutcome(models.TextChoices):
        REFUNDED = "terug", _("refunded")
        KEPT = "gehouden", _("kept")
        PARTLY = "deels", _("partly kept")
        NONE = "geen", _("no deposit")
        CARRIED = "overgedragen", _("carried over to the next loan")
        REFUNDED_TO_THIRD_PARTY = "terug_derde", _("refunded to the third party")

    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="loans"
    )
    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="+"
    )
    location = models.ForeignKey(
        Location, verbose_name=_("lent at"), on_delete=models.PROTECT, related_name="+"
    )
    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="loans_out"
    )
    lent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    lent_at = models.DateTimeField(_("lent"), default=timezone.now)
    due_on = models.DateField(_("due"))
    renewals = models.PositiveSmallIntegerField(_("renewals"), default=0)
    # The deposit
    deposit = models.DecimalField(
        _("deposit due (EUR)"), max_digits=7, decimal_places=2, default=Decimal("0")
    )
    deposit_payer = models.CharField(
        _("deposit paid by"), max_length=16, choices=Payer.choices, default=Payer.HOUSEHOLD
    )
    deposit_payment = models.CharField(
        _("deposit payment"),
        max_length=10,
        choices=DepositPayment.choices,
        default=DepositPayment.NONE,
    )
    deposit_third_party = models.CharField(_("third party"), max_length=100, blank=True)
    deposit_carried = models.DecimalField(
        _("deposit carried over (EUR)"), max_digits=7, decimal_places=2, default=Decimal("0")
    )
    # Going out
    accessories_out = models.JSONField(_("accessories out"), default=list, blank=True)
    condition_out = models.TextField(_("condition out"), blank=True)
    override_reason = models.CharField(_("override reason"), max_length=200, blank=True)
    exchanged_from = models.OneToOneField(
        "self",
        verbose_name=_("replaces the loan"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="exchanged_to",
    )
    # NULL (not ""): rows without a key stay outside the unique constraint below.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001
    # Coming back
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    return_location = models.ForeignKey(
        Location,
        verbose_name=_("returned at"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    return_visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="loans_back"
    )
    condition_back = models.TextField(_("condition back"), blank=True)
    missing_accessories = models.JSONField(_("missing accessories"), default=list, blank=True)
    damage = models.TextField(_("damage"), blank=True)
    deposit_outcome = models.CharField(
        _("deposit outcome"), max_length=14, choices=DepositOutcome.choices, blank=True
    )
    deposit_kept = models.DecimalField(
        _("deposit kept (EUR)"), max_digits=7, decimal_places=2, default=Decimal("0")
    )
    deposit_reason = models.CharField(_("why the deposit was kept"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["-lent_at", "-id"]
        constraints = [
            # The database, not only the code, says an item is out once at a time.
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(returned_at__isnull=True),
                name="uitlening_one_open_loan_per_item",
            ),
            models.UniqueConstraint(
                fields=["lent_by", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="uitlening_loan_key_once_per_user",
            ),
            models.CheckConstraint(
                condition=Q(deposit__gte=0) & Q(deposit_kept__gte=0) & Q(deposit_carried__gte=0),
                name="uitlening_loan_deposit_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["household", "returned_at"]),
            models.Index(fields=["location", "returned_at", "due_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.returned_at is None

    @property
    def deposit_refund_to(self) -> str:
        """Who gets this deposit back: the third party that paid it (its name), or ""
        for the household."""
        return self.deposit_third_party if self.deposit_payer == self.Payer.THIRD_PARTY else ""

    @property
    def deposit_difference(self) -> Decimal:
        """After an exchange: what the household paid extra (positive) or got back
        (negative) for this loan's deposit over the one carried over."""
        return self.deposit - self.deposit_carried


class DepositRule(models.Model):
    """The deposit of an item type: the normal amount, and what a household with the
    social tariff pays (0: waived)."""

    item_type = models.OneToOneField(
        ItemType, verbose_name=_("item type"), on_delete=models.CASCADE, related_name="+"
    )
    amount = models.DecimalField(_("deposit (EUR)"), max_digits=7, decimal_places=2)
    social_amount = models.DecimalField(
        _("deposit with social tariff (EUR)"), max_digits=7, decimal_places=2, default=Decimal("0")
    )

    class Meta:
        verbose_name = _("deposit rule")
        verbose_name_plural = _("deposit rules")
        ordering = ["item_type__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(social_amount__gte=0),
                name="uitlening_deposit_not_negative",
            )
        ]

    def __str__(self) -> str:
        return f"{self.item_type_id}: {self.amount}"


class RepairTicket(models.Model):
    """An item out of use: assessed, repaired and ready again, or retired."""

    class Status(models.TextChoices):
        ASSESS = "beoordelen", _("to assess")
        REPAIR = "herstellen", _("being repaired")
        READY = "klaar", _("ready")
        RETIRED = "afgevoerd", _("retired")

    OPEN_STATUSES = (Status.ASSESS, Status.REPAIR)

    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+"
    )
    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, null=True, blank=True, related_name="repair_tickets"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ASSESS
    )
    problem = models.TextField(_("problem"))
    notes = models.TextField(_("notes"), blank=True)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("repair ticket")
        verbose_name_plural = _("repair tickets")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(status__in=["beoordelen", "herstellen"]),
                name="uitlening_one_open_ticket_per_item",
            )
        ]

    def __str__(self) -> str:
        return f"{self.pk}"
