"""Spreadsheet imports: an uploaded file is kept as a batch of parsed rows until the user
confirms (or cancels) it. A batch holds what the checks decided per row; the domain data
itself is only written when the batch is applied, through the owning apps' services."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportBatch(models.Model):
    class Kind(models.TextChoices):
        PRODUCTS = "producten", _("products")
        DONORS = "schenkers", _("donors")
        ITEMS = "uitleenobjecten", _("items")
        HOUSEHOLDS = "gezinnen", _("households")
        VOLUNTEERS = "vrijwilligers", _("volunteers")

    class Status(models.TextChoices):
        UPLOADED = "opgeladen", _("uploaded")
        CHECKING = "controle", _("being checked")
        CHECKED = "gecontroleerd", _("checked")
        APPLIED = "toegepast", _("applied")
        CANCELLED = "geannuleerd", _("cancelled")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    file_name = models.CharField(_("file name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=15, choices=Status.choices, default=Status.UPLOADED
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    checked_rows = models.PositiveIntegerField(_("rows checked"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    refused_count = models.PositiveIntegerField(_("refused"), default=0)
    # Why the last attempt to apply failed (nothing was written then).
    apply_error = models.TextField(_("apply error"), blank=True)
    # Rows' cells (and reasons) were deleted: the batch held personal data and is finished.
    purged_at = models.DateTimeField(_("personal data deleted"), null=True, blank=True)
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.file_name}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.UPLOADED, self.Status.CHECKING, self.Status.CHECKED)

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 100
        return min(100, self.checked_rows * 100 // self.total_rows)


class ImportRow(models.Model):
    class Outcome(models.TextChoices):
        PENDING = "", _("not checked yet")
        CREATE = "nieuw", _("create")
        UPDATE = "bijwerken", _("update")
        REFUSE = "geweigerd", _("refuse")

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField(_("row"))
    cells = models.JSONField(_("cells"), default=dict)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, blank=True, default=""
    )
    reason = models.TextField(_("reason"), blank=True)
    # Set at upload when an earlier row of the same file already claims the same key.
    duplicate_of = models.PositiveIntegerField(null=True, blank=True)
    object_id = models.PositiveIntegerField(_("created or updated record"), null=True, blank=True)

    class Meta:
        verbose_name = _("import row")
        verbose_name_plural = _("import rows")
        ordering = ["batch", "number"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "number"], name="importrow_unique_number")
        ]
        indexes = [models.Index(fields=["batch", "outcome", "number"])]

    def __str__(self) -> str:
        return f"{self.batch_id}#{self.number}"
