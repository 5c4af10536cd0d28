"""Forms of inspection: items, plans, characteristics, lot entry, results, approval and resumption."""

from __future__ import annotations

import re

from django import forms

from qualitas.accounts.models import Process, Site
from qualitas.core.widgets import DateInput
from qualitas.inspections.models import AQL_CHOICES, CLASSES, KINDS, LEVEL_CHOICES, START_STATES

_SPLIT = re.compile(r"[\s;]+")


class ItemForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    part_number = forms.CharField(max_length=100)
    description = forms.CharField(max_length=300)
    supplier = forms.CharField(max_length=200, required=False, label="Usual supplier")
    process = forms.ModelChoiceField(queryset=Process.objects.all(), required=False)
    process_step = forms.CharField(max_length=200, required=False, help_text="e.g. Incoming inspection, Final test.")
    site = forms.ModelChoiceField(queryset=Site.objects.all(), required=False)
    active = forms.BooleanField(required=False, initial=True)
    reason = forms.CharField(required=False, max_length=2000, label="Reason for the change")

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["reason"], self.fields["active"]


class PlanForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    supplier = forms.CharField(max_length=200, required=False, help_text="Empty: the plan for every supplier.")
    level = forms.ChoiceField(choices=LEVEL_CHOICES, initial="II", label="Inspection level")
    aql_critical = forms.ChoiceField(choices=AQL_CHOICES, required=False, label="AQL critical")
    aql_major = forms.ChoiceField(choices=AQL_CHOICES, required=False, label="AQL major", initial="1.0")
    aql_minor = forms.ChoiceField(choices=AQL_CHOICES, required=False, label="AQL minor")
    switching_class = forms.ChoiceField(choices=CLASSES, initial="major",
                                        help_text="The class whose verdict drives the switching rules.")
    start_inspection = forms.ChoiceField(choices=START_STATES, initial="normal", label="Starting inspection")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000)
    active = forms.BooleanField(required=False, initial=True)
    reason = forms.CharField(required=False, max_length=2000, label="Reason for the change",
                             help_text="Needed once lots were inspected on the plan.")

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["reason"], self.fields["active"]


class CharacteristicForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=KINDS, initial="attribute")
    severity_class = forms.ChoiceField(choices=CLASSES, initial="major", label="Class")
    spc_characteristic = forms.ModelChoiceField(queryset=None, required=False, label="SPC characteristic",
                                                help_text="Results are also recorded there, one subgroup per lot.")
    lsl = forms.FloatField(required=False, label="Lower specification limit")
    usl = forms.FloatField(required=False, label="Upper specification limit")
    unit = forms.CharField(max_length=30, required=False)
    active = forms.BooleanField(required=False, initial=True)
    reason = forms.CharField(required=False, max_length=2000, label="Reason for the change")

    def __init__(self, *args, characteristics, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["spc_characteristic"].queryset = characteristics
        if not editing:
            del self.fields["active"]


class LotForm(forms.Form):
    item = forms.ModelChoiceField(queryset=None, empty_label=None)
    number = forms.CharField(max_length=100, label="Lot number")
    size = forms.IntegerField(min_value=1, max_value=10**9, label="Lot size")
    supplier = forms.CharField(max_length=200, required=False, help_text="Empty: the item's usual supplier.")
    received_on = forms.DateField(widget=DateInput(), label="Received on")
    production_steady = forms.BooleanField(required=False, initial=True, label="Production at a steady rate",
                                           help_text="Untick when the supplier's production was irregular or "
                                                     "delayed (ISO 2859-1 9.3.3, 9.3.4).")

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items


def parse_values(text: str) -> list[float]:
    """Measured values typed or pasted: separated by spaces, new lines or semicolons (a decimal comma is
    read as a point when no value uses a point)."""
    parts = [part for part in _SPLIT.split((text or "").strip()) if part]
    if len(parts) == 1 and "," in parts[0]:
        parts = [p for p in parts[0].split(",") if p]
    values = []
    for part in parts:
        try:
            values.append(float(part.replace(",", ".")))
        except ValueError:
            raise forms.ValidationError(f"“{part[:20]}” is not a number.")
    return values


class ResultsForm(forms.Form):
    """One field per characteristic: the count (attributes) or the sample's values (variables)."""

    def __init__(self, *args, characteristics, sizes, results, **kwargs):
        super().__init__(*args, **kwargs)
        self.characteristics = list(characteristics)
        for characteristic in self.characteristics:
            n = sizes.get(characteristic.severity_class)
            previous = results.get(characteristic.pk)
            label = f"{characteristic.name} ({characteristic.get_severity_class_display().lower()}, sample {n})"
            if characteristic.kind == "variable":
                limits = " – ".join(str(v) for v in (characteristic.lsl, characteristic.usl) if v is not None)
                self.fields[f"c{characteristic.pk}"] = forms.CharField(
                    label=label, required=False, widget=forms.Textarea(attrs={"rows": 3, "inputmode": "decimal"}),
                    help_text=f"The {n} measured values{f' {characteristic.unit}' if characteristic.unit else ''}, "
                              f"separated by spaces or new lines; specification {limits or '—'}.",
                    initial=" ".join(f"{v:g}" for v in previous.values) if previous else "",
                )
            else:
                self.fields[f"c{characteristic.pk}"] = forms.IntegerField(
                    label=label, required=False, min_value=0, max_value=n,
                    help_text=f"Nonconforming items found in the sample of {n}.",
                    initial=previous.nonconforming if previous else None,
                    widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                )

    def entries(self):
        from qualitas.inspections.services import ResultEntry

        found = []
        for characteristic in self.characteristics:
            value = self.cleaned_data.get(f"c{characteristic.pk}")
            if value in (None, ""):
                continue
            if characteristic.kind == "variable":
                try:
                    values = parse_values(value)
                except forms.ValidationError as exc:
                    self.add_error(f"c{characteristic.pk}", exc)
                    continue
                found.append(ResultEntry(characteristic.pk, values=values))
            else:
                found.append(ResultEntry(characteristic.pk, nonconforming=value))
        return found


class ApprovalForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000,
                           label="Note", help_text="Why reduced inspection is desirable (ISO 2859-1 9.3.3 c).")


class ResumeForm(forms.Form):
    reference = forms.CharField(max_length=200, label="Supplier corrective action (SCAR / CAPA reference)")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000,
                           label="What the supplier did", help_text="Cause found, correction, evidence received.")
