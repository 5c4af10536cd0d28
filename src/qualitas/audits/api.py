"""API of the audit programme and the audit record: /api/v1/audits/programmes (frequencies, their
acceptance or override, coverage) and /api/v1/audits (team, auditees, impartiality exceptions,
workflow steps, the plan PDF and sending it). A refused assignment (not qualified, not impartial) is a
400 naming the reason; approving one's own exception request is a 403."""


from django.core.exceptions import ValidationError
from django.http import HttpResponse
from ninja import Router, Status
from ninja.pagination import paginate

from qualitas.accounts.models import Department, Process, Site
from qualitas.audits import coverage, schemas, selectors, services
from qualitas.core.api_types import Pagination, PathId, QueryId
from qualitas.core.api_types import active_user as _user
from qualitas.core.api_types import referenced as _get
from qualitas.core.signatures.services import Credentials
from qualitas.core.workflow import engine

router = Router(tags=["audits"])


def _many(model, ids, field: str) -> list:
    if ids is None:
        return None
    found = {obj.pk: obj for obj in model.objects.filter(pk__in=set(ids))}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ValidationError({field: f"No {model._meta.verbose_name} with id {missing[0]}."})
    return [found[pk] for pk in dict.fromkeys(ids)]


def _standards(ids):
    from qualitas.standards.models import Standard

    return _many(Standard, ids, "standard_ids")


def _clauses(ids):
    from qualitas.standards.models import Clause

    if ids is None:
        return None
    clauses = _many(Clause, ids, "clause_ids")
    return list(Clause.objects.filter(pk__in=[c.pk for c in clauses]).select_related("edition__standard"))


def _documents(actor, ids):
    if ids is None:
        return None
    if not ids:
        return []
    from qualitas.documents import selectors as documents

    found = {d.pk: d for d in documents.documents_visible(actor).filter(pk__in=set(ids))}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ValidationError({"document_ids": f"No document with id {missing[0]}."})
    return list(found.values())


# --- Programmes -----------------------------------------------------------------------------------------


@router.get("/audits/programmes", response=list[schemas.ProgrammeOut], summary="List audit programmes")
@paginate(Pagination)
def list_programmes(request, year: int | None = None):
    return selectors.programme_list(request.auth, year=year if year and 2000 <= year <= 2999 else None).order_by(
        "-year", "site__code", "pk").prefetch_related("standards")


@router.get("/audits/programmes/{programme_id}", response=schemas.ProgrammeOut, summary="One audit programme")
def get_programme(request, programme_id: PathId):
    return selectors.programme_get(request.auth, programme_id)


@router.post("/audits/programmes", response={201: schemas.ProgrammeOut},
             summary="Create the audit programme of a year (and site)")
def create_programme(request, payload: schemas.ProgrammeIn):
    data = payload.dict()
    programme = services.programme_create(
        actor=request.auth, year=data["year"], site=_get(Site, data["site_id"], "site_id"), title=data["title"],
        objectives=data["objectives"], standards=_standards(data["standard_ids"]),
        manager=_user(data["manager_id"], "manager_id"))
    return Status(201, programme)


@router.patch("/audits/programmes/{programme_id}", response=schemas.ProgrammeOut,
              summary="Change a programme (audited)")
def update_programme(request, programme_id: PathId, payload: schemas.ProgrammePatch):
    programme = selectors.programme_get(request.auth, programme_id)
    data = payload.dict(exclude_unset=True)
    version, reason = data.pop("version"), data.pop("reason", "") or ""
    standards = _standards(data.pop("standard_ids")) if "standard_ids" in data else None
    if "manager_id" in data:
        data["manager"] = _user(data.pop("manager_id"), "manager_id")
    return services.programme_update(actor=request.auth, programme=programme, version=version, reason=reason,
                                     standards=standards, **data)


