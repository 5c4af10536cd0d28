from __future__ import annotations

from django import forms
from django.conf import settings

from qualitas.accounts.models import Process, Site, User
from qualitas.capa.models import (
    DISPOSITIONS,
    NC_TYPES,
    SIX_M,
    Capa,
    Complaint,
    SatisfactionEntry,
    Severity,
    capa_sources,
    nc_sources,
)
from qualitas.core.signatures.forms import SignatureForm
from qualitas.core.widgets import DateInput


def _users():
    return User.objects.filter(is_active=True).order_by("first_name", "username")


class StyledForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput | forms.HiddenInput | forms.RadioSelect):
                continue
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class NonconformityForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(max_length=300, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=20000)
    source = forms.ChoiceField(choices=nc_sources, initial="internal")
    nc_type = forms.ChoiceField(choices=NC_TYPES, label="Type", initial="product")
    severity = forms.ModelChoiceField(queryset=Severity.objects.filter(active=True), empty_label=None)
    category = forms.CharField(max_length=100, required=False, help_text="e.g. Dimensional, Surface, Documentation")
    site = forms.ModelChoiceField(queryset=Site.objects.all(), required=False)
    process = forms.ModelChoiceField(queryset=Process.objects.all(), required=False)
    product = forms.CharField(max_length=200, required=False)
    lot = forms.CharField(max_length=100, required=False, label="Lot / batch")
    quantity_affected = forms.DecimalField(required=False, min_value=0, max_digits=14, decimal_places=3)
    unit = forms.CharField(max_length=20, required=False, initial="pcs")
    detected_on = forms.DateField(widget=DateInput())
    owner = forms.ModelChoiceField(queryset=_users(), help_text="Who investigates it.")
    containment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=20000, label="Immediate containment"
    )
    cost_of_poor_quality = forms.DecimalField(
        required=False, min_value=0, max_digits=14, decimal_places=2, label="Cost of poor quality", initial=0
    )
    reason = forms.CharField(required=False, max_length=2000, label="Reason for the change")

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cost_of_poor_quality"].label = f"Cost of poor quality ({settings.CURRENCY})"
        self.fields["owner"].queryset = _users()
        self.fields["version"].required = editing  # a change names the version it was made on
        if not editing:
            del self.fields["reason"]

    def clean_cost_of_poor_quality(self):
        return self.cleaned_data.get("cost_of_poor_quality") or 0


class EvaluationForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    capa_required = forms.TypedChoiceField(
        choices=[("yes", "Yes: raise or link a CAPA"), ("no", "No: correction is enough")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        label="Is corrective action needed?",
    )
    evaluation = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=20000, label="Reason (risk, recurrence, impact)"
    )


class DispositionForm(StyledForm):
    decision = forms.ChoiceField(choices=DISPOSITIONS)
    quantity = forms.DecimalField(required=False, min_value=0, max_digits=14, decimal_places=3)
    cost = forms.DecimalField(required=False, min_value=0, max_digits=14, decimal_places=2, initial=0)
    justification = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=20000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cost"].label = f"Cost ({settings.CURRENCY})"


class CapaForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(max_length=300)
    kind = forms.ChoiceField(choices=Capa.KINDS)
    source = forms.ChoiceField(choices=capa_sources)
    problem = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20000,
        label="Problem description (D2)",
        help_text="What, where, when, how much (is / is not).",
    )
    owner = forms.ModelChoiceField(queryset=_users())
    team = forms.ModelMultipleChoiceField(
        queryset=_users(), required=False, widget=forms.SelectMultiple(attrs={"size": 5})
    )
    site = forms.ModelChoiceField(queryset=Site.objects.all(), required=False)
    process = forms.ModelChoiceField(queryset=Process.objects.all(), required=False)
    containment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=20000, label="Containment summary (D3)"
    )
    effectiveness_criterion = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=20000,
        help_text="Measurable: e.g. no recurrence in 3 months of production, Cpk ≥ 1.33.",
    )
    effectiveness_days = forms.IntegerField(
        min_value=1, max_value=3650, initial=90, label="Effectiveness check (days after implementation)"
    )
    due_date = forms.DateField(
        required=False, widget=DateInput(), label="Target closure date"
    )
    reason = forms.CharField(required=False, max_length=2000, label="Reason for the change")

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _users()
        self.fields["team"].queryset = _users()
        self.fields["version"].required = editing
        if editing:
            for name in ("kind", "source", "site", "process"):
                del self.fields[name]
        else:
            del self.fields["reason"]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class WhyBranchForm(StyledForm):
    problem = forms.CharField(max_length=2000, required=False, label="Problem statement")
    whys = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=20000,
        label="Why? … (one answer per line, in order)",
    )
    cause = forms.CharField(max_length=2000, required=False, label="Conclusion (cause found)")

    def to_data(self):
        data = self.cleaned_data
        if not data.get("problem") and not data.get("whys"):
            return None
        return {
            "problem": data.get("problem", ""),
            "whys": _lines(data.get("whys", "")),
            "cause": data.get("cause", ""),
        }


