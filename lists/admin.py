"""The upload page for staff (until the workbench has its own) and the export page.

An upload is saved as an ImportBatch and imported by a Celery task after commit, as
the uploading user: the rows' rules are the same as on the command line. The batch's
page polls its progress and, when done, shows the summary and the rejected rows.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db import transaction
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from casework.choices import CaseOrigin, ListType
from casework.models import Department
from lists import exports
from lists.choices import BatchStatus
from lists.models import ImportBatch
from lists.tasks import run_import

FINISHED = (BatchStatus.DONE, BatchStatus.REFUSED, BatchStatus.FAILED)


class UploadForm(forms.ModelForm):
    class Meta:
        model = ImportBatch
        fields = ["file"]
        help_texts = {"file": _("CSV (UTF-8, UTF-8 with BOM or GBK) or XLSX, with the header "
                                "row of an exported list.")}

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if not upload:
            raise forms.ValidationError(_("Choose a file to import."))
        return upload


class ExportForm(forms.Form):
    department = forms.ModelChoiceField(
        Department.objects.filter(kind="determining"), required=False, label=_("department"),
        to_field_name="code",
    )
    list_type = forms.ChoiceField(choices=[("", "---------"), *ListType.choices],
                                  required=False, label=_("list type"))
    origin = forms.ChoiceField(choices=[("", "---------"), *CaseOrigin.choices],
                               required=False, label=_("origin"))
    file_format = forms.ChoiceField(choices=[("csv", "CSV"), ("xlsx", "XLSX")],
                                    label=_("format"))


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["original_name", "actor", "status", "progress_percent", "imported",
                    "unchanged", "updated", "rejected", "created_at"]
    list_filter = ["status"]
    readonly_fields = ["original_name", "actor", "status", "progress", "total_rows",
                       "imported", "unchanged", "updated", "rejected", "reasons", "errors_link",
                       "message", "created_at", "finished_at"]

    class Media:
        js = ["lists/import_progress.js"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False,
                 **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = UploadForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["file"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if obj is None else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: ImportBatch, form: Any, change: bool) -> None:
        obj.actor = request.user  # type: ignore[assignment]
        obj.original_name = (obj.file.name or "")[:200]
        super().save_model(request, obj, form, change)
        batch_id = obj.pk
        transaction.on_commit(lambda: run_import.delay(batch_id))

    def response_add(
        self, request: HttpRequest, obj: ImportBatch, post_url_continue: Any = None
    ) -> HttpResponse:
        # Straight to the batch's page, where its progress shows.
        return HttpResponseRedirect(reverse("admin:lists_importbatch_change", args=[obj.pk]))

    @admin.display(description=_("progress"))
    def progress_percent(self, batch: ImportBatch) -> str:
        return f"{batch.percent} %"

    @admin.display(description=_("progress"))
    def progress(self, batch: ImportBatch) -> str:
        return format_html(
            '<progress id="import-progress" max="100" value="{}" data-url="{}" '
            'data-finished="{}"></progress> <span id="import-progress-label">{}</span>',
            batch.percent, reverse("admin:lists_importbatch_progress", args=[batch.pk]),
            "1" if batch.status in FINISHED else "0", progress_label(batch),
        )

    @admin.display(description=_("rejected by reason"))
    def reasons(self, batch: ImportBatch) -> str:
        return ", ".join(f"{code}: {count}" for code, count in sorted(batch.rejected_by_reason.items()))

    @admin.display(description=_("rejected rows"))
    def errors_link(self, batch: ImportBatch) -> str:
        if not batch.errors_file:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:lists_importbatch_errors",
                                                           args=[batch.pk]),
                           gettext("Download the rejected rows with their line and reason"))

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/progress/", wrap(self.progress_view),
                 name="lists_importbatch_progress"),
            path("<path:object_id>/errors/", wrap(self.errors_view), name="lists_importbatch_errors"),
            path("export/", wrap(self.export_view), name="lists_importbatch_export"),
            *super().get_urls(),
        ]

    def _batch(self, request: HttpRequest, object_id: str) -> ImportBatch:
        batch = self.get_object(request, unquote(object_id))
        if batch is None or not self.has_view_permission(request, batch):
            raise Http404
        return batch

    def progress_view(self, request: HttpRequest, object_id: str) -> JsonResponse:
        batch = self._batch(request, object_id)
        return JsonResponse({
            "status": batch.status, "percent": batch.percent, "processed": batch.processed_rows,
            "total": batch.total_rows, "finished": batch.status in FINISHED,
            "label": progress_label(batch),
        })

    def errors_view(self, request: HttpRequest, object_id: str) -> FileResponse:
        batch = self._batch(request, object_id)
        if not batch.errors_file:
            raise Http404
        return FileResponse(batch.errors_file.open("rb"), as_attachment=True,
                            filename=f"rejected-{batch.pk}.csv")

    def export_view(self, request: HttpRequest) -> HttpResponse:
        form = ExportForm(request.GET or None)
        if not form.is_valid():
            context = {**self.admin_site.each_context(request), "form": form, "opts": self.opts,
                       "title": gettext("Export listed cases")}
            return TemplateResponse(request, "admin/lists/export.html", context)
        cases = export_queryset(form.cleaned_data)
        file_format = form.cleaned_data["file_format"]
        stream = exports.chunks(cases, file_format, request.user, "admin:lists_export")
        response = StreamingHttpResponse(stream,
                                         content_type=exports.CONTENT_TYPES[file_format])
        response["Content-Disposition"] = f'attachment; filename="list.{file_format}"'
        return response

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        extra = {"export_url": reverse("admin:lists_importbatch_export"), **(extra_context or {})}
        return super().changelist_view(request, extra)


def export_queryset(data: dict[str, Any]) -> QuerySet[Any]:
    department = data.get("department")
    return exports.cases_to_export(department.code if department else "",
                                   data.get("list_type", ""), data.get("origin", ""))


def progress_label(batch: ImportBatch) -> str:
    return gettext("%(status)s: %(done)s of %(total)s rows") % {
        "status": batch.get_status_display(), "done": batch.processed_rows,
        "total": batch.total_rows,
    }
