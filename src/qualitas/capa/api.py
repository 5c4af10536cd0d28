"""API for the improvement loop: nonconformities (evaluation, dispositions, similar ones), CAPAs
(root cause analysis, actions via /actions, effectiveness checks, closing with a signature, 8D PDF),
complaints, satisfaction and the dashboard numbers. Workflow steps without extra data use the
generic /records/{type}/{id}/transitions endpoints."""

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from ninja import Router, Status
from ninja.pagination import paginate

from qualitas.accounts.models import Process, Site
from qualitas.capa import dashboard, schemas, selectors, services
from qualitas.capa.models import Severity
from qualitas.core import records
from qualitas.core.api_types import Id, Pagination, PathId
from qualitas.core.api_types import active_user as _user
from qualitas.core.api_types import referenced as _get
from qualitas.core.raising import raise_from
from qualitas.core.readcache import remembered
from qualitas.core.signatures.services import Credentials
from qualitas.core.workflow import engine

router = Router(tags=["improvement"])


def _severity(code: str) -> Severity:
    severity = Severity.objects.filter(code=code).first()
    if severity is None:
        raise ValidationError({"severity": f"Unknown severity {code!r}."})
    return severity


def _credentials(signature: schemas.SignatureIn) -> Credentials:
    return Credentials(signature.password, signature.otp, signature.comment)


# --- Nonconformities ------------------------------------------------------------------------------------


@router.get("/severities", response=list[schemas.SeverityOut], summary="Severity scale")
def list_severities(request):
    return selectors.severities(request.auth, active_only=False)


@router.post("/severities", response={201: schemas.SeverityOut}, summary="Add a severity (administrators)")
def create_severity(request, payload: schemas.SeverityIn):
    if Severity.objects.filter(code=payload.code).exists():
        raise ValidationError({"code": f"Severity {payload.code!r} exists already."})
    return Status(201, services.severity_create(actor=request.auth, **payload.dict()))


@router.patch("/severities/{code}", response=schemas.SeverityOut, summary="Change a severity (audited)")
def update_severity(request, code: str, payload: schemas.SeverityPatch):
    from qualitas.core.permissions import authorize

    authorize(request.auth, "capa", "administer")
    severity = Severity.objects.filter(code=code[:20]).first()
    if severity is None:
        from django.http import Http404

        raise Http404("No such severity.")
    data = payload.dict(exclude_unset=True)
    return services.severity_update(
        actor=request.auth, severity=severity, version=data.pop("version"), reason=data.pop("reason", ""), **data
    )


@router.get("/nonconformities", response=list[schemas.NonconformityOut], summary="List and filter nonconformities")
@remembered
@paginate(Pagination)
def list_nonconformities(
    request, q: str = "", status: str = "", severity: str = "", source: str = "", category: str = "",
    site_id: Id | None = None, process_id: Id | None = None, open_only: bool = False,
):
    return selectors.nonconformity_list(
        request.auth, query=q[:200], status=status[:20], severity=severity[:20], source=source[:20],
        category=category[:100], site_id=site_id, process_id=process_id, open_only=open_only,
    )


@router.get("/nonconformities/similar", response=list[schemas.SimilarOut],
            summary="Earlier nonconformities like a new one (same process, product, category, similar text)")
def similar_nonconformities(
    request, title: str = "", description: str = "", process_id: Id | None = None, product: str = "",
    category: str = "",
):
    hits = selectors.similar_nonconformities(
        request.auth, title=title[:300], description=description[:5000], process_id=process_id,
        product=product[:200], category=category[:100],
    )
    return [
        {"id": nc.pk, "number": nc.number, "title": nc.title, "status": nc.status, "detected_on": nc.detected_on,
         "score": round(score, 3), "reasons": reasons}
        for nc, score, reasons in hits
    ]


@router.get("/nonconformities/{nc_id}", response=schemas.NonconformityOut, summary="One nonconformity")
@remembered
def get_nonconformity(request, nc_id: PathId):
    return selectors.nonconformity_get(request.auth, nc_id)


@router.post("/nonconformities", response={201: schemas.NonconformityOut}, summary="Report a nonconformity")
def create_nonconformity(request, payload: schemas.NonconformityIn):
    data = payload.dict()
    raised_type, raised_id = data.pop("raised_from_type"), data.pop("raised_from_id")
    raised_from = None
    if raised_type or raised_id:
        if not (raised_type and raised_id):
            raise ValidationError({"raised_from_id": "Give both raised_from_type and raised_from_id, or neither."})
        raised_from = records.resolve(request.auth, raised_type, raised_id)
    data["site"] = _get(Site, data.pop("site_id"), "site_id")
    data["process"] = _get(Process, data.pop("process_id"), "process_id")
    owner = _user(data.pop("owner_id"))
    if owner is not None:
        data["owner"] = owner
    if data["detected_on"] is None:
        data.pop("detected_on")
    severity = _severity(data.pop("severity"))
    if raised_from is not None:  # the source is the one the record's module declares (core.raising)
        nc = raise_from(actor=request.auth, record=raised_from, raising="nonconformity", severity=severity, **data)
    else:
        nc = services.nonconformity_create(actor=request.auth, severity=severity, **data)
    return Status(201, nc)


