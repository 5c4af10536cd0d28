from __future__ import annotations

from django import forms

from qualitas.core.signatures.forms import SignatureForm


class StepForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label="Reason", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, reason_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required


def signature_form(data=None, *, otp_required: bool):
    return SignatureForm(data, otp_required=otp_required, prefix="sig")
