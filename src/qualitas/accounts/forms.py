from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from qualitas.accounts.models import Department, Process, Role, Site, User
from qualitas.core.forms import DepartmentChoiceField
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
        field_classes = {"department": DepartmentChoiceField}
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
    department = DepartmentChoiceField(queryset=Department.objects.filter(active=True), required=False)
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
        field_classes = {"department": DepartmentChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = User.objects.people().exclude(pk=self.instance.pk)


class RoleAssignForm(forms.Form):
    role = forms.ModelChoiceField(queryset=Role.objects.filter(active=True))
    site = forms.ModelChoiceField(queryset=Site.objects.filter(active=True), required=False, empty_label="All sites")


class RoleForm(forms.Form):
    """A role's name, description and grants: one checkbox per permission module and action. On an
    existing role the version it was edited on and a reason are required (the change is audited)."""

    code = forms.SlugField(max_length=50, help_text="Lower-case letters, digits and hyphens, e.g. 'line-lead'. "
                                                    "It cannot be changed later.")
    name = forms.CharField(max_length=100)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    active = forms.BooleanField(required=False, initial=True,
                                help_text="An inactive role grants nothing, to anyone who holds it.")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(label="Reason for the change", max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="Recorded in the audit trail with the change.")

    def __init__(self, *args, role: Role | None = None, modules=(), actions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.role = role
        self.actions = tuple(actions)
        permissions = role.permissions if role else {}
        known = {key for key, _ in modules}
        # Grants for modules not installed here are kept as they are (a built-in role may carry them).
        self.kept = {key: list(value) for key, value in permissions.items() if key not in known}
        self.modules = list(modules)
        for key, _label in self.modules:
            for action in self.actions:
                self.fields[self.grant_name(key, action)] = forms.BooleanField(
                    required=False, initial=action in permissions.get(key, ()))
        if role is None:
            del self.fields["version"], self.fields["active"]
            self.fields["reason"].required = False
            self.fields["reason"].label = "Reason (optional)"
        else:
            del self.fields["code"]
            self.fields["name"].initial = role.name
            self.fields["description"].initial = role.description
            self.fields["active"].initial = role.active
            self.fields["version"].initial = role.version
            self.fields["version"].required = True

    @staticmethod
    def grant_name(module: str, action: str) -> str:
        return f"grant:{module}:{action}"

    def visible_fields(self):
        return [field for field in super().visible_fields() if not field.name.startswith("grant:")]

    def grant_rows(self) -> list[dict]:
        return [
            {"key": key, "label": label,
             "cells": [{"action": action, "field": self[self.grant_name(key, action)]} for action in self.actions]}
            for key, label in self.modules
        ]

    def permissions(self) -> dict[str, list[str]]:
        chosen: dict[str, list[str]] = {}
        for key, _label in self.modules:
            actions = [a for a in self.actions if self.cleaned_data.get(self.grant_name(key, a))]
            if actions:
                chosen[key] = actions
        return {**self.kept, **chosen}


class PasswordResetForm(forms.Form):
    """An administrator's password reset: a new password, or one generated and shown once."""

    generate = forms.BooleanField(
        label="Generate a one-time password", required=False, initial=True,
        help_text="Shown to you once, to hand to the user; leave unticked to type one yourself.")
    password = forms.CharField(
        label="New password", required=False, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters; not a common password.")
    must_change = forms.BooleanField(
        label="The user must change it at the next sign-in", required=False, initial=True)
    reason = forms.CharField(label="Reason for the reset", max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="E.g. the ticket number of the user's request.")

    def clean(self):
        data = super().clean()
        if data.get("generate") and data.get("password"):
            self.add_error("password", "Either type a new password or have one generated, not both.")
        elif not data.get("generate") and not data.get("password"):
            self.add_error("password", "Type a new password, or tick “Generate a one-time password”.")
        return data