def _frequency_out(row) -> dict:
    decided = row.row if row.decided else None
    return {
        "process_id": row.process.pk, "process_code": row.process.code, "process_name": row.process.name,
        "importance": row.importance, "proposed_months": row.proposal.months, "score": row.proposal.score,
        "basis": row.proposal.basis, "decision": decided.decision if decided else "", "months": row.months,
        "decided_proposal_months": decided.proposed_months if decided else None,
        "reason": decided.reason if decided else "",
        "decided_by": decided.decided_by.display_name if decided and decided.decided_by_id else None,
        "decided_at": decided.decided_at if decided else None,
        "last_audit_id": row.last_audit.pk if row.last_audit else None, "last_audited": row.last_audited,
        "next_planned_audit_id": row.next_planned.pk if row.next_planned else None, "next_due": row.next_due,
    }


@router.get("/audits/programmes/{programme_id}/frequencies", response=list[schemas.FrequencyOut],
            summary="The proposed audit interval of each process in scope, with its basis and the decision")
def list_frequencies(request, programme_id: PathId):
    programme = selectors.programme_get(request.auth, programme_id)
    return [_frequency_out(row) for row in selectors.frequencies(request.auth, programme)]


def _process(programme, process_id: int):
    process = selectors.processes_in_scope(programme).filter(pk=process_id).first()
    if process is None:
        from django.http import Http404

        raise Http404("The process is not in the programme's scope.")
    return process


def _one(request, programme, process) -> dict:
    return _frequency_out(selectors.frequency_row(request.auth, programme, process.pk))


@router.post("/audits/programmes/{programme_id}/frequencies/{process_id}/importance",
            response=schemas.FrequencyOut, summary="Set the importance of a process (a factor of its frequency)")
def set_importance(request, programme_id: PathId, process_id: PathId, payload: schemas.ImportanceIn):
    programme = selectors.programme_get(request.auth, programme_id)
    process = _process(programme, process_id)
    services.frequency_set_importance(actor=request.auth, programme=programme, process=process,
                                      importance=payload.importance, reason=payload.reason)
    return _one(request, programme, process)


@router.post("/audits/programmes/{programme_id}/frequencies/{process_id}/accept", response=schemas.FrequencyOut,
             summary="Accept the proposed interval (audited, with its basis)")
def accept_frequency(request, programme_id: PathId, process_id: PathId):
    programme = selectors.programme_get(request.auth, programme_id)
    process = _process(programme, process_id)
    services.frequency_accept(actor=request.auth, programme=programme, process=process)
    return _one(request, programme, process)


@router.post("/audits/programmes/{programme_id}/frequencies/{process_id}/override",
             response=schemas.FrequencyOut, summary="Override the proposed interval with a reason (audited)")
def override_frequency(request, programme_id: PathId, process_id: PathId, payload: schemas.OverrideIn):
    programme = selectors.programme_get(request.auth, programme_id)
    process = _process(programme, process_id)
    services.frequency_override(actor=request.auth, programme=programme, process=process, months=payload.months,
                                reason=payload.reason)
    return _one(request, programme, process)


@router.get("/audits/programmes/{programme_id}/coverage", response=list[schemas.StandardCoverageOut],
            summary="Every clause of the standards in scope: last audited, next planned, gaps in the cycle")
def get_coverage(request, programme_id: PathId):
    programme = selectors.programme_get(request.auth, programme_id)
    return [
        {"standard": s.standard.code, "edition": str(s.edition), "audited": s.audited, "gaps": s.gaps,
         "clauses": [{"clause_id": r.clause.pk, "number": r.clause.number, "title": r.clause.title,
                      "depth": r.clause.depth, "last_audited": r.last,
                      "last_audit_id": r.last_audit.pk if r.last_audit else None, "next_planned": r.next,
                      "next_audit_id": r.next_audit.pk if r.next_audit else None, "state": r.state}
                     for r in s.rows]}
        for s in coverage.coverage_of(request.auth, programme)
    ]


# --- Audits ---------------------------------------------------------------------------------------------


