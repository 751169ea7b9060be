"""Screens for coordinators: collection drives, their collection points and progress."""

from __future__ import annotations

import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.db.models import (
    Count,
    Prefetch,
    Q,
    Sum,
)
from django.db.models.functions import Coalesce
from django.forms.models import model_to_dict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_tables2 import A, RequestConfig

from kern import exports
from kern.errors import DomainError
from kern.forms import show_domain_error
from kern.models import Location
from kern.permissions import role_required
from voorraad import selectors, services
from voorraad.models import (
    CollectionDrive,
    Donation,
    DonationLine,
)
from voorraad.views.common import (
    NUM,
    PAGE_SIZE,
    POSTED,
    STOCK,
    date_widget,
    model_choice_field,
)


class DriveForm(forms.Form):
    """A plain form: the checks (name, dates, points) are ``save_drive``'s."""

    MODEL_FIELDS = ("name", "starts_on", "ends_on", "target_units", "description")

    name = CollectionDrive._meta.get_field("name").formfield()
    starts_on = CollectionDrive._meta.get_field("starts_on").formfield(widget=date_widget())
    ends_on = CollectionDrive._meta.get_field("ends_on").formfield(widget=date_widget())
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
        model_choice_field(self, "collection_points").queryset = (
            Location.objects.filter(points).distinct().order_by("name")
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
    if exported := exports.table_export(request, table, name=_("collection drives")):
        return exported
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


urlpatterns = [
    path("inzamelacties/", drive_list, name="drive_list"),
    path("inzamelacties/nieuw/", drive_edit, name="drive_create"),
    path("inzamelacties/<int:pk>/", drive_detail, name="drive_detail"),
    path("inzamelacties/<int:pk>/wijzigen/", drive_edit, name="drive_edit"),
]
