"""Forms of question templates, finding grades, the checklist and findings (rendered through
partials/form_fields.html, which styles every field the same way)."""

from __future__ import annotations

from django import forms

from qualitas.audits.models import FindingGrade


def _clauses():
    from qualitas.standards.models import Clause

    return Clause.objects.filter(edition__current=True).select_related("edition__standard").order_by(
        "edition__standard__code", "sort_key")


def _people():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.people().order_by("first_name", "last_name", "username")


def _processes():
    from qualitas.accounts.models import Process

    return Process.objects.filter(active=True).order_by("code")


class ClauseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.edition.standard.code} {obj.number} {obj.title}"


class ClauseMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.edition.standard.code} {obj.number} {obj.title}"


class QuestionTemplateForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    clause = ClauseChoiceField(queryset=None, help_text="The clause of the standard the question audits.")
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, label="Question")
    guidance = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=5000, required=False,
                               help_text="What evidence the auditor looks for.")
    order = forms.IntegerField(min_value=0, max_value=32767, initial=0, required=False,
                               help_text="Position among the clause's questions.")
    active = forms.BooleanField(required=False, initial=True, help_text="Inactive templates are not used when "
                                "checklists are generated.")
    reason = forms.CharField(required=False, max_length=2000, label="Reason for the change")

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clause"].queryset = _clauses()
        self.fields["version"].required = editing
        if not editing:
            del self.fields["reason"]

    def clean_order(self):
        return self.cleaned_data.get("order") or 0


class GradeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    code = forms.SlugField(max_length=30, help_text="Short stable code, e.g. major.")
    label = forms.CharField(max_length=100)
    is_nonconformity = forms.BooleanField(required=False, label="A nonconformity against the criteria")
    raises_nonconformity = forms.BooleanField(required=False,
                                              label="Raises a nonconformity in the improvement module")
    severity = forms.ChoiceField(required=False, label="Severity of the nonconformity raised")
    needs_response = forms.BooleanField(required=False, label="The auditee responds by a due date")
    schedules_reaudit = forms.BooleanField(required=False, label="Schedules a re-audit")
    reaudit_days = forms.IntegerField(min_value=1, max_value=3650, initial=90, label="Re-audit after (days)")
    order = forms.IntegerField(min_value=0, max_value=32767, initial=0)
    colour = forms.ChoiceField(choices=[(c, c) for c in ("danger", "warning", "info", "primary", "success",
                                                         "secondary", "dark")], initial="secondary")
    active = forms.BooleanField(required=False, initial=True)
    reason = forms.CharField(required=False, max_length=2000, label="Reason for the change")

    def __init__(self, *args, editing: bool = False, **kwargs):
        from qualitas.capa.models import Severity

        super().__init__(*args, **kwargs)
        self.fields["severity"].choices = [("", "Lowest active severity")] + [
            (s.code, s.name) for s in Severity.objects.filter(active=True).order_by("rank")]
        self.fields["version"].required = editing
        if editing:
            self.fields["code"].disabled = True
        else:
            del self.fields["reason"]


class QuestionAddForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=5000, label="Question")
    guidance = forms.CharField(max_length=5000, required=False, label="What to look for")
    clause = ClauseChoiceField(queryset=None, required=False)

    def __init__(self, *args, audit=None, **kwargs):
        super().__init__(*args, **kwargs)
        clauses = _clauses()
        if audit is not None and audit.standards.exists():
            clauses = clauses.filter(edition__standard__in=audit.standards.all())
        self.fields["clause"].queryset = clauses


class FindingForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    grade = forms.ModelChoiceField(queryset=FindingGrade.objects.none(), empty_label=None)
    title = forms.CharField(max_length=300, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    statement = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=20000,
                                help_text="What was found, against which requirement.")
    evidence = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=20000, required=False,
                               help_text="The objective evidence: records, observations, interviews.")
    clauses = ClauseMultipleChoiceField(queryset=None, required=False,
                                        help_text="One or more clauses, of one or more standards.")
    process = forms.ModelChoiceField(queryset=None, required=False)
    auditee = forms.ModelChoiceField(queryset=None, required=False,
                                     help_text="Who responds (default: the process owner).")
    reason = forms.CharField(required=False, max_length=2000, label="Reason for the change")

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].queryset = FindingGrade.objects.filter(active=True).order_by("order", "code")
        self.fields["clauses"].queryset = _clauses()
        self.fields["process"].queryset = _processes()
        self.fields["auditee"].queryset = _people()
        self.fields["version"].required = editing
        if not editing:
            del self.fields["reason"]


class ResponseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    response = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=20000,
                               help_text="The correction, the cause found and the corrective action planned.")


class VerificationForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    verification = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=20000,
                                   help_text="What you saw that shows the correction is in place and effective.")
