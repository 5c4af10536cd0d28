"""Written by hand: the programme models of models_programme.py (the proposed frequency per process)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_password_change_required"),
        ("audits", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ProcessFrequency",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
                ("importance", models.CharField(
                    choices=[("low", "Low"), ("medium", "Medium"), ("high", "High"), ("critical", "Critical")],
                    default="medium", help_text="How important the process is to the management system's results.",
                    max_length=10)),
                ("decision", models.CharField(
                    blank=True, choices=[("", "Not decided"), ("accepted", "Proposal accepted"),
                                         ("overridden", "Overridden")], max_length=12)),
                ("proposed_months", models.PositiveSmallIntegerField(
                    blank=True, help_text="The interval proposed when the decision was taken.", null=True)),
                ("months", models.PositiveSmallIntegerField(
                    blank=True, help_text="The interval in force: accepted or overridden.", null=True,
                    verbose_name="interval (months)")),
                ("reason", models.TextField(blank=True, help_text="Why the proposal was overridden.")),
                ("basis", models.JSONField(
                    blank=True, default=list, help_text="The factors of the proposal when the decision was taken.")),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                ("decided_by", models.ForeignKey(
                    blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                    to=settings.AUTH_USER_MODEL)),
                ("process", models.ForeignKey(
                    on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.process")),
                ("programme", models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE, related_name="frequencies", to="audits.programme")),
            ],
            options={
                "ordering": ["programme", "process__code"],
                "constraints": [
                    models.UniqueConstraint(fields=("programme", "process"), name="audits_frequency_unique"),
                ],
            },
        ),
    ]
