"""Screens for the coordinator: programs and their rules, and documented exceptions."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.db import models
from django.forms.models import fields_for_model, model_to_dict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from kern.errors import DomainError
from kern.fields import DecimalCommaField
from kern.forms import show_domain_error
from kern.models import Location
from kern.permissions import role_required
from toegang import selectors, services
from toegang.models import Program

PROGRAM_FIELDS = [
    "name",
    "kind",
    "description",
    "is_active",
    "accepts_uitpas",
    "accepts_referral",
    "open_to_all",
    "contribution",
    "membership_fee_normal",
    "membership_fee_social",
    "quota_packs_per_child",
    "quota_period_days",
    "quota_child_max_age_months",
    "max_concurrent_loans",
    "loan_days",
    "referral_default_days",
    "referral_max_days",
    "uitpas_check_reuse_hours",
]
MONEY_FIELDS = ("contribution", "membership_fee_normal", "membership_fee_social")

FIELDSETS = [
    (gettext_lazy("Program"), ["name", "kind", "description", "is_active"], ""),
    (
        gettext_lazy("Access: which evidence opens it"),
        ["accepts_uitpas", "accepts_referral", "open_to_all"],
        gettext_lazy("A coordinator's documented exception always counts as well."),
    ),
    (
        gettext_lazy("What it grants"),
        [
            "contribution",
            "membership_fee_normal",
            "membership_fee_social",
            "quota_packs_per_child",
            "quota_period_days",
            "quota_child_max_age_months",
            "max_concurrent_loans",
            "loan_days",
        ],
        gettext_lazy(
            "Leave the quota empty when there is none, and the loan fields empty when "
            "nothing is lent."
        ),
    ),
    (
        gettext_lazy("Referrals"),
        ["referral_default_days", "referral_max_days"],
        gettext_lazy("How long a social worker's referral is valid, by default and at most."),
    ),
    (gettext_lazy("UiTPAS"), ["card_systems", "uitpas_check_reuse_hours"], ""),
    (
        gettext_lazy("Grant rights automatically"),
        ["grants"],
        gettext_lazy(
            "A family with a right to this program also gets a right to the programs "
            "ticked here, until the same date."
        ),
    ),
]


class ProgramForm(forms.Form):
    """The program's rules in groups; the service checks that they fit together."""

    def __init__(self, *args, program: Program, **kwargs):
        initial = model_to_dict(program, fields=PROGRAM_FIELDS)
        initial["card_systems"] = ", ".join(str(i) for i in program.uitpas_card_systems or [])
        if program.pk:
            initial["grants"] = [other.pk for other in program.grants.all()]
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.fields.update(
            fields_for_model(
                Program,
                fields=PROGRAM_FIELDS,
                widgets={"description": forms.Textarea(attrs={"rows": 3})},
            )
        )
        for name in MONEY_FIELDS:
            model_field = Program._meta.get_field(name)
            assert isinstance(model_field, models.DecimalField)
            self.fields[name] = DecimalCommaField(
                label=capfirst(model_field.verbose_name),
                max_digits=model_field.max_digits,
                decimal_places=model_field.decimal_places,
                min_value=0,
                localize=True,
            )
        self.fields["card_systems"] = forms.CharField(
            label=capfirst(Program._meta.get_field("uitpas_card_systems").verbose_name),
            required=False,
            help_text=_(
                "Card system ids, separated by commas. Empty: any card system that covers "
                "the municipality of the distribution point."
            ),
        )
        others = Program.objects.order_by("name")
        if program.pk:
            others = others.exclude(pk=program.pk)
        self.fields["grants"] = forms.ModelMultipleChoiceField(
            label=_("A right here also opens"),
            queryset=others,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )

    def fieldsets(self):
        return [
            {"legend": legend, "help": help_text, "fields": [self[name] for name in names]}
            for legend, names, help_text in FIELDSETS
        ]

    def fill(self, program: Program) -> list[Program]:
        """Copy the cleaned rules onto ``program``; return the programs it opens."""
        for name in PROGRAM_FIELDS:
            setattr(program, name, self.cleaned_data[name])
        program.uitpas_card_systems = services.parse_card_systems(self.cleaned_data["card_systems"])
        return list(self.cleaned_data["grants"])


