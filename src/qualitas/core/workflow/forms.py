from __future__ import annotations

from django import forms

from qualitas.core.signatures.forms import SignatureForm


class StepForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label="Reason", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, reason_required: bool = False, with_reason: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required
        if not with_reason:
            del self.fields["reason"]


def signature_form(data=None, *, otp_required: bool, with_comment: bool = True):
    form = SignatureForm(data, otp_required=otp_required, prefix="sig")
    if not with_comment:
        del form.fields["comment"]
    return form
