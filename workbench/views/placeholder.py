"""The leadership office's first page until the oversight pages take its place."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView


class OversightPlaceholderView(LoginRequiredMixin, TemplateView):
    template_name = "workbench/oversight_placeholder.html"
