from __future__ import annotations

from django import forms

from qualitas.accounts.models import User
from qualitas.actions.models import KINDS
from qualitas.core.widgets import DateInput


class ActionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(max_length=300)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=20000)
    kind = forms.ChoiceField(choices=KINDS, initial="corrective")
    owner = forms.ModelChoiceField(queryset=User.objects.people().order_by("first_name", "username"))
    due_date = forms.DateField(required=False, widget=DateInput())
    reason = forms.CharField(required=False, max_length=2000, label="Reason for the change")

    def __init__(self, *args, show_reason: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
        if not show_reason:
            del self.fields["reason"]


class CompleteForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    evidence = forms.CharField(
        label="Implementation evidence",
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        max_length=20000,
        help_text="What was done, where it can be seen (document revision, work order, photos attached below).",
    )
