"""API of question templates, finding grades, checklists and findings. Finding steps with their own
text have their own endpoints (respond, verify); the others (response not accepted, close, withdraw)
go through /audit-findings/{id}/transitions/{name} or the generic /records/... transitions."""

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Router, Status
from ninja.pagination import paginate

from qualitas.accounts.models import Process
from qualitas.audits import schemas_checklists as schemas
from qualitas.audits import selectors_checklists as selectors
from qualitas.audits import services_checklists as services
from qualitas.audits.selectors import audit_get
from qualitas.core.api_types import Id, Pagination, PathId
from qualitas.core.api_types import active_user as _user
from qualitas.core.api_types import referenced as _get
from qualitas.core.permissions import authorize

router = Router(tags=["audits: checklists and findings"])


def _clause(pk, field: str = "clause_id"):
    from qualitas.standards.models import Clause

    return _get(Clause, pk, field)


def _clauses(ids, field: str = "clause_ids") -> list:
    from qualitas.standards.models import Clause

    ids = list(dict.fromkeys(ids))
    found = {c.pk: c for c in Clause.objects.filter(pk__in=ids)}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ValidationError({field: f"No clause with id {missing[0]}."})
    return [found[pk] for pk in ids]


def _grade(actor, code: str):
    found = selectors.grades(actor).filter(code=code[:30]).first()
    if found is None:
        raise ValidationError({"grade": f"Unknown finding grade {code!r}."})
    return found


# --- Question templates ----------------------------------------------------------------------------------


@router.get("/audit-question-templates", response=list[schemas.QuestionTemplateOut],
            summary="Audit question templates per clause")
@paginate(Pagination)
def list_question_templates(request, q: str = "", clause_id: Id | None = None, edition_id: Id | None = None,
                            active: bool | None = None):
    return selectors.question_templates(request.auth, clause_id=clause_id, edition_id=edition_id, query=q[:100],
                                        active=active)


@router.get("/audit-question-templates/{template_id}", response=schemas.QuestionTemplateOut,
            summary="One question template")
def get_question_template(request, template_id: PathId):
    return selectors.question_template_get(request.auth, template_id)


@router.post("/audit-question-templates", response={201: schemas.QuestionTemplateOut},
             summary="Add a question template (administrators)")
def create_question_template(request, payload: schemas.QuestionTemplateIn):
    data = payload.dict()
    data["clause"] = _clause(data.pop("clause_id"))
    return Status(201, services.question_template_create(actor=request.auth, **data))


@router.patch("/audit-question-templates/{template_id}", response=schemas.QuestionTemplateOut,
              summary="Change a question template (audited)")
def update_question_template(request, template_id: PathId, payload: schemas.QuestionTemplatePatch):
    template = selectors.question_template_get(request.auth, template_id)
    data = payload.dict(exclude_unset=True)
    version, reason = data.pop("version"), data.pop("reason", "")
    if "clause_id" in data:
        data["clause"] = _clause(data.pop("clause_id"))
    return services.question_template_update(actor=request.auth, template=template, version=version, reason=reason,
                                             **data)


# --- Finding grades -------------------------------------------------------------------------------------


@router.get("/audit-finding-grades", response=list[schemas.GradeOut], summary="Finding grades")
def list_grades(request):
    return list(selectors.grades(request.auth))


@router.post("/audit-finding-grades", response={201: schemas.GradeOut}, summary="Add a grade (administrators)")
def create_grade(request, payload: schemas.GradeIn):
    return Status(201, services.grade_create(actor=request.auth, **payload.dict()))


@router.patch("/audit-finding-grades/{code}", response=schemas.GradeOut, summary="Change a grade (audited)")
def update_grade(request, code: str, payload: schemas.GradePatch):
    authorize(request.auth, "audits", "administer")
    grade = selectors.grade_get(request.auth, code)
    data = payload.dict(exclude_unset=True)
    version, reason = data.pop("version"), data.pop("reason", "")
    return services.grade_update(actor=request.auth, grade=grade, version=version, reason=reason, **data)


# --- Checklists ----------------------------------------------------------------------------------------


def _checklist(actor, audit) -> dict:
    questions = selectors.checklist_of(actor, audit)
    progress = selectors.progress(questions)
    return {"audit_id": audit.pk, "questions": questions,
            **{k: progress[k] for k in ("total", "answered", "conforming", "finding", "na")}}


@router.get("/audits/{audit_id}/checklist", response=schemas.ChecklistOut,
            summary="The audit's checklist with its answers and progress")
def get_checklist(request, audit_id: PathId):
    return _checklist(request.auth, audit_get(request.auth, audit_id))


@router.post("/audits/{audit_id}/checklist/generate", response=schemas.GenerateOut,
             summary="Generate or refresh the checklist (keeps answered questions)")
def generate_checklist(request, audit_id: PathId):
    return services.checklist_generate(actor=request.auth, audit=audit_get(request.auth, audit_id))


@router.post("/audits/{audit_id}/checklist/questions", response={201: schemas.QuestionOut},
             summary="Add a question to the checklist (the audit team)")
def add_question(request, audit_id: PathId, payload: schemas.QuestionIn):
    audit = audit_get(request.auth, audit_id)
    data = payload.dict()
    clause = _clause(data.pop("clause_id"))
    return Status(201, services.question_add(actor=request.auth, audit=audit, clause=clause, **data))