class FishboneForm(StyledForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in SIX_M:
            self.fields[key] = forms.CharField(
                label=label,
                required=False,
                max_length=20000,
                widget=forms.Textarea(attrs={"rows": 3, "class": "form-control", "placeholder": "One cause per line"}),
            )

    def to_data(self):
        return {key: _lines(self.cleaned_data.get(key, "")) for key, _ in SIX_M}


class RootCauseForm(StyledForm):
    statement = forms.CharField(max_length=2000, required=False, label="Root cause")
    category = forms.ChoiceField(choices=SIX_M, required=False)
    origin = forms.CharField(max_length=2000, required=False, label="Found by", help_text="e.g. 5-Why branch 1")
    verified = forms.BooleanField(required=False)
    verification = forms.CharField(max_length=2000, required=False, label="How it was verified")

    def to_data(self):
        data = self.cleaned_data
        if not data.get("statement"):
            return None
        return {
            "statement": data["statement"],
            "category": data.get("category") or "",
            "origin": data.get("origin", ""),
            "verified": bool(data.get("verified")),
            "verification": data.get("verification", ""),
        }


class EffectivenessForm(SignatureForm):
    passed = forms.TypedChoiceField(
        choices=[("yes", "Effective: the criterion is met"), ("no", "Not effective: reopen for further action")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        label="Outcome",
    )
    result = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        max_length=20000,
        label="What was checked and found",
    )
    early_justification = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        max_length=1500,
        required=False,
        label="Why the actions can be judged effective before the check is due",
        help_text="Needed for an \u201ceffective\u201d verdict before the due date; kept with the check, its "
        "signature and the audit trail.",
    )
    field_order = ["passed", "result", "early_justification"]

    def __init__(self, *args, early_days: int = 0, policy: str = "justify", **kwargs):
        """`early_days`: how long before its due date the check is recorded. Before it, an "effective"
        verdict needs the justification (policy "justify") or cannot be chosen (policy "refuse")."""
        super().__init__(*args, **kwargs)
        if not early_days:
            del self.fields["early_justification"]
        elif policy == "refuse":
            del self.fields["early_justification"]
            self.fields["passed"].choices = [c for c in self.fields["passed"].choices if c[0] == "no"]


class ComplaintForm(StyledForm):
    customer = forms.CharField(max_length=200)
    customer_reference = forms.CharField(max_length=100, required=False)
    contact = forms.CharField(max_length=200, required=False)
    product = forms.CharField(max_length=200, required=False)
    lot = forms.CharField(max_length=100, required=False, label="Lot / batch")
    channel = forms.ChoiceField(choices=Complaint.CHANNELS)
    received_on = forms.DateField(widget=DateInput())
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=20000)
    site = forms.ModelChoiceField(queryset=Site.objects.all(), required=False)
    owner = forms.ModelChoiceField(queryset=_users())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _users()


class ComplaintHandlingForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    investigation = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=20000, label="Investigation summary"
    )
    justified = forms.TypedChoiceField(
        choices=[("", "Not decided"), ("yes", "Justified"), ("no", "Not justified")],
        coerce=lambda v: {"yes": True, "no": False}.get(v),
        required=False,
        empty_value=None,
    )
    response = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=20000, label="Response to the customer"
    )
    responded_on = forms.DateField(
        required=False, widget=DateInput(), label="Response sent on"
    )
    reason = forms.CharField(required=False, max_length=2000, label="Reason for the change")


class SatisfactionForm(StyledForm):
    customer = forms.CharField(max_length=200)
    received_on = forms.DateField(widget=DateInput())
    method = forms.ChoiceField(choices=SatisfactionEntry.METHODS)
    score = forms.DecimalField(min_value=0, max_digits=6, decimal_places=2)
    scale_max = forms.DecimalField(min_value=0.01, max_digits=6, decimal_places=2, initial=10, label="Scale maximum")
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000)
    site = forms.ModelChoiceField(queryset=Site.objects.all(), required=False)


class SeverityForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    code = forms.SlugField(max_length=20)
    name = forms.CharField(max_length=50)
    rank = forms.IntegerField(min_value=1, max_value=100, help_text="Higher is more severe.")
    capa_expected = forms.BooleanField(required=False, label="A CAPA is expected")
    disposition_signature = forms.BooleanField(required=False, label="Dispositions need an approval signature")
    active = forms.BooleanField(required=False, initial=True)
    reason = forms.CharField(required=False, max_length=2000, label="Reason for the change")
