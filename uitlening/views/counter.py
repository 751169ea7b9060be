"""The counter (balie): pick a distribution point, then scan.

A scan of a household card, a referral letter or an UiTPAS card checks the family in
(``uitlening.services``); an UiTPAS card that is not linked yet is checked with UiTPAS
and, when UiTPAS accepts it, answers with a short registration form. A registration
redirects to its check-in (post/redirect/get) and carries its form's idempotency key."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django import forms
from django.conf.locale import LANG_INFO
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from kern import permissions
from kern.errors import Conflict, DomainError
from kern.forms import show_domain_error
from kern.models import Location
from kern.permissions import role_required
from toegang.forms import ChildrenForm
from toegang.uitpas.client import UitpasError
from uitlening import selectors, services

# Languages families at Flemish counters often prefer; shown in their own name.
FAMILY_LANGUAGES = ("nl", "fr", "en", "de", "ar", "tr", "pl", "ro", "bg", "es", "ru", "uk", "fa")


@role_required("kern.use_counter")
def counter_choose(request):
    locations = list(request.user.counter_locations().select_related("municipality"))
    if len(locations) == 1:
        return redirect("uitlening:counter", pk=locations[0].pk)
    return render(request, "uitlening/counter_choose.html", {"locations": locations})


def _counter_location(request, pk: int) -> Location:
    location = get_object_or_404(
        Location.objects.select_related("municipality"),
        pk=pk,
        kind=Location.Kind.DISTRIBUTION_POINT,
    )
    try:
        permissions.require_location(request.user, location)
    except DomainError as exc:
        raise PermissionDenied(exc.message) from exc
    return location


def _household_card_url(household) -> str:
    """The printable household card, when that page exists."""
    for kwargs in ({"pk": household.pk}, {"code": household.code}):
        try:
            return reverse("toegang:household_card", kwargs=kwargs)
        except NoReverseMatch:
            continue
    return ""


def new_form_key() -> str:
    return uuid.uuid4().hex


class CounterRegistrationForm(ChildrenForm):
    """The minimum to register a family at the counter: no contact details."""

    postcode = forms.CharField(
        label=_("Postcode"),
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    adults = forms.IntegerField(label=_("Adults"), min_value=1, max_value=12, initial=1)
    language = forms.ChoiceField(label=_("Preferred language"), initial="nl")
    uitpas_number = forms.CharField(
        label=_("UiTPAS number (optional)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    consent = forms.BooleanField(
        label=_("The family agrees that we keep a first name"), required=False
    )
    first_name = forms.CharField(
        label=_("First name (optional, only with consent)"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    # Made when the form is shown: the same form sent twice registers one family.
    idempotency_key = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"reg{uuid.uuid4().hex[:6]}_%s")
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", new_form_key())
        language = self.fields["language"]
        assert isinstance(language, forms.ChoiceField)
        language.choices = [(code, LANG_INFO[code]["name_local"]) for code in FAMILY_LANGUAGES]


def _scan_context(location, raw: str, **extra) -> dict:
    return {"location": location, "raw": raw, "answered": True, **extra}


@role_required("kern.use_counter")
def counter(request, pk: int):
    location = _counter_location(request, pk)
    return render(request, "uitlening/counter_detail.html", {"location": location})


@role_required("kern.use_counter")
@require_POST
def counter_scan(request, pk: int):
    """htmx: resolve one scan and answer with a card: a check-in for a household card,
    referral or UiTPAS card, a registration form for a new UiTPAS card, the thing scanned,
    or the error."""
    location = _counter_location(request, pk)
    raw = request.POST.get("code", "")
    context = _scan_context(location, raw)
    result = None
    try:
        result = selectors.resolve_scan(user=request.user, raw=raw)
        context["result"] = result
        if result.kind in selectors.CHECK_IN_KINDS:
            checkin = services.check_in_scan(
                actor=request.user, location=location, scan=result, raw=raw, source=request.path
            )
            if checkin is None:
                # Ask UiTPAS now, so nobody fills in a form for a card it refuses.
                card = services.check_new_card(actor=request.user, location=location, number=raw)
                services.remember_new_card(request.session, card)
                context["form"] = CounterRegistrationForm(initial={"uitpas_number": card.number})
            else:
                context["checkin"] = checkin
    except UitpasError as exc:
        context["uitpas_error"] = exc
        context["household_code"] = result.details.get("household", "") if result else ""
    except DomainError as exc:
        context["error"] = exc.message
    if request.htmx:
        return render(request, "uitlening/partials/scan_result.html", context)
    return render(request, "uitlening/counter_detail.html", context)


def _registered_answer(request, location, checkin):
    answer = _scan_context(
        location, "", checkin=checkin, household_card_url=_household_card_url(checkin.household)
    )
    if request.htmx:
        return render(request, "uitlening/partials/checkin.html", answer)
    return render(request, "uitlening/counter_detail.html", answer)


@role_required("kern.use_counter")
@require_http_methods(["GET", "POST"])
def counter_register(request, pk: int):
    """Register a family at the counter (optionally with its UiTPAS card), then show its
    check-in: in place for htmx, else by a redirect to this page with ``?ingeschreven=``
    and the form's key, so a reload shows the same family and registers nothing. An
    error keeps what was typed and creates nothing."""
    location = _counter_location(request, pk)
    if request.method == "GET" and "ingeschreven" in request.GET:
        checkin = services.registered_at_counter(
            actor=request.user,
            location=location,
            key=request.GET["ingeschreven"],
            source=request.path,
        )
        if checkin is None:
            raise Http404(_("This registration is not known here."))
        return _registered_answer(request, location, checkin)
    form = CounterRegistrationForm(request.POST or None)
    context = {"location": location, "form": form}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        key = data["idempotency_key"] or new_form_key()
        try:
            checkin = services.register_at_counter(
                actor=request.user,
                location=location,
                postcode=data["postcode"],
                adults=data["adults"],
                children=data["children"],
                language=data["language"],
                first_name=data["first_name"],
                consent=data["consent"],
                uitpas_number=data["uitpas_number"],
                source=request.path,
                idempotency_key=key,
                known_card=services.recall_new_card(request.session, data["uitpas_number"]),
            )
        except UitpasError as exc:
            context["uitpas_error"] = exc
        except Conflict as exc:
            if exc.code == "registration_sent_before":
                # Changed after it was sent: a new key, so sending it again is a new family.
                fresh = request.POST.copy()
                fresh["idempotency_key"] = new_form_key()
                form = CounterRegistrationForm(fresh)
                form.is_valid()
                context["form"] = form
            show_domain_error(form, exc)
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            services.forget_new_card(request.session, data["uitpas_number"])
            if request.htmx:
                return _registered_answer(request, location, checkin)
            url = reverse("uitlening:counter_register", kwargs={"pk": location.pk})
            response = redirect(f"{url}?{urlencode({'ingeschreven': key})}")
            response.status_code = 303  # see other: the reload is a GET
            return response
    if request.htmx:
        return render(request, "uitlening/partials/household_register_card.html", context)
    return render(request, "uitlening/household_register.html", context)


urlpatterns = [
    path("", counter_choose, name="counter_choose"),
    path("<int:pk>/", counter, name="counter"),
    path("<int:pk>/scan/", counter_scan, name="counter_scan"),
    path("<int:pk>/gezin/nieuw/", counter_register, name="counter_register"),
]
