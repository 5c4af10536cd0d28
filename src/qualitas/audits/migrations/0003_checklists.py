"""Written by hand: the checklist and finding models of models_checklists.py."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audits", "0002_programme")]

    operations = [
        migrations.AddField(
            model_name="findinggrade",
            name="reaudit_days",
            field=models.PositiveSmallIntegerField(
                default=90,
                help_text="Days after the audit that the re-audit is planned (grades that schedule one).",
            ),
        ),
    ]
