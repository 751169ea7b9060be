"""Screens: a social worker's referrals (list, issue, detail, renew, revoke, the letter for
the family), the household card, and the coordinator's referral figures.

A social worker sees only the referrals they issued themselves: any other referral
answers 404, so its existence is not revealed. Every staff view of a household goes
through ``services.open_household`` (the audit log). There is no reason field anywhere:
professional secrecy, Deelpunt never stores why a family is referred."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from kern.errors import DomainError
from kern.forms import show_domain_error
from kern.models import Organisation
from kern.pdf import pdf_response
from kern.permissions import role_required
from toegang import services
from toegang.documents import distribution_points, household_card_pdf, referral_letter_pdf
from toegang.forms import ChildrenForm
from toegang.models import Household, Program, Referral, referral_counts_on_q

REFERRALS = "kern.manage_referrals"
PROGRAMS = "kern.manage_programs"
SOON_DAYS = 14  # a referral that ends within this many days “expires soon”
PAGE_SIZE = 50


# --- Small pieces -----------------------------------------------------------------------


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def referral_status(referral: Referral, today: dt.date) -> tuple[str, str, str]:
    """(key, label, badge classes) for a referral on ``today``."""
    if referral.revoked_at:
        return "revoked", _("revoked"), "badge danger"
    if not referral.counts_on(today):
        return "expired", _("expired"), "badge danger"
    if (referral.valid_until - today).days <= SOON_DAYS:
        return "soon", _("expires soon"), "badge warn"
    return "active", _("active"), "badge"


def _with_status(referral: Referral, today: dt.date) -> Referral:
    status, label, css = referral_status(referral, today)
    vars(referral).update(status=status, status_label=label, status_class=css)  # for templates
    return referral


def _own_referral(request, pk: int) -> Referral:
    """The referral if the person asking issued it; else 404 (existence not revealed)."""
    return get_object_or_404(
        Referral.objects.select_related(
            "household", "organisation", "renews", "renewed_by"
        ).prefetch_related("programs"),
        pk=pk,
        issued_by=request.user,
    )


# --- Forms ------------------------------------------------------------------------------


class ProgramChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, program: Program) -> str:
        return _("%(program)s (%(days)d days by default, at most %(max)d)") % {
            "program": program.name,
            "days": program.referral_default_days,
            "max": program.referral_max_days,
        }


class ReferralForm(ChildrenForm):
    """Programs, an optional end date, and the household: a known household code or a
    new household with the minimum the programs need. No reason field, by design."""

    programs = ProgramChoiceField(
        label=gettext_lazy("Programs"),
        queryset=Program.objects.filter(is_active=True, accepts_referral=True).order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one program.")},
    )
    valid_until = forms.DateField(
        label=gettext_lazy("Valid until"),
        required=False,
        widget=_date_widget(),
        help_text=gettext_lazy(
            "Leave empty for the usual period: the shortest default of the chosen programs."
        ),
    )
    household_code = forms.CharField(
        label=gettext_lazy("Household code"),
        required=False,
        max_length=30,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "placeholder": "G…"}
        ),
        help_text=gettext_lazy("On the household card: type it or scan it."),
    )
    postcode = forms.CharField(
        label=gettext_lazy("Postcode"),
        required=False,
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    adults = forms.IntegerField(
        label=gettext_lazy("Adults"), required=False, min_value=1, max_value=12, initial=1
    )
    first_name = forms.CharField(label=gettext_lazy("First name"), required=False, max_length=60)
    email = forms.EmailField(label=gettext_lazy("E-mail"), required=False)
    phone = forms.CharField(label=gettext_lazy("Phone"), required=False, max_length=30)
    consent = forms.BooleanField(
        label=gettext_lazy(
            "The family agrees that Deelpunt keeps the first name and contact details above"
        ),
        required=False,
    )

    NEW_HOUSEHOLD_FIELDS = ("postcode", "first_name", "email", "phone")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        children = cleaned["children"]
        code = (cleaned.get("household_code") or "").strip()
        new_given = children or any(
            (self.data.get(name) or "").strip() for name in self.NEW_HOUSEHOLD_FIELDS
        )
        if code and new_given:
            self.add_error(
                "household_code",
                _(
                    "Either the code of a known household or a new household, not both: empty "
                    "one of them."
                ),
            )
        elif not code and not (self.data.get("postcode") or "").strip():
            self.add_error(
                "household_code",
                _("Fill in the household code, or the postcode of a new household."),
            )
        cleaned["adults"] = cleaned.get("adults") or 1
        return cleaned


class RenewForm(forms.Form):
    valid_until = forms.DateField(
        label=gettext_lazy("New end date"),
        required=False,
        widget=_date_widget(),
        help_text=gettext_lazy("Leave empty for the usual period from today."),
    )


# --- The social worker's referrals ------------------------------------------------------

FILTERS = {
    "active": gettext_lazy("Active"),
    "ended": gettext_lazy("Expired or revoked"),
    "all": gettext_lazy("All"),
}


@role_required(REFERRALS)
def referral_list(request):
    """The social worker's own referrals, with where families can go."""
    today = timezone.localdate()
    is_active = referral_counts_on_q(today)
    own = Referral.objects.filter(issued_by=request.user)
    show = request.GET.get("toon", "active")
    if show not in FILTERS:
        show = "active"
    counts = own.aggregate(
        active=Count("pk", filter=is_active), ended=Count("pk", filter=~is_active), all=Count("pk")
    )
    if show == "active":
        referrals = own.filter(is_active).order_by("valid_until", "pk")
    elif show == "ended":
        referrals = own.exclude(is_active).order_by("-valid_until", "-pk")
    else:
        referrals = own.order_by("-valid_from", "-pk")
    referrals = referrals.select_related("household", "renewed_by").prefetch_related("programs")
    paginator = Paginator(referrals, PAGE_SIZE)
    paginator.count = counts[show]  # known from the filter totals: one query less
    page = paginator.get_page(request.GET.get("page"))
    for referral in page:
        _with_status(referral, today)
    return render(
        request,
        "toegang/referral_list.html",
        {
            "organisation": request.user.organisation,
            "page": page,
            "show": show,
            "filters": [(key, label, counts[key]) for key, label in FILTERS.items()],
            "points": distribution_points(),
        },
    )


