"""Screens for coordinators: donors, donations (scan intake), collection drives and
purchases. Views validate forms and call services; services say what is wrong."""

from __future__ import annotations

import uuid
from decimal import Decimal

import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    Prefetch,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.forms import formset_factory
from django.forms.models import model_to_dict
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_tables2 import A, RequestConfig

from kern import barcodes
from kern.errors import DomainError
from kern.fields import DecimalCommaField
from kern.forms import show_domain_error
from kern.models import Location
from kern.permissions import role_required
from voorraad import selectors, services
from voorraad.models import (
    CollectionDrive,
    Donation,
    DonationLine,
    Donor,
    Product,
    Purchase,
    PurchaseLine,
    Supplier,
)

STOCK = "kern.manage_stock"
PAGE_SIZE = 50
HISTORY_SIZE = 100
MORE_LINES = 5
MAX_PURCHASE_LINES = 60
POSTED = Donation.Status.POSTED

MONEY = DecimalField(max_digits=14, decimal_places=2)
UNIT_VALUE = Coalesce(F("product__last_cost_per_unit"), F("product__value_per_unit"))


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _money(value) -> str:
    return "€ " + number_format(value or 0, 2, force_grouping=True)


def _cost(value: Decimal | None) -> str:
    """A cost per unit with as many decimals as it has (at least two): “€ 0,2345”."""
    value = value or Decimal(0)
    places = max(2, -int(value.normalize().as_tuple().exponent))
    return "€ " + number_format(value, places, force_grouping=True)


# --- Forms ------------------------------------------------------------------------------