@role_required("kern.manage_programs")
def program_list(request):
    programs = Program.objects.prefetch_related("grants").order_by("-is_active", "name")
    return render(request, "toegang/program_list.html", {"programs": programs})


@role_required("kern.manage_programs")
@require_http_methods(["GET", "POST"])
def program_edit(request, pk: int | None = None):
    program = get_object_or_404(Program, pk=pk) if pk else Program()
    form = ProgramForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        grants = form.fill(program)
        try:
            saved = services.save_program(
                actor=request.user, program=program, grants=grants, source=request.path
            )
        except DomainError as exc:
            field = "card_systems" if exc.field == "uitpas_card_systems" else exc.field
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": saved.name})
            return redirect("toegang:program_list")
    return render(request, "toegang/program_edit.html", {"form": form, "program": program})


@role_required("kern.manage_programs")
@require_http_methods(["GET", "POST"])
def program_create(request):
    return program_edit(request)


class ExceptionForm(forms.Form):
    household = forms.CharField(
        label=gettext_lazy("Household code"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "G000012…"}),
    )
    program = forms.ModelChoiceField(
        label=gettext_lazy("Program"), queryset=Program.objects.filter(is_active=True)
    )
    valid_until = forms.DateField(
        label=gettext_lazy("Valid until"),
        help_text=gettext_lazy("At most three months from today."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=200,
        required=False,  # the service says why it is needed
        help_text=gettext_lazy(
            "Why the family gets access without the usual evidence, e.g. “UiTPAS is down”. "
            "It is logged. Write no details about the family's situation."
        ),
        widget=forms.Textarea(attrs={"rows": 2, "required": True, "maxlength": 200}),
    )
    location = forms.ModelChoiceField(
        label=gettext_lazy("Show the entitlement at"),
        queryset=Location.objects.none(),
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        location = self.fields["location"]
        assert isinstance(location, forms.ModelChoiceField)
        location.queryset = user.counter_locations().order_by("name")


@role_required("kern.manage_programs")
@require_http_methods(["GET", "POST"])
def exception_create(request):
    """A coordinator's documented exception: a family gets a program until a date, with
    a reason that is logged. Shows what the counter will see afterwards."""
    today = timezone.localdate()
    form = ExceptionForm(
        request.POST or None,
        user=request.user,
        initial={"valid_until": today + dt.timedelta(days=30)},
    )
    result = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            household = services.household_by_code(
                actor=request.user, code=data["household"], source=request.path
            )
            evidence = services.grant_exception(
                actor=request.user,
                household=household,
                program=data["program"],
                reason=data["reason"],
                valid_until=data["valid_until"],
                source=request.path,
            )
        except DomainError as exc:
            show_domain_error(form, exc, "household")
        else:
            location = data["location"] or request.user.counter_locations().order_by("name").first()
            entitlement = (
                selectors.entitlement(
                    household=household, program=data["program"], location=location
                )
                if location is not None
                else None
            )
            result = {
                "household": household,
                "evidence": evidence,
                "entitlement": entitlement,
                "location": location,
            }
            messages.success(
                request,
                _("The exception for %(code)s is recorded.") % {"code": household.code},
            )
            form = ExceptionForm(
                user=request.user, initial={"valid_until": today + dt.timedelta(days=30)}
            )
    return render(
        request,
        "toegang/exception_create.html",
        {"form": form, "result": result, "latest": today + dt.timedelta(days=92)},
    )


urlpatterns = [
    path("programmas/", program_list, name="program_list"),
    path("programmas/nieuw/", program_create, name="program_create"),
    path("programmas/<int:pk>/wijzigen/", program_edit, name="program_edit"),
    path("uitzonderingen/nieuw/", exception_create, name="exception_create"),
]