@role_required(REFERRALS)
@require_http_methods(["GET", "POST"])
def referral_create(request):
    form = ReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            # Household and referral together, or neither.
            with transaction.atomic():
                code = data["household_code"].strip()
                if code:
                    try:
                        household = services.household_by_code(
                            actor=request.user, code=code, source=request.path
                        )
                    except DomainError as exc:
                        exc.field = exc.field or "household_code"
                        raise
                else:
                    household = services.register_household(
                        actor=request.user,
                        postcode=data["postcode"],
                        children=data["children"],
                        adults=data["adults"],
                        first_name=data["first_name"],
                        email=data["email"],
                        phone=data["phone"],
                        consent=data["consent"],
                        source=request.path,
                    )
                referral = services.issue_referral(
                    actor=request.user,
                    household=household,
                    programs=list(data["programs"]),
                    valid_until=data["valid_until"],
                    source=request.path,
                )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Referral %(code)s is issued for household %(household)s. Print the letter for the family."
                )
                % {"code": referral.code, "household": household.code},
            )
            return redirect("toegang:referral_detail", pk=referral.pk)
    return render(
        request,
        "toegang/referral_create.html",
        {"form": form, "organisation": request.user.organisation},
    )


def _render_detail(request, referral: Referral, renew_form: RenewForm | None = None):
    services.open_household(actor=request.user, household=referral.household, source=request.path)
    today = timezone.localdate()
    _with_status(referral, today)
    renewal = getattr(referral, "renewed_by", None)
    return render(
        request,
        "toegang/referral_detail.html",
        {
            "referral": referral,
            "programs": list(referral.programs.all()),
            "renewal": renewal,
            "renew_form": renew_form or RenewForm(),
            "can_renew": renewal is None,
            "can_revoke": referral.revoked_at is None,
        },
    )


@role_required(REFERRALS)
def referral_detail(request, pk: int):
    return _render_detail(request, _own_referral(request, pk))


@role_required(REFERRALS)
@require_POST
def referral_renew(request, pk: int):
    referral = _own_referral(request, pk)
    form = RenewForm(request.POST)
    if form.is_valid():
        try:
            new = services.renew_referral(
                actor=request.user,
                referral=referral,
                valid_until=form.cleaned_data["valid_until"],
                source=request.path,
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("Referral %(code)s is renewed until %(day)s as %(new)s.")
                % {"code": referral.code, "day": f"{new.valid_until:%d/%m/%Y}", "new": new.code},
            )
            return redirect("toegang:referral_detail", pk=new.pk)
    return _render_detail(request, referral, renew_form=form)


