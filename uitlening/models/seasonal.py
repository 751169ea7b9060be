"""Seasonal actions (Sinterklaas, birthday packages, school start, "lege brooddozen"):
an action of a seasonal program with a date, age bands and the package per band, and the
packages handed out — at most one per child per action, a rule the database keeps.

A package is handed out at the counter as a ``Distribution`` (its lines come out of the
point's stock through the ledger); ``SeasonalPackage`` says which child it was for."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kern.models import Location
from toegang.models import Child, Household, Program
from uitlening.models.counter import Distribution
from voorraad.models import Product


class SeasonalAction(models.Model):
    class Kind(models.TextChoices):
        SINTERKLAAS = "sinterklaas", _("Sinterklaas")
        BIRTHDAY = "verjaardag", _("birthday package")
        SCHOOL_START = "schoolstart", _("school start")
        LUNCHBOX = "brooddozen", _("empty lunchboxes")
        OTHER = "andere", _("other action")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    program = models.ForeignKey(
        Program,
        verbose_name=_("program"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": Program.Kind.SEASONAL},
    )
    action_date = models.DateField(
        _("action date"), help_text=_("Access and the children's ages count on this day.")
    )
    handout_from = models.DateField(_("hand-out from"))
    handout_until = models.DateField(_("hand-out until"))
    points = models.ManyToManyField(
        Location, verbose_name=_("distribution points"), related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("seasonal action")
        verbose_name_plural = _("seasonal actions")
        ordering = ["-action_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(handout_from__lte=F("handout_until")),
                name="uitlening_seasonal_handout_window",
            )
        ]

    def __str__(self) -> str:
        return self.name


class AgeBand(models.Model):
    """Children aged ``from_months`` up to and including ``to_months`` on the action
    date (0–2 years: 0 to 35 months)."""

    action = models.ForeignKey(SeasonalAction, on_delete=models.CASCADE, related_name="bands")
    label = models.CharField(_("label"), max_length=40)
    from_months = models.PositiveSmallIntegerField(_("from (months)"))
    to_months = models.PositiveSmallIntegerField(_("up to and including (months)"))

    class Meta:
        verbose_name = _("age band")
        verbose_name_plural = _("age bands")
        ordering = ["action", "from_months"]
        constraints = [
            models.CheckConstraint(
                condition=Q(from_months__lte=F("to_months")), name="uitlening_age_band_order"
            ),
            models.UniqueConstraint(fields=["action", "label"], name="uitlening_age_band_label"),
        ]

    def __str__(self) -> str:
        return self.label


class PackageLine(models.Model):
    """What the package of one age band holds: ``packs`` of a product."""

    band = models.ForeignKey(AgeBand, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    packs = models.PositiveIntegerField(_("packs"))

    class Meta:
        verbose_name = _("package line")
        verbose_name_plural = _("package lines")
        ordering = ["band", "product__name"]
        constraints = [
            models.UniqueConstraint(fields=["band", "product"], name="uitlening_package_product"),
            models.CheckConstraint(condition=Q(packs__gt=0), name="uitlening_package_packs"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} × {self.packs}"


class SeasonalPackage(models.Model):
    """One child's package of one action, handed out with a distribution. The child's
    birth month and year are kept, so the record still counts when the child is erased
    (the link is then empty)."""

    action = models.ForeignKey(SeasonalAction, on_delete=models.PROTECT, related_name="packages")
    child = models.ForeignKey(
        Child, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    band = models.ForeignKey(AgeBand, on_delete=models.PROTECT, related_name="+")
    birth_year = models.PositiveSmallIntegerField(_("birth year"))
    birth_month = models.PositiveSmallIntegerField(_("birth month"))
    distribution = models.ForeignKey(
        Distribution, on_delete=models.PROTECT, related_name="seasonal_packages"
    )
    handed_out_at = models.DateTimeField(_("handed out"), default=timezone.now)
    handed_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    location = models.ForeignKey(
        Location, verbose_name=_("distribution point"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("seasonal package")
        verbose_name_plural = _("seasonal packages")
        ordering = ["-handed_out_at", "-id"]
        constraints = [
            # The database, not only the code, says one package per child per action.
            models.UniqueConstraint(
                fields=["action", "child"], name="uitlening_one_package_per_child"
            )
        ]
        indexes = [models.Index(fields=["action", "household"])]

    def __str__(self) -> str:
        return f"{self.action_id}: {self.birth_month:02d}/{self.birth_year}"
