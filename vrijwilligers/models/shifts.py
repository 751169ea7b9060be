"""Shifts: recurring templates per location and role, the days a location is closed, the
shifts generated from them (or made by hand), sign-ups with a numbered place, an ordered
waitlist, swap requests and the messages coordinators send to a shift.

The database holds what matters under concurrency: one place per sign-up
(``signup_one_per_place``), no volunteer twice in one shift (``signup_once_per_shift``),
a definite waitlist order (``signup_one_per_waitlist_position``) and one generated shift
per template and start (``shift_once_per_template_start``), so generating twice is a no-op.
That the number of places never exceeds ``max_volunteers`` is kept by the services: they
lock the volunteer, then the shift, and re-check inside the transaction."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kern.models import Location, User
from vrijwilligers.models.people import Skill, Volunteer


class ShiftTemplate(models.Model):
    class Recurrence(models.TextChoices):
        WEEKLY = "weekly", _("every week")
        BIWEEKLY = "biweekly", _("every two weeks")
        MONTHLY = "monthly", _("monthly on the n-th weekday")

    location = models.ForeignKey(
        Location, verbose_name=_("location"), on_delete=models.PROTECT, related_name="+"
    )
    #: What the volunteers do, as people say it: "Balie", "Sorteren", "Fietsherstel".
    role = models.CharField(_("role"), max_length=100)
    required_skill = models.ForeignKey(
        Skill,
        verbose_name=_("required skill"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recurrence = models.CharField(_("recurrence"), max_length=10, choices=Recurrence.choices)
    weekday = models.PositiveSmallIntegerField(_("weekday"))  # 0 = Monday
    #: For a monthly template: 1–4 for the first to fourth, -1 for the last such weekday.
    week_of_month = models.SmallIntegerField(_("week of the month"), null=True, blank=True)
    #: The first day shifts may be generated; every-two-weeks counts its weeks from here.
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    start_time = models.TimeField(_("starts"))
    end_time = models.TimeField(_("ends"))
    min_volunteers = models.PositiveSmallIntegerField(_("at least"))
    max_volunteers = models.PositiveSmallIntegerField(_("at most"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("shift template")
        verbose_name_plural = _("shift templates")
        ordering = ["location__name", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="template_weekday_0_6"),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="template_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(max_volunteers__gte=1) & Q(min_volunteers__lte=F("max_volunteers")),
                name="template_min_le_max",
            ),
            models.CheckConstraint(
                condition=(
                    Q(recurrence="monthly", week_of_month__in=[1, 2, 3, 4, -1])
                    | (~Q(recurrence="monthly") & Q(week_of_month__isnull=True))
                ),
                name="template_week_of_month_only_monthly",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="template_ends_on_after_starts_on",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} · {self.location}"


class ClosingDay(models.Model):
    """A day without shifts: a holiday for every location (``location`` empty) or a day
    one location is closed. Generating shifts skips them."""

    location = models.ForeignKey(
        Location,
        verbose_name=_("location"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    day = models.DateField(_("day"))
    reason = models.CharField(_("reason"), max_length=150)

    class Meta:
        verbose_name = _("closing day")
        verbose_name_plural = _("closing days")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(
                fields=["location", "day"], name="closing_day_once_per_location"
            ),
            models.UniqueConstraint(
                fields=["day"], condition=Q(location__isnull=True), name="holiday_once_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} · {self.reason}"


class Shift(models.Model):
    template = models.ForeignKey(
        ShiftTemplate,
        verbose_name=_("template"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="shifts",
    )
    location = models.ForeignKey(
        Location, verbose_name=_("location"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("role"), max_length=100)
    required_skill = models.ForeignKey(
        Skill,
        verbose_name=_("required skill"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    min_volunteers = models.PositiveSmallIntegerField(_("at least"))
    max_volunteers = models.PositiveSmallIntegerField(_("at most"))
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.CharField(_("why cancelled"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at", "location__name", "role"]
        indexes = [
            models.Index(fields=["location", "starts_at"]),
            models.Index(fields=["starts_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "starts_at"], name="shift_once_per_template_start"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(max_volunteers__gte=1) & Q(min_volunteers__lte=F("max_volunteers")),
                name="shift_min_le_max",
            ),
        ]

    def __str__(self) -> str:
        start = timezone.localtime(self.starts_at)
        return f"{self.role} · {self.location} · {start:%d/%m/%Y %H:%M}"

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600

    @property
    def day(self) -> dt.date:
        return timezone.localtime(self.starts_at).date()


class Signup(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("signed up")
        WAITLISTED = "waitlisted", _("on the waitlist")
        CANCELLED = "cancelled", _("cancelled")

    class Attendance(models.TextChoices):
        ATTENDED = "attended", _("present")
        LATE = "late", _("late")
        NO_SHOW = "no_show", _("did not come")

    shift = models.ForeignKey(
        Shift, verbose_name=_("shift"), on_delete=models.CASCADE, related_name="signups"
    )
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="signups"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    #: The numbered place (1 … max) while confirmed: one sign-up per place in the database.
    place = models.PositiveSmallIntegerField(_("place"), null=True, blank=True)
    #: The position on the waitlist while waitlisted; lower goes first.
    waitlist_position = models.PositiveIntegerField(_("waitlist position"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        User, verbose_name=_("by"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    #: When the volunteer was moved up from the waitlist (and told so).
    promoted_at = models.DateTimeField(_("promoted from the waitlist"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        User,
        verbose_name=_("cancelled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    #: Why a coordinator assigned or removed the volunteer (required for them).
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    attendance = models.CharField(
        _("attendance"), max_length=10, choices=Attendance.choices, blank=True
    )
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    attendance_recorded_by = models.ForeignKey(
        User,
        verbose_name=_("attendance recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    #: Hours counted for this shift (its length unless a coordinator corrected it).
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["shift__starts_at", "place", "waitlist_position"]
        indexes = [
            models.Index(fields=["volunteer", "status"]),
            models.Index(fields=["shift", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "volunteer"],
                condition=Q(status__in=["confirmed", "waitlisted"]),
                name="signup_once_per_shift",
            ),
            models.UniqueConstraint(
                fields=["shift", "place"],
                condition=Q(status="confirmed"),
                name="signup_one_per_place",
            ),
            models.UniqueConstraint(
                fields=["shift", "waitlist_position"],
                condition=Q(status="waitlisted"),
                name="signup_one_per_waitlist_position",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="confirmed", place__gte=1, waitlist_position__isnull=True)
                    | Q(status="waitlisted", place__isnull=True, waitlist_position__isnull=False)
                    | Q(status="cancelled", place__isnull=True, waitlist_position__isnull=True)
                ),
                name="signup_place_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(attendance="") | Q(status="confirmed"),
                name="signup_attendance_only_when_confirmed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.shift}"


class SwapRequest(models.Model):
    """A volunteer offers their place; another volunteer who may work that shift takes it,
    and the place moves to them in one step."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        TAKEN = "taken", _("taken over")
        WITHDRAWN = "withdrawn", _("withdrawn")

    signup = models.ForeignKey(
        Signup, verbose_name=_("sign-up"), on_delete=models.CASCADE, related_name="swap_requests"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    taken_by = models.ForeignKey(
        Volunteer,
        verbose_name=_("taken over by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    taken_at = models.DateTimeField(_("taken over"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("swap request")
        verbose_name_plural = _("swap requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["signup"], condition=Q(status="open"), name="swap_one_open_per_signup"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.signup} · {self.get_status_display()}"


class ShiftMessage(models.Model):
    """A message a coordinator sent to every volunteer of a shift (kept for the record)."""

    shift = models.ForeignKey(
        Shift, verbose_name=_("shift"), on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.ForeignKey(
        User, verbose_name=_("sender"), on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField(_("subject"), max_length=150)
    body = models.TextField(_("message"))
    recipients = models.PositiveSmallIntegerField(_("recipients"), default=0)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("message to a shift")
        verbose_name_plural = _("messages to shifts")
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return self.subject