@router.get("/audit-checklist-questions/{question_id}", response=schemas.QuestionOut, summary="One question")
def get_question(request, question_id: PathId):
    return selectors.question_get(request.auth, question_id)


@router.post("/audit-checklist-questions/{question_id}/answer", response=schemas.QuestionOut,
             summary="Answer a question and/or write its notes (the audit team, while in progress; versioned)")
def answer_question(request, question_id: PathId, payload: schemas.AnswerIn):
    question = selectors.question_get(request.auth, question_id)
    return services.question_answer(actor=request.auth, question=question, version=payload.version,
                                    answer=payload.answer, notes=payload.notes)


@router.post("/audit-checklist-questions/{question_id}/move", response=schemas.QuestionOut,
             summary="Move a question to a position of the checklist")
def move_question(request, question_id: PathId, payload: schemas.MoveIn):
    question = selectors.question_get(request.auth, question_id)
    return services.question_move(actor=request.auth, question=question, position=payload.position)


@router.delete("/audit-checklist-questions/{question_id}", response={204: None},
               summary="Remove an unanswered question from the checklist")
def remove_question(request, question_id: PathId, reason: str = ""):
    question = selectors.question_get(request.auth, question_id)
    services.question_remove(actor=request.auth, question=question, reason=reason[:2000])
    return Status(204, None)


# --- Findings -----------------------------------------------------------------------------------------


@router.get("/audit-findings", response=list[schemas.FindingOut], summary="List and filter audit findings")
@paginate(Pagination)
def list_findings(request, audit_id: Id | None = None, grade: str = "", status: str = "", clause_id: Id | None = None,
                  process_id: Id | None = None, overdue: bool = False, open_only: bool = False, q: str = ""):
    return selectors.finding_list(request.auth, audit_id=audit_id, grade=grade[:30], status=status[:20],
                                  clause_id=clause_id, process_id=process_id, overdue=overdue, open_only=open_only,
                                  query=q[:200])


@router.get("/audit-findings/{finding_id}", response=schemas.FindingOut, summary="One audit finding")
def get_finding(request, finding_id: PathId):
    return selectors.finding_get(request.auth, finding_id)


@router.post("/audit-findings", response={201: schemas.FindingOut},
             summary="Record a finding (raises a nonconformity when its grade says so)")
def create_finding(request, payload: schemas.FindingIn):
    data = payload.dict()
    audit = audit_get(request.auth, data.pop("audit_id"))
    question = None
    if data.get("question_id"):
        question = selectors.question_get(request.auth, data["question_id"])
    data.pop("question_id")
    finding = services.finding_create(
        actor=request.auth, audit=audit, grade=_grade(request.auth, data.pop("grade")), question=question,
        clauses=_clauses(data.pop("clause_ids")), process=_get(Process, data.pop("process_id"), "process_id"),
        auditee=_user(data.pop("auditee_id"), "auditee_id"), **data,
    )
    return Status(201, finding)


@router.patch("/audit-findings/{finding_id}", response=schemas.FindingOut, summary="Correct an open finding")
def update_finding(request, finding_id: PathId, payload: schemas.FindingPatch):
    finding = selectors.finding_get(request.auth, finding_id)
    data = payload.dict(exclude_unset=True)
    version, reason = data.pop("version"), data.pop("reason", "")
    clauses = _clauses(data.pop("clause_ids")) if "clause_ids" in data else None
    if "grade" in data:
        data["grade"] = _grade(request.auth, data["grade"])
    if "process_id" in data:
        data["process"] = _get(Process, data.pop("process_id"), "process_id")
    if "auditee_id" in data:
        data["auditee"] = _user(data.pop("auditee_id"), "auditee_id")
    return services.finding_update(actor=request.auth, finding=finding, version=version, reason=reason,
                                   clauses=clauses, **data)


@router.post("/audit-findings/{finding_id}/respond", response=schemas.FindingOut,
             summary="Record the auditee's response (correction, cause, corrective action)")
def respond_finding(request, finding_id: PathId, payload: schemas.RespondIn):
    finding = selectors.finding_get(request.auth, finding_id)
    return services.finding_respond(actor=request.auth, finding=finding, response=payload.response,
                                    version=payload.version)


@router.post("/audit-findings/{finding_id}/verify", response=schemas.FindingOut,
             summary="Verify the correction (an auditor, at follow-up)")
def verify_finding(request, finding_id: PathId, payload: schemas.VerifyIn):
    finding = selectors.finding_get(request.auth, finding_id)
    return services.finding_verify(actor=request.auth, finding=finding, verification=payload.verification,
                                   version=payload.version)


@router.post("/audit-findings/{finding_id}/transitions/{name}", response=schemas.FindingOut,
             summary="Response not accepted (reject_response, with a reason), close, withdraw (with a reason)")
def transition_finding(request, finding_id: PathId, name: str, payload: schemas.FindingStepIn):
    finding = selectors.finding_get(request.auth, finding_id)
    if name not in ("reject_response", "close", "withdraw"):
        raise Http404("No such step; respond and verify have their own endpoints.")
    return services.finding_transition(actor=request.auth, finding=finding, transition=name, reason=payload.reason,
                                       version=payload.version)