@router.get("/audits", response=list[schemas.AuditOut], summary="List and filter audits")
@paginate(Pagination)
def list_audits(request, status: str = "", year: int | None = None, kind: str = "", q: str = "",
                programme_id: QueryId = None, process_id: QueryId = None):
    return selectors.audit_list(
        request.auth, status=status[:20], year=year if year and 1900 <= year <= 2999 else None, kind=kind[:20],
        query=q[:200], programme_id=programme_id, process_id=process_id,
    ).prefetch_related("standards", "clauses", "documents")


@router.get("/audits/{audit_id}", response=schemas.AuditDetailOut, summary="One audit with its team")
def get_audit(request, audit_id: PathId):
    return selectors.audit_get(request.auth, audit_id)


def _audit_fields(request, data: dict) -> dict:
    for name, model in (("site_id", Site), ("process_id", Process), ("department_id", Department)):
        if name in data:
            data[name[:-3]] = _get(model, data.pop(name), name)
    if "programme_id" in data:
        programme_id = data.pop("programme_id")
        data["programme"] = selectors.programme_get(request.auth, programme_id) if programme_id else None
    return data


@router.post("/audits", response={201: schemas.AuditDetailOut}, summary="Plan an audit")
def create_audit(request, payload: schemas.AuditIn):
    data = _audit_fields(request, payload.dict())
    standards, clauses = _standards(data.pop("standard_ids")), _clauses(data.pop("clause_ids"))
    documents = _documents(request.auth, data.pop("document_ids"))
    lead = _user(data.pop("lead_auditor_id"), "lead_auditor_id")
    audit = services.audit_create(actor=request.auth, standards=standards, clauses=clauses, documents=documents,
                                  lead_auditor=lead, **data)
    return Status(201, audit)


@router.patch("/audits/{audit_id}", response=schemas.AuditDetailOut, summary="Change an audit (audited)")
def update_audit(request, audit_id: PathId, payload: schemas.AuditPatch):
    audit = selectors.audit_get(request.auth, audit_id)
    data = _audit_fields(request, payload.dict(exclude_unset=True))
    version, reason = data.pop("version"), data.pop("reason", "") or ""
    standards = _standards(data.pop("standard_ids")) if "standard_ids" in data else None
    clauses = _clauses(data.pop("clause_ids")) if "clause_ids" in data else None
    documents = _documents(request.auth, data.pop("document_ids")) if "document_ids" in data else None
    return services.audit_update(actor=request.auth, audit=audit, version=version, reason=reason,
                                 standards=standards, clauses=clauses, documents=documents, **data)


@router.post("/audits/{audit_id}/team", response={201: schemas.MemberOut},
             summary="Put someone on the audit team (auditors: qualified and impartial, else 400 with the reason)")
def add_member(request, audit_id: PathId, payload: schemas.MemberIn):
    audit = selectors.audit_get(request.auth, audit_id)
    member = services.team_add(actor=request.auth, audit=audit, person=_user(payload.person_id, "person_id"),
                               role=payload.role)
    return Status(201, {"id": member.pk, "person_id": member.person_id, "person": member.person.display_name,
                        "role": member.role})


@router.post("/audits/{audit_id}/team/{member_id}/remove", response={204: None},
             summary="Take someone off the audit team")
def remove_member(request, audit_id: PathId, member_id: PathId, payload: schemas.RemoveIn):
    audit = selectors.audit_get(request.auth, audit_id)
    services.team_remove(actor=request.auth, member=selectors.member_get(request.auth, audit, member_id),
                         reason=payload.reason)
    return Status(204, None)


@router.get("/audits/{audit_id}/auditees", response=list[schemas.AuditeeOut], summary="The audit's auditees")
def list_auditees(request, audit_id: PathId):
    audit = selectors.audit_get(request.auth, audit_id)
    return [{"id": a.pk, "person_id": a.person_id, "person": a.person.display_name, "function": a.function}
            for a in selectors.auditees_of(audit)]


