"""Volunteer profiles and the organisation note: the coordinator's list (who has not
acknowledged the current note, whose qualifications expire soon), a volunteer's page with
the note history, creating and editing, skills, a paper acknowledgement, reading contact
data (audit-logged); the volunteer's own profile with their calendar address, and the note
page where a volunteer acknowledges the current version and a coordinator publishes one."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kern.errors import DomainError
from kern.forms import show_domain_error
from kern.permissions import AuthenticatedHttpRequest, role_required
from vrijwilligers import selectors, services
from vrijwilligers.forms_people import (
    AvailabilityForm,
    NewVolunteerForm,
    NoteForm,
    PaperAcknowledgementForm,
    SkillForm,
    VolunteerForm,
)
from vrijwilligers.models import Volunteer
from vrijwilligers.selectors.people import current_note

MANAGE = "kern.manage_shifts"
WORK = "kern.work_shifts"


def _volunteer(pk: int) -> Volunteer:
    volunteer = selectors.volunteer_by_id(pk)
    if volunteer is None:
        raise Http404()
    return volunteer


@role_required(MANAGE)
@never_cache
def volunteer_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "vrijwilligers/volunteer_list.html",
        {"rows": selectors.volunteer_rows(), "note": current_note()},
    )


@role_required(MANAGE)
@never_cache
def volunteer_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = NewVolunteerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            volunteer = services.create_volunteer(
                actor=request.user,
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                locations=data["locations"],
                availability=form.availability(),
                limits=form.limits(),
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": volunteer.full_name})
            return redirect("vrijwilligers:volunteer_detail", pk=volunteer.pk)
    return render(request, "vrijwilligers/volunteer_edit.html", {"form": form, "volunteer": None})


@role_required(MANAGE)
@never_cache
def volunteer_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    volunteer = _volunteer(pk)
    return render(
        request,
        "vrijwilligers/volunteer_detail.html",
        {
            "volunteer": volunteer,
            "skills": selectors.skills_of(volunteer),
            "history": selectors.note_history(volunteer),
            "note": current_note(),
            "skill_form": SkillForm(),
            "paper_form": PaperAcknowledgementForm(
                initial={"version": getattr(current_note(), "version", None)}
            ),
        },
    )


@role_required(MANAGE)
@never_cache
def volunteer_contact(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A volunteer's contact data, on its own page so that each reading is logged."""
    volunteer = _volunteer(pk)
    contact = services.read_contact_data(
        actor=request.user, volunteer=volunteer, source=request.path
    )
    return render(
        request,
        "vrijwilligers/volunteer_contact.html",
        {"volunteer": volunteer, "contact": contact},
    )


