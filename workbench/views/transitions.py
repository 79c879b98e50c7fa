"""A transition from a page: the form of its payload, the one transition path, errors in words.

GET shows the form; POST validates it and calls ``services.advance``. Invalid fields are
shown next to the field; a guard's refusal is shown in words with its rule. Either way
nothing is written (the service runs in one transaction and writes only on success).
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from casework import services
from casework.exceptions import Conflict
from casework.models import Case
from workbench.forms import payload_of, transition_form_class
from workbench.labels import transition_label
from workbench.lookup import STEP_MODELS
from workflows.guards import RuleRefused

try:  # the typed payloads of the transition path (field → messages)
    from casework.exceptions import PayloadInvalid  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - until the transition path declares payloads
    class PayloadInvalid(Exception):  # type: ignore[no-redef]
        errors: dict[str, list[str]] = {}


def target_of(user: Any, case_pk: int, kind: str, step_pk: int) -> Model:
    """The case or step, if ``user`` may see it (its visible_to); otherwise 404."""
    if kind == "case":
        if step_pk != case_pk:
            raise Http404
        return get_object_or_404(Case.objects.visible_to(user), pk=case_pk)
    model = STEP_MODELS.get(kind)
    if model is None:
        raise Http404
    return get_object_or_404(model._default_manager.visible_to(user), pk=step_pk, case_id=case_pk)  # type: ignore[attr-defined]


def back_to(request: HttpRequest, obj: Model) -> str:
    link = request.POST.get("next") or request.GET.get("next") or ""
    if link.startswith("/") and not link.startswith("//"):
        return link
    case = obj.owning_case()  # type: ignore[attr-defined]
    if Case.objects.visible_to(request.user).filter(pk=case.pk).exists():
        return f"/cases/{case.pk}/"
    return "/"


def add_errors(form: forms.Form, errors: dict[str, list[str]]) -> None:
    for name, texts in errors.items():
        for text in texts:
            form.add_error(name if name in form.fields else None, text)


class TransitionView(LoginRequiredMixin, View):
    template_name = "workbench/transition.html"

    def get(self, request: HttpRequest, pk: int, kind: str, step_pk: int, name: str) -> HttpResponse:
        obj = target_of(request.user, pk, kind, step_pk)
        form = transition_form_class(obj, kind, name)()
        return self.page(request, obj, kind, name, form)

    def post(self, request: HttpRequest, pk: int, kind: str, step_pk: int, name: str) -> HttpResponse:
        obj = target_of(request.user, pk, kind, step_pk)
        form = transition_form_class(obj, kind, name)(request.POST)
        if form.is_valid():
            try:
                services.advance(obj, name, request.user, payload_of(form),
                                 expected_version=int(request.POST.get("version") or obj.version))
            except PayloadInvalid as invalid:
                add_errors(form, invalid.errors)
            except RuleRefused as refusal:
                form.add_error(None, _("Refused by the rule “%(code)s”: %(message)s")
                               % {"code": refusal.code, "message": refusal.message})
            except Conflict as conflict:
                form.add_error(None, str(conflict))
            else:
                messages.success(request, _("Done: %(action)s.") % {"action": transition_label(kind, name)})
                return redirect(back_to(request, obj))
        return self.page(request, obj, kind, name, form, status=422)

    def page(self, request: HttpRequest, obj: Model, kind: str, name: str, form: forms.Form,
             status: int = 200) -> HttpResponse:
        context = {"obj": obj, "kind": kind, "name": name, "form": form, "case": obj.owning_case(),  # type: ignore[attr-defined]
                   "label": transition_label(kind, name), "next": request.GET.get("next", ""),
                   "cancel_url": back_to(request, obj)}
        return render(request, self.template_name, context, status=status)