@role_required(REFERRALS)
@require_POST
def referral_revoke(request, pk: int):
    referral = _own_referral(request, pk)
    try:
        services.revoke_referral(actor=request.user, referral=referral, source=request.path)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Referral %(code)s is revoked.") % {"code": referral.code})
    return redirect("toegang:referral_detail", pk=referral.pk)


@role_required(REFERRALS)
def referral_letter(request, pk: int):
    referral = _own_referral(request, pk)
    services.open_household(actor=request.user, household=referral.household, source=request.path)
    return pdf_response(
        referral_letter_pdf(referral), personal=True, filename=f"doorverwijzing-{referral.code}.pdf"
    )


@role_required(REFERRALS, "kern.use_counter")
def household_card(request, pk: int):
    """The household card: for counter staff, and for a social worker who referred the
    household. Anyone else gets 404, so a household's existence is not revealed."""
    household = get_object_or_404(Household, pk=pk, anonymised_at__isnull=True)
    is_counter = request.user.has_perm("kern.use_counter")
    if not is_counter and not household.referrals.filter(issued_by=request.user).exists():
        raise Http404
    services.open_household(actor=request.user, household=household, source=request.path)
    return pdf_response(
        household_card_pdf(household), personal=True, filename=f"gezinskaart-{household.code}.pdf"
    )


# --- The coordinator's figures ----------------------------------------------------------


def _figures(prefix: str, today: dt.date) -> dict[str, Count]:
    """Counts over the referrals reached through ``prefix`` (``""`` on Referral itself)."""
    month_start = today.replace(day=1)
    year_start = today.replace(month=1, day=1)
    p = prefix

    def count(*extra: Q, **conditions: object) -> Count:
        condition = Q(*extra, **{p + k: v for k, v in conditions.items()})
        return Count(f"{p}pk" if p else "pk", filter=condition)

    return {
        "issued_month": count(valid_from__gte=month_start),
        "issued_year": count(valid_from__gte=year_start),
        "active": count(referral_counts_on_q(today, through=p)),
        "used": count(valid_from__gte=year_start, first_used_at__isnull=False),
        "expired_unused": count(
            valid_from__gte=year_start,
            revoked_at__isnull=True,
            valid_until__lt=today,
            first_used_at__isnull=True,
        ),
    }


@role_required(PROGRAMS)
def referral_stats(request):
    """Counts per organisation and per program: no household, no worker, no reason."""
    today = timezone.localdate()
    by_organisation = list(
        Organisation.objects.annotate(total=Count("referrals"), **_figures("referrals__", today))
        .filter(Q(total__gt=0))
        .order_by("name")
    )
    by_program = list(
        Program.objects.annotate(total=Count("referrals"), **_figures("referrals__", today))
        .filter(Q(total__gt=0) | Q(accepts_referral=True, is_active=True))
        .order_by("name")
    )
    columns = ["issued_month", "issued_year", "active", "used", "expired_unused"]
    totals = {column: sum(getattr(row, column) for row in by_organisation) for column in columns}
    return render(
        request,
        "toegang/referral_stats.html",
        {
            "by_organisation": by_organisation,
            "by_program": by_program,
            "totals": totals,
            "today": today,
            "year": today.year,
        },
    )


urlpatterns = [
    path("doorverwijzingen/", referral_list, name="referral_list"),
    path("doorverwijzingen/nieuw/", referral_create, name="referral_create"),
    path("doorverwijzingen/overzicht/", referral_stats, name="referral_stats"),
    path("doorverwijzingen/<int:pk>/", referral_detail, name="referral_detail"),
    path("doorverwijzingen/<int:pk>/verlengen/", referral_renew, name="referral_renew"),
    path("doorverwijzingen/<int:pk>/intrekken/", referral_revoke, name="referral_revoke"),
    path("doorverwijzingen/<int:pk>/brief.pdf", referral_letter, name="referral_letter"),
    path("gezinnen/<int:pk>/kaart.pdf", household_card, name="household_card"),
]
