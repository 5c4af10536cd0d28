"""Forms of the programme and audit-record pages (rendered through partials/form_fields.html)."""

from __future__ import annotations

from django import forms

from qualitas.accounts.models import Department, Process, Site
from qualitas.audits.models import AUDIT_KINDS, IMPORTANCE, METHODS, SUBJECTS, TEAM_ROLES
from qualitas.core.widgets import DateInput


def _people():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.people().order_by("first_name", "last_name", "username")


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        department = f" · {obj.department.name}" if getattr(obj, "department_id", None) else ""
        return f"{obj.display_name}{department}"


class ClauseChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.edition.standard.code} {obj.number} {obj.title}"


def _standards():
    from qualitas.standards.models import Standard

    return Standard.objects.filter(editions__current=True).distinct().order_by("code")


def _clauses():
    from qualitas.standards.models import Clause

    return Clause.objects.filter(edition__current=True).select_related("edition__standard").order_by(
        "edition__standard__code", "sort_key")


class ProgrammeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    year = forms.IntegerField(min_value=2000, max_value=2999)
    site = forms.ModelChoiceField(queryset=Site.objects.filter(active=True), required=False,
                                  empty_label="The whole organisation")
    title = forms.CharField(max_length=200, required=False, help_text="Empty: “Audit programme <year>”.")
    standards = forms.ModelMultipleChoiceField(queryset=None, required=False,
                                               help_text="The standards of the management system in scope.")
    manager = PersonChoice(queryset=None, help_text="Who manages the programme (ISO 19011 5.4).")
    objectives = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000)
    reason = forms.CharField(required=False, max_length=2000, label="Reason for the change")

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["standards"].queryset = _standards()
        self.fields["manager"].queryset = _people()
        if editing:
            del self.fields["year"], self.fields["site"]
        else:
            del self.fields["reason"]


class AuditForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(max_length=300)
    programme = forms.ModelChoiceField(queryset=None, required=False, empty_label="Not in a programme")
    kind = forms.ChoiceField(choices=AUDIT_KINDS, initial="internal")
    subject = forms.ChoiceField(choices=SUBJECTS, initial="process", label="What is audited")
    process = forms.ModelChoiceField(queryset=Process.objects.filter(active=True).order_by("code"), required=False,
                                     help_text="A process audit: its clauses become the criteria unless you "
                                               "choose clauses.")
    site = forms.ModelChoiceField(queryset=Site.objects.filter(active=True), required=False)
    department = forms.ModelChoiceField(queryset=Department.objects.filter(active=True).select_related("site")
                                        .order_by("site__code", "code"), required=False,
                                        label="Department audited")
    supplier = forms.CharField(max_length=200, required=False, help_text="A supplier audit: the supplier's name.")
    product = forms.CharField(max_length=200, required=False)
    standards = forms.ModelMultipleChoiceField(queryset=None, required=False,
                                               help_text="Several standards make a combined audit.")
    clauses = ClauseChoices(queryset=None, required=False, label="Clauses in scope (criteria)")
    documents = forms.ModelMultipleChoiceField(queryset=None, required=False, label="Documents (criteria)",
                                               help_text="Procedures and specifications audited against.")
    scope = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=10000,
                            help_text="Extent and boundaries: sites, processes, activities, period.")
    criteria = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=10000,
                               label="Other criteria", help_text="Legal requirements, contracts, policies.")
    objectives = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=10000)
    method = forms.ChoiceField(choices=METHODS, initial="on_site")
    planned_start = forms.DateField(widget=DateInput())
    planned_end = forms.DateField(widget=DateInput())
    agenda = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False, max_length=10000,
                             label="Agenda (audit plan)",
                             help_text="One line per item, e.g. 09:00 Opening meeting.")
    response_days = forms.IntegerField(min_value=1, max_value=365, initial=30,
                                       label="Days to respond to a nonconformity")
    lead_auditor = PersonChoice(queryset=None, required=False,
                                help_text="Must be qualified for the standards and impartial.")
    reason = forms.CharField(required=False, max_length=2000, label="Reason for the change")

    def __init__(self, *args, actor, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        from qualitas.audits import selectors

        self.fields["programme"].queryset = selectors.programmes_visible(actor).order_by("-year", "pk")
        self.fields["standards"].queryset = _standards()
        self.fields["clauses"].queryset = _clauses()
        self.fields["documents"].queryset = _documents(actor)
        self.fields["lead_auditor"].queryset = _people()
        if editing:
            del self.fields["lead_auditor"]
        else:
            del self.fields["reason"]

    def clean(self):
        data = super().clean()
        start, end = data.get("planned_start"), data.get("planned_end")
        if start and end and end < start:
            self.add_error("planned_end", "The audit cannot end before it starts.")
        return data


def _documents(actor):
    from qualitas.core.permissions import has_perm
    from qualitas.documents.models import Document

    if not has_perm(actor, "documents", "view"):
        return Document.objects.none()
    from qualitas.documents import selectors

    return selectors.documents_visible(actor).order_by("number")


class TeamForm(forms.Form):
    person = PersonChoice(queryset=None)
    role = forms.ChoiceField(choices=TEAM_ROLES, initial="auditor")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = _people().select_related("department")


class AuditeeForm(forms.Form):
    person = PersonChoice(queryset=None)
    function = forms.CharField(max_length=200, required=False, help_text="e.g. Process owner, Shift supervisor.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = _people().select_related("department")


class ExceptionForm(forms.Form):
    person = PersonChoice(queryset=None, label="Who may audit their own work")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=5000,
                             help_text="Why (e.g. the only qualified auditor of a small site).")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = _people().select_related("department")


class ImportanceForm(forms.Form):
    importance = forms.ChoiceField(choices=IMPORTANCE)


class OverrideForm(forms.Form):
    months = forms.IntegerField(min_value=1, max_value=36, label="Interval (months)")
    reason = forms.CharField(max_length=2000, label="Why not the proposal")

