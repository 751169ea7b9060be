"""Screens for coordinators: donations, taken in by scanning into a draft and then booked,
and the donor's thank-you letter. Views validate forms and call services; services say
what is wrong."""

from __future__ import annotations

import uuid
from decimal import Decimal

import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import (
    ExpressionWrapper,
    F,
    Sum,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_tables2 import RequestConfig

from kern import barcodes, exports
from kern.errors import DomainError
from kern.forms import show_domain_error
from kern.models import Location
from kern.pdf import pdf_response
from kern.permissions import role_required
from voorraad import services
from voorraad.documents import donation_letter_pdf
from voorraad.models import (
    CollectionDrive,
    Donation,
    DonationLine,
    Donor,
    Product,
)
from voorraad.views.common import (
    MONEY,
    NUM,
    PAGE_SIZE,
    STOCK,
    UNIT_VALUE,
    date_widget,
    model_choice_field,
    money,
)


class NewDonorForm(forms.ModelForm):
    """The inline mini-form on the donation start page (prefix ``nieuw``)."""

    class Meta:
        model = Donor
        fields = ["name", "kind"]
        labels = {"name": gettext_lazy("Name of the new donor")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False
        self.fields["kind"].initial = Donor.Kind.RESIDENT

    @property
    def is_filled(self) -> bool:
        return bool(self.data.get(self.add_prefix("name"), "").strip())


class DonationStartForm(forms.Form):
    donor = forms.ModelChoiceField(
        label=gettext_lazy("Donor"),
        queryset=Donor.objects.filter(is_active=True).order_by("name"),
        required=False,
    )
    anonymous = forms.BooleanField(label=gettext_lazy("Anonymous donor"), required=False)
    location = forms.ModelChoiceField(
        label=gettext_lazy("Received at"),
        queryset=Location.objects.filter(is_active=True).order_by("name"),
    )
    drive = forms.ModelChoiceField(
        label=gettext_lazy("Collection drive"),
        queryset=CollectionDrive.objects.none(),
        required=False,
        help_text=gettext_lazy("Only drives that run today."),
    )
    received_on = forms.DateField(label=gettext_lazy("Received on"), widget=date_widget())
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, new_donor: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.new_donor = new_donor
        today = timezone.localdate()
        self.fields["received_on"].initial = today
        model_choice_field(self, "drive").queryset = CollectionDrive.objects.filter(
            starts_on__lte=today, ends_on__gte=today
        ).order_by("name")

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        chosen = [bool(cleaned.get("donor")), bool(cleaned.get("anonymous")), self.new_donor]
        if "donor" in self.errors:
            pass
        elif sum(chosen) == 0:
            self.add_error(
                "donor", _("Choose a donor, tick “anonymous donor” or fill in a new donor.")
            )
        elif sum(chosen) > 1:
            self.add_error(
                "donor", _("Choose one donor only: an existing one, anonymous or a new one.")
            )
        return cleaned


class ScanForm(forms.Form):
    code = forms.CharField(required=False)
    aantal = forms.IntegerField(min_value=1, max_value=services.MAX_UNITS_PER_LINE, required=False)


class MapGtinForm(forms.Form):
    gtin = forms.CharField(widget=forms.HiddenInput)
    aantal = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    product = forms.ModelChoiceField(
        label=gettext_lazy("Product"), queryset=Product.objects.filter(is_active=True)
    )
    units = forms.IntegerField(
        label=gettext_lazy("Units per scan"),
        min_value=1,
        required=False,
        help_text=gettext_lazy("Empty: one pack of the product."),
    )


class LineForm(forms.Form):
    units = forms.IntegerField(min_value=0, max_value=services.MAX_UNITS_PER_LINE)


def _donation_url(record: Donation) -> str:
    if record.status == Donation.Status.DRAFT:
        return reverse("voorraad:donation_intake", args=[record.pk])
    return reverse("voorraad:donation_detail", args=[record.pk])


class DonationTable(tables.Table):
    received_on = tables.DateColumn(short=True, linkify=_donation_url)
    units = tables.Column(verbose_name=gettext_lazy("Units"), attrs=NUM)

    class Meta:
        model = Donation
        fields = ("received_on", "donor", "location", "drive", "status")
        sequence = ("received_on", "donor", "location", "drive", "status", "units")
        attrs = {"class": "table", "id": "donation-table"}
        row_attrs = {"data-donation": lambda record: record.pk}

    def render_status(self, record):
        kind = " warn" if record.status == Donation.Status.DRAFT else ""
        return format_html(
            '<span class="badge{}" data-status="{}">{}</span>',
            kind,
            record.status,
            record.get_status_display(),
        )


@role_required(STOCK)
def donation_list(request):
    queryset = Donation.objects.select_related("donor", "location", "drive").annotate(
        units=Coalesce(Sum("lines__quantity"), 0)
    )
    filters = {
        "status": request.GET.get("status", ""),
        "location": request.GET.get("location", ""),
        "q": request.GET.get("q", "").strip(),
    }
    if filters["status"] in Donation.Status.values:
        queryset = queryset.filter(status=filters["status"])
    if filters["location"].isdigit():
        queryset = queryset.filter(location_id=int(filters["location"]))
    if filters["q"]:
        queryset = queryset.filter(donor__name__icontains=filters["q"])
    table = DonationTable(queryset.order_by("-received_on", "-id"))
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    if exported := exports.table_export(request, table, name=_("donations")):
        return exported
    return render(
        request,
        "voorraad/donation_list.html",
        {
            "table": table,
            "filters": filters,
            "statuses": Donation.Status.choices,
            "locations": Location.objects.filter(donations__isnull=False)
            .distinct()
            .order_by("name")
            .only("pk", "name"),
        },
    )


@role_required(STOCK)
@require_http_methods(["GET", "POST"])
def donation_start(request):
    new_donor_form = NewDonorForm(request.POST or None, prefix="nieuw")
    wants_new = request.method == "POST" and new_donor_form.is_filled
    form = DonationStartForm(
        request.POST or None, new_donor=wants_new, initial={"donor": request.GET.get("schenker")}
    )
    if request.method == "POST":
        valid = form.is_valid()
        if wants_new:
            valid = new_donor_form.is_valid() and valid
        if valid:
            data = form.cleaned_data
            try:
                with transaction.atomic():  # a new donor is kept only with its donation
                    if wants_new:
                        donor = services.save_donor(
                            actor=request.user, donor=new_donor_form.save(commit=False)
                        )
                    elif data["anonymous"]:
                        donor = services.anonymous_donor()
                    else:
                        donor = data["donor"]
                    donation = services.start_donation(
                        actor=request.user,
                        donor=donor,
                        location=data["location"],
                        drive=data["drive"],
                        received_on=data["received_on"],
                        note=data["note"],
                    )
            except DomainError as exc:
                if exc.field in new_donor_form.fields and wants_new:
                    show_domain_error(new_donor_form, exc)
                else:
                    show_domain_error(form, exc)
            else:
                return redirect("voorraad:donation_intake", pk=donation.pk)
    return render(
        request,
        "voorraad/donation_start.html",
        {"form": form, "new_donor_form": new_donor_form},
    )


def _donation(pk: int) -> Donation:
    return get_object_or_404(
        Donation.objects.select_related("donor", "location", "drive", "created_by"), pk=pk
    )


def _lines(donation: Donation):
    return donation.lines.select_related("product").order_by("product__name")


def _lines_context(donation: Donation, **extra) -> dict:
    lines = list(_lines(donation))
    return {
        "donation": donation,
        "lines": lines,
        "total_units": sum(line.quantity for line in lines),
        **extra,
    }


@role_required(STOCK)
def donation_intake(request, pk: int):
    donation = _donation(pk)
    if donation.status != Donation.Status.DRAFT:
        return redirect("voorraad:donation_detail", pk=donation.pk)
    return render(request, "voorraad/donation_intake.html", _lines_context(donation))


def _map_form(**initial) -> MapGtinForm:
    return MapGtinForm(initial=initial, auto_id=f"map-{uuid.uuid4().hex[:8]}-%s")


@role_required(STOCK)
@require_POST
def donation_scan(request, pk: int):
    """htmx: add one scan to a draft; answer with a scan card and the lines table (oob)."""
    donation = _donation(pk)
    form = ScanForm(request.POST)
    code = request.POST.get("code", "").strip()
    context: dict = {"code": code}
    if not form.is_valid():
        context["error"] = _("The number of packs must be a whole number from 1.")
    else:
        packs = form.cleaned_data["aantal"] or 1
        context["packs"] = packs
        try:
            line = services.scan_into_donation(
                actor=request.user, donation=donation, code=code, packs=packs
            )
        except DomainError as exc:
            context["error"] = exc.message
            if exc.code == "unknown_gtin":
                gtin = barcodes.normalise(code)
                context["unknown_gtin"] = gtin
                context["map_form"] = _map_form(gtin=gtin, aantal=packs)
                context["reset_packs"] = packs != 1
        else:
            context["line"] = line
            context["reset_packs"] = packs != 1
    if not request.htmx:
        if "line" in context:
            messages.success(request, _scan_message(context["line"]))
        else:
            messages.error(request, context["error"])
        return redirect("voorraad:donation_intake", pk=donation.pk)
    context = _lines_context(donation, **context)
    return render(request, "voorraad/partials/donation_scan_result.html", context)


def _scan_message(line: DonationLine) -> str:
    return _("%(product)s: now %(quantity)s.") % {
        "product": line.product.name,
        "quantity": services.describe_units(line.product, line.quantity),
    }


@role_required(STOCK)
@require_POST
def donation_map_gtin(request, pk: int):
    """Tie an unknown EAN to a product, then count the scan that found it."""
    donation = _donation(pk)
    form = MapGtinForm(request.POST, auto_id=f"map-{uuid.uuid4().hex[:8]}-%s")
    context: dict = {}
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.map_gtin(
                actor=request.user, gtin=data["gtin"], product=data["product"], units=data["units"]
            )
            line = services.scan_into_donation(
                actor=request.user, donation=donation, code=data["gtin"], packs=data["aantal"] or 1
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            context["line"] = line
            context["mapped_gtin"] = data["gtin"]
    if "line" not in context:
        gtin = form.data.get("gtin", "")
        context.update(
            error=_("EAN %(gtin)s is not known yet: choose the product it belongs to.")
            % {"gtin": gtin},
            unknown_gtin=gtin,
            map_form=form,
        )
    if not request.htmx:
        if "line" in context:
            messages.success(request, _scan_message(context["line"]))
        else:
            errors = form.non_field_errors() or [context["error"]]
            messages.error(request, " ".join(str(error) for error in errors))
        return redirect("voorraad:donation_intake", pk=donation.pk)
    context = _lines_context(donation, **context)
    return render(request, "voorraad/partials/donation_scan_result.html", context)


@role_required(STOCK)
@require_POST
def donation_line(request, pk: int, product_pk: int):
    """Type the quantity of a line in units; zero removes the line."""
    donation = _donation(pk)
    product = get_object_or_404(Product, pk=product_pk)
    form = LineForm(request.POST)
    error = None
    if not form.is_valid():
        error = _("%(product)s: type a whole number of units, 0 to remove the line.") % {
            "product": product.name
        }
    else:
        try:
            services.set_donation_line(
                actor=request.user,
                donation=donation,
                product=product,
                units=form.cleaned_data["units"],
            )
        except DomainError as exc:
            error = exc.message
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("voorraad:donation_intake", pk=donation.pk)
    context = _lines_context(
        donation,
        line_error=error,
        error_product_id=product.pk if error else None,
        typed=request.POST.get("units", ""),
    )
    return render(request, "voorraad/partials/donation_lines.html", context)


@role_required(STOCK)
@require_POST
def donation_post(request, pk: int):
    donation = _donation(pk)
    try:
        services.post_donation(actor=request.user, donation=donation)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("voorraad:donation_intake", pk=donation.pk)
    messages.success(
        request, _("The donation of %(donor)s is booked.") % {"donor": donation.donor.name}
    )
    return redirect("voorraad:donation_detail", pk=donation.pk)


@role_required(STOCK)
def donation_detail(request, pk: int):
    donation = _donation(pk)
    lines = list(
        _lines(donation).annotate(
            unit_value=UNIT_VALUE,
            value=ExpressionWrapper(F("quantity") * UNIT_VALUE, output_field=MONEY),
        )
    )
    return render(
        request,
        "voorraad/donation_detail.html",
        {
            "donation": donation,
            "lines": lines,
            "total_units": sum(line.quantity for line in lines),
            "total_value": money(sum((line.value or 0 for line in lines), Decimal(0))),
        },
    )


@role_required(STOCK)
def donation_letter(request, pk: int):
    donation = _donation(pk)
    if donation.status != Donation.Status.POSTED:
        messages.error(request, _("Book the donation first; then the thank-you letter is ready."))
        return redirect("voorraad:donation_intake", pk=donation.pk)
    # The letter carries the donor's name and address.
    return pdf_response(
        donation_letter_pdf(donation), filename=f"bedankbrief-{donation.code}.pdf", personal=True
    )


urlpatterns = [
    path("schenkingen/", donation_list, name="donation_list"),
    path("schenkingen/nieuw/", donation_start, name="donation_start"),
    path("schenkingen/<int:pk>/", donation_intake, name="donation_intake"),
    path("schenkingen/<int:pk>/scan/", donation_scan, name="donation_scan"),
    path("schenkingen/<int:pk>/ean/", donation_map_gtin, name="donation_map_gtin"),
    path("schenkingen/<int:pk>/lijn/<int:product_pk>/", donation_line, name="donation_line"),
    path("schenkingen/<int:pk>/boeken/", donation_post, name="donation_post"),
    path("schenkingen/<int:pk>/detail/", donation_detail, name="donation_detail"),
    path("schenkingen/<int:pk>/bedankbrief.pdf", donation_letter, name="donation_letter"),
]
