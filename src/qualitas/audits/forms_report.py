"""The lead auditor's form for the report's summary and conclusion."""

from __future__ import annotations

from django import forms

from qualitas.audits.services_report import MAX_TEXT


class ReportTextForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    summary = forms.CharField(
        required=False, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 5, "class": "form-control"}),
        help_text="What was audited and how, the main observations, strengths and weaknesses.")
    conclusion = forms.CharField(
        required=False, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
        label="Conclusion on conformity and effectiveness",
        help_text="Whether the management system conforms to the criteria and is effectively implemented "
                  "and maintained; needed before the report is signed.")
