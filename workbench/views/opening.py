"""Opening a case and starting its steps from a page, through the same services as the API."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from casework import services
from casework.api.evidence import check_upload
from casework.choices import Role
from casework.models import Case
from workbench.forms import (
    CaseOpenForm,
    EvidenceForm,
    ObjectionFileForm,
    RectificationOrderForm,
    RepairApplyForm,
    TalkRequireForm,
)
from workbench.lookup import visible_case
from workbench.roles import DEPARTMENT_STAFF
from workflows.case import CaseState
from workflows.guards import RuleRefused
from workflows.objection import ObjectionKind


def refusal_text(refusal: RuleRefused) -> str:
    return _("Refused by the rule “%(code)s”: %(message)s") % {
        "code": refusal.code, "message": refusal.message}


class CaseOpenView(LoginRequiredMixin, View):
    template_name = "workbench/case_open.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        list_type = request.GET.get("list_type", "")
        form = CaseOpenForm(list_type=list_type, initial={"list_type": list_type} if list_type else None)
        return render(request, self.template_name, {"form": form})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = CaseOpenForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = services.open_case(
                    request.user, subject=data["subject"], list_type=data["list_type"],
                    dishonesty_class=data["dishonesty_class"], legal_bases=data["legal_bases"],
                    facts=data["facts"], measures=data["measures"])
            except RuleRefused as refusal:
                form.add_error(None, refusal_text(refusal))
            else:
                messages.success(request, _("Case %(number)s opened as a draft.") % {"number": case.number})
                return redirect("cases:detail", pk=case.pk)
        return render(request, self.template_name, {"form": form}, status=422)


# --- steps started on a case ------------------------------------------------------------------

StepStarter = Callable[[Case, Any, dict[str, Any]], Any]


def order_rectification(case: Case, user: Any, data: dict[str, Any]) -> Any:
    return services.order_rectification(case, user, data["requirements"], data.get("period_working_days"))


def require_talk(case: Case, user: Any, data: dict[str, Any]) -> Any:
    return services.require_talk(case, user, data["kind"], data.get("reason", ""))


def file_objection(case: Case, user: Any, data: dict[str, Any]) -> Any:
    kind = data.get("kind") or ObjectionKind.DETERMINATION
    return services.file_objection(case, user, data["grounds"], kind)


def apply_repair(case: Case, user: Any, data: dict[str, Any]) -> Any:
    return services.apply_repair(case, user, data)


# action → (form, service, label, roles that see the button)
STEP_STARTERS: dict[str, tuple[type[forms.Form], StepStarter, Promise, tuple[str, ...]]] = {
    "rectification": (RectificationOrderForm, order_rectification, gettext_lazy("Order rectification"),
                      DEPARTMENT_STAFF),
    "talk": (TalkRequireForm, require_talk, gettext_lazy("Require a talk"), DEPARTMENT_STAFF),
    "objection": (ObjectionFileForm, file_objection, gettext_lazy("File an objection"), (Role.SUBJECT,)),
    "repair": (RepairApplyForm, apply_repair, gettext_lazy("Apply for credit repair"), (Role.SUBJECT,)),
}


def create_actions(case: Case, user: Any) -> list[tuple[str, Promise]]:
    """The steps this user may start on a listed case (the services check the rules again)."""
    if case.state != CaseState.LISTED:
        return []
    return [(action, label) for action, (_form, _start, label, roles) in STEP_STARTERS.items()
            if user.role in roles]


class CreateStepView(LoginRequiredMixin, View):
    template_name = "workbench/step_create.html"

    def starter(self, action: str) -> tuple[type[forms.Form], StepStarter, Promise, tuple[str, ...]]:
        if action not in STEP_STARTERS:
            raise Http404
        return STEP_STARTERS[action]

    def get(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        form_class, _start, label, _roles = self.starter(action)
        return self.page(request, visible_case(request.user, pk), form_class(), label)

    def post(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        case = visible_case(request.user, pk)
        form_class, start, label, _roles = self.starter(action)
        form = form_class(request.POST)
        if form.is_valid():
            try:
                start(case, request.user, form.cleaned_data)
            except RuleRefused as refusal:
                form.add_error(None, refusal_text(refusal))
            else:
                messages.success(request, _("Done: %(action)s.") % {"action": label})
                return redirect("cases:detail", pk=case.pk)
        return self.page(request, case, form, label, status=422)

    def page(self, request: HttpRequest, case: Case, form: forms.Form, label: Promise,
             status: int = 200) -> HttpResponse:
        context = {"case": case, "form": form, "label": label}
        return render(request, self.template_name, context, status=status)


class EvidenceUploadView(LoginRequiredMixin, View):
    """The API's checks: size and type (attach_evidence), and the first bytes (check_upload)."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = visible_case(request.user, pk)
        form = EvidenceForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                check_upload(upload)
                with transaction.atomic():
                    services.attach_evidence(case, request.user, upload)
            except RuleRefused as refusal:
                messages.error(request, refusal_text(refusal))
            else:
                messages.success(request, _("Evidence %(name)s stored.") % {"name": upload.name})
        else:
            messages.error(request, " ".join(str(error) for error in form.errors.get("file", [])))
        return redirect("cases:detail", pk=case.pk)


def evidence_allowed(user: Any) -> bool:
    return user.role in (*DEPARTMENT_STAFF, Role.SUBJECT)
