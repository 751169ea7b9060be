"""The catalogue: categories, products with their manufacturer codes and minimum levels."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kern import barcodes
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