class DonorForm(forms.ModelForm):
    class Meta:
        model = Donor
        fields = [
            "name",
            "kind",
            "contact_person",
            "email",
            "phone",
            "street",
            "postcode",
            "city",
            "wants_receipt",
            "notes",
            "is_active",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


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
    received_on = forms.DateField(label=gettext_lazy("Received on"), widget=_date_widget())
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, new_donor: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.new_donor = new_donor
        today = timezone.localdate()
        self.fields["received_on"].initial = today
        self.fields["drive"].queryset = CollectionDrive.objects.filter(
            starts_on__lte=today, ends_on__gte=today
        ).order_by("name")

    def clean(self):
        cleaned = super().clean()
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


class DriveForm(forms.Form):
    """A plain form: the checks (name, dates, points) are ``save_drive``'s."""

    MODEL_FIELDS = ("name", "starts_on", "ends_on", "target_units", "description")

    name = CollectionDrive._meta.get_field("name").formfield()
    starts_on = CollectionDrive._meta.get_field("starts_on").formfield(widget=_date_widget())
    ends_on = CollectionDrive._meta.get_field("ends_on").formfield(widget=_date_widget())
    target_units = CollectionDrive._meta.get_field("target_units").formfield()
    collection_points = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Collection points"),
        queryset=Location.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    description = CollectionDrive._meta.get_field("description").formfield(
        widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, drive: CollectionDrive, **kwargs):
        super().__init__(*args, **kwargs)
        points = Q(kind=Location.Kind.COLLECTION_POINT, is_active=True)
        if drive.pk:
            points |= Q(kind=Location.Kind.COLLECTION_POINT, drives=drive)
        self.fields["collection_points"].queryset = (
            Location.objects.filter(points).distinct().order_by("name")
        )


class PurchaseForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, max_length=60, required=False)
    supplier = forms.ModelChoiceField(
        label=gettext_lazy("Supplier"),
        queryset=Supplier.objects.order_by("name"),
        required=False,
    )
    new_supplier = forms.CharField(
        label=gettext_lazy("Or a new supplier"), max_length=150, required=False
    )
    location = forms.ModelChoiceField(
        label=gettext_lazy("Received at"),
        queryset=Location.objects.filter(is_active=True).order_by("name"),
    )
    received_on = forms.DateField(label=gettext_lazy("Received on"), widget=_date_widget())
    reference = forms.CharField(
        label=gettext_lazy("Invoice or order number"), max_length=60, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()
        self.fields["key"].initial = uuid.uuid4().hex

    def clean(self):
        cleaned = super().clean()
        new_name = (cleaned.get("new_supplier") or "").strip()
        if cleaned.get("supplier") and new_name:
            self.add_error("new_supplier", _("Choose a supplier or type a new one, not both."))
        elif not cleaned.get("supplier") and not new_name and "supplier" not in self.errors:
            self.add_error("supplier", _("Choose a supplier or type the name of a new one."))
        return cleaned


class PurchaseLineForm(forms.Form):
    product = forms.ChoiceField(label=gettext_lazy("Product"))
    packs = forms.IntegerField(
        label=gettext_lazy("Packs"), min_value=1, max_value=services.MAX_UNITS_PER_LINE
    )
    unit_cost = DecimalCommaField(
        label=gettext_lazy("Cost per unit (EUR)"),
        min_value=Decimal("0"),
        max_digits=9,
        decimal_places=4,
    )

    def __init__(self, *args, products: dict[str, Product], **kwargs):
        super().__init__(*args, **kwargs)
        self.products = products
        self.fields["product"].choices = [("", "---------")] + [
            (key, _("%(name)s (%(size)d per pack)") % {"name": p.name, "size": p.pack_size})
            if p.pack_size > 1
            else (key, p.name)
            for key, p in products.items()
        ]

    def clean_product(self) -> Product:
        return self.products[self.cleaned_data["product"]]


PurchaseLineFormSet = formset_factory(PurchaseLineForm, extra=6, max_num=MAX_PURCHASE_LINES)


# --- Tables -----------------------------------------------------------------------------

NUM = {"th": {"class": "num"}, "td": {"class": "num"}}


class DonorTable(tables.Table):
    name = tables.LinkColumn("voorraad:donor_detail", args=[A("pk")])
    donation_count = tables.Column(verbose_name=gettext_lazy("Donations"), attrs=NUM)
    units = tables.Column(verbose_name=gettext_lazy("Units received"), attrs=NUM)
    last_donation = tables.DateColumn(verbose_name=gettext_lazy("Last donation"), short=True)

    class Meta:
        model = Donor
        fields = ("name", "kind", "city")
        attrs = {"class": "table", "id": "donor-table"}
        row_attrs = {"data-donor": lambda record: record.pk}


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


def _progress(received: int, target: int | None):
    if not target:
        return format_html("{}", number_format(received, force_grouping=True))
    percent = round(100 * received / target)
    return format_html(
        '<progress max="{}" value="{}">{} %</progress> {} %',
        target,
        min(received, target),
        percent,
        percent,
    )


class DriveTable(tables.Table):
    name = tables.LinkColumn("voorraad:drive_detail", args=[A("pk")])
    period = tables.Column(verbose_name=gettext_lazy("Period"), empty_values=(), orderable=False)
    collection_points = tables.Column(
        verbose_name=gettext_lazy("Collection points"), empty_values=(), orderable=False
    )
    received = tables.Column(verbose_name=gettext_lazy("Received (units)"), attrs=NUM)
    progress = tables.Column(
        verbose_name=gettext_lazy("Progress"), empty_values=(), orderable=False
    )

    class Meta:
        model = CollectionDrive
        fields = ("name", "target_units")
        sequence = ("name", "period", "collection_points", "target_units", "received", "progress")
        attrs = {"class": "table", "id": "drive-table"}
        row_attrs = {"data-drive": lambda record: record.pk}

    def render_period(self, record):
        return f"{record.starts_on:%d/%m/%Y} – {record.ends_on:%d/%m/%Y}"

    def render_collection_points(self, record):
        return ", ".join(point.name for point in record.collection_points.all()) or "—"

    def render_progress(self, record):
        return _progress(record.received, record.target_units)


class PurchaseTable(tables.Table):
    received_on = tables.DateColumn(
        short=True, linkify=lambda record: reverse("voorraad:purchase_detail", args=[record.pk])
    )
    units = tables.Column(verbose_name=gettext_lazy("Units"), attrs=NUM)
    total = tables.Column(verbose_name=gettext_lazy("Total cost"), attrs=NUM)

    class Meta:
        model = Purchase
        fields = ("received_on", "supplier", "location", "reference")
        sequence = ("received_on", "supplier", "location", "reference", "units", "total")
        attrs = {"class": "table", "id": "purchase-table"}
        row_attrs = {"data-purchase": lambda record: record.pk}

    def render_total(self, value):
        return _money(value)


# --- Donors -----------------------------------------------------------------------------


@role_required(STOCK)
def donor_list(request):
    posted = Q(donations__status=POSTED)
    queryset = Donor.objects.annotate(
        donation_count=Count("donations", filter=posted, distinct=True),
        units=Coalesce(Sum("donations__lines__quantity", filter=posted), 0),
        last_donation=Max("donations__received_on", filter=posted),
    )
    kind = request.GET.get("kind", "")
    if kind in Donor.Kind.values:
        queryset = queryset.filter(kind=kind)
    search = request.GET.get("q", "").strip()
    if search:
        queryset = queryset.filter(
            Q(name__icontains=search)
            | Q(city__icontains=search)
            | Q(contact_person__icontains=search)
        )
    table = DonorTable(queryset.order_by("name"))
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    return render(
        request,
        "voorraad/donor_list.html",
        {"table": table, "kinds": Donor.Kind.choices, "kind": kind, "search": search},
    )


@role_required(STOCK)
@require_http_methods(["GET", "POST"])
def donor_edit(request, pk: int | None = None):
    donor = get_object_or_404(Donor, pk=pk) if pk else Donor()
    form = DonorForm(request.POST or None, instance=donor)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_donor(actor=request.user, donor=form.save(commit=False))
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": saved.name})
            return redirect("voorraad:donor_detail", pk=saved.pk)
    return render(request, "voorraad/donor_edit.html", {"form": form, "donor": donor})


@role_required(STOCK)
def donor_detail(request, pk: int):
    donor = get_object_or_404(Donor, pk=pk)
    totals = DonationLine.objects.filter(donation__donor=donor, donation__status=POSTED).aggregate(
        donations=Count("donation", distinct=True),
        units=Coalesce(Sum("quantity"), 0),
        value=Sum(ExpressionWrapper(F("quantity") * UNIT_VALUE, output_field=MONEY)),
    )
    history = (
        donor.donations.select_related("location", "drive")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=DonationLine.objects.select_related("product").order_by("product__name"),
            )
        )
        .order_by("-received_on", "-id")[:HISTORY_SIZE]
    )
    return render(
        request,
        "voorraad/donor_detail.html",
        {
            "donor": donor,
            "totals": totals,
            "value": _money(totals["value"]),
            "history": history,
            "history_size": HISTORY_SIZE,
        },
    )


