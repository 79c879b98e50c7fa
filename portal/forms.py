"""The subject's forms: each maps onto one service call (file, submit, waive, apply)."""

from django import forms
from django.utils.translation import gettext_lazy as _

TEXT_MAX = 10_000


def evidence_field() -> forms.FileField:
    return forms.FileField(
        label=_("Evidence file (PDF, image, ZIP or text)"), required=False,
        help_text=_("Optional. The file is checked for size and type and stored with its checksum."),
    )


class ObjectionForm(forms.Form):
    grounds = forms.CharField(label=_("Grounds of the objection"), max_length=TEXT_MAX,
                              widget=forms.Textarea(attrs={"rows": 4}))
    evidence = evidence_field()


class StatementForm(forms.Form):
    text = forms.CharField(label=_("Your statement and defence"), max_length=TEXT_MAX,
                           widget=forms.Textarea(attrs={"rows": 5}))
    evidence = evidence_field()


class WaiverForm(forms.Form):
    declaration = forms.CharField(
        label=_("Written waiver"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
        initial=_("I waive my right to make a statement and defence on this case."),
    )
    confirm = forms.BooleanField(label=_("I understand that the department may then decide at once."))


class RectificationForm(forms.Form):
    note = forms.CharField(label=_("What you have rectified"), max_length=TEXT_MAX,
                           widget=forms.Textarea(attrs={"rows": 3}))
    evidence = evidence_field()


class RepairForm(forms.Form):
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
