from __future__ import annotations

from django import forms


class SignatureForm(forms.Form):
    """The signature dialog's fields (P11-S): the password every time, the code when enrolled."""

    password = forms.CharField(
        label="Your password", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    otp = forms.CharField(
        label="Authentication code",
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    comment = forms.CharField(
        label="Reason / comment", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional. Recorded with your signature.",
    )

    def __init__(self, *args, otp_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not otp_required:
            del self.fields["otp"]
        else:
            self.fields["otp"].required = True


class PolicyForm(forms.Form):
    password = forms.CharField(
        label="Your password", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    agree = forms.BooleanField(label="I have read and accept the electronic signature policy")
