from django import forms


class CompleteForm(forms.Form):
    note = forms.CharField(required=False, max_length=2000, label="Note (optional)")
