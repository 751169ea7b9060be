"""Spreadsheet imports: choose a kind and upload → a preview per row (checked in chunks,
with a progress bar that htmx polls) → confirm → the result. Every step is a service call;
the uploaded rows stay in the batch, so an error never costs the user the upload."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kern.errors import DomainError, NotAllowed, NotFound
from kern.permissions import AuthenticatedHttpRequest, role_required
from rapportering import services
from rapportering.importers import HANDLERS
from rapportering.models import ImportBatch, ImportRow

ANY_IMPORT = ("kern.manage_stock", "kern.manage_shifts", "kern.manage_programs")
ROWS_PER_PAGE = 100
REFUSED = "geweigerd"


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What do you import?"), widget=forms.RadioSelect)
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def __init__(self, *args, kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(ImportBatch.Kind.choices)
        field = self.fields["kind"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(kind, str(labels[kind]).capitalize()) for kind in kinds]
        if len(kinds) == 1:
            field.initial = kinds[0]


def _batch(request: AuthenticatedHttpRequest, pk: int) -> ImportBatch:
    try:
        return services.get_batch(actor=request.user, batch_id=pk)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    except NotFound:
        raise Http404 from None


@never_cache
@role_required(*ANY_IMPORT)
def import_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    services.expire_stale_imports()
    kinds = services.kinds_for(request.user)
    form = UploadForm(request.POST or None, request.FILES or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_MEGABYTES * 1024 * 1024:
            form.add_error(
                "file",
                _("The file is larger than %(max)d MB: split it into smaller files.")
                % {"max": settings.IMPORT_MAX_MEGABYTES},
            )
        else:
            try:
                batch = services.upload_import(
                    actor=request.user,
                    kind=form.cleaned_data["kind"],
                    file_name=upload.name,
                    data=upload.read(),
                )
            except DomainError as exc:
                form.add_error("file", exc.message)
            else:
                return redirect("rapportering:import_detail", pk=batch.pk)
    handlers = [HANDLERS[kind] for kind in kinds]
    recent = ImportBatch.objects.filter(user=request.user)[:10]
    return render(
        request,
        "rapportering/import_start.html",
        {
            "form": form,
            "kinds": [
                {
                    "kind": h.kind,
                    "label": ImportBatch.Kind(h.kind).label,
                    "columns": h.columns,
                    "note": h.note,
                }
                for h in handlers
            ],
            "recent": recent,
            "max_megabytes": settings.IMPORT_MAX_MEGABYTES,
            "max_rows": settings.IMPORT_MAX_ROWS,
        },
        status=400 if form.errors else 200,
    )


@never_cache
@role_required(*ANY_IMPORT)
def import_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    if batch.status == ImportBatch.Status.CANCELLED:
        messages.info(request, _("This import was cancelled; nothing was imported."))
        return redirect("rapportering:import_start")
    handler = HANDLERS[batch.kind]
    only_refused = request.GET.get("toon") == REFUSED
    rows = batch.rows.order_by("number")
    if only_refused:
        rows = rows.filter(outcome=ImportRow.Outcome.REFUSE)
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("pagina"))
    applied = batch.status == ImportBatch.Status.APPLIED
    context = {
        "batch": batch,
        "columns": [c.key for c in handler.columns],
        "page": page,
        "rows": [
            {
                "row": row,
                "cells": [row.cells.get(c.key, "") for c in handler.columns],
                "url": handler.url_of(row.object_id) if applied and row.object_id else "",
            }
            for row in page.object_list
        ],
        "only_refused": only_refused,
        "refused_filter": REFUSED,
        "list_url": reverse(handler.list_url) if handler.list_url else "",
        "personal": handler.personal,
    }
    template = "import_result" if applied else "import_preview"
    return render(request, f"rapportering/{template}.html", context)


@never_cache
@require_POST
@role_required(*ANY_IMPORT)
def import_check(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Check the next chunk. htmx polls this and gets the progress bar back (or, when the
    check is done, a redirect to the preview); without script a button posts it."""
    batch = _batch(request, pk)
    try:
        batch = services.check_import(actor=request.user, batch=batch)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    detail = reverse("rapportering:import_detail", args=[batch.pk])
    if request.htmx:
        if batch.status != ImportBatch.Status.CHECKING:
            response = HttpResponse("")
            response["HX-Redirect"] = detail
            return response
        return render(request, "rapportering/import_progress.html", {"batch": batch})
    return redirect(detail)


@require_POST
@role_required(*ANY_IMPORT)
def import_apply(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    try:
        batch = services.apply_import(actor=request.user, batch=batch)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _(
                "Imported: %(created)d created, %(updated)d updated, %(refused)d refused rows skipped."
            )
            % {
                "created": batch.created_count,
                "updated": batch.updated_count,
                "refused": batch.refused_count,
            },
        )
    return redirect("rapportering:import_detail", pk=batch.pk)


@require_POST
@role_required(*ANY_IMPORT)
def import_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    try:
        services.cancel_import(actor=request.user, batch=batch)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("rapportering:import_detail", pk=batch.pk)
    messages.success(request, _("The import is cancelled; nothing was imported."))
    return redirect("rapportering:import_start")


@role_required(*ANY_IMPORT)
def import_template(request: AuthenticatedHttpRequest, kind: str, extension: str) -> HttpResponse:
    handler = HANDLERS.get(kind)
    if handler is None or extension not in ("csv", "xlsx"):
        raise Http404
    if not request.user.has_perm(handler.permission):
        raise PermissionDenied(_("Your role does not give access to this page."))
    if extension == "csv":
        response = HttpResponse(services.template_csv(kind), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            services.template_xlsx(kind),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="sjabloon-{kind}.{extension}"'
    return response


urlpatterns: list[URLPattern] = [
    path("import/", import_start, name="import_start"),
    path("import/<int:pk>/", import_detail, name="import_detail"),
    path("import/<int:pk>/controleren/", import_check, name="import_check"),
    path("import/<int:pk>/toepassen/", import_apply, name="import_apply"),
    path("import/<int:pk>/annuleren/", import_cancel, name="import_cancel"),
    path("import/sjabloon/<str:kind>.<str:extension>", import_template, name="import_template"),
]
