"""Operations view of the outbox: failed deliveries are listed and can be retried."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications import services
from notifications.choices import DeliveryStatus
from notifications.models import Delivery, Message, Preference, WebhookEndpoint


class FailedFilter(admin.SimpleListFilter):
    title = _("failed")
    parameter_name = "failed"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("yes", _("Failed deliveries"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> QuerySet[Delivery]:
        if self.value() == "yes":
            return queryset.filter(status=DeliveryStatus.FAILED)
        return queryset


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["key", "channel", "recipient", "endpoint", "status", "attempts", "last_error",
                    "next_attempt_at", "sent_at"]
    list_filter = [FailedFilter, "status", "channel"]
    search_fields = ["key", "recipient__username", "last_error"]
    list_select_related = ["recipient", "endpoint"]
    actions = ["retry"]
    readonly_fields = [field.name for field in Delivery._meta.fields]

    @admin.action(description=_("Retry the selected failed deliveries"))
    def retry(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = services.retry_deliveries(queryset.values_list("pk", flat=True))
        self.message_user(request, ngettext("%d delivery queued again.", "%d deliveries queued again.",
                                           count) % count, messages.SUCCESS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["event", "audience", "legal", "case", "department", "created_at"]
    list_filter = ["audience", "legal"]
    search_fields = ["key", "event", "case__number"]
    readonly_fields = [field.name for field in Message._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "language", "muted_channels", "phone"]
    search_fields = ["user__username"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["name", "department", "url", "active"]
    list_filter = ["active", "department"]
