"""Cross-cutting records: municipalities, organisations, locations, users, API tokens,
and the append-only audit log."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kern import barcodes
from kern.dbguards import AppendOnlyModel
from kern.roles import PERMISSIONS, Role
from kern.scopes import SCOPES, label_of, permissions_of


class Municipality(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    nis_code = models.CharField(_("NIS code"), max_length=5, blank=True)
    postcodes = models.JSONField(
        _("postcodes"), default=list, help_text=_("All postcodes of the municipality.")
    )

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    class Kind(models.TextChoices):
        SOCIAL_SERVICE = "sociaal_huis", _("Sociaal Huis / OCMW")
        CAW = "caw", _("CAW")
        KIND_EN_GEZIN = "kind_en_gezin", _("Kind & Gezin")
        HUIS_VAN_HET_KIND = "huis_van_het_kind", _("Huis van het Kind")
        WELZIJNSSCHAKEL = "welzijnsschakel", _("Welzijnsschakel")
        SCHOOL = "school", _("school")
        LIBRARY = "bibliotheek", _("library")
        CHILDCARE = "kinderopvang", _("childcare (BKO, crèche)")
        OTHER = "andere", _("other organisation")

    name = models.CharField(_("name"), max_length=150, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    class Kind(models.TextChoices):
        WAREHOUSE = "magazijn", _("warehouse")
        DISTRIBUTION_POINT = "uitdeelpunt", _("distribution point")
        COLLECTION_POINT = "inzamelpunt", _("collection point")

    name = models.CharField(_("name"), max_length=150, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="locations",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("run by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="locations",
    )
    street = models.CharField(_("street and number"), max_length=150, blank=True)
    postcode = models.CharField(_("postcode"), max_length=4, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    notes = models.TextField(_("practical notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def code(self) -> str:
        return barcodes.encode(barcodes.CodeType.LOCATION, self.pk)

    @property
    def address(self) -> str:
        place = " ".join(part for part in (self.postcode, self.city) if part)
        return ", ".join(part for part in (self.street, place) if part)


class OpeningHours(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")),
                name="openinghours_closes_after_opens",
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__gte=0, weekday__lte=6),
                name="openinghours_weekday_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class User(AbstractUser):
    """A staff member of the Sociaal Huis or a partner. Families are not users."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("Required for social workers: they see only their organisation's work."),
    )
    locations = models.ManyToManyField(
        Location,
        verbose_name=_("distribution points"),
        blank=True,
        related_name="volunteers",
        help_text=_("Where a volunteer works the counter."),
    )
    language = models.CharField(
        _("language"), max_length=10, blank=True, help_text=_("Leave empty for Dutch.")
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = list(PERMISSIONS.items())

    # Narrowing for this request only, never stored: an API token's scopes or a session in
    # counter-tablet mode. None: the user's own permissions, unnarrowed.
    permission_limit: frozenset[str] | None = None
    counter_point_id: int | None = None
    acting_token: ApiToken | None = None

    @cached_property
    def roles(self) -> list[Role]:
        names = {group.name for group in self.groups.all()}
        return [role for role in Role if role.value in names]

    @property
    def role_labels(self) -> str:
        return ", ".join(str(role.label) for role in self.roles)

    # --- Narrowing: the one place that token scopes and counter-tablet mode apply --------

    def restrict(self, *, perms: Iterable[str], point_id: int | None = None) -> None:
        """Narrow this user object (for the rest of the request) to ``perms`` and, when
        given, to counter work at one distribution point. Narrowing twice keeps the
        intersection: it never widens."""
        limit = frozenset(perms)
        if self.permission_limit is not None:
            limit &= self.permission_limit
        self.permission_limit = limit
        if point_id is not None:
            self.counter_point_id = point_id

    @property
    def is_narrowed(self) -> bool:
        return self.permission_limit is not None

    def holds(self, perm: str) -> bool:
        """Does the person hold ``perm`` through their roles, whatever the narrowing?"""
        return super().has_perm(perm)

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        if self.permission_limit is not None and perm not in self.permission_limit:
            return False
        return super().has_perm(perm, obj)

    def get_all_permissions(self, obj: Any = None) -> set[str]:
        perms = super().get_all_permissions(obj)
        if self.permission_limit is None:
            return perms
        return {p for p in perms if p in self.permission_limit}

    def has_module_perms(self, app_label: str) -> bool:
        if self.permission_limit is not None and not any(
            p.startswith(f"{app_label}.") for p in self.permission_limit
        ):
            return False
        return super().has_module_perms(app_label)

    def can_act_at(self, location: Location) -> bool:
        """May this person do counter work at ``location``?"""
        if not self.is_active or not location.is_active:
            return False
        if self.counter_point_id is not None:
            # Counter-tablet mode: this one point, and only while its owner could act there.
            if location.pk != self.counter_point_id or not self.has_perm("kern.use_counter"):
                return False
            if self.holds("kern.act_at_all_locations"):
                return True
            return self.locations.filter(pk=location.pk).exists()
        if self.has_perm("kern.act_at_all_locations"):
            return True
        if not self.has_perm("kern.use_counter"):
            return False
        return self.locations.filter(pk=location.pk).exists()

    def counter_locations(self) -> models.QuerySet[Location]:
        points = Location.objects.filter(kind=Location.Kind.DISTRIBUTION_POINT, is_active=True)
        if self.counter_point_id is not None:
            if not self.has_perm("kern.use_counter"):
                return points.none()
            points = points.filter(pk=self.counter_point_id)
            if self.holds("kern.act_at_all_locations"):
                return points
            return points.filter(volunteers=self)
        if self.has_perm("kern.act_at_all_locations"):
            return points
        if self.has_perm("kern.use_counter"):
            return points.filter(volunteers=self)
        return points.none()

    def held_scopes(self) -> list[str]:
        """The token scopes this user may give a token now: each scope of which they
        hold at least one permission (narrowed, so a token cannot make a wider one)."""
        return [
            scope
            for scope, (_label, codenames) in SCOPES.items()
            if any(self.has_perm(f"kern.{codename}") for codename in codenames)
        ]


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 of the secret is stored; the full token is
    shown once, when it is made."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, help_text=_("E.g. “counter tablet”."))
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires"))
    scopes = models.JSONField(
        _("scopes"), default=list, help_text=_("What the token may be used for.")
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def permissions(self) -> frozenset[str]:
        """What a request with this token may do at most (the owner's own rights narrow
        it further)."""
        return permissions_of(self.scopes)

    @property
    def scope_labels(self) -> list[str]:
        return [label_of(scope) for scope in self.scopes]


class AuditEntry(AppendOnlyModel):
    """Who did what to which record, when, from where. Append-only: the app never updates
    or deletes a row, and a database trigger refuses any UPDATE."""

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User,
        verbose_name=_("who"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("who (name)"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=40, db_index=True)
    object_type = models.CharField(_("record type"), max_length=60, db_index=True)
    object_id = models.CharField(_("record"), max_length=40, blank=True, db_index=True)
    object_repr = models.CharField(_("record (description)"), max_length=200, blank=True)
    source = models.CharField(
        pgettext_lazy("audit", "from"),
        max_length=120,
        blank=True,
        help_text=_("Screen or API operation."),
    )
    details = models.JSONField(_("details"), default=dict, blank=True)

    append_only_table = "audit log"
    append_only_rows = "entries"

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_type}"


class IdempotencyRecord(models.Model):
    """The first answer to an API write sent with an ``Idempotency-Key`` header; a retry
    with the same key gets this answer again and writes nothing."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    operation = models.CharField(max_length=60)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key")
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.key}"
