"""Training forms (rendered through partials/form_fields.html: the shared style, searchable selects)."""

from __future__ import annotations

from django import forms

from qualitas.accounts.models import Department, Process, Site, User
from qualitas.core.forms import DepartmentChoiceField
from qualitas.core.widgets import DateInput
from qualitas.training.models import KINDS, LEVELS, METHODS, TARGETS, Position, Requirement


def _people():
    return User.objects.people().order_by("last_name", "first_name", "username")


def _documents():
    from qualitas.documents.models import Document

    return Document.objects.filter(status="active").order_by("number")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.display_name} ({obj.username})"


class PositionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    code = forms.CharField(max_length=30, help_text="Short code, e.g. OP-CNC.")
    name = forms.CharField(max_length=200)
    site = forms.ModelChoiceField(queryset=Site.objects.filter(active=True), required=False,
                                  help_text="Empty: a position at every site.")
    department = DepartmentChoiceField(queryset=Department.objects.filter(active=True), required=False)
    processes = forms.ModelMultipleChoiceField(queryset=Process.objects.filter(active=True).order_by("code"),
                                               required=False, help_text="The processes its holders work in.")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=20000)
    active = forms.BooleanField(required=False, initial=True)
    reason = forms.CharField(required=False, max_length=2000, label="Reason for the change")

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["reason"]
            del self.fields["active"]


class RequirementForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    code = forms.CharField(max_length=30, help_text="Short code, e.g. TR-SOP-001 or Q-FORKLIFT.")
    title = forms.CharField(max_length=300)
    kind = forms.ChoiceField(choices=KINDS, initial="course")
    method = forms.ChoiceField(choices=METHODS, initial="classroom",
                               help_text="Documents: read and understood or quiz; courses: classroom, e-learning or "
                                         "on the job; qualifications: an assessment.")
    document = forms.ModelChoiceField(queryset=Requirement.objects.none(), required=False,
                                      help_text="The controlled document to train on (documents only).")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=20000)
    site = forms.ModelChoiceField(queryset=Site.objects.filter(active=True), required=False,
                                  help_text="Empty: every site.")
    validity_months = forms.IntegerField(required=False, min_value=1, max_value=600, label="Validity (months)",
                                         help_text="Empty: never expires.")
    grace_days = forms.IntegerField(min_value=0, max_value=3650, initial=0, label="Grace period (days)",
                                    help_text="Days after the expiry date during which it still counts.")
    mandatory = forms.BooleanField(required=False, initial=True,
                                   help_text="Optional requirements are assigned without a due date and not counted "
                                             "in compliance.")
    min_level = forms.TypedChoiceField(choices=LEVELS, coerce=int, initial=1, label="Minimum competence level")
    new_starter_days = forms.IntegerField(min_value=0, max_value=3650, initial=30, label="New starters have (days)")
    retraining_days = forms.IntegerField(min_value=0, max_value=3650, initial=14, label="Retraining within (days)",
                                         help_text="After a new revision or a new requirement; renewals open this "
                                                   "many days before the expiry.")
    active = forms.BooleanField(required=False, initial=True)
    reason = forms.CharField(required=False, max_length=2000, label="Reason for the change")

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = _documents()
        if not editing:
            del self.fields["reason"]
            del self.fields["active"]


class CurriculumForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    code = forms.CharField(max_length=30)
    title = forms.CharField(max_length=300)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=20000)
    site = forms.ModelChoiceField(queryset=Site.objects.filter(active=True), required=False)
    requirements = forms.ModelMultipleChoiceField(queryset=Requirement.objects.none(), required=False)
    active = forms.BooleanField(required=False, initial=True)
    reason = forms.CharField(required=False, max_length=2000, label="Reason for the change")

    def __init__(self, *args, requirements=None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requirements"].queryset = requirements if requirements is not None else Requirement.objects.none()
        if not editing:
            del self.fields["reason"]
            del self.fields["active"]


class AppliesToForm(forms.Form):
    """Apply a requirement or curriculum to one target; the target field of the chosen kind is used."""

    kind = forms.ChoiceField(choices=TARGETS, label="Applies to")
    position = forms.ModelChoiceField(queryset=Position.objects.none(), required=False)
    department = DepartmentChoiceField(queryset=Department.objects.filter(active=True), required=False)
    process = forms.ModelChoiceField(queryset=Process.objects.filter(active=True).order_by("code"), required=False)
    person = PersonChoiceField(queryset=User.objects.none(), required=False)

    def __init__(self, *args, positions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].queryset = positions if positions is not None else Position.objects.none()
        self.fields["person"].queryset = _people()

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind and not data.get(kind):
            self.add_error(kind, f"Choose the {kind} it applies to.")
        return data


class ApplyRequirementForm(forms.Form):
    """On a position's page: apply a requirement or a curriculum to it."""

    requirement = forms.ModelChoiceField(queryset=Requirement.objects.none(), required=False)
    curriculum = forms.ModelChoiceField(queryset=Requirement.objects.none(), required=False)

    def __init__(self, *args, requirements=None, curricula=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requirement"].queryset = requirements if requirements is not None else Requirement.objects.none()
        if curricula is not None:
            self.fields["curriculum"].queryset = curricula

    def clean(self):
        data = super().clean()
        if bool(data.get("requirement")) == bool(data.get("curriculum")):
            raise forms.ValidationError("Choose a requirement or a curriculum.")
        return data


class HoldingForm(forms.Form):
    person = PersonChoiceField(queryset=User.objects.none())
    start_date = forms.DateField(widget=DateInput())
    site = forms.ModelChoiceField(queryset=Site.objects.filter(active=True), required=False,
                                  help_text="Empty: the position's site (or the person's).")

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people if people is not None else _people()


class HoldingEndForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    end_date = forms.DateField(widget=DateInput(), label="Leaves on",
                               help_text="From this day the position's requirements no longer apply.")
    end_reason = forms.CharField(max_length=2000, label="Reason", widget=forms.Textarea(attrs={"rows": 2}))


class RecordForm(forms.Form):
    person = PersonChoiceField(queryset=User.objects.none())
    requirement = forms.ModelChoiceField(queryset=Requirement.objects.none())
    completed_on = forms.DateField(widget=DateInput(), label="Completed on")
    level = forms.TypedChoiceField(choices=[("", "The requirement's minimum"), *LEVELS], coerce=int,
                                   empty_value=None, required=False, label="Competence level reached")
    expires_on = forms.DateField(widget=DateInput(), required=False, label="Expires on",
                                 help_text="Empty: the completion date plus the requirement's validity.")
    trainer = forms.CharField(max_length=200, required=False)
    evidence = forms.CharField(max_length=300, required=False, label="Evidence reference",
                               help_text="Certificate number, sign-in sheet, where the evidence is kept.")
    evidence_file = forms.FileField(required=False, label="Evidence file (optional)")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=20000)

    def __init__(self, *args, people=None, requirements=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people if people is not None else _people()
        self.fields["requirement"].queryset = requirements if requirements is not None else Requirement.objects.none()


class AssignmentDueForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    due = forms.DateField(widget=DateInput(), label="New due date")
    reason = forms.CharField(max_length=2000, label="Reason")


class AssignmentEndForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(max_length=2000, label="Why it is not needed",
                             widget=forms.Textarea(attrs={"rows": 2}))
