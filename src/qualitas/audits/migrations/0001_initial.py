"""Audits: programme, audit record, team, auditees, impartiality exceptions, checklists, findings."""

import django.db.models.deletion
import django.utils.timezone
import qualitas.core.workflow.choices
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0004_password_change_required'),
        ('documents', '0006_search_ranking'),
        ('standards', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='FindingGrade',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('code', models.SlugField(max_length=30, unique=True)),
                ('label', models.CharField(max_length=100)),
                ('is_nonconformity', models.BooleanField(default=False, help_text='A nonconformity against the criteria.')),
                ('raises_nonconformity', models.BooleanField(default=False, help_text='Raises a nonconformity in the improvement module.')),
                ('needs_response', models.BooleanField(default=False, help_text='The auditee must respond by a due date.')),
                ('schedules_reaudit', models.BooleanField(default=False, help_text='A re-audit is scheduled to verify it.')),
                ('severity', models.CharField(blank=True, help_text='Severity code of the nonconformity it raises (capa severities).', max_length=50)),
                ('order', models.PositiveSmallIntegerField(default=0)),
                ('colour', models.CharField(default='secondary', help_text='Badge colour.', max_length=20)),
                ('active', models.BooleanField(default=True)),
            ],
            options={
                'ordering': ['order', 'code'],
            },
        ),
        migrations.CreateModel(
            name='Audit',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('number', models.CharField(max_length=50, unique=True)),
                ('title', models.CharField(max_length=300)),
                ('kind', models.CharField(choices=[('internal', 'Internal audit'), ('supplier', 'Supplier audit (second party)'), ('customer', 'Customer audit (second party)'), ('certification', 'Certification-body audit (third party)')], default='internal', max_length=20)),
                ('subject', models.CharField(choices=[('process', 'Process'), ('clause', 'Clauses of the standards'), ('site', 'Site'), ('supplier', 'Supplier'), ('product', 'Product')], default='process', max_length=20)),
                ('supplier', models.CharField(blank=True, help_text="Supplier audits: the supplier's name.", max_length=200)),
                ('product', models.CharField(blank=True, max_length=200)),
                ('scope', models.TextField(help_text='Extent and boundaries: sites, processes, activities, period.')),
                ('criteria', models.TextField(blank=True, help_text='Other criteria: legal requirements, contracts, policies.')),
                ('objectives', models.TextField(blank=True)),
                ('method', models.CharField(choices=[('on_site', 'On-site'), ('remote', 'Remote'), ('hybrid', 'Hybrid')], default='on_site', max_length=10)),
                ('planned_start', models.DateField()),
                ('planned_end', models.DateField()),
                ('actual_start', models.DateField(blank=True, null=True)),
                ('actual_end', models.DateField(blank=True, null=True)),
                ('agenda', models.TextField(blank=True, help_text='The audit plan: one line per item, e.g. 09:00 Opening meeting.')),
                ('summary', models.TextField(blank=True)),
                ('conclusion', models.TextField(blank=True, help_text='Conformity and effectiveness of the management system.')),
                ('response_days', models.PositiveSmallIntegerField(default=30, help_text='Days the auditee has to respond to a nonconformity.')),
                ('status', models.CharField(choices=qualitas.core.workflow.choices.StateChoices('audits.audit'), default='planned', max_length=20)),
                ('reported_at', models.DateTimeField(blank=True, null=True)),
                ('closed_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('clauses', models.ManyToManyField(blank=True, help_text='The clauses in scope (audit criteria).', related_name='+', to='standards.clause')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('department', models.ForeignKey(blank=True, help_text='The department audited.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.department')),
                ('documents', models.ManyToManyField(blank=True, help_text='Documents that are audit criteria (procedures, specifications).', related_name='+', to='documents.document')),
                ('lead_auditor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='led_audits', to=settings.AUTH_USER_MODEL)),
                ('process', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.process')),
                ('site', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.site')),
                ('standards', models.ManyToManyField(blank=True, help_text='Several standards make a combined audit.', related_name='+', to='standards.standard')),
            ],
            options={
                'ordering': ['-planned_start', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='ChecklistQuestion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('order', models.PositiveIntegerField(default=0)),
                ('origin', models.CharField(choices=[('template', 'Question template'), ('clause', 'Clause in scope'), ('document', 'Process document'), ('carried_over', 'Previous finding to verify'), ('added', 'Added by the auditor')], default='clause', max_length=20)),
                ('text', models.TextField()),
                ('guidance', models.TextField(blank=True)),
                ('answer', models.CharField(blank=True, choices=[('', 'Not answered'), ('conforming', 'Conforming'), ('finding', 'Finding'), ('na', 'Not applicable')], max_length=12)),
                ('notes', models.TextField(blank=True, help_text='What was seen: records, interviews, observations.')),
                ('answered_at', models.DateTimeField(blank=True, null=True)),
                ('answered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('audit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='questions', to='audits.audit')),
                ('clause', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='standards.clause')),
                ('document', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='documents.document')),
            ],
            options={
                'ordering': ['audit', 'order', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='Finding',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('number', models.CharField(max_length=50, unique=True)),
                ('title', models.CharField(max_length=300)),
                ('statement', models.TextField(help_text='What was found, against which requirement.')),
                ('evidence', models.TextField(blank=True, help_text='The objective evidence.')),
                ('response_due', models.DateField(blank=True, null=True)),
                ('response', models.TextField(blank=True, help_text='Correction, cause and corrective action proposed.')),
                ('responded_at', models.DateTimeField(blank=True, null=True)),
                ('verification', models.TextField(blank=True, help_text='How the correction was verified at follow-up.')),
                ('verified_at', models.DateTimeField(blank=True, null=True)),
                ('status', models.CharField(choices=qualitas.core.workflow.choices.StateChoices('audits.finding'), default='open', max_length=20)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('audit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='findings', to='audits.audit')),
                ('auditee', models.ForeignKey(blank=True, help_text='Who responds for the auditee.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('clauses', models.ManyToManyField(blank=True, related_name='+', to='standards.clause')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('process', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.process')),
                ('question', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='findings', to='audits.checklistquestion')),
                ('reaudit', models.ForeignKey(blank=True, help_text='The re-audit scheduled to verify it.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='reaudited_findings', to='audits.audit')),
                ('responded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('verified_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('grade', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='findings', to='audits.findinggrade')),
            ],
            options={
                'ordering': ['audit', 'number'],
            },
        ),
        migrations.AddField(
            model_name='checklistquestion',
            name='carried_from',
            field=models.ForeignKey(blank=True, help_text="The previous audit's finding this question verifies.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='verifications', to='audits.finding'),
        ),
        migrations.CreateModel(
            name='ImpartialityException',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('reason', models.TextField()),
                ('requested_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('approved_at', models.DateTimeField(blank=True, null=True)),
                ('approved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('audit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='impartiality_exceptions', to='audits.audit')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['audit', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='Programme',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('year', models.PositiveSmallIntegerField()),
                ('title', models.CharField(max_length=200)),
                ('objectives', models.TextField(blank=True, help_text='What the programme is meant to achieve this year.')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('manager', models.ForeignKey(help_text='Who manages the programme (ISO 19011 5.4).', on_delete=django.db.models.deletion.PROTECT, related_name='managed_audit_programmes', to=settings.AUTH_USER_MODEL)),
                ('site', models.ForeignKey(blank=True, help_text='Empty: the whole organisation.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.site')),
                ('standards', models.ManyToManyField(blank=True, help_text='The standards of the management system in scope.', related_name='+', to='standards.standard')),
            ],
            options={
                'ordering': ['-year', 'site__code', 'pk'],
            },
        ),
        migrations.AddField(
            model_name='audit',
            name='programme',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='audits', to='audits.programme'),
        ),
        migrations.CreateModel(
            name='QuestionTemplate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('text', models.TextField()),
                ('guidance', models.TextField(blank=True, help_text='What evidence to look for.')),
                ('order', models.PositiveSmallIntegerField(default=0)),
                ('active', models.BooleanField(default=True)),
                ('clause', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='standards.clause')),
            ],
            options={
                'ordering': ['clause__edition', 'clause__sort_key', 'order', 'pk'],
            },
        ),
        migrations.AddField(
            model_name='checklistquestion',
            name='template',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='audits.questiontemplate'),
        ),
        migrations.CreateModel(
            name='ReportRecipient',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reason', models.CharField(default='auditee', help_text='auditee, top management, team or other.', max_length=30)),
                ('sent_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('audit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='report_recipients', to='audits.audit')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['audit', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='TeamMember',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('role', models.CharField(choices=[('lead', 'Lead auditor'), ('auditor', 'Auditor'), ('expert', 'Technical expert'), ('observer', 'Observer'), ('trainee', 'Auditor in training')], default='auditor', max_length=10)),
                ('added_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('audit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='team', to='audits.audit')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['audit', 'role', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='Auditee',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('function', models.CharField(blank=True, help_text='e.g. Process owner, Shift supervisor.', max_length=200)),
                ('audit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='auditees', to='audits.audit')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['audit', 'pk'],
                'constraints': [models.UniqueConstraint(fields=('audit', 'person'), name='audits_auditee_unique')],
            },
        ),
        migrations.AddIndex(
            model_name='finding',
            index=models.Index(fields=['status', 'response_due'], name='audits_finding_due_idx'),
        ),
        migrations.AddConstraint(
            model_name='programme',
            constraint=models.UniqueConstraint(fields=('year', 'site'), name='audits_programme_year_site_unique'),
        ),
        migrations.AddIndex(
            model_name='audit',
            index=models.Index(fields=['status', 'planned_start'], name='audits_audit_status_idx'),
        ),
        migrations.AddIndex(
            model_name='checklistquestion',
            index=models.Index(fields=['audit', 'order'], name='audits_question_order_idx'),
        ),
        migrations.AddConstraint(
            model_name='reportrecipient',
            constraint=models.UniqueConstraint(fields=('audit', 'person'), name='audits_report_recipient_unique'),
        ),
        migrations.AddConstraint(
            model_name='teammember',
            constraint=models.UniqueConstraint(fields=('audit', 'person'), name='audits_team_member_unique'),
        ),
    ]
