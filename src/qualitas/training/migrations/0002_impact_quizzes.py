"""Training impact of a document change; quizzes, attempts and granted attempts (issue 13, second half)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("training", "0001_initial"),
        ("documents", "0005_review_comments"),
        ("signatures", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Question',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('text', models.TextField()),
                ('kind', models.CharField(choices=[('single', 'Single choice'), ('multiple', 'Multiple choice')], default='single', max_length=10)),
                ('active', models.BooleanField(default=True)),
                ('order', models.PositiveSmallIntegerField(default=0)),
            ],
            options={
                'ordering': ['order', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='AttemptGrant',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('extra', models.PositiveSmallIntegerField(default=1)),
                ('reason', models.TextField()),
                ('granted_at', models.DateTimeField()),
                ('assignment', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='attempt_grants', to='training.assignment')),
                ('granted_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['granted_at', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='Choice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('text', models.CharField(max_length=500)),
                ('correct', models.BooleanField(default=False)),
                ('order', models.PositiveSmallIntegerField(default=0)),
                ('question', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='choices', to='training.question')),
            ],
            options={
                'ordering': ['order', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='Quiz',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('questions_per_attempt', models.PositiveSmallIntegerField(default=5, help_text='Questions drawn for each attempt.')),
                ('pass_mark', models.PositiveSmallIntegerField(default=80, verbose_name='pass mark (%)')),
                ('attempts_allowed', models.PositiveSmallIntegerField(default=3)),
                ('instructions', models.TextField(blank=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('requirement', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='quiz', to='training.requirement')),
            ],
            options={
                'verbose_name_plural': 'quizzes',
            },
        ),
        migrations.AddField(
            model_name='question',
            name='quiz',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='questions', to='training.quiz'),
        ),
        migrations.CreateModel(
            name='TrainingImpact',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('kind', models.CharField(choices=[('none', 'No retraining'), ('read-and-understood', 'Read and understood'), ('quiz', 'Quiz'), ('on-the-job', 'On-the-job')], max_length=20, verbose_name='retraining')),
                ('reason', models.TextField()),
                ('decided_at', models.DateTimeField()),
                ('decided_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('revision', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='documents.revision')),
                ('signature', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='signatures.signature')),
            ],
            options={
                'ordering': ['-decided_at', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='Attempt',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('number', models.PositiveSmallIntegerField()),
                ('questions', models.JSONField(default=list, help_text='The ids of the questions drawn, in the order shown.')),
                ('answers', models.JSONField(blank=True, default=dict, help_text='{question id: [choice ids]} as submitted.')),
                ('wrong', models.JSONField(blank=True, default=list, help_text='The ids of the questions answered wrong.')),
                ('score', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='score (%)')),
                ('passed', models.BooleanField(blank=True, null=True)),
                ('started_at', models.DateTimeField()),
                ('submitted_at', models.DateTimeField(blank=True, null=True)),
                ('assignment', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='attempts', to='training.assignment')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('signature', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='signatures.signature')),
                ('quiz', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='attempts', to='training.quiz')),
            ],
            options={
                'ordering': ['assignment', 'number'],
                'constraints': [models.UniqueConstraint(fields=('assignment', 'number'), name='training_attempt_number_unique')],
            },
        ),
    ]
