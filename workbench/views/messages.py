"""My messages: the in-app deliveries addressed to me, unread first, and marking them read."""

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views import View
from django.views.generic import ListView

from notifications import services
from notifications.choices import Channel, DeliveryStatus
from notifications.models import Delivery


def my_messages(user: Any, unread_only: bool) -> Any:
    rows = Delivery.objects.filter(recipient_id=user.pk, channel=Channel.INAPP, status=DeliveryStatus.SENT)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.select_related("message").order_by("-created_at", "-pk")


class MessageListView(LoginRequiredMixin, ListView):
    template_name = "workbench/messages.html"
    paginate_by = 50
    context_object_name = "deliveries"

    def get_queryset(self) -> Any:
        return my_messages(self.request.user, self.request.GET.get("show") == "unread")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "unread_only": self.request.GET.get("show") == "unread"}


class MarkReadView(LoginRequiredMixin, View):
    """POST ``ids`` (or ``all``): mark my own messages read; another user's ids change nothing."""

    def post(self, request: HttpRequest) -> HttpResponse:
        if request.POST.get("all"):
            ids = list(my_messages(request.user, True).values_list("pk", flat=True))
        else:
            ids = [int(value) for value in request.POST.getlist("ids") if value.isdigit()]
        services.mark_read(request.user.pk, ids)
        link = request.POST.get("next", "")
        return redirect(link if link.startswith("/") and not link.startswith("//") else "messages:index")
