from __future__ import annotations

import math

from django import forms
from django.utils import timezone

from qualitas.accounts.models import Process, Site, User
from qualitas.core.signatures.forms import SignatureForm
from qualitas.core.widgets import DateInput
from qualitas.measurements.models import MAX_ABS_VALUE, Characteristic
from qualitas.measurements.reports import DEFAULT_LAST, MAX_LAST, Window

CHARACTERISTIC_FIELDS = [
    "name", "description", "kind", "process", "site", "owner", "unit", "lsl", "target", "usl", "chart_type",
    "subgroup_size", "rules", "ewma_lambda", "ewma_l", "cusum_k", "cusum_h", "raise_nonconformity",
]
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class FiniteField(forms.FloatField):
    """A float that is finite and no larger than the values the module stores."""

    def validate(self, value):
        super().validate(value)
        if value is not None and (not math.isfinite(value) or abs(value) > MAX_ABS_VALUE):
            raise forms.ValidationError("Enter a finite number.")


class CharacteristicForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        required=False, max_length=2000, label="Reason for the change", help_text="Required while limits are frozen."
    )

    class Meta:
        model = Characteristic
        fields = [*CHARACTERISTIC_FIELDS, "active"]
        field_classes = {name: FiniteField for name in ("lsl", "usl", "target", "ewma_lambda", "ewma_l", "cusum_k",
                                                        "cusum_h")}
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["process"].queryset = Process.objects.filter(active=True)
        self.fields["site"].queryset = Site.objects.filter(active=True)
        self.fields["owner"].queryset = User.objects.people()
        self.fields["owner"].required = False
        self.fields["owner"].help_text = "Receives the out-of-control notifications. Defaults to you."
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            self.fields["version"].required = True  # a change names the version it was made on
        else:
            del self.fields["reason"]
            del self.fields["active"]
        for name, field in self.fields.items():
            if name not in ("raise_nonconformity", "active"):
                field.widget.attrs.setdefault("class", "form-select" if isinstance(
                    field.widget, forms.Select) else "form-control")


class EntryForm(forms.Form):
    """One subgroup by hand: its values x1..xn, or a sample's count and size."""

    taken_at = forms.DateTimeField(label="Taken at", widget=DATETIME, required=False,
                                   help_text="Empty: now.")
    lot = forms.CharField(label="Lot/batch", max_length=100, required=False)
    subgroup = forms.CharField(label="Subgroup key", max_length=100, required=False,
                               help_text="Empty: numbered automatically.")

    def __init__(self, *args, characteristic: Characteristic, **kwargs):
        super().__init__(*args, **kwargs)
        self.characteristic = characteristic
        unit = f" ({characteristic.unit})" if characteristic.unit else ""
        if characteristic.is_attribute:
            label = "Nonconformities" if characteristic.chart_type in ("c", "u") else "Nonconforming units"
            self.fields["count"] = forms.IntegerField(label=label, min_value=0, max_value=10**9)
            if characteristic.chart_type != "c":
                label = "Inspection units" if characteristic.chart_type == "u" else "Sample size"
                self.fields["size"] = FiniteField(label=label, min_value=0.000001)
        else:
            for position in range(1, characteristic.subgroup_size + 1):
                self.fields[f"x{position}"] = FiniteField(
                    label=f"Value {position}{unit}" if characteristic.subgroup_size > 1 else f"Value{unit}",
                    widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
                )
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")

    @property
    def value_fields(self):
        return [self[name] for name in self.fields if name not in ("taken_at", "lot", "subgroup")]

    def entry(self):
        from qualitas.measurements.services import SubgroupEntry

        data = self.cleaned_data
        values = tuple(data[f"x{p}"] for p in range(1, self.characteristic.subgroup_size + 1)) if (
            not self.characteristic.is_attribute) else ()
        return SubgroupEntry(
            values=values, count=data.get("count"), size=data.get("size"), key=data.get("subgroup", "").strip(),
            taken_at=data.get("taken_at"), lot=data.get("lot", "").strip(), where="This subgroup",
        )


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV or XLSX file",
        help_text="Columns: taken_at, subgroup, lot, and value (one per row) or x1..xn; count and size for "
                  "attribute charts. Nothing is recorded unless every row is valid.",
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".csv,.xlsx"}),
    )


