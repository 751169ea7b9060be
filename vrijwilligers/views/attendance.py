"""Attendance screens: "I am here" for a volunteer's own shift; for coordinators the
attendance of a shift (present, late, did not come, hours), marking the no-shows of ended
shifts, the volunteers whose self sign-up is paused (and lifting it), and the volunteer
card to print. Every page about a volunteer is never cached."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from kern.errors import DomainError, NotAllowed, NotFound
from kern.forms import show_domain_error
from kern.pdf import pdf_response
from kern.permissions import AuthenticatedHttpRequest, role_required
from vrijwilligers import services
from vrijwilligers.documents import volunteer_card_pdf
from vrijwilligers.models import Shift, Signup, Volunteer
from vrijwilligers.selectors import hours as hours_selectors

COORDINATOR = "kern.manage_shifts"
VOLUNTEER = "kern.work_shifts"


class AttendanceForm(forms.Form):
    attendance = forms.ChoiceField(label=gettext_lazy("attendance"), choices=Signup.Attendance)
    hours = forms.DecimalField(
        label=gettext_lazy("hours"),
        required=False,
        min_value=0,
        max_value=24,
        decimal_places=2,
        help_text=gettext_lazy("Empty: the length of the shift."),
    )
    reason = forms.CharField(label=gettext_lazy("reason"), required=False, max_length=200)


class LiftPauseForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("reason"), max_length=200)


# --- The volunteer: "I am here" ---------------------------------------------------------


@role_required(VOLUNTEER)
@never_cache
def attendance_mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The volunteer's own shifts of today and later, with "I am here" for the one going
    on now."""
    volunteer = Volunteer.objects.filter(user=request.user).first()
    now = timezone.now()
    signups = (
        hours_selectors.own_upcoming_signups(volunteer=volunteer, now=now) if volunteer else []
    )
    open_now = (
        set(
            hours_selectors.checkin_candidates(volunteer=volunteer, now=now).values_list(
                "pk", flat=True
            )
        )
        if volunteer
        else set()
    )
    context = {
        "volunteer": volunteer,
        "signups": signups,
        "open_now": open_now,
        "year": timezone.localdate().year,
    }
    return render(request, "vrijwilligers/attendance_mine.html", context)


@role_required(VOLUNTEER)
@never_cache
@require_POST
def attendance_check_in(request: AuthenticatedHttpRequest, signup_id: int) -> HttpResponse:
    try:
        outcome = services.check_in_self(
            user=request.user, signup_id=signup_id, source=request.path
        )
    except (NotAllowed, NotFound):
        raise  # not their sign-up: 403 / 404, logged by kern.middleware
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, outcome.message)
    return redirect("vrijwilligers:attendance_mine")


# --- The coordinator --------------------------------------------------------------------


@role_required(COORDINATOR)
@never_cache
def attendance_overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    now = timezone.now()
    context = {
        "shifts": hours_selectors.shifts_to_review(now=now),
        "paused": hours_selectors.paused_volunteers(),
        "lift_form": LiftPauseForm(),
        "threshold": hours_selectors.no_show_threshold(),
        "now": now,
    }
    return render(request, "vrijwilligers/attendance_overview.html", context)


@role_required(COORDINATOR)
@never_cache
@require_http_methods(["GET", "POST"])
def attendance_shift(request: AuthenticatedHttpRequest, shift_id: int) -> HttpResponse:
    """The confirmed volunteers of a shift; one form per row records their attendance."""
    shift = get_object_or_404(Shift.objects.select_related("location"), pk=shift_id)
    failed: tuple[int, AttendanceForm] | None = None
    if request.method == "POST":
        signup_id = int(request.POST.get("signup") or 0)
        form = AttendanceForm(request.POST, auto_id=f"id_%s_{signup_id}")
        if form.is_valid():
            try:
                services.record_attendance(
                    actor=request.user,
                    signup_id=signup_id,
                    attendance=form.cleaned_data["attendance"],
                    hours=form.cleaned_data["hours"],
                    reason=form.cleaned_data["reason"],
                    source=request.path,
                )
            except DomainError as exc:
                show_domain_error(form, exc)
            else:
                messages.success(request, _("Attendance recorded."))
                return redirect("vrijwilligers:attendance_shift", shift_id=shift.pk)
        failed = (signup_id, form)
    rows = []
    for signup in hours_selectors.attendance_of_shift(shift=shift):
        if failed and failed[0] == signup.pk:
            form = failed[1]
        else:
            form = AttendanceForm(
                initial={
                    "attendance": signup.attendance or Signup.Attendance.ATTENDED,
                    "hours": signup.hours,
                },
                auto_id=f"id_%s_{signup.pk}",
            )
        rows.append((signup, form))
    context = {
        "shift": shift,
        "rows": rows,
        "shift_label": services.attendance.shift_label(shift),
        "started": shift.starts_at <= timezone.now(),
    }
    return render(request, "vrijwilligers/attendance_shift.html", context)


@role_required(COORDINATOR)
@never_cache
@require_POST
def attendance_mark_no_shows(request: AuthenticatedHttpRequest) -> HttpResponse:
    marked = services.mark_no_shows()
    messages.success(
        request,
        _("%(count)d sign-ups of ended shifts without a check-in were marked as not come.")
        % {"count": marked},
    )
    return redirect("vrijwilligers:attendance_overview")


@role_required(COORDINATOR)
@never_cache
@require_POST
def attendance_lift_pause(request: AuthenticatedHttpRequest, volunteer_id: int) -> HttpResponse:
    form = LiftPauseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason to lift the pause."))
        return redirect("vrijwilligers:attendance_overview")
    try:
        volunteer = services.lift_signup_pause(
            actor=request.user,
            volunteer_id=volunteer_id,
            reason=form.cleaned_data["reason"],
            source=request.path,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(name)s can sign up for shifts again.") % {"name": volunteer.full_name},
        )
    return redirect("vrijwilligers:attendance_overview")


@role_required(COORDINATOR, VOLUNTEER)
@never_cache
def volunteer_card(request: AuthenticatedHttpRequest, volunteer_id: int) -> HttpResponse:
    """The card to print: a coordinator prints anyone's, a volunteer their own."""
    volunteer = get_object_or_404(Volunteer.objects.select_related("user"), pk=volunteer_id)
    if not request.user.has_perm(COORDINATOR) and volunteer.user_id != request.user.pk:
        raise Http404(_("This volunteer is not known here."))
    return pdf_response(
        volunteer_card_pdf(volunteer),
        filename=f"vrijwilligerskaart-{volunteer.code}.pdf",
        personal=True,
    )


urlpatterns = [
    path("aanwezigheid/", attendance_mine, name="attendance_mine"),
    path(
        "aanwezigheid/<int:signup_id>/ik-ben-er/",
        attendance_check_in,
        name="attendance_check_in",
    ),
    path("aanwezigheid/beheer/", attendance_overview, name="attendance_overview"),
    path("aanwezigheid/dienst/<int:shift_id>/", attendance_shift, name="attendance_shift"),
    path("aanwezigheid/afwezigen/", attendance_mark_no_shows, name="attendance_mark_no_shows"),
    path(
        "aanwezigheid/pauze/<int:volunteer_id>/opheffen/",
        attendance_lift_pause,
        name="attendance_lift_pause",
    ),
    path("aanwezigheid/kaart/<int:volunteer_id>.pdf", volunteer_card, name="volunteer_card"),
]
