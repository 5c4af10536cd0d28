from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('capa', '0003_status_from_workflow'),
    ]

    operations = [
        migrations.AddField(
            model_name='effectivenesscheck',
            name='due_on',
            field=models.DateField(blank=True, help_text="The CAPA's effectiveness-check due date when the check was recorded.", null=True, verbose_name='check was due'),
        ),
        migrations.AddField(
            model_name='effectivenesscheck',
            name='early_justification',
            field=models.TextField(blank=True, help_text='Why the actions could be judged effective before the check was due.', verbose_name='justification for an early verdict'),
        ),
    ]
