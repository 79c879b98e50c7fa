"""The credit-check log and its enumeration alerts in the admin: read-only, never deleted.

Imported by ``casework.admin``. An account reads the rows ``CreditCheck.objects.visible_to``
gives it (the API's rule): administrators and the leadership office everything, a
department's staff the checks of the subjects it has a case on.
"""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from casework.admin import ReadOnlyAdmin
from casework.models import CreditCheck, CreditCheckAlert, IdentifierRead
from casework.models.credit_checks import LOG_READ_ALL_ROLES


@admin.register(CreditCheck)
class CreditCheckAdmin(ReadOnlyAdmin):
    list_display = ("checked_at", "checked_by", "department", "identifier_masked", "subject", "listed",
                    "purpose")
    list_filter = ("listed", "identifier_kind", "department", "checked_at")
    list_select_related = ("checked_by", "department", "subject")
    # Exact account or digest: the log is not searchable by fragments of numbers.
    search_fields = ("=checked_by__username", "=identifier_digest", "purpose")
    ordering = ("-checked_at", "-pk")
    show_full_result_count = False  # the log only grows

    def get_queryset(self, request: HttpRequest) -> QuerySet[CreditCheck]:
        return CreditCheck.objects.visible_to(request.user).select_related("checked_by", "department",
                                                                           "subject")


@admin.register(CreditCheckAlert)
class CreditCheckAlertAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "checked_by", "rule", "checks", "window_start")
    list_filter = ("rule", "created_at")
    list_select_related = ("checked_by",)
    search_fields = ("=checked_by__username",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[CreditCheckAlert]:
        alerts = super().get_queryset(request)
        user = request.user
        if user.is_superuser or getattr(user, "role", None) in LOG_READ_ALL_ROLES:
            return alerts
        return alerts.none()


@admin.register(IdentifierRead)
class IdentifierReadAdmin(ReadOnlyAdmin):
    """Who read which natural person's whole number, when and why (docs/security.md)."""

    list_display = ("read_at", "read_by", "department", "subject", "purpose", "path", "request_id")
    list_filter = ("purpose", "department", "read_at")
    list_select_related = ("read_by", "department", "subject")
    search_fields = ("=read_by__username", "=request_id", "purpose")
    ordering = ("-read_at", "-pk")
    show_full_result_count = False  # the log only grows

    def get_queryset(self, request: HttpRequest) -> QuerySet[IdentifierRead]:
        return IdentifierRead.objects.visible_to(request.user).select_related("read_by", "department",
                                                                              "subject")
