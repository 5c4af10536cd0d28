"""Pages of nonconformities and CAPAs. Thin: parse input, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from qualitas.actions.selectors import actions_of
from qualitas.capa import analysis, exports, forms, selectors, services
from qualitas.capa.models import nc_source_choices
from qualitas.core.forms import form_errors
from qualitas.core.modules import source_for
from qualitas.core.permissions import has_perm, requires
from qualitas.core.raising import raise_from, raised_from_param
from qualitas.core.readcache import remembered
from qualitas.core.records import key_for
from qualitas.core.regulated import StaleVersion
from qualitas.core.signatures import services as signing
from qualitas.core.signatures.selectors import signatures_of
from qualitas.core.workflow.engine import state_choices

WHY_BRANCHES = 3
ROOT_CAUSE_ROWS = 4


def _int(value):
    return int(value) if value and str(value).isdigit() and len(str(value)) < 18 else None


# --- Nonconformities ------------------------------------------------------------------------------------


@login_required
@remembered
def nonconformity_list(request):
    filters = {
        "query": request.GET.get("q", "")[:200],
        "status": request.GET.get("status", "")[:20],
        "severity": request.GET.get("severity", "")[:20],
        "source": request.GET.get("source", "")[:20],
        "category": request.GET.get("category", "")[:100],
        "process_id": _int(request.GET.get("process")),
        "site_id": _int(request.GET.get("site")),
        "open_only": request.GET.get("open") == "1",
    }
    ncs = selectors.nonconformity_list(request.user, **filters)
    export = request.GET.get("export")
    if export in ("csv", "xlsx", "pdf"):
        return exports.nonconformity_register(request.user, ncs, export)
    from qualitas.accounts.models import Process

    return render(
        request,
        "capa/nc_list.html",
        {
            "ncs": Paginator(ncs, 50).get_page(request.GET.get("page")),
            "filters": filters,
            "severities": selectors.severities(request.user),
            "sources": nc_source_choices(),
            "statuses": state_choices("capa.nonconformity"),
            "processes": Process.objects.all(),
            "query": request.GET.urlencode(),
            "can_create": has_perm(request.user, "capa", "create"),
        },
    )


def _source_from(form, raised_from) -> None:
    """A record whose module declares a source gives the new record that source: shown, not chosen."""
    declared = source_for(key_for(raised_from)) if raised_from is not None else None
    if declared is not None and "source" in form.fields:
        form.fields["source"].initial = declared.key
        form.fields["source"].disabled = True
        form.fields["source"].help_text = "Set by the record this is raised from."


@login_required
@requires("capa", "create")
def nonconformity_new(request):
    complaint = None
    if request.GET.get("complaint"):
        complaint = selectors.complaint_get(request.user, _int(request.GET["complaint"]) or 0)
    raised_from = complaint or raised_from_param(request.user, request.GET.get("raised_from", ""))
    initial = {"detected_on": timezone.localdate(), "owner": request.user.pk}
    if complaint:
        initial.update(
            source="complaint",
            product=complaint.product,
            lot=complaint.lot,
            site=complaint.site_id,
            description=complaint.description,
            title=f"Customer complaint {complaint.number}: ",
        )
    elif raised_from is not None:
        initial.update(site=getattr(raised_from, "site_id", None), process=getattr(raised_from, "process_id", None))
    form = forms.NonconformityForm(request.POST or None, initial=initial)
    _source_from(form, raised_from)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        try:
            if raised_from is not None:  # the source is the one the record's module declares
                nc = raise_from(actor=request.user, record=raised_from, raising="nonconformity", **data)
            else:
                nc = services.nonconformity_create(actor=request.user, **data)
        except (ValidationError, PermissionDenied) as exc:
            form_errors(form, exc)
        else:
            messages.success(request, f"Nonconformity {nc.number} reported.")
            return redirect("capa:nc-detail", nc.pk)
    return render(
        request, "capa/nc_form.html",
        {"form": form, "complaint": complaint, "raised_from": raised_from, "title": "Report a nonconformity"},
    )


@login_required
def nonconformity_similar(request):
    """The htmx panel of earlier, similar nonconformities shown while a new one is typed."""
    hits = selectors.similar_nonconformities(
        request.user,
        title=request.GET.get("title", "")[:300],
        description=request.GET.get("description", "")[:5000],
        process_id=_int(request.GET.get("process")),
        product=request.GET.get("product", "")[:200],
        category=request.GET.get("category", "")[:100],
        exclude_id=_int(request.GET.get("exclude")),
    )
    return render(request, "capa/_similar.html", {"hits": hits})


@login_required
@remembered
def nonconformity_detail(request, pk: int):
    nc = selectors.nonconformity_get(request.user, pk)
    evaluation = forms.EvaluationForm(
        initial={
            "version": nc.version,
            "evaluation": nc.evaluation,
            "capa_required": {True: "yes", False: "no"}.get(nc.capa_required),
        }
    )
    return render(
        request,
        "capa/nc_detail.html",
        {
            "nc": nc,
            "evaluation_form": evaluation,
            "disposition_form": forms.DispositionForm(),
            "actions": actions_of(nc),
            "dispositions": nc.dispositions.select_related("proposed_by"),
            "capas": selectors.linked_records(nc, "capa.capa"),
            "similar": selectors.similar_nonconformities(
                request.user,
                title=nc.title,
                description=nc.description,
                process_id=nc.process_id,
                product=nc.product,
                category=nc.category,
                exclude_id=nc.pk,
            ),
            "can_edit": has_perm(request.user, "capa", "edit", nc.site_id) and nc.status in ("open", "investigation"),
        },
    )


@login_required
def nonconformity_edit(request, pk: int):
    nc = selectors.nonconformity_get(request.user, pk)
    fields = [f for f in forms.NonconformityForm.base_fields if f not in ("version", "reason")]
    initial = {name: getattr(nc, name) for name in fields}
    initial.update(
        version=nc.version, severity=nc.severity_id, site=nc.site_id, process=nc.process_id, owner=nc.owner_id
    )
    form = forms.NonconformityForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version, reason = data.pop("version"), data.pop("reason", "")
        try:
            services.nonconformity_update(actor=request.user, nonconformity=nc, version=version, reason=reason, **data)
        except (ValidationError, PermissionDenied, StaleVersion) as exc:
            form_errors(form, exc)
        else:
            messages.success(request, "Nonconformity saved.")
            return redirect("capa:nc-detail", pk)
    return render(request, "capa/nc_form.html", {"form": form, "nc": nc, "title": f"Edit {nc.number}"})


@login_required
@require_POST
def nonconformity_evaluate(request, pk: int):
    nc = selectors.nonconformity_get(request.user, pk)
    form = forms.EvaluationForm(request.POST)
    if form.is_valid():
        try:
            services.nonconformity_evaluate(
                actor=request.user,
                nonconformity=nc,
                capa_required=form.cleaned_data["capa_required"],
                evaluation=form.cleaned_data["evaluation"],
                version=form.cleaned_data["version"],
            )
        except (ValidationError, PermissionDenied, StaleVersion) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, "Evaluation recorded.")
    else:
        messages.error(request, "Choose whether corrective action is needed and give the reason.")
    return redirect("capa:nc-detail", pk)


@login_required
@require_POST
def disposition_propose(request, pk: int):
    nc = selectors.nonconformity_get(request.user, pk)
    form = forms.DispositionForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        data["cost"] = data.get("cost") or 0
        try:
            services.disposition_propose(actor=request.user, nonconformity=nc, **data)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, "Disposition proposed; it now waits for approval.")
    else:
        messages.error(
            request, "The disposition is not valid: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        )
    return redirect("capa:nc-detail", pk)


# --- CAPA ----------------------------------------------------------------------------------------------------


@login_required
@remembered
def capa_list(request):
    status = request.GET.get("status", "")[:20]
    capas = selectors.capa_list(
        request.user, query=request.GET.get("q", "")[:200], status=status, open_only=request.GET.get("open") == "1"
    )
    if request.GET.get("export") in ("csv", "xlsx", "pdf"):
        return exports.capa_register(request.user, capas, request.GET["export"])
    return render(
        request,
        "capa/capa_list.html",
        {
            "capas": Paginator(capas, 50).get_page(request.GET.get("page")),
            "statuses": state_choices("capa.capa"),
            "status": status,
            "q": request.GET.get("q", "")[:200],
            "open": request.GET.get("open") == "1",
            "query": request.GET.urlencode(),
            "can_create": has_perm(request.user, "capa", "create"),
        },
    )


@login_required
@requires("capa", "create")
def capa_new(request):
    ncs = [selectors.nonconformity_get(request.user, _int(pk) or 0) for pk in request.GET.getlist("nc")[:20]]
    raised_from = raised_from_param(request.user, request.GET.get("raised_from", ""))
    initial = {"owner": request.user.pk, "effectiveness_days": 90, "source": "nonconformity" if ncs else "other"}
    if raised_from is not None and not ncs:
        initial.update(site=getattr(raised_from, "site_id", None), process=getattr(raised_from, "process_id", None))
    if ncs:
        initial.update(
            title=ncs[0].title,
            problem=ncs[0].description,
            site=ncs[0].site_id,
            process=ncs[0].process_id,
            containment=ncs[0].containment,
        )
    form = forms.CapaForm(request.POST or None, initial=initial)
    _source_from(form, raised_from)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        team = data.pop("team")
        try:
            if raised_from is not None:
                capa = raise_from(actor=request.user, record=raised_from, raising="capa", nonconformities=ncs,
                                  team=team, **data)
            else:
                capa = services.capa_create(actor=request.user, nonconformities=ncs, team=team, **data)
        except (ValidationError, PermissionDenied) as exc:
            form_errors(form, exc)
        else:
            messages.success(request, f"{capa.number} opened.")
            return redirect("capa:capa-detail", capa.pk)
    return render(request, "capa/capa_form.html",
                  {"form": form, "ncs": ncs, "raised_from": raised_from, "title": "Open a CAPA"})


@login_required
@remembered
def capa_detail(request, pk: int):
    capa = selectors.capa_get(request.user, pk)
    return render(request, "capa/capa_detail.html", _capa_context(request, capa))


def _capa_context(request, capa) -> dict:
    checks = list(capa.effectiveness_checks.select_related("performed_by"))
    return {
        "capa": capa,
        "ncs": selectors.linked_records(capa, "capa.nonconformity"),
        "actions": actions_of(capa),
        "checks": [(check, signatures_of(check)) for check in checks],
        "fishbone": analysis.fishbone_rows(capa),
        "can_edit": has_perm(request.user, "capa", "edit", capa.site_id) and capa.status not in ("closed", "cancelled"),
        "can_analyse": has_perm(request.user, "capa", "edit", capa.site_id) and capa.status in services.ANALYSIS_STATES,
        "can_check": has_perm(request.user, "capa", "edit", capa.site_id) and capa.status == "verification",
        "signatures": signatures_of(capa),
    }


@login_required
def capa_8d(request, pk: int):
    capa = selectors.capa_get(request.user, pk)
    if request.GET.get("format") == "pdf":
        from qualitas.capa.pdf import eight_d_pdf

        response = HttpResponse(eight_d_pdf(request.user, capa), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{capa.number}-8D.pdf"'
        return response
    return render(request, "capa/capa_8d.html", _capa_context(request, capa))


@login_required
def capa_edit(request, pk: int):
    capa = selectors.capa_get(request.user, pk)
    names = ("title", "problem", "owner", "containment", "effectiveness_criterion", "effectiveness_days", "due_date")
    initial = {name: getattr(capa, name) for name in names}
    initial.update(version=capa.version, owner=capa.owner_id, team=[u.pk for u in capa.team.all()])
    form = forms.CapaForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version, reason, team = data.pop("version"), data.pop("reason", ""), data.pop("team")
        try:
            services.capa_update(actor=request.user, capa=capa, version=version, reason=reason, team=team, **data)
        except (ValidationError, PermissionDenied, StaleVersion) as exc:
            form_errors(form, exc)
        else:
            messages.success(request, "CAPA saved.")
            return redirect("capa:capa-detail", pk)
    return render(request, "capa/capa_form.html", {"form": form, "capa": capa, "title": f"Edit {capa.number}"})


@login_required
def capa_analysis(request, pk: int):
    """Edit the 5-Why branches, the Ishikawa diagram and the root causes (D4) on one page."""
    capa = selectors.capa_get(request.user, pk)
    data = request.POST if request.method == "POST" else None
    chains = list(capa.why_chains or [])
    why_forms = [
        forms.WhyBranchForm(
            data,
            prefix=f"why{i}",
            initial=(
                {
                    "problem": chains[i]["problem"],
                    "whys": "\n".join(chains[i]["whys"]),
                    "cause": chains[i].get("cause", ""),
                }
                if i < len(chains)
                else None
            ),
        )
        for i in range(max(WHY_BRANCHES, len(chains) + 1))
    ]
    fishbone = forms.FishboneForm(
        data, prefix="fish", initial={k: "\n".join(v) for k, v in (capa.fishbone or {}).items()}
    )
    causes = list(capa.root_causes or [])
    cause_forms = [
        forms.RootCauseForm(data, prefix=f"cause{i}", initial=causes[i] if i < len(causes) else None)
        for i in range(max(ROOT_CAUSE_ROWS, len(causes) + 1))
    ]
    reason = (request.POST.get("reason", "") if data else "")[:2000]
    error = ""
    all_forms = [*why_forms, fishbone, *cause_forms]
    if data is not None and all(f.is_valid() for f in all_forms):
        try:
            services.capa_analysis_update(
                actor=request.user,
                capa=capa,
                version=_int(request.POST.get("version")),
                reason=reason,
                why_chains=[d for f in why_forms if (d := f.to_data())],
                fishbone=fishbone.to_data(),
                root_causes=[d for f in cause_forms if (d := f.to_data())],
            )
        except (ValidationError, PermissionDenied, StaleVersion) as exc:
            error = " ".join(getattr(exc, "messages", [str(exc)]))
        else:
            messages.success(request, "Root cause analysis saved.")
            return redirect("capa:capa-detail", pk)
    return render(
        request,
        "capa/capa_analysis.html",
        {
            "capa": capa,
            "why_forms": why_forms,
            "fishbone": fishbone,
            "cause_forms": cause_forms,
            "error": error,
        },
    )


@login_required
def effectiveness_check(request, pk: int):
    capa = selectors.capa_get(request.user, pk)
    early_days, policy = services.early_check(capa), services.early_effectiveness_policy()
    form = forms.EffectivenessForm(request.POST or None, otp_required=signing.needs_otp(request.user),
                                   early_days=early_days, policy=policy)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            check = services.effectiveness_check_record(
                actor=request.user,
                capa=capa,
                passed=data["passed"],
                result=data["result"],
                early_justification=data.get("early_justification", ""),
                credentials=signing.Credentials(data["password"], data.get("otp", ""), data.get("comment", "")),
            )
        except (ValidationError, PermissionDenied) as exc:
            form_errors(form, exc)
        else:
            if check.passed:
                messages.success(request, "Effectiveness check passed and signed. The CAPA can now be closed.")
            else:
                messages.warning(
                    request, "Effectiveness check failed: the CAPA is back in implementation. Plan further actions."
                )
            return redirect("capa:capa-detail", pk)
    return render(
        request,
        "capa/effectiveness_form.html",
        {
            "capa": capa,
            "form": form,
            "needs_policy": not signing.has_acknowledged_policy(request.user),
            "early_days": early_days,
            "early_policy": policy,
        },
    )


@login_required
@require_POST
def capa_link_nc(request, pk: int):
    capa = selectors.capa_get(request.user, pk)
    number = request.POST.get("number", "").strip()[:50]
    nc = selectors.nonconformity_list(request.user).filter(number__iexact=number).first()
    if nc is None:
        messages.error(request, f"No nonconformity {number!r} that you can see.")
    else:
        try:
            services.capa_link_nonconformity(actor=request.user, capa=capa, nonconformity=nc)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, f"{nc.number} linked.")
    return redirect("capa:capa-detail", pk)
