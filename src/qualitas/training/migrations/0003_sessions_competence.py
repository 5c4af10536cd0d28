# Sessions, attendance, competence entries and effectiveness of training (issue 13, second half).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_password_change_required'),
        ('signatures', '0002_training_meanings'),
        ('training', '0002_impact_quizzes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CompetenceEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('kind', models.CharField(choices=[('education', 'Education'), ('experience', 'Experience'), ('certificate', 'Certificate')], max_length=12)),
                ('title', models.CharField(max_length=300)),
                ('organisation', models.CharField(blank=True, max_length=200)),
                ('start', models.DateField(blank=True, null=True, verbose_name='from')),
                ('end', models.DateField(blank=True, null=True, verbose_name='to')),
                ('notes', models.TextField(blank=True)),
                ('evidence', models.CharField(blank=True, help_text='Where the evidence is (diploma, reference).', max_length=300)),
                ('withdrawn', models.BooleanField(default=False)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='competence_entries', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name_plural': 'competence entries',
                'ordering': ['-start', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='EffectivenessReview',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('due', models.DateField()),
                ('status', models.CharField(choices=[('open', 'Open'), ('done', 'Done')], default='open', max_length=8)),
                ('rating', models.CharField(blank=True, choices=[('effective', 'Effective'), ('partly', 'Partly effective'), ('not', 'Not effective')], max_length=10)),
                ('note', models.TextField(blank=True)),
                ('done_at', models.DateTimeField(blank=True, null=True)),
                ('done_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('record', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='effectiveness_review', to='training.trainingrecord')),
                ('requirement', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='effectiveness_reviews', to='training.requirement')),
                ('reviewer', models.ForeignKey(blank=True, help_text="The person's manager.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('site', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.site')),
            ],
            options={
                'ordering': ['due', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='EffectivenessSetting',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('days', models.PositiveSmallIntegerField(verbose_name='review after (days)')),
                ('since', models.DateField(help_text='Trainings completed from this day are reviewed.')),
                ('active', models.BooleanField(default=True)),
                ('requirement', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='effectiveness', to='training.requirement')),
            ],
            options={
                'ordering': ['requirement'],
            },
        ),
        migrations.CreateModel(
            name='Session',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('kind', models.CharField(choices=[('classroom', 'Classroom'), ('on-the-job', 'On-the-job')], default='classroom', max_length=12)),
                ('trainer_name', models.CharField(blank=True, help_text='An external trainer (no account).', max_length=200, verbose_name='external trainer')),
                ('date', models.DateField()),
                ('duration_minutes', models.PositiveIntegerField(verbose_name='duration (minutes)')),
                ('location', models.CharField(blank=True, max_length=200)),
                ('notes', models.TextField(blank=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('requirement', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='sessions', to='training.requirement')),
                ('site', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.site')),
                ('trainer', models.ForeignKey(blank=True, help_text='The trainer, when they have an account.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-date', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='Attendee',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('attended', models.BooleanField(blank=True, help_text='Empty until the trainer records attendance.', null=True)),
                ('level', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='competence level reached')),
                ('note', models.CharField(blank=True, max_length=500)),
                ('recorded_at', models.DateTimeField(blank=True, null=True)),
                ('assessor', models.ForeignKey(blank=True, help_text='On the job: the qualified assessor who signed.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('record', models.ForeignKey(blank=True, help_text='The training record the attendance gave.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='training.trainingrecord')),
                ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('signature', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='signatures.signature')),
                ('session', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='attendees', to='training.session')),
            ],
            options={
                'ordering': ['session', 'pk'],
                'constraints': [models.UniqueConstraint(fields=('session', 'person'), name='training_attendee_once')],
            },
        ),
    ]
