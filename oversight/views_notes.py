"""督办 from the pages: the leadership office writes a 督办意见 on a case or on a department's
overdue set; the chased department reads its notes and answers each once.

Each form posts to the services (casework.services.add_escalation_note,
oversight.services.chase_department / answer); a refused rule is shown on the page
and nothing is written.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from casework import services as casework_services
from casework.choices import Role
from casework.models import Case, Department, EscalationNote
from casework.models.oversight import ESCALATION_NOTE_MAX
from oversight import services
from oversight.api import notes_visible_to
from workflows.guards import RuleRefused

ANSWERING_ROLES = (Role.OFFICER, Role.REVIEWER, Role.JOINT)


class NoteForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Supervision note (督办意见)"), max_length=ESCALATION_NOTE_MAX,
                           widget=forms.Textarea(attrs={"rows": 3}))


class AnswerForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Answer"), max_length=ESCALATION_NOTE_MAX,
                           widget=forms.Textarea(attrs={"rows": 3}))


class LeadershipMixin(LoginRequiredMixin, UserPassesTestMixin):
    def test_func(self) -> bool:
        return getattr(self.request.user, "role", None) == Role.LEADERSHIP  # type: ignore[attr-defined]


def _written(request: HttpRequest, write: Any) -> bool:
    try:
        write()
    except RuleRefused as refusal:
        messages.error(request, str(refusal.message))
        return False
    messages.success(request, _("The 督办意见 has been sent."))
    return True


class CaseNoteView(LeadershipMixin, TemplateView):
    """GET: the form with the case; POST: write the note on the case."""

    template_name = "oversight/note_form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        cases = Case.objects.visible_to(self.request.user).select_related("owner_department")
        case = get_object_or_404(cases, pk=self.kwargs["pk"])
        return {**super().get_context_data(**kwargs), "case": case, "form": kwargs.get("form") or NoteForm()}

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = get_object_or_404(Case.objects.visible_to(request.user), pk=pk)
        form = NoteForm(request.POST)
        if form.is_valid() and _written(request, lambda: casework_services.add_escalation_note(
                case, request.user, form.cleaned_data["text"])):
            return redirect("oversight:index")
        return self.render_to_response(self.get_context_data(form=form))


class DepartmentNoteView(LeadershipMixin, View):
    """POST from the drill-down of a department's overdue clocks: 督办 on the whole set."""

    def post(self, request: HttpRequest, code: str) -> HttpResponse:
        department = get_object_or_404(Department, code=code)
        form = NoteForm(request.POST)
        if form.is_valid():
            text = form.cleaned_data["text"]
            _written(request, lambda: services.chase_department(department, request.user, text))
        else:
            messages.error(request, _("Write what the department must do."))
        return redirect(f"/oversight/clocks/?status=overdue&department={department.code}")


class AnswersMixin(LoginRequiredMixin, UserPassesTestMixin):
    def test_func(self) -> bool:
        return getattr(self.request.user, "role", None) in (*ANSWERING_ROLES, Role.LEADERSHIP)  # type: ignore[attr-defined]


def notes_for(user: Any) -> QuerySet[EscalationNote]:
    return (notes_visible_to(user).select_related("case", "addressee", "answer")
            .order_by("answer__created_at", "-created_at", "-pk"))


class NoteInboxView(AnswersMixin, TemplateView):
    """A department's 督办意见, waiting ones first; the leadership office sees every one and its answer."""

    template_name = "oversight/notes.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        notes = list(notes_for(self.request.user)[:200])
        return {**super().get_context_data(**kwargs), "notes": notes, "form": AnswerForm(),
                "answers": getattr(self.request.user, "role", None) in ANSWERING_ROLES}


class AnswerView(AnswersMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        note = get_object_or_404(notes_for(request.user), pk=pk)
        form = AnswerForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Write the answer."))
            return redirect("supervision:index")
        try:
            services.answer(note, request.user, form.cleaned_data["text"])
        except RuleRefused as refusal:
            messages.error(request, str(refusal.message))
        else:
            messages.success(request, _("The answer has been sent to the leadership office."))
        return redirect("supervision:index")
