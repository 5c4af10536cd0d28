from __future__ import annotations

from django import forms

from qualitas.accounts.models import Department, Process, Role, Site, User
from qualitas.core.signatures.forms import SignatureForm
from qualitas.core.widgets import DateInput
from qualitas.documents.models import ChangeRequest, DocumentType, PeriodicReview
from qualitas.documents.services import TYPE_FIELDS
from qualitas.standards.models import Clause


def approvers():
    from qualitas.core.permissions import has_perm

    return [u.pk for u in User.objects.people() if has_perm(u, "documents", "approve")]


class DocumentTypeForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(required=False, max_length=2000, label="Reason for the change")

    class Meta:
        model = DocumentType
        fields = [*TYPE_FIELDS, "default_reviewers", "default_approvers"]
        widgets = {
            "default_reviewers": forms.SelectMultiple(attrs={"size": 4}),
            "default_approvers": forms.SelectMultiple(attrs={"size": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        eligible = User.objects.filter(pk__in=approvers())
        self.fields["default_reviewers"].queryset = eligible
        self.fields["default_approvers"].queryset = eligible
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            self.fields["version"].required = True  # a change names the version it was made on
            self.fields["code"].disabled = True


class DocumentForm(forms.Form):
    doc_type = forms.ModelChoiceField(queryset=DocumentType.objects.filter(active=True), label="Document type")
    title = forms.CharField(max_length=300)
    number = forms.CharField(max_length=50, required=False, help_text="Leave empty to number automatically.")
    owner = forms.ModelChoiceField(
        queryset=User.objects.people(), required=False, help_text="Defaults to you."
    )
    site = forms.ModelChoiceField(queryset=Site.objects.filter(active=True), required=False)
    department = forms.ModelChoiceField(queryset=Department.objects.filter(active=True), required=False)
    process = forms.ModelChoiceField(queryset=Process.objects.filter(active=True), required=False)
    clauses = forms.ModelMultipleChoiceField(
        queryset=Clause.objects.select_related("edition__standard").order_by("edition__standard__code", "sort_key"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    keywords = forms.CharField(max_length=500, required=False)
    change_summary = forms.CharField(initial="First issue", widget=forms.Textarea(attrs={"rows": 2}))
    content = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "class": "font-monospace"}),
        help_text="Markdown: # headings, - lists, | tables |. Or upload a file afterwards.",
    )
    reviewers = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(), required=False, widget=forms.SelectMultiple(attrs={"size": 4})
    )
    approver = forms.ModelChoiceField(queryset=User.objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        eligible = User.objects.filter(pk__in=approvers())
        self.fields["reviewers"].queryset = eligible
        self.fields["approver"].queryset = eligible


class RevisionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    change_summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Reason for the revision")
    content = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 18, "class": "font-monospace"}),
        help_text="Markdown: # headings, - lists, | tables |.",
    )
    effective_date = forms.DateField(
        required=False,
        widget=DateInput(),
        help_text="Empty: effective as soon as approved.",
    )


class RouteForm(forms.Form):
    reviewers = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text="In review order.",
    )
    approver = forms.ModelChoiceField(queryset=User.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        eligible = User.objects.filter(pk__in=approvers())
        self.fields["reviewers"].queryset = eligible
        self.fields["approver"].queryset = eligible


class UploadForm(forms.Form):
    file = forms.FileField(help_text="PDF, DOCX, XLSX, ODT or image. Its text is indexed for search.")


class NewRevisionForm(forms.Form):
    change_summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="What will change")
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ApproveForm(SignatureForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    effective_date = forms.DateField(
        required=False, widget=DateInput(), help_text="Empty or today: effective at once."
    )


class ChangeRequestForm(forms.ModelForm):
    class Meta:
        model = ChangeRequest
        fields = ["what", "why", "urgency"]
        widgets = {"what": forms.Textarea(attrs={"rows": 3}), "why": forms.Textarea(attrs={"rows": 3})}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("accept", "Accept: open a new draft revision"), ("reject", "Reject")], widget=forms.RadioSelect
    )
    reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="Required when rejecting."
    )


class PeriodicReviewForm(SignatureForm):
    outcome = forms.ChoiceField(choices=PeriodicReview.OUTCOMES, widget=forms.RadioSelect)


class DistributionForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("role", "Role"), ("department", "Department"), ("site", "Site"), ("user", "Person")]
    )
    role = forms.ModelChoiceField(queryset=Role.objects.filter(active=True), required=False)
    department = forms.ModelChoiceField(queryset=Department.objects.filter(active=True), required=False)
    site = forms.ModelChoiceField(queryset=Site.objects.filter(active=True), required=False)
    user = forms.ModelChoiceField(queryset=User.objects.people(), required=False)


class CompareForm(forms.Form):
    old = forms.IntegerField(widget=forms.HiddenInput, required=False)
    new = forms.IntegerField(widget=forms.HiddenInput, required=False)
