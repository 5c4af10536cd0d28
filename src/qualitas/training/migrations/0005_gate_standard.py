"""Written by hand: a qualification gate can be limited to audits of one standard (Gate.standard)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("standards", "0001_initial"), ("training", "0004_gates")]

    operations = [
        migrations.AddField(
            model_name="gate",
            name="standard",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                to="standards.standard",
                help_text="A duty: only on records in scope of this standard (e.g. auditing ISO 14001). "
                          "Empty: every record.",
            ),
        ),
    ]
