"""Access: households (pseudonymous), programs and their rules, UiTPAS cards (as keyed
hashes), referrals and eligibility evidence.

Privacy by design: no names are required, contact details only with recorded consent,
an UiTPAS number is never stored (only a keyed hash and its last four digits), and a
referral never holds a reason (professional secrecy)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kern import barcodes
from kern.models import Municipality, Organisation


class Program(models.Model):
    """An offer (pamperbank, babytheek, …) with the rules it carries."""

    class Kind(models.TextChoices):
        DIAPERS = "pamperbank", _("diaper bank")
        BABY_LIBRARY = "babytheek", _("baby item library")
        BIKE_LIBRARY = "fietsbib", _("bike library")
        LAPTOPS = "laptops", _("laptop loans")
        TOY_LIBRARY = "speelotheek", _("toy library")
        SWAP_SHOP = "ruilwinkel", _("swap shop")
        SEASONAL = "seizoensactie", _("seasonal action")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Which evidence opens it
    accepts_uitpas = models.BooleanField(_("UiTPAS with social tariff gives access"), default=True)
    accepts_referral = models.BooleanField(_("a referral gives access"), default=True)
    open_to_all = models.BooleanField(
        _("open to everyone"),
        default=False,
        help_text=_("Everyone may join at the normal membership fee."),
    )
    uitpas_card_systems = models.JSONField(
        _("UiTPAS card systems that count"),
        default=list,
        blank=True,
        help_text=_(
            "Card system ids; empty: any card system that covers the municipality of the point."
        ),
    )
    # What it grants
    contribution = models.DecimalField(
        _("contribution per visit (EUR)"), max_digits=7, decimal_places=2, default=Decimal("0")
    )
    membership_fee_normal = models.DecimalField(
        _("membership fee, normal (EUR/year)"), max_digits=7, decimal_places=2, default=Decimal("0")
    )
    membership_fee_social = models.DecimalField(
        _("membership fee, social (EUR/year)"), max_digits=7, decimal_places=2, default=Decimal("0")
    )
    quota_packs_per_child = models.PositiveSmallIntegerField(
        _("packs per child per period"), null=True, blank=True
    )
    quota_period_days = models.PositiveSmallIntegerField(_("quota period (days)"), default=28)
    quota_child_max_age_months = models.PositiveSmallIntegerField(
        _("children count up to the age of (months)"), default=36
    )
    max_concurrent_loans = models.PositiveSmallIntegerField(
        _("maximum loans at once"), null=True, blank=True
    )
    loan_days = models.PositiveSmallIntegerField(_("loan period (days)"), null=True, blank=True)
    referral_default_days = models.PositiveSmallIntegerField(
        _("referral valid for (days), default"), default=90
    )
    referral_max_days = models.PositiveSmallIntegerField(
        _("referral valid for (days), at most"), default=365
    )
    uitpas_check_reuse_hours = models.PositiveSmallIntegerField(
        _("reuse an UiTPAS check for (hours)"), default=24
    )
    grants = models.ManyToManyField(
        "self",
        verbose_name=_("a right here also opens"),
        symmetrical=False,
        blank=True,
        related_name="granted_by",
    )

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(referral_default_days__lte=models.F("referral_max_days")),
                name="program_referral_default_within_max",
                violation_error_message=_(
                    "The default referral validity cannot be longer than the maximum."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Household(models.Model):
    """A family, pseudonymous: known by its code, not by name."""

    postcode = models.CharField(_("postcode"), max_length=4)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    adults = models.PositiveSmallIntegerField(_("adults"), default=1)
    language = models.CharField(_("preferred language"), max_length=10, default="nl")
    # Only with recorded consent:
    first_name = models.CharField(_("first name"), max_length=60, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    consent_version = models.CharField(
        _("privacy text version agreed to"), max_length=20, blank=True
    )
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now, db_index=True)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(adults__gte=1, adults__lte=12), name="household_adults_range"
            ),
            models.CheckConstraint(
                condition=(Q(first_name="") & Q(email="") & Q(phone=""))
                | Q(consent_at__isnull=False),
                name="household_contact_only_with_consent",
            ),
        ]

    def __str__(self) -> str:
        return self.code if self.pk else "—"

    @property
    def code(self) -> str:
        return barcodes.encode(barcodes.CodeType.HOUSEHOLD, self.pk)


class Child(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="children")
    birth_year = models.PositiveSmallIntegerField(_("birth year"))
    birth_month = models.PositiveSmallIntegerField(_("birth month"))
    diaper_size = models.PositiveSmallIntegerField(
        _("diaper size (if not by age)"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("child")
        verbose_name_plural = _("children")
        ordering = ["birth_year", "birth_month"]
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_month__gte=1, birth_month__lte=12), name="child_month_range"
            ),
            models.CheckConstraint(condition=Q(birth_year__gte=1990), name="child_year_range"),
        ]

    def __str__(self) -> str:
        return f"{self.birth_month:02d}/{self.birth_year}"

    def age_in_months(self, on) -> int:
        return (on.year - self.birth_year) * 12 + (on.month - self.birth_month)


class UitpasCard(models.Model):
    """An UiTPAS card linked to a household: a keyed hash and the last four digits only."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="uitpas_cards")
    number_hash = models.CharField(max_length=64, unique=True)
    last_digits = models.CharField(_("last digits"), max_length=4)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("UiTPAS card")
        verbose_name_plural = _("UiTPAS cards")

    def __str__(self) -> str:
        return f"UiTPAS …{self.last_digits}"


