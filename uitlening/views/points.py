"""The swap shop at the counter: earn points (goods brought go into stock here), spend
points (goods taken leave the stock here), and this period's grant, each a form in the
household panel that posts with htmx and gets the section back; and the coordinators'
page of points per category, the shop's rules and a correction of a household's points.

A product is chosen from the list or given by its code (typed, or scanned with the focus
in the code field: a scan elsewhere still goes to the counter's scan field)."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from kern import barcodes
from kern.errors import DomainError
from kern.models import Location
from kern.permissions import role_required
from toegang import services as access
from toegang.models import Household
from uitlening import navigation, services
from uitlening.models import PointsEntry
from uitlening.selectors.points import (
    MAX_PIECES,
    earn_products,
    points_history,
    points_summary,
    spend_products,
    swap_shop,
)
from uitlening.views.distributions import COUNTER, private, require_point
from voorraad.models import Category, Product
from voorraad.selectors import product_for_code

PANEL_TEMPLATE = "uitlening/partials/panel_points.html"


def _counter_point(request, pk: int) -> Location:
    location = get_object_or_404(Location, pk=pk, kind=Location.Kind.DISTRIBUTION_POINT)
    require_point(request, location)
    return location


def _family(household: int) -> Household:
    return get_object_or_404(Household, pk=household, anonymised_at__isnull=True)


def _section(request, location: Location, household: Household, **extra: object):
    if "error" in extra:  # a refusal shows the balance and history: log the look
        access.open_household(actor=request.user, household=household, source=request.path)
    today = timezone.localdate()
    context = {
        "household": household,
        "location": location,
        "summary": points_summary(household=household, location=location, on=today),
        "earn_products": earn_products(),
        "spend_products": spend_products(location),
        "history": points_history(household),
        "form_key": uuid.uuid4().hex,
        **extra,
    }
    return private(render(request, PANEL_TEMPLATE, {"section": context}))


def _product(request) -> Product:
    """The product of the form: its code when one was typed or scanned, else the
    choice from the list."""
    code = (request.POST.get("code") or "").strip()
    if code:
        return product_for_code(code[:40]).product
    chosen = request.POST.get("product") or ""
    product = Product.objects.filter(pk=int(chosen) if chosen.isdigit() else 0).first()
    if product is None:
        raise DomainError(_("Choose a product or give its code."), field="product")
    return product


def _quantity(request) -> int:
    text = (request.POST.get("quantity") or "").strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_PIECES:
        raise DomainError(
            _("Give a number of pieces from 1 to %(max)d.") % {"max": MAX_PIECES},
            field="quantity",
        )
    return int(text)


def _describe(entry: PointsEntry) -> str:
    return _("%(quantity)d × %(product)s: %(delta)+d points, %(balance)d points left.") % {
        "quantity": entry.quantity or 0,
        "product": entry.product.name if entry.product else "",
        "delta": entry.delta,
        "balance": entry.balance_after,
    }


def _move(request, pk: int, household: int, *, spend: bool):
    location = _counter_point(request, pk)
    family = _family(household)
    operation = services.spend_points if spend else services.earn_points
    try:
        entry = operation(
            actor=request.user,
            location=location,
            household=family,
            product=_product(request),
            quantity=_quantity(request),
            idempotency_key=request.POST.get("idempotency_key") or None,
            source=request.path,
        )
    except DomainError as exc:
        return _section(
            request, location, family, error=exc.message, failed="spend" if spend else "earn"
        )
    return _section(request, location, family, message=_describe(entry))


@role_required(COUNTER)
@require_POST
def points_earn(request, pk: int, household: int):
    return _move(request, pk, household, spend=False)


@role_required(COUNTER)
@require_POST
def points_spend(request, pk: int, household: int):
    return _move(request, pk, household, spend=True)


@role_required(COUNTER)
@require_POST
def points_grant(request, pk: int, household: int):
    location = _counter_point(request, pk)
    family = _family(household)
    try:
        entry = services.grant_points(
            actor=request.user, location=location, household=family, source=request.path
        )
    except DomainError as exc:
        return _section(request, location, family, error=exc.message)
    return _section(
        request,
        location,
        family,
        message=_("Granted: %(delta)d points, %(balance)d points now.")
        % {"delta": entry.delta, "balance": entry.balance_after},
    )


class RateForm(forms.Form):
    category = forms.ModelChoiceField(
        label=gettext_lazy("Category"), queryset=Category.objects.order_by("name")
    )
    earn_points = forms.IntegerField(
        label=gettext_lazy("Points earned per piece brought"), min_value=0, max_value=10_000
    )
    spend_points = forms.IntegerField(
        label=gettext_lazy("Points spent per piece taken"), min_value=0, max_value=10_000
    )


class SchemeForm(forms.Form):
    grant_per_adult = forms.IntegerField(
        label=gettext_lazy("Points granted per adult per period"), min_value=0, max_value=10_000
    )
    grant_per_child = forms.IntegerField(
        label=gettext_lazy("Points granted per child per period"), min_value=0, max_value=10_000
    )
    grant_period_days = forms.IntegerField(
        label=gettext_lazy("Grant period (days)"), min_value=1, max_value=3650
    )
    spend_cap = forms.IntegerField(
        label=gettext_lazy("Most points spent per period"),
        min_value=0,
        max_value=1_000_000,
        required=False,
        help_text=gettext_lazy("Empty: no cap."),
    )
    cap_period_days = forms.IntegerField(
        label=gettext_lazy("Cap period (days)"), min_value=1, max_value=3650
    )
    expiry_days = forms.IntegerField(
        label=gettext_lazy("Points expire after (days)"),
        min_value=1,
        max_value=3650,
        required=False,
        help_text=gettext_lazy("Empty: points never expire."),
    )


SCHEME_FIELDS = list(SchemeForm.base_fields)


class CorrectionForm(forms.Form):
    household = forms.CharField(label=gettext_lazy("Household code"), max_length=40)
    delta = forms.IntegerField(
        label=gettext_lazy("Points (+ to add, − to take off)"),
        min_value=-100_000,
        max_value=100_000,
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)
    # Made when the form is shown: a double submit sends the same key and is answered
    # with the first correction.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def clean_household(self) -> Household:
        code = self.cleaned_data["household"]
        number = barcodes.decode(code, expect=barcodes.CodeType.HOUSEHOLD).number
        household = Household.objects.filter(pk=number, anonymised_at__isnull=True).first()
        if household is None:
            raise forms.ValidationError(
                _("No household with code %(code)s.") % {"code": barcodes.normalise(code)}
            )
        return household


def _correct(request) -> CorrectionForm | None:
    """Handle the correction form; None when saved (the caller redirects)."""
    form = CorrectionForm(request.POST, prefix="correction")
    try:
        valid = form.is_valid()
    except DomainError as exc:  # a code that is no household code
        form.add_error("household", exc.message)
        valid = False
    if not valid:
        return form
    household = form.cleaned_data["household"]
    try:
        entry = services.correct_points(
            actor=request.user,
            household=household,
            delta=form.cleaned_data["delta"],
            reason=form.cleaned_data["reason"],
            idempotency_key=form.cleaned_data["idempotency_key"],
            source=request.path,
        )
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return form
    messages.success(
        request,
        _("Corrected the points of %(household)s: %(delta)+d points, %(balance)d points now.")
        % {"household": household.code, "delta": entry.delta, "balance": entry.balance_after},
    )
    return None


def _new_correction_form() -> CorrectionForm:
    return CorrectionForm(prefix="correction", initial={"idempotency_key": uuid.uuid4().hex})


def _save_scheme(request, program) -> SchemeForm | None:
    """Handle the rules form; None when saved (the caller redirects)."""
    form = SchemeForm(request.POST, prefix="scheme")
    if form.is_valid():
        try:
            services.save_points_scheme(
                actor=request.user, program=program, source=request.path, **form.cleaned_data
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Saved the rules of %(program)s.") % {"program": program})
            return None
    return form


@role_required("kern.manage_programs")
@require_http_methods(["GET", "POST"])
def points_rates(request):
    """The points of each category in the swap shop, the shop's rules (grant, cap,
    expiry) and a correction of a household's points, by a coordinator."""
    program, scheme = swap_shop()
    correction_form = _new_correction_form()
    if request.method == "POST" and "correction-household" in request.POST:
        corrected = _correct(request)
        if corrected is None:
            return redirect("uitlening:points_rates")
        correction_form = corrected
    initial = {name: getattr(scheme, name) for name in SCHEME_FIELDS} if scheme else None
    scheme_form = SchemeForm(initial=initial, prefix="scheme")
    if request.method == "POST" and "scheme-grant_per_adult" in request.POST and program:
        saved = _save_scheme(request, program)
        if saved is None:
            return redirect("uitlening:points_rates")
        scheme_form = saved
    form = RateForm(request.POST if "category" in request.POST else None)
    if request.method == "POST" and form.is_bound and form.is_valid():
        try:
            services.save_points_rate(
                actor=request.user,
                category=form.cleaned_data["category"],
                earn_points=form.cleaned_data["earn_points"],
                spend_points=form.cleaned_data["spend_points"],
                source=request.path,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Saved the points of %(category)s.")
                % {"category": form.cleaned_data["category"].name},
            )
            return redirect("uitlening:points_rates")
    context = {
        "form": form,
        "rates": Category.objects.filter(points_rate__isnull=False)
        .select_related("points_rate")
        .order_by("name"),
        "program": program,
        "scheme_form": scheme_form,
        "correction_form": correction_form,
        "sections": navigation.sections(request),
    }
    return private(render(request, "uitlening/points_rates.html", context))


urlpatterns = [
    path("<int:pk>/gezin/<int:household>/punten/verdienen/", points_earn, name="points_earn"),
    path("<int:pk>/gezin/<int:household>/punten/besteden/", points_spend, name="points_spend"),
    path("<int:pk>/gezin/<int:household>/punten/toekennen/", points_grant, name="points_grant"),
    path("ruilpunten/", points_rates, name="points_rates"),
]