# --- Donations --------------------------------------------------------------------------


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
    for line in lines:
        line.unit_value_text = _cost(line.unit_value)
    return render(
        request,
        "voorraad/donation_detail.html",
        {
            "donation": donation,
            "lines": lines,
            "total_units": sum(line.quantity for line in lines),
            "total_value": _money(sum((line.value or 0 for line in lines), Decimal(0))),
        },
    )


@role_required(STOCK)
def donation_letter(request, pk: int):
    donation = _donation(pk)
    if donation.status != Donation.Status.POSTED:
        messages.error(request, _("Book the donation first; then the thank-you letter is ready."))
        return redirect("voorraad:donation_intake", pk=donation.pk)
    from voorraad.documents import donation_letter_pdf  # written alongside; import late

    response = HttpResponse(donation_letter_pdf(donation), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="bedankbrief-{donation.code}.pdf"'
    return response


# --- Collection drives ------------------------------------------------------------------


def _received_in_drive():
    return Coalesce(Sum("donations__lines__quantity", filter=Q(donations__status=POSTED)), 0)


@role_required(STOCK)
def drive_list(request):
    queryset = (
        CollectionDrive.objects.prefetch_related(
            Prefetch("collection_points", queryset=Location.objects.order_by("name"))
        )
        .annotate(received=_received_in_drive())
        .order_by("-starts_on", "name")
    )
    table = DriveTable(queryset)
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    return render(request, "voorraad/drive_list.html", {"table": table})


@role_required(STOCK)
@require_http_methods(["GET", "POST"])
def drive_edit(request, pk: int | None = None):
    drive = get_object_or_404(CollectionDrive, pk=pk) if pk else CollectionDrive()
    initial = {}
    if drive.pk:
        initial = model_to_dict(drive, fields=[*DriveForm.MODEL_FIELDS, "collection_points"])
    form = DriveForm(request.POST or None, initial=initial, drive=drive)
    if request.method == "POST" and form.is_valid():
        for name in DriveForm.MODEL_FIELDS:
            setattr(drive, name, form.cleaned_data[name])
        try:
            saved = services.save_drive(
                actor=request.user,
                drive=drive,
                collection_points=form.cleaned_data["collection_points"],
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": saved.name})
            return redirect("voorraad:drive_detail", pk=saved.pk)
    return render(request, "voorraad/drive_edit.html", {"form": form, "drive": drive})


@role_required(STOCK)
def drive_detail(request, pk: int):
    drive = get_object_or_404(CollectionDrive, pk=pk)
    received = selectors.drive_progress(drive)
    donors = (
        DonationLine.objects.filter(donation__drive=drive, donation__status=POSTED)
        .values("donation__donor_id", "donation__donor__name")
        .annotate(units=Sum("quantity"), donations=Count("donation", distinct=True))
        .order_by("-units", "donation__donor__name")
    )
    drafts = drive.donations.filter(status=Donation.Status.DRAFT).count()
    return render(
        request,
        "voorraad/drive_detail.html",
        {
            "drive": drive,
            "points": drive.collection_points.order_by("name"),
            "received": received,
            "percent": round(100 * received / drive.target_units) if drive.target_units else None,
            "donors": donors,
            "drafts": drafts,
        },
    )


# --- Purchases --------------------------------------------------------------------------


@role_required(STOCK)
def purchase_list(request):
    queryset = Purchase.objects.select_related("supplier", "location").annotate(
        units=Coalesce(Sum("lines__quantity"), 0),
        total=Coalesce(
            Sum(
                ExpressionWrapper(F("lines__quantity") * F("lines__unit_cost"), output_field=MONEY)
            ),
            Value(Decimal(0)),
            output_field=MONEY,
        ),
    )
    search = request.GET.get("q", "").strip()
    if search:
        queryset = queryset.filter(
            Q(supplier__name__icontains=search) | Q(reference__icontains=search)
        )
    table = PurchaseTable(queryset.order_by("-received_on", "-id"))
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    return render(request, "voorraad/purchase_list.html", {"table": table, "search": search})


@role_required(STOCK)
@require_http_methods(["GET", "POST"])
def purchase_create(request):
    products = {str(p.pk): p for p in Product.objects.filter(is_active=True).order_by("name")}
    data = request.POST.copy() if request.method == "POST" else None
    adding_lines = data is not None and "more_lines" in data
    if adding_lines:
        total_key = "lines-TOTAL_FORMS"
        current = int(data.get(total_key, 0)) if str(data.get(total_key, "")).isdigit() else 0
        data[total_key] = str(min(current + MORE_LINES, MAX_PURCHASE_LINES))
    form = PurchaseForm(data)
    formset = PurchaseLineFormSet(data, prefix="lines", form_kwargs={"products": products})
    if data is not None and not adding_lines and form.is_valid() and formset.is_valid():
        lines = [
            services.CostLine(
                product=line["product"],
                quantity=line["packs"] * line["product"].pack_size,
                unit_cost=line["unit_cost"],
            )
            for line in formset.cleaned_data
            if line
        ]
        try:
            with transaction.atomic():  # a new supplier is kept only with its purchase
                supplier = form.cleaned_data["supplier"] or services.supplier_named(
                    actor=request.user, name=form.cleaned_data["new_supplier"]
                )
                purchase = services.record_purchase(
                    actor=request.user,
                    supplier=supplier,
                    location=form.cleaned_data["location"],
                    lines=lines,
                    received_on=form.cleaned_data["received_on"],
                    reference=form.cleaned_data["reference"],
                    idempotency_key=(
                        f"purchase-form-{form.cleaned_data['key']}"
                        if form.cleaned_data["key"]
                        else None
                    ),
                )
        except DomainError as exc:
            if exc.field == "name":
                form.add_error("new_supplier", exc.message)
            else:
                show_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("The purchase from %(supplier)s is booked.") % {"supplier": supplier.name},
            )
            return redirect("voorraad:purchase_detail", pk=purchase.pk)
    return render(
        request,
        "voorraad/purchase_create.html",
        {
            "form": form,
            "formset": formset,
            "can_add_lines": formset.total_form_count() < MAX_PURCHASE_LINES,
        },
    )


@role_required(STOCK)
def purchase_detail(request, pk: int):
    purchase = get_object_or_404(
        Purchase.objects.select_related("supplier", "location", "created_by"), pk=pk
    )
    lines = list(
        PurchaseLine.objects.filter(purchase=purchase)
        .select_related("product")
        .annotate(line_total=ExpressionWrapper(F("quantity") * F("unit_cost"), output_field=MONEY))
        .order_by("product__name", "pk")
    )
    for line in lines:
        line.unit_cost_text = _cost(line.unit_cost)
    return render(
        request,
        "voorraad/purchase_detail.html",
        {
            "purchase": purchase,
            "lines": lines,
            "total_units": sum(line.quantity for line in lines),
            "total": _money(sum((line.line_total for line in lines), Decimal(0))),
        },
    )


urlpatterns = [
    path("schenkers/", donor_list, name="donor_list"),
    path("schenkers/nieuw/", donor_edit, name="donor_create"),
    path("schenkers/<int:pk>/", donor_detail, name="donor_detail"),
    path("schenkers/<int:pk>/wijzigen/", donor_edit, name="donor_edit"),
    path("schenkingen/", donation_list, name="donation_list"),
    path("schenkingen/nieuw/", donation_start, name="donation_start"),
    path("schenkingen/<int:pk>/", donation_intake, name="donation_intake"),
    path("schenkingen/<int:pk>/scan/", donation_scan, name="donation_scan"),
    path("schenkingen/<int:pk>/ean/", donation_map_gtin, name="donation_map_gtin"),
    path("schenkingen/<int:pk>/lijn/<int:product_pk>/", donation_line, name="donation_line"),
    path("schenkingen/<int:pk>/boeken/", donation_post, name="donation_post"),
    path("schenkingen/<int:pk>/detail/", donation_detail, name="donation_detail"),
    path("schenkingen/<int:pk>/bedankbrief.pdf", donation_letter, name="donation_letter"),
    path("inzamelacties/", drive_list, name="drive_list"),
    path("inzamelacties/nieuw/", drive_edit, name="drive_create"),
    path("inzamelacties/<int:pk>/", drive_detail, name="drive_detail"),
    path("inzamelacties/<int:pk>/wijzigen/", drive_edit, name="drive_edit"),
    path("aankopen/", purchase_list, name="purchase_list"),
    path("aankopen/nieuw/", purchase_create, name="purchase_create"),
    path("aankopen/<int:pk>/", purchase_detail, name="purchase_detail"),
]
