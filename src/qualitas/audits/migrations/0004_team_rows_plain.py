"""Team members, auditees, impartiality exceptions and programme frequencies are rows of their audit or
programme: every change is recorded on the parent's trail, so they carry no version of their own."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("audits", "0003_checklists")]

    operations = [
        migrations.RemoveField(model_name=model, name="version")
        for model in ("teammember", "auditee", "impartialityexception", "processfrequency")
    ]
