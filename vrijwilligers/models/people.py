"""The volunteer: a profile beside a kern user account, skills with an optional expiry,
and the organisation note (informatieplicht) each volunteer received and acknowledged.

Personal data is minimal: the name and e-mail live on the user account; a phone number and
an emergency contact are optional. Other volunteers see first names only. The distribution
points a volunteer works at are the user's ``locations`` (the same ones that open the
counter to them), so there is one list, not two."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kern import barcodes
from kern.dbguards import AppendOnlyModel
from kern.models import User


class Skill(models.Model):
    """What a shift may require: counter, sorting, bike repair, driver, laptop set-up …"""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrganisationNote(AppendOnlyModel):
    """One version of the organisation note the Belgian volunteer law (wet van 3 juli 2005,
    informatieplicht) requires before someone volunteers: aim and legal form of the
    organisation, the insurance, the allowance scheme and discretion. A published version
    is never changed; a change is a new version, and the newest one is current."""

    append_only_table = "organisation note"
    append_only_rows = "published versions"

    version = models.PositiveIntegerField(_("version"), unique=True)
    aim = models.TextField(_("aim and legal form of the organisation"))
    insurance = models.TextField(_("insurance"))
    allowance_scheme = models.TextField(_("allowance scheme"))
    discretion = models.TextField(_("discretion"))
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    published_by = models.ForeignKey(
        User, verbose_name=_("published by"), on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("organisation note")
        verbose_name_plural = _("organisation notes")
        ordering = ["-version"]
        constraints = [
            models.CheckConstraint(condition=Q(version__gte=1), name="note_version_gte_1")
        ]

    def __str__(self) -> str:
        return _("Organisation note, version %(version)s") % {"version": self.version}


class Volunteer(models.Model):
    user = models.OneToOneField(
        User, verbose_name=_("user account"), on_delete=models.PROTECT, related_name="volunteer"
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    emergency_contact_name = models.CharField(_("emergency contact"), max_length=100, blank=True)
    emergency_contact_phone = models.CharField(
        _("emergency contact phone"), max_length=30, blank=True
    )
    #: Weekdays (0 = Monday … 6 = Sunday) the volunteer is usually available.
    available_weekdays = models.JSONField(_("usually available on"), default=list, blank=True)
    preferences = models.TextField(_("preferences"), blank=True)
    #: Optional limits the volunteer or the coordinator set; sign-ups beyond them are refused.
    max_hours_per_day = models.DecimalField(
        _("at most hours a day"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    max_hours_per_week = models.DecimalField(
        _("at most hours a week"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    #: Set after too many no-shows: the volunteer cannot sign up themselves until a
    #: coordinator lifts it (a coordinator can still assign them).
    signup_paused_at = models.DateTimeField(_("self sign-up paused"), null=True, blank=True)
    signup_paused_reason = models.CharField(_("why paused"), max_length=200, blank=True)
    #: Keyed hash of the secret in the personal calendar feed address; regenerating it
    #: makes the old address stop working.
    calendar_token_digest = models.CharField(max_length=64, unique=True, null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["user__first_name", "user__username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_hours_per_day__isnull=True) | Q(max_hours_per_day__gt=0),
                name="volunteer_max_hours_day_positive",
            ),
            models.CheckConstraint(
                condition=Q(max_hours_per_week__isnull=True) | Q(max_hours_per_week__gt=0),
                name="volunteer_max_hours_week_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.first_name

    @property
    def code(self) -> str:
        """The code on the volunteer card (letter V), scanned at the counter to check in."""
        return barcodes.encode(barcodes.CodeType.VOLUNTEER, self.pk)

    @property
    def first_name(self) -> str:
        """What other volunteers see."""
        return self.user.first_name or self.user.username

    @property
    def full_name(self) -> str:
        """What coordinators see."""
        return self.user.get_full_name() or self.user.username


class VolunteerSkill(models.Model):
    """A skill a volunteer has; a qualification (first aid, driving licence) has an expiry
    date, after which shifts that require it are refused."""

    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.CASCADE, related_name="skills"
    )
    skill = models.ForeignKey(
        Skill, verbose_name=_("skill"), on_delete=models.PROTECT, related_name="+"
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("volunteer's skill")
        verbose_name_plural = _("volunteers' skills")
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "skill"], name="one_row_per_volunteer_skill"
            )
        ]

    def __str__(self) -> str:
        return str(self.skill)

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_until is None or day <= self.valid_until


class NoteAcknowledgement(models.Model):
    """Which version of the organisation note a volunteer received, and when they
    acknowledged it. Scheduling needs the acknowledgement of the current version."""

    volunteer = models.ForeignKey(
        Volunteer,
        verbose_name=_("volunteer"),
        on_delete=models.CASCADE,
        related_name="acknowledgements",
    )
    note = models.ForeignKey(
        OrganisationNote,
        verbose_name=_("organisation note"),
        on_delete=models.PROTECT,
        related_name="acknowledgements",
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        User, verbose_name=_("recorded by"), on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("acknowledgement of the organisation note")
        verbose_name_plural = _("acknowledgements of the organisation note")
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "note"], name="one_acknowledgement_per_note"
            )
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.note}"