@router.patch("/nonconformities/{nc_id}", response=schemas.NonconformityOut, summary="Edit (audited)")
def update_nonconformity(request, nc_id: PathId, payload: schemas.NonconformityPatch):
    nc = selectors.nonconformity_get(request.auth, nc_id)
    data = payload.dict(exclude_unset=True)
    version, reason = data.pop("version"), data.pop("reason", "")
    if "owner_id" in data:
        data["owner"] = _user(data.pop("owner_id"))
    return services.nonconformity_update(actor=request.auth, nonconformity=nc, version=version, reason=reason, **data)


@router.post("/nonconformities/{nc_id}/evaluation", response=schemas.NonconformityOut,
             summary="Record whether corrective action is needed, and why")
def evaluate_nonconformity(request, nc_id: PathId, payload: schemas.EvaluationIn):
    nc = selectors.nonconformity_get(request.auth, nc_id)
    return services.nonconformity_evaluate(
        actor=request.auth, nonconformity=nc, capa_required=payload.capa_required, evaluation=payload.evaluation,
        version=payload.version,
    )


@router.get("/nonconformities/{nc_id}/dispositions", response=list[schemas.DispositionOut], summary="Dispositions")
def list_dispositions(request, nc_id: PathId):
    return selectors.nonconformity_get(request.auth, nc_id).dispositions.all()


@router.post("/nonconformities/{nc_id}/dispositions", response={201: schemas.DispositionOut},
             summary="Propose a disposition of nonconforming product (approve it via its transitions)")
def propose_disposition(request, nc_id: PathId, payload: schemas.DispositionIn):
    nc = selectors.nonconformity_get(request.auth, nc_id)
    return Status(201, services.disposition_propose(actor=request.auth, nonconformity=nc, **payload.dict()))


# --- CAPA ----------------------------------------------------------------------------------------------------


@router.get("/capas", response=list[schemas.CapaOut], summary="List CAPAs")
@remembered
@paginate(Pagination)
def list_capas(request, q: str = "", status: str = "", open_only: bool = False, owner_id: Id | None = None):
    return selectors.capa_list(request.auth, query=q[:200], status=status[:20], open_only=open_only,
                               owner_id=owner_id).prefetch_related("team")


@router.get("/capas/{capa_id}", response=schemas.CapaOut, summary="One CAPA with its root cause analysis")
@remembered
def get_capa(request, capa_id: PathId):
    return selectors.capa_get(request.auth, capa_id)


@router.post("/capas", response={201: schemas.CapaOut}, summary="Open a CAPA (linked to nonconformities)")
def create_capa(request, payload: schemas.CapaIn):
    data = payload.dict()
    ncs = [selectors.nonconformity_get(request.auth, pk) for pk in dict.fromkeys(data.pop("nonconformity_ids"))]
    raised_type, raised_id = data.pop("raised_from_type"), data.pop("raised_from_id")
    if bool(raised_type) != bool(raised_id):
        raise ValidationError({"raised_from_id": "Give both raised_from_type and raised_from_id, or neither."})
    raised_from = records.resolve(request.auth, raised_type, raised_id) if raised_type else None
    team = [_user(pk, "team_ids") for pk in dict.fromkeys(data.pop("team_ids"))]
    data["site"] = _get(Site, data.pop("site_id"), "site_id")
    data["process"] = _get(Process, data.pop("process_id"), "process_id")
    owner = _user(data.pop("owner_id"))
    if data["effectiveness_days"] is None:
        data.pop("effectiveness_days")
    if raised_from is not None:
        capa = raise_from(actor=request.auth, record=raised_from, raising="capa", owner=owner, nonconformities=ncs,
                          team=team, **data)
    else:
        capa = services.capa_create(actor=request.auth, owner=owner, nonconformities=ncs, team=team, **data)
    return Status(201, capa)


@router.patch("/capas/{capa_id}", response=schemas.CapaOut, summary="Edit a CAPA (audited)")
def update_capa(request, capa_id: PathId, payload: schemas.CapaPatch):
    capa = selectors.capa_get(request.auth, capa_id)
    data = payload.dict(exclude_unset=True)
    version, reason = data.pop("version"), data.pop("reason", "")
    team = data.pop("team_ids", None)
    if "owner_id" in data:
        data["owner"] = _user(data.pop("owner_id"))
    return services.capa_update(
        actor=request.auth, capa=capa, version=version, reason=reason,
        team=[_user(pk, "team_ids") for pk in dict.fromkeys(team)] if team is not None else None, **data,
    )


@router.put("/capas/{capa_id}/analysis", response=schemas.CapaOut,
            summary="Replace the 5-Why chains, Ishikawa diagram and/or root causes (D4)")
