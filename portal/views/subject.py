"""The subject portal: my cases, what I must do by when, and the forms that do it.

Every page reads through ``Case.objects.visible_to(user)`` and ``for_viewer``: a subject
sees its own cases once notified and nothing else (another subject's case is a 404, as in
the API). Every form calls one service; a refusal is shown with its reason and writes nothing.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework import services
from casework.choices import Role
from casework.exceptions import PayloadInvalid
from casework.models import Case, Objection, Rectification, RepairApplication, Statement
from casework.visibility import for_viewer
from documents.models import Document
from portal import forms
from portal.plain import stage, to_dos
from workflows.case import CaseState, ExitReason
from workflows.guards import RuleRefused
from workflows.objection import ObjectionKind, ObjectionState

View = Callable[..., HttpResponse]


def subject_only(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request.user, "role", None) != Role.SUBJECT:
            raise PermissionDenied(_("The portal is for credit subjects."))
        return view(request, *args, **kwargs)
    return wrapped


def my_case(request: HttpRequest, pk: int) -> Case:
    cases = Case.objects.visible_to(request.user).select_related("subject", "owner_department")
    return get_object_or_404(cases, pk=pk)


@subject_only
def home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    cases = Case.objects.visible_to(request.user).select_related("owner_department").order_by("-pk")
    rows = [{"case": case, "stage": stage(case, today), "to_dos": to_dos(case, request.user, today),
             "unread": for_viewer(Document.objects.filter(case=case, service_act__state="pending"),
                                  request.user).count()}
            for case in cases]
    return render(request, "portal/home.html", {"rows": rows, "today": today})


@subject_only
def case_detail(request: HttpRequest, pk: int, bound: dict[str, Any] | None = None) -> HttpResponse:
    case = my_case(request, pk)
    return render(request, "portal/case.html", case_context(request, case, bound or {}))


def case_context(request: HttpRequest, case: Case, bound: dict[str, Any]) -> dict[str, Any]:
    user, today = request.user, timezone.localdate()
    steps = {model.__name__.lower(): for_viewer(model.objects.filter(case=case), user).order_by("pk")
             for model in (Statement, Objection, Rectification, RepairApplication)}
    submittable = [rect for rect in steps["rectification"]
                   if "submit" in services.available_transitions(rect, user)]
    notified = case.state == CaseState.NOTIFIED
    wrong_listing_until = case.wrong_listing_objection_until()
    return {
        "case": case, "stage": stage(case, today), "to_dos": to_dos(case, user, today),
        "bases": case.legal_bases.all(), "today": today,
        "documents": for_viewer(Document.objects.filter(case=case), user)
        .select_related("service_act").order_by("pk"),
        "steps": steps, "submittable": submittable,
        "can_state": notified and case.statement_window_running(today),
        "can_waive": notified and not case.statement_waived and case.statement_due_on is not None
        and case.statement_window_running(today),
        "can_object": case.state == CaseState.LISTED or wrong_listing_open(case, today),
        # The last day of the window after exit, shown beside the form (None: not exited).
        "wrong_listing_until": wrong_listing_until if wrong_listing_open(case, today) else None,
        "can_repair": case.state == CaseState.LISTED,
        "forms": {
            "objection": bound.get("objection") or objection_form(case),
            "statement": bound.get("statement") or forms.StatementForm(),
            "waiver": bound.get("waiver") or forms.WaiverForm(),
            "repair": bound.get("repair") or forms.RepairForm(),
        },
        # Each order with its own evidence form when the subject may submit, each form with its
        # own name and ids (two open orders must not share id_…_note).
        "rectifications": [
            {"step": rect, "name": rectification_name(rect.pk),
             "form": (bound.get(rectification_name(rect.pk))
                      or forms.RectificationForm(auto_id=f"id_{rectification_name(rect.pk)}_%s"))
             if rect in submittable else None}
            for rect in steps["rectification"]
        ],
        "refusal": bound.get("refusal"),
    }


def perform(request: HttpRequest, case: Case, name: str, form: Any,
            action: Callable[[dict[str, Any]], Any], done: str) -> HttpResponse:
    """Validate the form, run the service in one transaction; on a refusal show why, write nothing."""
    if form.is_valid():
        try:
            with transaction.atomic():
                action(form.cleaned_data)
        except (RuleRefused, PayloadInvalid) as refusal:
            return render(request, "portal/case.html", case_context(
                request, case, {name: form, "refusal": {"form": name, "message": refusal_text(refusal)}}
            ))
        messages.success(request, done)
        return HttpResponseRedirect(reverse("portal:case", args=[case.pk]))
    return render(request, "portal/case.html", case_context(request, case, {name: form}))


def refusal_text(refusal: Exception) -> str:
    errors = getattr(refusal, "errors", None)
    if errors:
        return "; ".join(message for messages_ in errors.values() for message in messages_)
    return str(getattr(refusal, "message", refusal))


def wrong_listing_open(case: Case, today: Any) -> bool:
    """An exited case takes an objection that it was wrongly listed while its window runs; the
    page offers it again only once the one filed is decided."""
    if case.state != CaseState.EXITED or case.exit_reason == ExitReason.WRONGLY_LISTED:
        return False
    if case.objections.filter(kind=ObjectionKind.WRONGFUL_LISTING,
                              state__in=ObjectionState.open_states()).exists():
        return False
    until = case.wrong_listing_objection_until()
    return until is not None and today <= until


def objection_form(case: Case, *args: Any) -> forms.ObjectionForm:
    """The objection form of the case's state: after the exit it takes a wrong listing only."""
    return forms.ObjectionForm(*args, after_exit=case.state == CaseState.EXITED)


