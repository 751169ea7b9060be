"""Screens: stock overview, movements (with reversal), transfers, adjustments, counts."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST
from django_tables2 import RequestConfig

from kern import exports
from kern.errors import DomainError
from kern.forms import show_domain_error
from kern.models import Location
from kern.pdf import pdf_response
from kern.permissions import role_required
from voorraad import selectors, services
from voorraad.documents import count_sheet_pdf, transfer_picklist_pdf
from voorraad.forms import (
    AdjustmentForm,
    AsOfForm,
    CountStartForm,
    PacksAndUnits,
    ReverseForm,
    TransferStartForm,
    units_from,
)
from voorraad.models import Category, Product, StockCount, StockLevel, StockMovement, Transfer
from voorraad.tables import CountTable, MovementTable, StockLevelTable, TransferTable

PAGE_SIZE = 50
STOCK = "kern.manage_stock"


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


# --- Overview ---------------------------------------------------------------------------


@role_required(STOCK)
def stock_overview(request):
    filters = {
        "location_id": _int(request.GET.get("location")),
        "category_id": _int(request.GET.get("category")),
        "search": request.GET.get("q", "").strip(),
        "low_only": request.GET.get("low") == "1",
    }
    table = StockLevelTable(selectors.stock_overview(**filters))
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    if exported := exports.table_export(request, table, name=pgettext("export", "stock")):
        return exported
    # Rows are drawn by a lean template (django-tables2's per-cell rendering cost more
    # than the query); the table still gives the headers, sorting, paging and export.
    rows = list(table.page.object_list.data) if table.page else []
    for record in rows:
        record.on_hand_text = services.describe_units(record.product, record.on_hand)
        record.minimum_text = (
            services.describe_units(record.product, record.minimum)
            if record.minimum is not None
            else ""
        )
        record.cover = selectors.days_of_cover(record.on_hand, record.outflow)
        record.is_low = record.minimum is not None and record.on_hand < record.minimum
    return render(
        request,
        "voorraad/stock_overview.html",
        {
            "table": table,
            "rows": rows,
            "movements_url": reverse("voorraad:movement_list"),
            "filters": filters,
            "locations": Location.objects.filter(is_active=True).order_by("name"),
            "categories": Category.objects.order_by("name"),
        },
    )


@role_required(STOCK)
def stock_as_of(request):
    """Stock of one location at the end of a past day, computed from the ledger."""
    form = AsOfForm(request.GET or None)
    rows, moment = [], None
    if form.is_valid():
        location, day = form.cleaned_data["location"], form.cleaned_data["day"]
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time.max))
        units = selectors.stock_as_of(location=location, at=moment)
        products = Product.objects.in_bulk(units)
        rows = [
            {
                "product": products[pk],
                "units": n,
                "text": services.describe_units(products[pk], n),
            }
            for pk, n in sorted(units.items(), key=lambda item: products[item[0]].name)
        ]
    return render(
        request, "voorraad/stock_as_of.html", {"form": form, "rows": rows, "moment": moment}
    )


# --- Movements --------------------------------------------------------------------------


@role_required(STOCK)
def movement_list(request):
    queryset = StockMovement.objects.select_related("product", "location", "user").prefetch_related(
        Prefetch("reversed_by")
    )
    location_id = _int(request.GET.get("location"))
    product_id = _int(request.GET.get("product"))
    kind = request.GET.get("kind")
    if location_id:
        queryset = queryset.filter(location_id=location_id)
    if product_id:
        queryset = queryset.filter(product_id=product_id)
    if kind in StockMovement.Kind.values:
        queryset = queryset.filter(kind=kind)
    table = MovementTable(queryset)
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    if exported := exports.table_export(request, table, name=pgettext("export", "movements")):
        return exported
    return render(
        request,
        "voorraad/movement_list.html",
        {
            "table": table,
            "locations": Location.objects.filter(is_active=True).order_by("name"),
            "kinds": StockMovement.Kind.choices,
            "filters": {"location": location_id, "product": product_id, "kind": kind},
        },
    )


@role_required(STOCK)
@require_http_methods(["GET", "POST"])
def movement_reverse(request, pk: int):
    movement = get_object_or_404(StockMovement.objects.select_related("product", "location"), pk=pk)
    form = ReverseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reverse_movement(
                actor=request.user, movement=movement, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The movement is reversed."))
            return redirect("voorraad:movement_list")
    return render(request, "voorraad/movement_reverse.html", {"movement": movement, "form": form})


# --- Transfers --------------------------------------------------------------------------


@role_required(STOCK)
def transfer_list(request):
    queryset = Transfer.objects.select_related("from_location", "to_location")
    table = TransferTable(queryset)
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    if exported := exports.table_export(request, table, name=_("transfers")):
        return exported
    return render(request, "voorraad/transfer_list.html", {"table": table})


def _row_forms(data, levels):
    return [(level, PacksAndUnits(data, prefix=f"p{level.product_id}")) for level in levels]


@role_required(STOCK)
@require_http_methods(["GET", "POST"])
def transfer_create(request):
    """Step 1: from and to. Step 2: how much of each product in stock at the source."""
    start = TransferStartForm(request.POST or request.GET or None)
    rows = []
    error = None
    if start.is_bound and start.is_valid():
        source = start.cleaned_data["from_location"]
        levels = (
            StockLevel.objects.filter(location=source, on_hand__gt=0, product__is_active=True)
            .select_related("product")
            .order_by("product__name")
        )
        rows = _row_forms(request.POST if request.method == "POST" else None, levels)
        if request.method == "POST" and all(form.is_valid() for _level, form in rows):
            lines = [
                services.Line(
                    level.product,
                    units_from(
                        level.product, form.cleaned_data["packs"], form.cleaned_data["loose"]
                    ),
                )
                for level, form in rows
            ]
            lines = [line for line in lines if line.quantity]
            try:
                transfer = services.plan_transfer(
                    actor=request.user,
                    from_location=source,
                    to_location=start.cleaned_data["to_location"],
                    lines=lines,
                    note=start.cleaned_data["note"],
                )
            except DomainError as exc:
                error = exc.message
            else:
                messages.success(
                    request, _("The transfer is planned: print the pick list, then mark it done.")
                )
                return redirect("voorraad:transfer_detail", pk=transfer.pk)
    return render(
        request, "voorraad/transfer_create.html", {"start": start, "rows": rows, "error": error}
    )


@role_required(STOCK)
def transfer_detail(request, pk: int):
    transfer = get_object_or_404(
        Transfer.objects.select_related("from_location", "to_location", "created_by"), pk=pk
    )
    lines = transfer.lines.select_related("product").order_by("product__name")
    return render(request, "voorraad/transfer_detail.html", {"transfer": transfer, "lines": lines})


@role_required(STOCK)
@require_POST
def transfer_execute(request, pk: int):
    transfer = get_object_or_404(Transfer, pk=pk)
    try:
        services.execute_transfer(actor=request.user, transfer=transfer)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The transfer is done: the stock has moved."))
    return redirect("voorraad:transfer_detail", pk=pk)


@role_required(STOCK)
@require_POST
def transfer_cancel(request, pk: int):
    transfer = get_object_or_404(Transfer, pk=pk)
    try:
        services.cancel_transfer(actor=request.user, transfer=transfer)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The transfer is cancelled."))
    return redirect("voorraad:transfer_detail", pk=pk)


@role_required(STOCK)
def transfer_picklist(request, pk: int):
    transfer = get_object_or_404(
        Transfer.objects.select_related("from_location", "to_location"), pk=pk
    )
    return pdf_response(
        transfer_picklist_pdf(transfer), filename=f"paklijst-{transfer.pk}.pdf", personal=False
    )


# --- Adjustments ------------------------------------------------------------------------


@role_required(STOCK)
@require_http_methods(["GET", "POST"])
def adjustment_create(request):
    form = AdjustmentForm(request.POST or None, initial=request.GET.dict() or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        units = units_from(data["product"], data["packs"], data["loose"])
        try:
            services.adjust_stock(
                actor=request.user,
                product=data["product"],
                location=data["location"],
                quantity=units if data["direction"] == "+" else -units,
                reason=data["reason"],
                write_off=data["kind"] == "write_off",
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("The correction is booked."))
            return redirect(f"{request.path}?location={data['location'].pk}")
    return render(request, "voorraad/adjustment_create.html", {"form": form})


# --- Counts -----------------------------------------------------------------------------


@role_required(STOCK)
@require_http_methods(["GET", "POST"])
def count_list(request):
    form = CountStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            count = services.start_count(
                actor=request.user,
                location=form.cleaned_data["location"],
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("voorraad:count_detail", pk=count.pk)
    table = CountTable(StockCount.objects.select_related("location", "started_by"))
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    if exported := exports.table_export(request, table, name=pgettext("export", "counts")):
        return exported
    return render(request, "voorraad/count_list.html", {"table": table, "form": form})


def _count_rows(count: StockCount):
    lines = {line.product_id: line for line in count.lines.all()}
    levels = (
        StockLevel.objects.filter(location=count.location)
        .select_related("product", "product__category")
        .order_by("product__category__name", "product__name")
    )
    return [{"level": level, "line": lines.get(level.product_id)} for level in levels]


@role_required(STOCK)
def count_detail(request, pk: int):
    count = get_object_or_404(StockCount.objects.select_related("location", "started_by"), pk=pk)
    rows = _count_rows(count)
    counted = sum(1 for row in rows if row["line"])
    return render(
        request,
        "voorraad/count_detail.html",
        {
            "count": count,
            "rows": rows,
            "counted": counted,
            "is_open": count.status == StockCount.Status.OPEN,
        },
    )


@role_required(STOCK)
@require_POST
def count_line(request, pk: int, product_pk: int):
    """htmx: save one counted product and answer with its row."""
    count = get_object_or_404(StockCount.objects.select_related("location"), pk=pk)
    level = get_object_or_404(
        StockLevel.objects.select_related("product"), location=count.location, product_id=product_pk
    )
    form = PacksAndUnits(request.POST, prefix=f"p{product_pk}")
    error, line = None, None
    if form.is_valid():
        try:
            line = services.record_count(
                actor=request.user,
                count=count,
                product=level.product,
                counted=units_from(
                    level.product, form.cleaned_data["packs"], form.cleaned_data["loose"]
                ),
            )
        except DomainError as exc:
            error = exc.message
    else:
        error = _("Type whole numbers of zero or more.")
    if line is None:
        line = count.lines.filter(product_id=product_pk).first()
    context = {
        "count": count,
        "row": {"level": level, "line": line},
        "error": error,
        "is_open": True,
    }
    if error:  # keep what was typed
        context["packs_value"] = request.POST.get(f"p{product_pk}-packs", "")
        context["loose_value"] = request.POST.get(f"p{product_pk}-loose", "")
    if request.htmx:
        return render(request, "voorraad/partials/count_row.html", context)
    if error:
        messages.error(request, error)
    return redirect("voorraad:count_detail", pk=pk)


@role_required(STOCK)
@require_POST
def count_finalise(request, pk: int):
    count = get_object_or_404(StockCount, pk=pk)
    try:
        corrections = services.finalise_count(actor=request.user, count=count)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("The count is closed: %(n)d correction(s) booked.") % {"n": len(corrections)}
        )
    return redirect("voorraad:count_detail", pk=pk)


@role_required(STOCK)
@require_POST
def count_cancel(request, pk: int):
    count = get_object_or_404(StockCount, pk=pk)
    try:
        services.cancel_count(actor=request.user, count=count)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("voorraad:count_detail", pk=pk)


@role_required(STOCK)
def count_sheet(request, pk: int):
    count = get_object_or_404(StockCount.objects.select_related("location"), pk=pk)
    return pdf_response(count_sheet_pdf(count), filename=f"telblad-{count.pk}.pdf", personal=False)


urlpatterns = [
    path("", stock_overview, name="stock_overview"),
    path("op-datum/", stock_as_of, name="stock_as_of"),
    path("bewegingen/", movement_list, name="movement_list"),
    path("bewegingen/<int:pk>/terugdraaien/", movement_reverse, name="movement_reverse"),
    path("overboekingen/", transfer_list, name="transfer_list"),
    path("overboekingen/nieuw/", transfer_create, name="transfer_create"),
    path("overboekingen/<int:pk>/", transfer_detail, name="transfer_detail"),
    path("overboekingen/<int:pk>/uitvoeren/", transfer_execute, name="transfer_execute"),
    path("overboekingen/<int:pk>/annuleren/", transfer_cancel, name="transfer_cancel"),
    path("overboekingen/<int:pk>/paklijst.pdf", transfer_picklist, name="transfer_picklist"),
    path("correcties/nieuw/", adjustment_create, name="adjustment_create"),
    path("tellingen/", count_list, name="count_list"),
    path("tellingen/<int:pk>/", count_detail, name="count_detail"),
    path("tellingen/<int:pk>/product/<int:product_pk>/", count_line, name="count_line"),
    path("tellingen/<int:pk>/afsluiten/", count_finalise, name="count_finalise"),
    path("tellingen/<int:pk>/annuleren/", count_cancel, name="count_cancel"),
    path("tellingen/<int:pk>/telblad.pdf", count_sheet, name="count_sheet"),
]