#: "A referral counts on day d" in plain SQL, for reads that bypass the ORM (the
#: eligibility facts). The same rule as ``referral_counts_on_q`` and
#: ``Referral.counts_on`` beside it; a test holds the three to the same answers. ``{r}`` is
#: the alias of the referral table; both placeholders take the day.
REFERRAL_COUNTS_ON_SQL = "{r}.revoked_at IS NULL AND {r}.valid_from <= %s AND {r}.valid_until >= %s"


def referral_counts_on_q(day: dt.date, *, through: str = "") -> Q:
    """The one definition of "a referral counts on ``day``": not revoked, and ``day``
    within its dates. ``through`` reaches referrals from another model, e.g.
    ``"referrals__"`` in an annotation on Organisation."""
    return Q(
        **{
            f"{through}revoked_at__isnull": True,
            f"{through}valid_from__lte": day,
            f"{through}valid_until__gte": day,
        }
    )


class ReferralQuerySet(models.QuerySet["Referral"]):
    def counting_on(self, day: dt.date) -> Self:
        return self.filter(referral_counts_on_q(day))


class Referral(models.Model):
    """A social worker's statement that a household may use programs until a date.
    There is deliberately no reason field: professional secrecy."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="referrals")
    programs = models.ManyToManyField(Program, verbose_name=_("programs"), related_name="referrals")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_until = models.DateField(_("valid until"))
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    first_used_at = models.DateTimeField(_("first used"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    #: While a reminder run mails the issuer about it: which run (a random token) and
    #: until when it holds the referral (``toegang.reminders``), so the run sends
    #: outside any transaction and two runs at once still mail it once.
    reminder_claim = models.CharField(_("reminder run"), max_length=32, blank=True, editable=False)
    reminder_claimed_until = models.DateTimeField(
        _("reminder claimed until"), null=True, blank=True
    )
    renews = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="renewed_by"
    )

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")),
                name="referral_until_after_from",
            )
        ]
        indexes = [models.Index(fields=["household", "valid_until"])]

    def __str__(self) -> str:
        return self.code if self.pk else "—"

    @property
    def code(self) -> str:
        return barcodes.encode(barcodes.CodeType.REFERRAL, self.pk)

    def counts_on(self, day: dt.date) -> bool:
        """``referral_counts_on_q`` for a referral already in memory."""
        return self.revoked_at is None and self.valid_from <= day <= self.valid_until


class Evidence(models.Model):
    """Proof of eligibility with a validity period: an UiTPAS check or a coordinator's
    documented exception (a referral is its own evidence)."""

    class Kind(models.TextChoices):
        UITPAS = "uitpas", _("UiTPAS check")
        EXCEPTION = "uitzondering", _("coordinator exception")

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    card = models.ForeignKey(
        UitpasCard, on_delete=models.SET_NULL, null=True, blank=True, related_name="checks"
    )
    social_tariff = models.CharField(_("social tariff"), max_length=10, blank=True)
    card_system_id = models.CharField(max_length=40, blank=True)
    card_system_name = models.CharField(_("card system"), max_length=100, blank=True)
    card_system_postcodes = models.JSONField(default=list, blank=True)
    program = models.ForeignKey(
        Program,
        verbose_name=_("program"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    messages = models.JSONField(_("messages for the counter"), default=list, blank=True)
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["-checked_at"]
        indexes = [models.Index(fields=["household", "kind", "checked_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.checked_at:%d/%m/%Y}"


class ProgramGraphVersion(models.Model):
    """One row whose stamp changes with every change to a program or to the rights
    programs open for each other, in the same transaction (database triggers, see
    migration 0003): every write path is covered, the admin and plain SQL included.

    Each app process caches the programs and their graph and, on every use, compares one
    stamp (a tiny query) to rebuild when another process changed them. The stamp is
    random rather than a counter: a counter bumped in a transaction that is rolled back
    comes back to a number a process may have cached with the uncommitted graph."""

    stamp = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("program graph version")
        verbose_name_plural = _("program graph versions")

    def __str__(self) -> str:
        return self.stamp
