"""Reminders to families: one row per occurrence (its ``key`` is unique), recorded by
``manage.py send_reminders`` and sent through a channel (e-mail today).

The row keeps what the message is about (``context``: item, program, point, dates; the
same values the finder gave), never the address: that is read from the household when
sending, so a family that withdraws its consent or its address is not written to.
``last_error`` is a short technical reason without personal data, for coordinators."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kern.outbox import OutboxRow
from toegang.models import Household


class Reminder(OutboxRow):
    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENDING = "sending", _("being sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed, given up")
        CANCELLED = "cancelled", _("not sent: no consent or address any more")

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="+"
    )
    #: Names the templates ``uitlening/reminders/<kind>_subject.txt`` and ``_body.txt``.
    kind = models.CharField(_("kind"), max_length=40)
    key = models.CharField(_("key"), max_length=120, unique=True)
    channel = models.CharField(_("channel"), max_length=20)
    context = models.JSONField(_("context"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False)
                | (~Q(status="sent") & Q(sent_at__isnull=True)),
                name="reminder_sent_at_only_when_sent",
            ),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(claimed_until__isnull=False),
                name="reminder_sending_has_a_lease",
            ),
        ]

    def __str__(self) -> str:
        return self.key