class WindowForm(forms.Form):
    last = forms.IntegerField(label="Last N subgroups", min_value=1, max_value=MAX_LAST, required=False,
                              widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}))
    since = forms.DateField(label="From", required=False,
                            widget=DateInput(attrs={"class": "form-control form-control-sm"}))
    until = forms.DateField(label="To", required=False,
                            widget=DateInput(attrs={"class": "form-control form-control-sm"}))

    def __init__(self, *args, default_last: int | None = DEFAULT_LAST, **kwargs):
        super().__init__(*args, **kwargs)
        self.default_last = default_last
        self.fields["last"].widget.attrs["placeholder"] = str(default_last) if default_last else "all"

    def window(self) -> Window:
        import datetime as dt

        if not self.is_bound or not self.is_valid():
            return Window(last=self.default_last)
        data = self.cleaned_data
        since = timezone.make_aware(dt.datetime.combine(data["since"], dt.time.min)) if data.get("since") else None
        until = timezone.make_aware(dt.datetime.combine(data["until"], dt.time.max)) if data.get("until") else None
        last = data.get("last") or (None if since or until else self.default_last)
        return Window(last=last, since=since, until=until)


class FreezeForm(SignatureForm):
    PHASES = [("first", "The first N complete subgroups"), ("range", "Subgroups taken in a date range")]

    phase = forms.ChoiceField(label="Phase I data", choices=PHASES, initial="first", widget=forms.RadioSelect)
    first = forms.IntegerField(label="N (first subgroups)", min_value=2, max_value=100_000, required=False,
                               initial=25, help_text="20 to 25 subgroups are usual.")
    since = forms.DateField(label="From", required=False, widget=DateInput())
    until = forms.DateField(label="To", required=False, widget=DateInput())
    reason = forms.CharField(label="Reason", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="Required when limits are frozen already.")
    field_order = ["phase", "first", "since", "until", "reason", "password", "otp", "comment"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "phase":
                field.widget.attrs.setdefault("class", "form-control")

    def phase1(self) -> dict:
        import datetime as dt

        data = self.cleaned_data
        if data["phase"] == "first":
            if not data.get("first"):
                self.add_error("first", "Say how many subgroups.")
            return {"first": data.get("first")}
        if not data.get("since") and not data.get("until"):
            self.add_error("since", "Give the period.")
        since = timezone.make_aware(dt.datetime.combine(data["since"], dt.time.min)) if data.get("since") else None
        until = timezone.make_aware(dt.datetime.combine(data["until"], dt.time.max)) if data.get("until") else None
        return {"since": since, "until": until}


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))


class CorrectionForm(ReasonForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    value = FiniteField(widget=forms.NumberInput(attrs={"step": "any", "class": "form-control"}))


class SubgroupCorrectionForm(ReasonForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    taken_at = forms.DateTimeField(label="Taken at", widget=DATETIME)
    lot = forms.CharField(label="Lot/batch", max_length=100, required=False,
                          widget=forms.TextInput(attrs={"class": "form-control"}))
    count = forms.IntegerField(min_value=0, max_value=10**9, required=False,
                               widget=forms.NumberInput(attrs={"class": "form-control"}))
    sample_size = FiniteField(label="Sample size / units", min_value=0.000001, required=False,
                              widget=forms.NumberInput(attrs={"step": "any", "class": "form-control"}))

    def __init__(self, *args, attribute: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["taken_at"].widget.attrs["class"] = "form-control"
        if not attribute:
            del self.fields["count"]
            del self.fields["sample_size"]


class ExclusionForm(ReasonForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    excluded = forms.BooleanField(required=False, widget=forms.HiddenInput)


class AcknowledgeForm(forms.Form):
    note = forms.CharField(label="What was found or done", max_length=2000,
                           widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}))