@role_required(MANAGE)
@never_cache
def volunteer_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    volunteer = _volunteer(pk)
    initial = {
        "phone": volunteer.phone,
        "available_weekdays": volunteer.available_weekdays,
        "preferences": volunteer.preferences,
        "emergency_contact_name": volunteer.emergency_contact_name,
        "emergency_contact_phone": volunteer.emergency_contact_phone,
        "locations": list(volunteer.user.locations.all()),
        "max_hours_per_day": volunteer.max_hours_per_day,
        "max_hours_per_week": volunteer.max_hours_per_week,
        "is_active": volunteer.is_active,
    }
    form = VolunteerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_volunteer(
                actor=request.user,
                volunteer=volunteer,
                locations=form.cleaned_data["locations"],
                availability=form.availability(),
                limits=form.limits(),
                is_active=form.cleaned_data["is_active"],
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": volunteer.full_name})
            return redirect("vrijwilligers:volunteer_detail", pk=volunteer.pk)
    return render(
        request, "vrijwilligers/volunteer_edit.html", {"form": form, "volunteer": volunteer}
    )


@never_cache
@require_POST
@role_required(MANAGE)
def volunteer_skill(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    volunteer = _volunteer(pk)
    form = SkillForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a skill and a valid date."))
    else:
        try:
            if request.POST.get("remove"):
                services.remove_skill(
                    actor=request.user, volunteer=volunteer, skill=form.cleaned_data["skill"]
                )
            else:
                services.set_skill(
                    actor=request.user,
                    volunteer=volunteer,
                    skill=form.cleaned_data["skill"],
                    valid_until=form.cleaned_data["valid_until"],
                )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": volunteer.full_name})
    return redirect("vrijwilligers:volunteer_detail", pk=volunteer.pk)


@never_cache
@require_POST
@role_required(MANAGE)
def volunteer_paper_note(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    volunteer = _volunteer(pk)
    form = PaperAcknowledgementForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the version and the date it was signed."))
    else:
        try:
            services.record_paper_acknowledgement(
                actor=request.user,
                volunteer=volunteer,
                version=form.cleaned_data["version"],
                signed_on=form.cleaned_data["signed_on"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The acknowledgement on paper is recorded."))
    return redirect("vrijwilligers:volunteer_detail", pk=volunteer.pk)


# --- The volunteer themselves --------------------------------------------------------------


@role_required(WORK)
@never_cache
def my_profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    volunteer = selectors.profile_of_user(request.user.pk)
    if volunteer is None:
        return render(request, "vrijwilligers/volunteer_profile.html", {"volunteer": None})
    form = AvailabilityForm(
        request.POST or None,
        initial={
            "phone": volunteer.phone,
            "available_weekdays": volunteer.available_weekdays,
            "preferences": volunteer.preferences,
            "emergency_contact_name": volunteer.emergency_contact_name,
            "emergency_contact_phone": volunteer.emergency_contact_phone,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_own_profile(user=request.user, availability=form.availability())
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("vrijwilligers:my_profile")
    return render(
        request,
        "vrijwilligers/volunteer_profile.html",
        {
            "volunteer": volunteer,
            "form": form,
            "skills": selectors.skills_of(volunteer),
            "has_calendar": bool(volunteer.calendar_token_digest),
            "acknowledged": selectors.acknowledgement_of_current(volunteer),
        },
    )


@require_POST
@role_required(WORK)
def my_calendar_token(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A new secret calendar address, shown once on this answer (only its hash is kept)."""
    token = services.regenerate_calendar_token(user=request.user)
    url = request.build_absolute_uri(reverse("vrijwilligers:calendar_feed", args=[token]))
    response = render(request, "vrijwilligers/volunteer_calendar.html", {"url": url})
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(WORK, MANAGE)
@never_cache
def note_detail(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The current organisation note; a volunteer who sees it has received it, and
    confirms here that they read it."""
    note = current_note()
    acknowledgement = None
    if request.user.has_perm(WORK) and selectors.profile_of_user(request.user.pk) is not None:
        if request.method == "POST":
            try:
                services.acknowledge_note(
                    user=request.user, version=int(request.POST.get("version") or 0)
                )
            except (DomainError, ValueError) as exc:
                messages.error(request, getattr(exc, "message", _("Unknown version.")))
            else:
                messages.success(request, _("Thank you: your acknowledgement is recorded."))
            return redirect("vrijwilligers:note_detail")
        acknowledgement = services.mark_note_received(user=request.user)
    return render(
        request,
        "vrijwilligers/note_detail.html",
        {"note": note, "acknowledgement": acknowledgement},
    )


@role_required(MANAGE)
@never_cache
def note_publish(request: AuthenticatedHttpRequest) -> HttpResponse:
    note = current_note()
    initial = (
        {
            "aim": note.aim,
            "insurance": note.insurance,
            "allowance_scheme": note.allowance_scheme,
            "discretion": note.discretion,
        }
        if note
        else None
    )
    form = NoteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            published = services.publish_note(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("Version %(version)d of the organisation note is published.")
                % {"version": published.version},
            )
            return redirect("vrijwilligers:note_detail")
    return render(request, "vrijwilligers/note_publish.html", {"form": form, "note": note})


urlpatterns = [
    path("", volunteer_list, name="volunteer_list"),
    path("nieuw/", volunteer_create, name="volunteer_create"),
    path("<int:pk>/", volunteer_detail, name="volunteer_detail"),
    path("<int:pk>/bewerken/", volunteer_edit, name="volunteer_edit"),
    path("<int:pk>/contactgegevens/", volunteer_contact, name="volunteer_contact"),
    path("<int:pk>/vaardigheden/", volunteer_skill, name="volunteer_skill"),
    path("<int:pk>/nota-op-papier/", volunteer_paper_note, name="volunteer_paper_note"),
    path("profiel/", my_profile, name="my_profile"),
    path("profiel/agenda/", my_calendar_token, name="my_calendar_token"),
    path("organisatienota/", note_detail, name="note_detail"),
    path("organisatienota/nieuw/", note_publish, name="note_publish"),
]