def attach(case: Case, user: Any, upload: Any, step: Any) -> None:
    if upload:
        services.attach_evidence(case, user, upload, attached_to=step)


@require_POST
@subject_only
def file_objection(request: HttpRequest, pk: int) -> HttpResponse:
    case = my_case(request, pk)

    def action(data: dict[str, Any]) -> None:
        objection = services.file_objection(case, request.user, data["grounds"],
                                            data.get("kind") or ObjectionKind.DETERMINATION)
        attach(case, request.user, data.get("evidence"), objection)

    form = objection_form(case, request.POST, request.FILES)
    return perform(request, case, "objection", form, action, _("Your objection has been filed."))


@require_POST
@subject_only
def submit_statement(request: HttpRequest, pk: int) -> HttpResponse:
    case = my_case(request, pk)

    def action(data: dict[str, Any]) -> None:
        statement = services.submit_statement(case, request.user, data["text"])
        attach(case, request.user, data.get("evidence"), statement)

    form = forms.StatementForm(request.POST, request.FILES)
    return perform(request, case, "statement", form, action,
                   _("Your statement and defence has been submitted."))


@require_POST
@subject_only
def waive_statement(request: HttpRequest, pk: int) -> HttpResponse:
    case = my_case(request, pk)

    def action(data: dict[str, Any]) -> None:
        services.advance(case, "waive_statement", request.user, {"statement": data["declaration"]})

    return perform(request, case, "waiver", forms.WaiverForm(request.POST), action,
                   _("Your written waiver has been recorded."))


def rectification_name(pk: int) -> str:
    """The form name (and id prefix) of the evidence form of one rectification order."""
    return f"rectification-{pk}"


@require_POST
@subject_only
def submit_rectification(request: HttpRequest, pk: int, step_pk: int) -> HttpResponse:
    case = my_case(request, pk)
    rectification = get_object_or_404(for_viewer(Rectification.objects.filter(case=case),
                                                 request.user), pk=step_pk)

    def action(data: dict[str, Any]) -> None:
        services.advance(rectification, "submit", request.user, {"note": data["note"]})
        attach(case, request.user, data.get("evidence"), rectification)

    name = rectification_name(rectification.pk)
    form = forms.RectificationForm(request.POST, request.FILES, auto_id=f"id_{name}_%s")
    return perform(request, case, name, form, action,
                   _("Your rectification evidence has been submitted."))


@require_POST
@subject_only
def apply_repair(request: HttpRequest, pk: int) -> HttpResponse:
    case = my_case(request, pk)

    def action(data: dict[str, Any]) -> None:
        fields = {key: data[key] for key in ("commitment_letter", "rectification_proof",
                                             "training_certificate", "statement")}
        repair = services.apply_repair(case, request.user, fields)
        attach(case, request.user, data.get("evidence"), repair)

    form = forms.RepairForm(request.POST, request.FILES)
    return perform(request, case, "repair", form, action,
                   _("Your repair application has been filed."))
