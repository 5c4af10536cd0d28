"""Default rows of the checklists-and-findings part, created after `migrate` when missing: the finding
grades (ISO 19011 6.4.8) and a starting set of question templates for ISO 9001, 14001 and 45001.

The questions are written for Qualitas (they paraphrase what an auditor asks, not the standards'
text); the clause numbers and titles come from the standards catalogue. An administrator edits,
deactivates or adds to them on the question-template page; seeding never overwrites a template.
"""

from __future__ import annotations

DEFAULT_GRADES = [
    {"code": "major", "label": "Major nonconformity", "is_nonconformity": True, "raises_nonconformity": True,
     "needs_response": True, "schedules_reaudit": True, "severity": "major", "order": 10, "colour": "danger"},
    {"code": "minor", "label": "Minor nonconformity", "is_nonconformity": True, "raises_nonconformity": True,
     "needs_response": True, "severity": "minor", "order": 20, "colour": "warning"},
    {"code": "observation", "label": "Observation", "order": 30, "colour": "info"},
    {"code": "ofi", "label": "Opportunity for improvement", "order": 40, "colour": "primary"},
    {"code": "good-practice", "label": "Good practice", "order": 50, "colour": "success"},
]

# (standard, clause, question, what evidence to look for)
DEFAULT_TEMPLATES: list[tuple[str, str, str, str]] = [
    # ISO 9001:2015
    ("ISO 9001", "4.1", "Which internal and external issues relevant to the business has the organisation "
     "identified, and when were they last reviewed?", "Context analysis (SWOT, PESTLE), review minutes."),
    ("ISO 9001", "4.2", "Who are the interested parties and which of their requirements are relevant to the "
     "quality management system?", "List of interested parties with their requirements; how it is kept up to date."),
    ("ISO 9001", "4.3", "Is the scope of the management system documented, including any requirement judged not "
     "applicable and why?", "Scope statement; justification of exclusions."),
    ("ISO 9001", "4.4", "Are the processes, their sequence, inputs, outputs, owners and performance indicators "
     "defined?", "Process map, process descriptions, indicators."),
    ("ISO 9001", "5.1", "How does top management show it takes responsibility for the effectiveness of the "
     "system?", "Interview of top management; review decisions; resources granted."),
    ("ISO 9001", "5.2", "Is the quality policy available, communicated and understood at the workplace?",
     "Ask two or three people what the policy means for their work."),
    ("ISO 9001", "5.3", "Are responsibilities and authorities for the processes assigned and known?",
     "Organisation chart, job descriptions, process owners."),
    ("ISO 9001", "6.1", "Which risks and opportunities were determined for this process, and which actions "
     "address them?", "Risk register entries, actions and their effectiveness."),
    ("ISO 9001", "6.2", "Are quality objectives measurable, monitored and planned (what, who, when, how "
     "evaluated)?", "Objectives with targets, owners, due dates and results."),
    ("ISO 9001", "6.3", "Were recent changes to the system planned and carried out in a controlled way?",
     "Change records: purpose, consequences, resources, responsibilities."),
    ("ISO 9001", "7.1.5", "Are measuring instruments calibrated or verified, identified and protected from "
     "adjustments that would invalidate results?", "Calibration records, status labels, actions on out-of-"
     "tolerance findings."),
    ("ISO 9001", "7.2", "How is the competence of the people doing this work determined, achieved and evidenced?",
     "Competence requirements, training records, effectiveness evaluations."),
    ("ISO 9001", "7.3", "Do people know the policy, the relevant objectives, their contribution and the "
     "consequences of not conforming?", "Interviews at the workplace."),
    ("ISO 9001", "7.5", "Are the documents used at the workplace current, approved and legible, and are records "
     "retained as defined?", "Compare documents in use with the effective revision; sample records."),
    ("ISO 9001", "8.1", "How is the operation planned and controlled (criteria, resources, records)?",
     "Work plans, control plans, acceptance criteria."),
    ("ISO 9001", "8.2", "Are customer requirements reviewed before committing to supply, and are changes "
     "communicated?", "Order or contract reviews; records of changed requirements."),
    ("ISO 9001", "8.3", "Are design and development stages, reviews, verification and validation planned and "
     "recorded?", "Design plan, review minutes, verification and validation records, change control."),
    ("ISO 9001", "8.4", "How are external providers selected, evaluated and monitored, and is what they supply "
     "verified?", "Approved supplier list, evaluations, incoming inspection records."),
    ("ISO 9001", "8.5.1", "Is production carried out under controlled conditions (documented information, "
     "monitoring, suitable infrastructure, competent people)?", "Observe the operation; check the work "
     "instructions and the records of checks."),
    ("ISO 9001", "8.5.2", "Can outputs be identified and, where required, traced?", "Labels, lot records, "
     "trace a sample backwards and forwards."),
    ("ISO 9001", "8.6", "Is product released only after the planned checks are done, by an authorised person?",
     "Release records with the person who released."),
    ("ISO 9001", "8.7", "Are nonconforming outputs identified and controlled so they are not used or delivered "
     "unintentionally?", "Quarantine area, nonconformity records, dispositions and concessions."),
    ("ISO 9001", "9.1.2", "How is customer satisfaction monitored, and what is done with the results?",
     "Surveys, complaint analysis, actions taken."),
    ("ISO 9001", "9.1.3", "Are data from monitoring and measurement analysed and used to evaluate performance?",
     "Indicator trends, analysis reports."),
    ("ISO 9001", "9.2", "Is the audit programme based on importance, changes and previous results, and are "
     "audits reported and followed up?", "Programme, reports, follow-up of findings."),
    ("ISO 9001", "9.3", "Does the management review consider all the required inputs and record decisions and "
     "actions?", "Review minutes: inputs, outputs, actions."),
    ("ISO 9001", "10.2", "Are nonconformities reacted to, evaluated for the need for action, and are actions "
     "reviewed for effectiveness?", "Nonconformity and CAPA records, effectiveness checks."),
    ("ISO 9001", "10.3", "How does the organisation improve the suitability, adequacy and effectiveness of the "
     "system?", "Improvement projects, trends of indicators."),
    # ISO 14001:2015
    ("ISO 14001", "4.1", "Which environmental conditions affect or are affected by the organisation, and how "
     "are they considered?", "Context analysis including environmental conditions."),
    ("ISO 14001", "5.2", "Does the environmental policy include commitments to protect the environment, fulfil "
     "compliance obligations and improve?", "Policy text; how it is communicated."),
    ("ISO 14001", "6.1.2", "Are environmental aspects of activities, products and services determined with a "
     "life-cycle perspective, and the significant ones identified?", "Aspect register, significance criteria."),
    ("ISO 14001", "6.1.3", "Are the compliance obligations identified, accessible and applied to this "
     "activity?", "Legal register, permits, how updates are followed."),
    ("ISO 14001", "6.2", "Are environmental objectives set, measurable and monitored?", "Objectives, plans, "
     "results."),
    ("ISO 14001", "7.4", "How are environmental matters communicated internally and externally?",
     "Communication plan, records of external communication."),
    ("ISO 14001", "8.1", "Are operational controls for the significant aspects in place, including on "
     "outsourced processes?", "Operating criteria, waste handling, contractor requirements."),
    ("ISO 14001", "8.2", "Are potential emergency situations identified, responses planned and tested?",
     "Emergency plans, drill records, spill kits."),
    ("ISO 14001", "9.1.1", "Is environmental performance monitored with calibrated equipment where needed?",
     "Monitoring data (energy, waste, emissions), calibration records."),
    ("ISO 14001", "9.1.2", "Is compliance with obligations evaluated at planned intervals, and the results "
     "kept?", "Compliance evaluation records, actions on gaps."),
    ("ISO 14001", "10.2", "Are environmental nonconformities and incidents corrected and their causes removed?",
     "Incident records, corrective actions."),
    # ISO 45001:2018
    ("ISO 45001", "5.1", "How does top management take overall responsibility for preventing work-related "
     "injury and ill health?", "Interview; resources; protection of workers reporting hazards."),
    ("ISO 45001", "5.4", "How are workers consulted and do they participate (hazard identification, incident "
     "investigation, objectives)?", "Safety committee minutes, consultation records."),
    ("ISO 45001", "6.1.2.1", "Are hazards identified proactively for routine and non-routine activities, "
     "including contractors and visitors?", "Hazard register, job safety analyses."),
    ("ISO 45001", "6.1.2.2", "Are OH&S risks assessed with a defined method and kept up to date?",
     "Risk assessments with dates and reviewers."),
    ("ISO 45001", "6.1.3", "Are the legal and other requirements identified and applied to the workplace?",
     "Legal register, evidence of application."),
    ("ISO 45001", "6.2", "Are OH&S objectives set, measurable and followed up?", "Objectives and results."),
    ("ISO 45001", "7.2", "Are workers competent to identify hazards and to work safely?", "Training records, "
     "induction of new and temporary workers."),
    ("ISO 45001", "8.1.2", "Are hazards eliminated or risks reduced following the hierarchy of controls?",
     "Observe controls in place: elimination, substitution, engineering, administrative, PPE."),
    ("ISO 45001", "8.1.3", "Are changes (processes, equipment, organisation) assessed for OH&S before they are "
     "made?", "Management-of-change records."),
    ("ISO 45001", "8.1.4", "Are purchases, contractors and outsourced work controlled for OH&S?",
     "Contractor selection and supervision records."),
    ("ISO 45001", "8.2", "Are emergency situations prepared for, tested and the responses evaluated?",
     "Emergency plans, drills, first-aid arrangements."),
    ("ISO 45001", "9.1.2", "Is compliance with legal and other requirements evaluated?", "Compliance evaluation "
     "records."),
    ("ISO 45001", "10.2", "Are incidents and nonconformities reported, investigated with workers and acted "
     "on?", "Incident reports, investigations, corrective actions."),
]


