from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from documents.models import Document, DocumentTemplate, ServiceAct


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(admin.ModelAdmin):
    """The office edits the texts; each save is a new version (issued documents keep theirs)."""

    list_display = ["title", "kind", "language", "version", "updated_at"]
    list_filter = ["language", "kind"]
    readonly_fields = ["version", "updated_at"]

    def save_model(self, request: HttpRequest, obj: DocumentTemplate, form: Any, change: bool) -> None:
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Document)
class DocumentAdmin(ReadOnly):
    list_display = ["number", "title", "case", "issued_at", "sha256"]
    list_filter = ["kind"]
    search_fields = ["number", "case__number"]
    exclude = ["html"]


@admin.register(ServiceAct)
class ServiceActAdmin(ReadOnly):
    list_display = ["pk", "case", "state", "method", "served_on"]
    list_filter = ["state", "method"]