def update_analysis(request, capa_id: PathId, payload: schemas.AnalysisIn):
    capa = selectors.capa_get(request.auth, capa_id)
    data = payload.dict(exclude_unset=True)
    return services.capa_analysis_update(
        actor=request.auth, capa=capa, version=data.pop("version", None), reason=data.pop("reason", ""), **data
    )


@router.post("/capas/{capa_id}/nonconformities", response=schemas.CapaOut, summary="Link another nonconformity")
def link_nonconformity(request, capa_id: PathId, payload: schemas.LinkNonconformityIn):
    capa = selectors.capa_get(request.auth, capa_id)
    nc = selectors.nonconformity_get(request.auth, payload.nonconformity_id)
    services.capa_link_nonconformity(actor=request.auth, capa=capa, nonconformity=nc)
    return capa


@router.get("/capas/{capa_id}/effectiveness-checks", response=list[schemas.EffectivenessOut],
            summary="Effectiveness checks")
def list_checks(request, capa_id: PathId):
    return selectors.capa_get(request.auth, capa_id).effectiveness_checks.all()


@router.post("/capas/{capa_id}/effectiveness-checks", response={201: schemas.EffectivenessOut},
             summary="Record the effectiveness check (signed 'verified'); a failed check reopens the CAPA")
def record_check(request, capa_id: PathId, payload: schemas.EffectivenessIn):
    capa = selectors.capa_get(request.auth, capa_id)
    check = services.effectiveness_check_record(
        actor=request.auth, capa=capa, passed=payload.passed, result=payload.result,
        performed_on=payload.performed_on, early_justification=payload.early_justification,
        credentials=_credentials(payload.signature),
    )
    return Status(201, check)


@router.post("/capas/{capa_id}/close", response=schemas.CapaOut,
             summary="Close with an approval signature (needs a passed effectiveness check)")
def close_capa(request, capa_id: PathId, payload: schemas.CloseIn):
    capa = selectors.capa_get(request.auth, capa_id)
    services.ensure_may_close(request.auth, capa)
    return engine.perform(
        actor=request.auth, instance=capa, transition="close", expected_version=payload.version,
        reason=payload.reason, credentials=_credentials(payload.signature),
    )


@router.get("/capas/{capa_id}/8d.pdf", summary="The 8D report (PDF) with signatures")
def capa_8d_pdf(request, capa_id: PathId):
    from qualitas.capa.pdf import eight_d_pdf

    capa = selectors.capa_get(request.auth, capa_id)
    response = HttpResponse(eight_d_pdf(request.auth, capa), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{capa.number}-8D.pdf"'
    return response


# --- Complaints and satisfaction ---------------------------------------------------------------------------


@router.get("/complaints", response=list[schemas.ComplaintOut], summary="List customer complaints")
@paginate(Pagination)
def list_complaints(request, q: str = "", status: str = "", open_only: bool = False):
    return selectors.complaint_list(request.auth, query=q[:200], status=status[:20], open_only=open_only)


@router.get("/complaints/{complaint_id}", response=schemas.ComplaintOut, summary="One complaint")
def get_complaint(request, complaint_id: PathId):
    return selectors.complaint_get(request.auth, complaint_id)


@router.post("/complaints", response={201: schemas.ComplaintOut}, summary="Log a customer complaint")
def create_complaint(request, payload: schemas.ComplaintIn):
    data = payload.dict()
    data["site"] = _get(Site, data.pop("site_id"), "site_id")
    owner = _user(data.pop("owner_id"))
    if data["received_on"] is None:
        data.pop("received_on")
    return Status(201, services.complaint_create(actor=request.auth, owner=owner, **data))


@router.patch("/complaints/{complaint_id}", response=schemas.ComplaintOut,
              summary="Record the investigation and the response (audited)")
def update_complaint(request, complaint_id: PathId, payload: schemas.ComplaintPatch):
    complaint = selectors.complaint_get(request.auth, complaint_id)
    data = payload.dict(exclude_unset=True)
    version, reason = data.pop("version"), data.pop("reason", "")
    return services.complaint_update(actor=request.auth, complaint=complaint, version=version, reason=reason, **data)


@router.get("/satisfaction", response=list[schemas.SatisfactionOut], summary="Customer satisfaction entries")
@paginate(Pagination)
def list_satisfaction(request):
    return selectors.satisfaction_list(request.auth)


@router.post("/satisfaction", response={201: schemas.SatisfactionOut}, summary="Record a satisfaction result")
def create_satisfaction(request, payload: schemas.SatisfactionIn):
    data = payload.dict()
    data["site"] = _get(Site, data.pop("site_id"), "site_id")
    if data["received_on"] is None:
        data.pop("received_on")
    return Status(201, services.satisfaction_record(actor=request.auth, **data))


@router.get("/improvement/dashboard", summary="Dashboard numbers: open NCs, Pareto, CAPA ageing, rates, trends")
def improvement_dashboard(request) -> dict:
    from qualitas.core.permissions import authorize

    authorize(request.auth, "capa", "view")
    return dashboard.summary(request.auth)
