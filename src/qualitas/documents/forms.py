from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from qualitas.accounts.models import Department, Process, Role, Site, User
from qualitas.core.forms import DepartmentChoiceField
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


class DepartmentChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj}" + (f" ({obj.site.code})" if obj.site_id else "")


class DistributionFields(forms.Form):
    """Who must read and acknowledge the document once a revision is effective."""

    distribute_roles = forms.ModelMultipleChoiceField(
        queryset=Role.objects.filter(active=True).order_by("name"),
        required=False,
        label="Distribute to roles",
        widget=forms.SelectMultiple(attrs={"size": 4}),
        help_text="Everyone holding the role (at the document's site, when it has one).",
    )
    distribute_departments = DepartmentChoice(
        queryset=Department.objects.filter(active=True).select_related("site").order_by("site__code", "code"),
        required=False,
        label="Distribute to departments",
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    distribute_sites = forms.ModelMultipleChoiceField(
        queryset=Site.objects.filter(active=True),
        required=False,
        label="Distribute to sites",
        widget=forms.SelectMultiple(attrs={"size": 3}),
    )
    distribute_people = forms.ModelMultipleChoiceField(
        queryset=User.objects.people().order_by("last_name", "first_name"),
        required=False,
        label="Distribute to people",
        widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text="Each person reached signs “read and understood” once the revision is effective.",
    )

    KINDS = (
        ("role", "distribute_roles"),
        ("department", "distribute_departments"),
        ("site", "distribute_sites"),
        ("user", "distribute_people"),
    )

    @classmethod
    def initial_for(cls, entries) -> dict:
        initial = {name: [] for _, name in cls.KINDS}
        names = dict(cls.KINDS)
        for entry in entries:
            initial[names[entry.kind]].append(getattr(entry, f"{entry.kind}_id"))
        return initial

    def distribution_entries(self) -> list[dict]:
        return [
            {"kind": kind, kind: target} for kind, name in self.KINDS for target in self.cleaned_data.get(name) or ()
        ]


class DistributionEditForm(DistributionFields):
    reason = forms.CharField(
        required=False,
        max_length=2000,
        label="Reason for the change",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Recorded in the audit trail with the change.",
    )


class DocumentForm(DistributionFields):
    field_order = [
        "doc_type", "title", "number", "owner", "site", "department", "process", "clauses", "keywords",
        "change_summary", "content", "reviewers", "approver",
    ]
    doc_type = forms.ModelChoiceField(queryset=DocumentType.objects.filter(active=True), label="Document type")
    title = forms.CharField(max_length=300)
    number = forms.CharField(max_length=50, required=False, help_text="Leave empty to number automatically.")
    owner = forms.ModelChoiceField(
        queryset=User.objects.people(), required=False, help_text="Defaults to you."
    )
    site = forms.ModelChoiceField(queryset=Site.objects.filter(active=True), required=False)
    department = DepartmentChoiceField(queryset=Department.objects.filter(active=True), required=False)
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
        help_text="Today or later. Empty: effective as soon as approved.",
    )

    def __init__(self, *args, **kwargs):
        from django.utils import timezone

        super().__init__(*args, **kwargs)
        self.fields["effective_date"].widget.attrs["min"] = timezone.localdate().isoformat()

    def clean_effective_date(self):
        from qualitas.documents.services import validate_effective_date

        day = self.cleaned_data.get("effective_date")
        try:
            validate_effective_date(day)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["effective_date"]) from None
        return day


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
    department = DepartmentChoiceField(queryset=Department.objects.filter(active=True), required=False)
    site = forms.ModelChoiceField(queryset=Site.objects.filter(active=True), required=False)
    user = forms.ModelChoiceField(queryset=User.objects.people(), required=False)


class CompareForm(forms.Form):
    old = forms.IntegerField(widget=forms.HiddenInput, required=False)
    new = forms.IntegerField(widget=forms.HiddenInput, required=False)