def ensure_default_grades() -> int:
    """Create the default finding grades that are missing (never changes an existing one)."""
    from qualitas.accounts.services import system_actor
    from qualitas.audits.models import FindingGrade
    from qualitas.audits.services_checklists import grade_create

    created = 0
    existing = set(FindingGrade.objects.values_list("code", flat=True))
    for spec in DEFAULT_GRADES:
        if spec["code"] not in existing:
            grade_create(actor=system_actor(), **spec)
            created += 1
    return created


def ensure_default_templates() -> int:
    """Create the default question templates whose clause exists and that are missing."""
    from qualitas.accounts.services import system_actor
    from qualitas.audits.models import QuestionTemplate
    from qualitas.audits.services_checklists import question_template_create
    from qualitas.standards.models import Clause

    clauses = {(c.edition.standard.code, c.number): c
               for c in Clause.objects.filter(edition__current=True).select_related("edition__standard")}
    existing = set(QuestionTemplate.objects.values_list("clause_id", "text"))
    created = 0
    order: dict[int, int] = {}
    for standard, number, text, guidance in DEFAULT_TEMPLATES:
        clause = clauses.get((standard, number))
        if clause is None:
            continue
        order[clause.pk] = order.get(clause.pk, 0) + 10
        if (clause.pk, text) in existing:
            continue
        question_template_create(actor=system_actor(), clause=clause, text=text, guidance=guidance,
                                 order=order[clause.pk])
        created += 1
    return created


def ensure_defaults_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate: the grades, then the templates (after the standards catalogue, loaded here when
    it is not yet: the audits app migrates before the standards app's receiver runs)."""
    from django.db import connections

    tables = connections[using].introspection.table_names()
    if "audits_findinggrade" not in tables or "standards_clause" not in tables or "accounts_user" not in tables:
        return
    from django.db import transaction

    from qualitas.standards.services import load_catalogues_after_migrate

    load_catalogues_after_migrate(sender, using=using)
    with transaction.atomic():
        ensure_default_grades()
        ensure_default_templates()
