"""Stock: catalogue, the append-only ledger with its running balances, donors and
donations, purchases, transfers, counts, and lendable items.

Quantities of consumables are whole *units* (one diaper); a product's ``pack_size`` says
how many units one pack holds, for handling and messages.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kern import barcodes
from kern.dbguards import AppendOnlyModel
from kern.models import Location


class Category(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """A consumable kind, e.g. “Luiers maat 4”, counted in units and packs."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="products"
    )
    unit_name = models.CharField(_("unit"), max_length=30, default="stuk")
    pack_size = models.PositiveIntegerField(
        _("units per pack"), default=1, help_text=_("A pack of 44 diapers: 44.")
    )
    value_per_unit = models.DecimalField(
        _("estimated value per unit (EUR)"), max_digits=9, decimal_places=4, default=Decimal("0")
    )
    last_cost_per_unit = models.DecimalField(
        _("last purchase cost per unit (EUR)"),
        max_digits=9,
        decimal_places=4,
        null=True,
        blank=True,
        editable=False,
    )
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(pack_size__gte=1), name="product_pack_size_positive"
            ),
            models.CheckConstraint(
                condition=Q(value_per_unit__gte=0), name="product_value_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def code(self) -> str:
        return barcodes.encode(barcodes.CodeType.PRODUCT, self.pk)

    @property
    def unit_value(self) -> Decimal:
        """What one unit is worth for reports: the last purchase cost, else the estimate."""
        return (
            self.last_cost_per_unit if self.last_cost_per_unit is not None else self.value_per_unit
        )


class ProductBarcode(models.Model):
    """A manufacturer EAN/GTIN on a pack, mapped once and for all to a product."""

    gtin = models.CharField(_("EAN/GTIN"), max_length=14, unique=True)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="barcodes")
    units = models.PositiveIntegerField(
        _("units per scan"), default=1, help_text=_("How many units one scanned pack holds.")
    )

    class Meta:
        verbose_name = _("manufacturer barcode")
        verbose_name_plural = _("manufacturer barcodes")
        constraints = [
            models.CheckConstraint(condition=Q(units__gte=1), name="productbarcode_units_positive")
        ]

    def __str__(self) -> str:
        return f"{self.gtin} → {self.product}"


class MinimumLevel(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="minimum_levels")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    minimum_units = models.PositiveIntegerField(_("minimum (units)"))

    class Meta:
        verbose_name = _("minimum level")
        verbose_name_plural = _("minimum levels")
        constraints = [
            models.UniqueConstraint(fields=["product", "location"], name="minimumlevel_unique")
        ]

    def __str__(self) -> str:
        return f"{self.product} @ {self.location}: {self.minimum_units}"


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
