"""Qualification gates (P11-I): qualitas.training.models_gates. Written by hand."""

import django.db.models.deletion
from django.db import migrations, models

MEANINGS = [
    ("authored", "Authored"),
    ("reviewed", "Reviewed"),
    ("approved", "Approved"),
    ("verified", "Verified"),
    ("responsible", "Responsible"),
    ("released", "Released"),
    ("read-and-understood", "Read and understood"),
    ("rejected", "Rejected"),
    ("trained", "Trained"),
    ("assessed", "Assessed as competent"),
    ("training-impact", "Training impact decided"),
]


class Migration(migrations.Migration):
    dependencies = [("training", "0003_sessions_competence")]

    operations = [
        migrations.CreateModel(
            name="Gate",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
                ("kind", models.CharField(choices=[
                    ("sign", "Signing with a meaning"), ("transition", "A workflow step"),
                    ("duty", "Being assigned a duty"), ("position", "Holding a position")], max_length=12)),
                ("meaning", models.CharField(blank=True, choices=MEANINGS, max_length=30,
                                             verbose_name="signature meaning")),
                ("record_type", models.CharField(
                    blank=True, help_text="e.g. documents.revision. Empty (signing only): every record type.",
                    max_length=100)),
                ("transition", models.CharField(blank=True, help_text="The name of the step, e.g. approve.",
                                                max_length=50, verbose_name="workflow step")),
                ("duty", models.CharField(blank=True, choices=[
                    ("approver", "Approver"), ("reviewer", "Reviewer"), ("auditor", "Auditor"),
                    ("inspector", "Inspector"), ("assessor", "On-the-job assessor")], max_length=20)),
                ("active_from", models.DateField(verbose_name="in force from")),
                ("active_to", models.DateField(blank=True, help_text="Empty: no end.", null=True,
                                               verbose_name="in force until")),
                ("active", models.BooleanField(default=True, help_text="A withdrawn gate is no longer in force.")),
                ("rationale", models.TextField(help_text="Why the step needs this training (procedure, regulation).")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("position", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                               related_name="gates", to="training.position")),
                ("requirement", models.ForeignKey(
                    help_text="The training or qualification the person must be current on.",
                    on_delete=django.db.models.deletion.PROTECT, related_name="gates", to="training.requirement")),
            ],
            options={
                "ordering": ["kind", "record_type", "meaning", "transition", "duty", "pk"],
                "indexes": [models.Index(fields=["kind", "active"], name="training_gate_kind_idx")],
            },
        ),
    ]