@router.post("/audits/{audit_id}/auditees", response={201: schemas.AuditeeOut}, summary="Add an auditee")
def add_auditee(request, audit_id: PathId, payload: schemas.AuditeeIn):
    audit = selectors.audit_get(request.auth, audit_id)
    auditee = services.auditee_add(actor=request.auth, audit=audit, person=_user(payload.person_id, "person_id"),
                                   function=payload.function)
    return Status(201, {"id": auditee.pk, "person_id": auditee.person_id, "person": auditee.person.display_name,
                        "function": auditee.function})


@router.post("/audits/{audit_id}/auditees/{auditee_id}/remove", response={204: None}, summary="Remove an auditee")
def remove_auditee(request, audit_id: PathId, auditee_id: PathId, payload: schemas.RemoveIn):
    audit = selectors.audit_get(request.auth, audit_id)
    services.auditee_remove(actor=request.auth, auditee=selectors.auditee_get(request.auth, audit, auditee_id),
                            reason=payload.reason)
    return Status(204, None)


def _exception_out(e) -> dict:
    return {"id": e.pk, "person_id": e.person_id, "person": e.person.display_name, "reason": e.reason,
            "requested_by_id": e.requested_by_id, "requested_at": e.requested_at,
            "approved_by_id": e.approved_by_id, "approved_at": e.approved_at}


@router.get("/audits/{audit_id}/exceptions", response=list[schemas.ExceptionOut],
            summary="The audit's impartiality exceptions, approved or waiting")
def list_exceptions(request, audit_id: PathId):
    audit = selectors.audit_get(request.auth, audit_id)
    return [_exception_out(e) for e in selectors.exceptions_of(audit)]


@router.post("/audits/{audit_id}/exceptions", response={201: schemas.ExceptionOut},
             summary="Request an impartiality exception (someone may audit their own work), with the reason")
def request_exception(request, audit_id: PathId, payload: schemas.ExceptionIn):
    audit = selectors.audit_get(request.auth, audit_id)
    exception = services.exception_request(actor=request.auth, audit=audit,
                                           person=_user(payload.person_id, "person_id"), reason=payload.reason)
    return Status(201, _exception_out(exception))


@router.post("/audits/{audit_id}/exceptions/{exception_id}/approve", response=schemas.ExceptionOut,
             summary="Approve an impartiality exception (approve right; not the requester nor the person)")
def approve_exception(request, audit_id: PathId, exception_id: PathId, payload: schemas.ApproveIn):
    audit = selectors.audit_get(request.auth, audit_id)
    exception = services.exception_approve(actor=request.auth,
                                           exception=selectors.exception_get(request.auth, audit, exception_id),
                                           comment=payload.comment)
    return _exception_out(exception)


@router.post("/audits/{audit_id}/transitions/{name}", response=schemas.AuditDetailOut,
             summary="Perform a step of the audit's workflow (prepare, start, report, follow_up, close, cancel)")
def transition(request, audit_id: PathId, name: str, payload: schemas.StepIn):
    audit = selectors.audit_get(request.auth, audit_id)
    credentials = Credentials(payload.password, payload.otp, payload.comment) if payload.password else None
    engine.perform(actor=request.auth, instance=audit, transition=name[:50], expected_version=payload.version,
                   reason=payload.reason, credentials=credentials)
    return selectors.audit_get(request.auth, audit_id)


@router.get("/audits/{audit_id}/plan.pdf", summary="The audit plan as PDF")
def plan_pdf(request, audit_id: PathId):
    from qualitas.audits.pdf import plan_pdf as render_plan

    audit = selectors.audit_get(request.auth, audit_id)
    response = HttpResponse(render_plan(request.auth, audit), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{audit.number}-plan.pdf"'
    return response


@router.post("/audits/{audit_id}/plan/send", response=schemas.PlanSentOut,
             summary="Send the audit plan to the auditees (notification; audited)")
def send_plan(request, audit_id: PathId):
    audit = selectors.audit_get(request.auth, audit_id)
    sent = services.plan_send(actor=request.auth, audit=audit)
    return {"sent_to": [p.display_name for p in sent]}
