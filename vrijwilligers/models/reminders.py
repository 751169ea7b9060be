"""Reminders about shifts: one row per occurrence (its ``key`` is unique), recorded and
sent by ``manage.py send_shift_reminders``: to a volunteer before their shift (48 and 24
hours, configurable) and to coordinators about an under-staffed shift. The row never keeps
the address: it is read from the user account when sending."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kern.models import User
from kern.outbox import OutboxRow
from vrijwilligers.models.shifts import Shift


class ShiftReminder(OutboxRow):
    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENDING = "sending", _("being sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed, given up")
        CANCELLED = "cancelled", _("not sent: no longer applies")

    recipient = models.ForeignKey(
        User, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="+"
    )
    shift = models.ForeignKey(
        Shift, verbose_name=_("shift"), on_delete=models.CASCADE, related_name="reminders"
    )
    #: Names the templates ``vrijwilligers/reminders/<kind>_subject.txt`` and ``_body.txt``.
    kind = models.CharField(_("kind"), max_length=40)
    key = models.CharField(_("key"), max_length=120, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )

    class Meta:
        verbose_name = _("shift reminder")
        verbose_name_plural = _("shift reminders")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False)
                | (~Q(status="sent") & Q(sent_at__isnull=True)),
                name="shift_reminder_sent_at_only_when_sent",
            ),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(claimed_until__isnull=False),
                name="shift_reminder_sending_has_a_lease",
            ),
        ]

    def __str__(self) -> str:
        return self.key
