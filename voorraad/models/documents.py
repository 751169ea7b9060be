"""The documents that move stock: donations from donors and drives, purchases, transfers
and counts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kern import barcodes
from kern.models import Location
from voorraad.models.catalogue import Product


class Donor(models.Model):
    class Kind(models.TextChoices):
        SCHOOL = "school", _("school")
        LIBRARY = "bibliotheek", _("library")
        CHILDCARE = "kinderopvang", _("childcare / BKO")
        HUIS_VAN_HET_KIND = "huis_van_het_kind", _("Huis van het Kind")
        COMPANY = "bedrijf", _("company")
        RESIDENT = "inwoner", _("resident")
        ANONYMOUS = "anoniem", _("anonymous")
        ORGANISATION = "organisatie", _("other organisation")

    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    contact_person = models.CharField(_("contact person"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    street = models.CharField(_("street and number"), max_length=150, blank=True)
    postcode = models.CharField(_("postcode"), max_length=4, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    wants_receipt = models.BooleanField(_("wants a thank-you letter"), default=True)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("donor")
        verbose_name_plural = _("donors")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "kind"], name="donor_unique_name_kind")
        ]

    def __str__(self) -> str:
        return self.name


class CollectionDrive(models.Model):
    name = models.CharField(_("name"), max_length=150, unique=True)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    target_units = models.PositiveIntegerField(_("target (units)"), null=True, blank=True)
    collection_points = models.ManyToManyField(
        Location, verbose_name=_("collection points"), blank=True, related_name="drives"
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("collection drive")
        verbose_name_plural = _("collection drives")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="drive_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Donation(models.Model):
    """Goods received from a donor. A draft collects scanned lines (so nothing is lost on
    an error or a closed tab); posting it writes the ledger in one transaction."""

    class Status(models.TextChoices):
        DRAFT = "ontwerp", _("draft")
        POSTED = "geboekt", _("posted")

    donor = models.ForeignKey(
        Donor, verbose_name=_("donor"), on_delete=models.PROTECT, related_name="donations"
    )
    location = models.ForeignKey(
        Location, verbose_name=_("received at"), on_delete=models.PROTECT, related_name="donations"
    )
    drive = models.ForeignKey(
        CollectionDrive,
        verbose_name=_("collection drive"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="donations",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    received_on = models.DateField(_("received on"), default=timezone.localdate)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    posted_at = models.DateTimeField(_("posted"), null=True, blank=True)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        ordering = ["-received_on", "-id"]

    def __str__(self) -> str:
        return f"{self.donor} {self.received_on:%d/%m/%Y}"

    @property
    def code(self) -> str:
        return barcodes.encode(barcodes.CodeType.DOCUMENT, self.pk)


class DonationLine(models.Model):
    donation = models.ForeignKey(Donation, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantity (units)"))

    class Meta:
        verbose_name = _("donation line")
        verbose_name_plural = _("donation lines")
        constraints = [
            models.UniqueConstraint(
                fields=["donation", "product"], name="donationline_one_per_product"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="donationline_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product}: {self.quantity}"


# --- Purchases --------------------------------------------------------------------------


class Supplier(models.Model):
    name = models.CharField(_("name"), max_length=150, unique=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Purchase(models.Model):
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="purchases"
    )
    location = models.ForeignKey(
        Location, verbose_name=_("received at"), on_delete=models.PROTECT, related_name="+"
    )
    received_on = models.DateField(_("received on"), default=timezone.localdate)
    reference = models.CharField(_("invoice or order number"), max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")
        ordering = ["-received_on", "-id"]

    def __str__(self) -> str:
        return f"{self.supplier} {self.received_on:%d/%m/%Y}"


class PurchaseLine(models.Model):
    purchase = models.ForeignKey(Purchase, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantity (units)"))
    unit_cost = models.DecimalField(_("cost per unit (EUR)"), max_digits=9, decimal_places=4)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="purchaseline_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(unit_cost__gte=0), name="purchaseline_cost_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product}: {self.quantity} × {self.unit_cost}"


# --- Transfers and counts ---------------------------------------------------------------


class Transfer(models.Model):
    class Status(models.TextChoices):
        PLANNED = "gepland", _("planned")
        DONE = "uitgevoerd", _("done")
        CANCELLED = "geannuleerd", _("cancelled")

    from_location = models.ForeignKey(
        Location, verbose_name=_("from"), on_delete=models.PROTECT, related_name="+"
    )
    to_location = models.ForeignKey(
        Location, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PLANNED
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("planned by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_location=models.F("to_location")),
                name="transfer_different_locations",
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_location} → {self.to_location}"

    @property
    def code(self) -> str:
        return barcodes.encode(barcodes.CodeType.TRANSFER, self.pk)


class TransferLine(models.Model):
    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantity (units)"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["transfer", "product"], name="transferline_one_per_product"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="transferline_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product}: {self.quantity}"


class StockCount(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("open")
        FINALISED = "afgesloten", _("finalised")
        CANCELLED = "geannuleerd", _("cancelled")

    location = models.ForeignKey(
        Location, verbose_name=_("location"), on_delete=models.PROTECT, related_name="counts"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finalised_at = models.DateTimeField(_("finalised"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("stock count")
        verbose_name_plural = _("stock counts")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["location"],
                condition=Q(status="open"),
                name="stockcount_one_open_per_location",
            )
        ]

    def __str__(self) -> str:
        return f"{self.location} {self.started_at:%d/%m/%Y}"


class StockCountLine(models.Model):
    """What was counted of one product, and what the ledger said at that moment: the
    correction is ``counted - expected``, so movements after the counting are kept."""

    count = models.ForeignKey(StockCount, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    counted = models.PositiveIntegerField(_("counted (units)"))
    expected = models.BigIntegerField(_("expected (units)"))
    counted_at = models.DateTimeField(_("counted at"), default=timezone.now)
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["count", "product"], name="stockcountline_one_per_product"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product}: {self.counted} ({self.variance:+d})"

    @property
    def variance(self) -> int:
        return self.counted - self.expected


# --- Lendable items ---------------------------------------------------------------------
