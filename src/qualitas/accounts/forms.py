from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from qualitas.accounts.models import Department, Process, Role, Site, User
from qualitas.standards.models import Clause


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "The username or password is not correct. Accounts are locked after repeated failures.",
        "inactive": "This account is deactivated.",
    }


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Authentication code",
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        label="Your password", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(label="Token name", max_length=100, help_text="What the token is for, e.g. 'CMM 3 upload'.")


class VersionedModelForm(forms.ModelForm):
    """Carries the version the user started from, so a concurrent edit is detected, not overwritten."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(label="Reason for the change", required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            self.fields["version"].required = True  # a change names the version it was made on
        if self.instance.pk and self.instance.change_requires_reason():
            self.fields["reason"].required = True  # Annex 11 §9
        else:
            del self.fields["reason"]


class SiteForm(VersionedModelForm):
    class Meta:
        model = Site
        fields = ["code", "name", "address", "country", "active"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}


class DepartmentForm(VersionedModelForm):
    class Meta:
        model = Department
        fields = ["code", "name", "site", "manager", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = User.objects.people()


class ProcessForm(VersionedModelForm):
    clauses = forms.ModelMultipleChoiceField(
        queryset=Clause.objects.select_related("edition__standard").order_by("edition__standard__code", "sort_key"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text="Clauses of ISO 9001, ISO 14001 and ISO 45001 this process addresses.",
    )

    class Meta:
        model = Process
        fields = [
            "code",
            "name",
            "category",
            "purpose",
            "owner",
            "site",
            "department",
            "inputs",
            "outputs",
            "clauses",
            "active",
        ]
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "inputs": forms.Textarea(attrs={"rows": 4}),
            "outputs": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.people()


class UserCreateForm(forms.Form):
    username = forms.CharField(max_length=150)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(required=False)
    job_title = forms.CharField(max_length=150, required=False)
    site = forms.ModelChoiceField(queryset=Site.objects.filter(active=True), required=False)
    department = forms.ModelChoiceField(queryset=Department.objects.filter(active=True), required=False)
    manager = forms.ModelChoiceField(queryset=User.objects.people(), required=False)
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters; not a common password.",
    )
    role = forms.ModelChoiceField(
        queryset=Role.objects.filter(active=True),
        required=False,
        help_text="A first role at all sites; more can be added afterwards.",
    )


class UserEditForm(VersionedModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "job_title", "site", "department", "manager"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = User.objects.people().exclude(pk=self.instance.pk)


class RoleAssignForm(forms.Form):
    role = forms.ModelChoiceField(queryset=Role.objects.filter(active=True))
    site = forms.ModelChoiceField(queryset=Site.objects.filter(active=True), required=False, empty_label="All sites")
