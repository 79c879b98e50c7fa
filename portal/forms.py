"""The subject's forms: each maps onto one service call (file, submit, waive, apply)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.objection import ObjectionKind

TEXT_MAX = 10_000


def evidence_field() -> forms.FileField:
    return forms.FileField(
        label=_("Evidence file (PDF, image, ZIP or text)"), required=False,
        help_text=_("Optional. The file is checked for size and type and stored with its checksum."),
    )


class PortalForm(forms.Form):
    """A case page shows several forms at once: each gets its own ids (id_objection_evidence, …)."""

    id_prefix = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class ObjectionForm(PortalForm):
    id_prefix = "objection"
    # Left out (a form without the field): an objection to the determination.
    kind = forms.ChoiceField(label=_("Objection to"), choices=ObjectionKind.choices,
                             initial=ObjectionKind.DETERMINATION, required=False)
    grounds = forms.CharField(label=_("Grounds of the objection"), max_length=TEXT_MAX,
                              widget=forms.Textarea(attrs={"rows": 4}))
    evidence = evidence_field()

    def __init__(self, *args: Any, after_exit: bool = False, **kwargs: Any) -> None:
        """``after_exit``: the case has exited, the one objection it takes is that it was wrongly
        listed (the choice offered alone); before the exit that kind is not offered."""
        super().__init__(*args, **kwargs)
        field = self.fields["kind"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(value, label) for value, label in ObjectionKind.choices
                         if (value == ObjectionKind.WRONGFUL_LISTING) == after_exit]
        if after_exit:
            field.initial = ObjectionKind.WRONGFUL_LISTING


class StatementForm(PortalForm):
    id_prefix = "statement"
    text = forms.CharField(label=_("Your statement and defence"), max_length=TEXT_MAX,
                           widget=forms.Textarea(attrs={"rows": 5}))
    evidence = evidence_field()


class WaiverForm(PortalForm):
    id_prefix = "waiver"
    declaration = forms.CharField(
        label=_("Written waiver"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
        initial=_("I waive my right to make a statement and defence on this case."),
    )
    confirm = forms.BooleanField(label=_("I understand that the department may then decide at once."))


class RectificationForm(PortalForm):
    id_prefix = "rectification"
    note = forms.CharField(label=_("What you have rectified"), max_length=TEXT_MAX,
                           widget=forms.Textarea(attrs={"rows": 3}))
    evidence = evidence_field()


class RepairForm(PortalForm):
    id_prefix = "repair"
    commitment_letter = forms.BooleanField(
        label=_("I give the public credit commitment (信用承诺书)"), required=False,
    )
    rectification_proof = forms.CharField(label=_("Proof of rectification"), max_length=TEXT_MAX,
                                          required=False, widget=forms.Textarea(attrs={"rows": 2}))
    training_certificate = forms.BooleanField(
        label=_("I have a credit repair training certificate"), required=False,
    )
    statement = forms.CharField(label=_("Statement"), max_length=TEXT_MAX, required=False,
                                widget=forms.Textarea(attrs={"rows": 2}))
    evidence = evidence_field()
