"""Default finding grades and question templates (created after migrate), and the demo loader of
checklists and findings on audits made here (the programme part's demo builds its own)."""

from __future__ import annotations

import pytest

from qualitas.audits.models import FindingGrade, QuestionTemplate
from qualitas.audits.seed_checklists import DEFAULT_TEMPLATES, ensure_default_grades, ensure_default_templates
from tests.audits import test_checklist_kit as kit

pytestmark = pytest.mark.django_db


def test_default_grades_exist_with_their_rules():
    grades = {g.code: g for g in FindingGrade.objects.all()}
    assert list(grades) == ["major", "minor", "observation", "ofi", "good-practice"]
    major, minor = grades["major"], grades["minor"]
    assert (major.is_nonconformity, major.raises_nonconformity, major.needs_response, major.schedules_reaudit) == (
        True, True, True, True)
    assert (minor.raises_nonconformity, minor.needs_response, minor.schedules_reaudit) == (True, True, False)
    assert not any(grades[c].raises_nonconformity or grades[c].needs_response
                   for c in ("observation", "ofi", "good-practice"))


def test_templates_cover_the_three_standards_and_seeding_is_idempotent():
    by_standard = {}
    for template in QuestionTemplate.objects.select_related("clause__edition__standard"):
        by_standard.setdefault(template.clause.edition.standard.code, 0)
        by_standard[template.clause.edition.standard.code] += 1
    assert by_standard["ISO 9001"] >= 25 and by_standard["ISO 14001"] >= 10 and by_standard["ISO 45001"] >= 10
    assert QuestionTemplate.objects.count() == len(DEFAULT_TEMPLATES)
    assert ensure_default_templates() == 0 and ensure_default_grades() == 0


def test_the_demo_loader_answers_checklists_and_records_the_combined_audit_findings(organisation):
    from qualitas.audits import demo_checklists

    combined = kit.audit(organisation, status="in_progress", standards=("ISO 9001", "ISO 14001", "ISO 45001"),
                         clauses=[kit.clause("ISO 9001", "7.1.5"), kit.clause("ISO 14001", "8.1"),
                                  kit.clause("ISO 45001", "10.2")], title="Combined audit")
    follow_up = kit.audit(organisation, status="in_progress", process_code="CP-01", title="Sales audit",
                          auditees=[organisation.user("quality")], clauses=[kit.clause("ISO 9001", "8.2")])
    demo_checklists.load()
    assert not combined.questions.filter(answer="").exists()
    grades = sorted(combined.findings.values_list("grade__code", flat=True))
    assert grades == ["major", "minor", "observation", "ofi"]
    major = combined.findings.get(grade__code="major")
    assert major.question is not None and major.question.answer == "finding" and major.reaudit is not None
    verified = demo_checklists.verified_finding(follow_up)
    assert verified.status == "verified"
    before = (combined.findings.count(), combined.questions.count())
    demo_checklists.load()  # idempotent
    assert (combined.findings.count(), combined.questions.count()) == before
    # the re-audit, once prepared, carries the open major over for verification
    from qualitas.core.workflow import engine

    reaudit = major.reaudit
    from qualitas.audits import services as audit_services

    audit_services.team_add(actor=organisation.user("quality"), audit=reaudit, person=kit.lead(organisation),
                            role="lead")
    reaudit = engine.perform(actor=organisation.user("quality"), instance=reaudit, transition="prepare")
    assert reaudit.questions.filter(origin="carried_over", carried_from=major).exists()
