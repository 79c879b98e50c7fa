"""Forms of the workbench: the transition forms, opening a case, steps and evidence.

A transition's form is the one generated from its declared payload
(``casework.payloads.form_class``) when the transition path provides it; until then the
fields each machine reads are declared here, named as the machines read them.
"""

from datetime import date, datetime
from typing import Any

from django import forms
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.choices import DepartmentKind, DishonestyClass, ListType
from casework.models import Department, LegalBasis, Measure, Subject
from workflows.case import ExitReason
from workflows.measure_task import MeasureTaskState
from workflows.objection import ObjectionKind, UpholdOutcome
from workflows.talk import TalkKind


def reason(required: bool = True) -> forms.CharField:
    return forms.CharField(label=_("Reason"), required=required, widget=forms.Textarea(attrs={"rows": 3}))


class ExitForm(forms.Form):
    reason = forms.ChoiceField(label=_("Exit reason"), choices=ExitReason.choices)
    grounds = forms.CharField(label=_("Grounds"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class CorrectForm(forms.Form):
    facts = forms.CharField(label=_("Facts"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    dishonesty_class = forms.ChoiceField(label=_("Dishonesty class"), required=False,
                                         choices=[("", "—"), *DishonestyClass.choices])
    listed_until = forms.DateField(label=_("Listed until"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))


class ReasonForm(forms.Form):
    reason = reason()


class OptionalReasonForm(forms.Form):
    reason = reason(required=False)


class UpholdForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=UpholdOutcome.choices)
    reason = reason()


class SubmitForm(forms.Form):
    note = forms.CharField(label=_("What was rectified"), widget=forms.Textarea(attrs={"rows": 3}))


class ScheduleForm(forms.Form):
    scheduled_for = forms.DateTimeField(label=_("Time of the talk"),
                                        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    place = forms.CharField(label=_("Place"), max_length=200)
    co_organiser = forms.ModelChoiceField(
        label=_("Co-organiser (发改委)"),
        queryset=Department.objects.filter(kind=DepartmentKind.NDRC, active=True))


class HoldForm(forms.Form):
    record = forms.CharField(label=_("Talk record"), widget=forms.Textarea(attrs={"rows": 4}))


class ReportForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[
        (MeasureTaskState.IMPLEMENTED, MeasureTaskState.IMPLEMENTED.label),
        (MeasureTaskState.NOT_APPLICABLE, MeasureTaskState.NOT_APPLICABLE.label)])
    report = forms.CharField(label=_("Report"), widget=forms.Textarea(attrs={"rows": 3}))


FALLBACK_FORMS: dict[tuple[str, str], type[forms.Form]] = {
    ("case", "exit"): ExitForm, ("case", "correct"): CorrectForm,
    ("objection", "reject_inadmissible"): ReasonForm, ("objection", "uphold"): UpholdForm,
    ("objection", "dismiss"): ReasonForm, ("rectification", "submit"): SubmitForm,
    ("rectification", "return"): ReasonForm, ("talk", "schedule"): ScheduleForm, ("talk", "hold"): HoldForm,
    ("measuretask", "report"): ReportForm, ("measuretask", "request_termination"): OptionalReasonForm,
    ("repairapplication", "reject_inadmissible"): ReasonForm,
    ("repairapplication", "approve"): OptionalReasonForm,
    ("repairapplication", "deny"): ReasonForm,
}


def transition_form_class(obj: Model, kind: str, name: str) -> type[forms.Form]:
    """The transition's declared payload as a form (the transition path's), else the local one."""
    try:
        from casework.payloads import form_class
    except ImportError:
        return FALLBACK_FORMS.get((kind, name), forms.Form)
    return form_class(obj, name)


def plain(value: Any) -> Any:
    """A cleaned value as the payload carries it: ids for rows, ISO text for dates."""
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def payload_of(form: forms.Form) -> dict[str, Any]:
    return {name: plain(value) for name, value in form.cleaned_data.items() if value not in (None, "")}


# --- opening a case and creating steps -------------------------------------------------------


class LegalBasisChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: LegalBasis) -> str:
        return f"{obj.title} {obj.article_text}"


class CaseOpenForm(forms.Form):
    subject = forms.ModelChoiceField(label=_("Subject"), queryset=Subject.objects.order_by("name"))
    list_type = forms.ChoiceField(label=_("List type"), choices=ListType.choices,
                                  help_text=_("The legal bases offered are those that allow this list type."))
    dishonesty_class = forms.ChoiceField(label=_("Dishonesty class"), choices=DishonestyClass.choices)
    legal_bases = LegalBasisChoice(label=_("Legal bases"), queryset=LegalBasis.objects.none(),
                                   widget=forms.CheckboxSelectMultiple)
    facts = forms.CharField(label=_("Facts"), widget=forms.Textarea(attrs={"rows": 5}))
    measures = forms.ModelMultipleChoiceField(
        label=_("Measures"), required=False, queryset=Measure.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Empty: every catalogue measure of the legal bases."))

    def __init__(self, *args: Any, list_type: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        bases = LegalBasis.objects.filter(Q(active_until__isnull=True) | Q(active_until__gte=today),
                                          active_from__lte=today).order_by("kind", "title", "article")
        chosen = list_type or self.data.get("list_type", "") or self.initial.get("list_type", "")
        if chosen == ListType.SERIOUS:
            bases = bases.filter(allows_serious_list=True)
        elif chosen == ListType.FOCUS:
            bases = bases.filter(allows_focus_list=True)
        self.fields["legal_bases"].queryset = bases
        self.fields["measures"].queryset = Measure.objects.filter(legal_basis__in=bases).order_by("title")


class RectificationOrderForm(forms.Form):
    requirements = forms.CharField(label=_("What to rectify"), widget=forms.Textarea(attrs={"rows": 4}))
    period_working_days = forms.IntegerField(label=_("Period (working days)"), required=False, min_value=1,
                                             max_value=365, help_text=_("Empty: the policy's period."))


class TalkRequireForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of talk"), choices=TalkKind.choices)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ObjectionFileForm(forms.Form):
    # Left out (a form without the field): an objection to the determination.
    kind = forms.ChoiceField(label=_("Objection to"), choices=ObjectionKind.choices,
                             initial=ObjectionKind.DETERMINATION, required=False)
    grounds = forms.CharField(label=_("Grounds of the objection"), widget=forms.Textarea(attrs={"rows": 4}))


class RepairApplyForm(forms.Form):
    commitment_letter = forms.BooleanField(label=_("I give the credit commitment letter (信用承诺书)"))
    rectification_proof = forms.CharField(label=_("Proof of rectification"), required=False,
                                          widget=forms.Textarea(attrs={"rows": 3}))
    training_certificate = forms.BooleanField(label=_("Credit repair training completed"), required=False)
    statement = forms.CharField(label=_("Statement"), required=False,
                                widget=forms.Textarea(attrs={"rows": 3}))


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Evidence file"),
                           help_text=_("PDF, JPEG, PNG, ZIP or plain text; drop a file here or choose one."))
