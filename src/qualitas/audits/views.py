"""Pages of the audit programme and the audit record. Thin: parse input, call one service or selector,
render. Workflow steps are offered by the core's workflow panel (htmx) on the audit's page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from qualitas.audits import coverage, forms, selectors, services
from qualitas.audits.models import AUDIT_KINDS, IMPORTANCE
from qualitas.core.forms import apply, form_errors
from qualitas.core.permissions import authorize, has_perm, requires
from qualitas.core.regulated import StaleVersion
from qualitas.core.workflow.engine import state_choices

PAGE_SIZE = 50
REFUSALS = (ValidationError, PermissionDenied, StaleVersion)


def _int(value):
    return int(value) if value and str(value).isdigit() and len(str(value)) < 18 else None


def _dashboard_url() -> str | None:
    """The report part's dashboard, once it exists."""
    try:
        return reverse("audits:dashboard")
    except NoReverseMatch:
        return None


# --- Home and programmes ---------------------------------------------------------------------------------


@login_required
def home(request):
    authorize(request.user, "audits", "view")
    today = timezone.localdate()
    programme = selectors.programme_current(request.user, today)
    context = {"programme": programme, "today": today, "dashboard_url": _dashboard_url(),
               "can_create": has_perm(request.user, "audits", "create"),
               "programmes": selectors.programme_list(request.user)[:10]}
    if programme is not None:
        context["progress"] = selectors.programme_progress(programme)
        context["audits"] = list(selectors.audit_list(request.user, programme_id=programme.pk)
                                 .order_by("planned_start", "pk")[:100])
        context["months"] = _by_month(context["audits"])
    return render(request, "audits/home.html", context)


def _by_month(audits) -> list[dict]:
    """The programme's audits by month of their planned start (the plan at a glance)."""
    months: dict[int, list] = {m: [] for m in range(1, 13)}
    for audit in audits:
        months[audit.planned_start.month].append(audit)
    import calendar

    return [{"month": calendar.month_abbr[m], "audits": found} for m, found in months.items()]


@login_required
def programme_list(request):
    year = _int(request.GET.get("year"))
    programmes = selectors.programme_list(request.user, year=year).order_by("-year", "site__code", "pk")
    return render(request, "audits/programme_list.html", {
        "programmes": Paginator(programmes, PAGE_SIZE).get_page(request.GET.get("page")), "year": year,
        "can_create": has_perm(request.user, "audits", "create"),
    })


@login_required
@requires("audits", "create")
def programme_new(request):
    today = timezone.localdate()
    form = forms.ProgrammeForm(request.POST or None, initial={"year": today.year, "manager": request.user.pk})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        try:
            programme = services.programme_create(actor=request.user, **data)
        except REFUSALS as exc:
            form_errors(form, exc)
        else:
            messages.success(request, f"{programme} created.")
            return redirect("audits:programme-detail", programme.pk)
    return render(request, "audits/form.html", {"form": form, "title": "New audit programme",
                                                "back": reverse("audits:programme-list")})


@login_required
def programme_edit(request, pk: int):
    programme = selectors.programme_get(request.user, pk)
    authorize(request.user, "audits", "edit", programme.site_id)
    initial = {"version": programme.version, "title": programme.title, "objectives": programme.objectives,
               "manager": programme.manager_id, "standards": list(programme.standards.values_list("pk", flat=True))}
    form = forms.ProgrammeForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version, reason = data.pop("version"), data.pop("reason", "")
        try:
            services.programme_update(actor=request.user, programme=programme, version=version, reason=reason,
                                      **data)
        except REFUSALS as exc:
            form_errors(form, exc)
        else:
            messages.success(request, "Programme saved.")
            return redirect("audits:programme-detail", pk)
    return render(request, "audits/form.html", {"form": form, "title": f"Edit {programme}",
                                                "back": reverse("audits:programme-detail", args=[pk])})


@login_required
def programme_detail(request, pk: int):
    programme = selectors.programme_get(request.user, pk)
    audits = list(selectors.audit_list(request.user, programme_id=programme.pk).order_by("planned_start", "pk"))
    return render(request, "audits/programme_detail.html", {
        "programme": programme, "audits": audits, "months": _by_month(audits),
        "progress": selectors.programme_progress(programme),
        "standards": list(programme.standards.all()),
        "can_edit": has_perm(request.user, "audits", "edit", programme.site_id),
        "can_create": has_perm(request.user, "audits", "create", programme.site_id),
        "dashboard_url": _dashboard_url(),
    })


@login_required
def programme_frequencies(request, pk: int):
    programme = selectors.programme_get(request.user, pk)
    rows = selectors.frequencies(request.user, programme)
    from qualitas.audits import programme as proposal

    return render(request, "audits/frequencies.html", {
        "programme": programme, "rows": rows, "importance": IMPORTANCE,
        "can_decide": has_perm(request.user, "audits", "approve", programme.site_id),
        "weights": proposal.WEIGHTS, "thresholds": proposal.THRESHOLDS, "max_score": proposal.MAX_SCORE,
        "today": timezone.localdate(),
    })


def _process_in(request, programme, pk_field: str = "process"):
    process_id = _int(request.POST.get(pk_field))
    found = selectors.processes_in_scope(programme).filter(pk=process_id).first() if process_id else None
    if found is None:
        raise ValidationError({"process": "Choose a process of the programme's scope."})
    return found


@login_required
@require_POST
def frequency_decide(request, pk: int):
    """Set the importance, accept the proposal or override it (one small form per process row)."""
    programme = selectors.programme_get(request.user, pk)
    action = request.POST.get("action", "")
    try:
        process = _process_in(request, programme)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("audits:programme-frequencies", pk)
    if action == "importance":
        apply(request, lambda: services.frequency_set_importance(
            actor=request.user, programme=programme, process=process,
            importance=request.POST.get("importance", "")[:10]), f"Importance of {process.code} set.")
    elif action == "accept":
        apply(request, lambda: services.frequency_accept(actor=request.user, programme=programme, process=process),
              f"Proposed interval of {process.code} accepted.")
    elif action == "override":
        form = forms.OverrideForm(request.POST)
        if form.is_valid():
            apply(request, lambda: services.frequency_override(
                actor=request.user, programme=programme, process=process, **form.cleaned_data),
                f"Interval of {process.code} overridden.")
        else:
            messages.error(request, "Give an interval of 1 to 36 months and the reason for overriding the proposal.")
    else:
        messages.error(request, "Unknown action.")
    return redirect(reverse("audits:programme-frequencies", args=[pk]) + f"#process-{process.pk}")


@login_required
def programme_coverage(request, pk: int):
    programme = selectors.programme_get(request.user, pk)
    show = request.GET.get("show", "")
    sections = coverage.coverage_of(request.user, programme)
    return render(request, "audits/coverage.html", {
        "programme": programme, "sections": sections, "show": show, "today": timezone.localdate(),
    })


# --- Audits ---------------------------------------------------------------------------------------------


@login_required
def audit_list(request):
    filters = {
        "status": request.GET.get("status", "")[:20],
        "year": _int(request.GET.get("year")),
        "kind": request.GET.get("kind", "")[:20],
        "query": request.GET.get("q", "")[:200],
        "programme_id": _int(request.GET.get("programme")),
    }
    audits = selectors.audit_list(request.user, **filters)
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "audits/audit_list.html", {
        "audits": Paginator(audits, PAGE_SIZE).get_page(request.GET.get("page")), "filters": filters,
        "statuses": state_choices("audits.audit"), "kinds": AUDIT_KINDS, "query": params.urlencode(),
        "can_create": has_perm(request.user, "audits", "create"),
    })


def _audit_data(form) -> dict:
    data = dict(form.cleaned_data)
    data.pop("version", None)
    data.pop("reason", None)
    if not data.get("clauses"):
        data["clauses"] = None  # the process's clauses of the standards
    return data


@login_required
@requires("audits", "create")
def audit_new(request):
    initial = {"programme": _int(request.GET.get("programme")), "process": _int(request.GET.get("process"))}
    if initial["programme"]:
        found = selectors.programmes_visible(request.user).filter(pk=initial["programme"]).first()
        if found is not None:
            initial["standards"] = list(found.standards.values_list("pk", flat=True))
            initial["site"] = found.site_id
    form = forms.AuditForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            audit = services.audit_create(actor=request.user, **_audit_data(form))
        except REFUSALS as exc:
            form_errors(form, exc)
        else:
            messages.success(request, f"Audit {audit.number} planned.")
            return redirect("audits:audit-detail", audit.pk)
    return render(request, "audits/form.html", {"form": form, "title": "Plan an audit", "wide": True,
                                                "back": reverse("audits:audit-list")})


@login_required
def audit_edit(request, pk: int):
    audit = selectors.audit_get(request.user, pk)
    authorize(request.user, "audits", "edit", audit.site_id)
    names = [n for n in forms.AuditForm.base_fields if n not in ("version", "reason", "lead_auditor", "standards",
                                                                 "clauses", "documents")]
    initial = {name: getattr(audit, f"{name}_id", None) if name in ("programme", "process", "site", "department")
               else getattr(audit, name) for name in names}
    initial.update(version=audit.version, standards=list(audit.standards.values_list("pk", flat=True)),
                   clauses=list(audit.clauses.values_list("pk", flat=True)),
                   documents=list(audit.documents.values_list("pk", flat=True)))
    form = forms.AuditForm(request.POST or None, actor=request.user, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version, reason = data.pop("version"), data.pop("reason", "")
        try:
            services.audit_update(actor=request.user, audit=audit, version=version, reason=reason, **data)
        except REFUSALS as exc:
            form_errors(form, exc)
        else:
            messages.success(request, "Audit saved.")
            return redirect("audits:audit-detail", pk)
    return render(request, "audits/form.html", {"form": form, "title": f"Edit {audit.number}", "wide": True,
                                                "back": reverse("audits:audit-detail", args=[pk])})


@login_required
def audit_detail(request, pk: int):
    audit = selectors.audit_get(request.user, pk)
    can_edit = has_perm(request.user, "audits", "edit", audit.site_id) and audit.status in services.EDITABLE
    team = selectors.team_of(audit)
    exceptions = selectors.exceptions_of(audit)
    return render(request, "audits/audit_detail.html", {
        "audit": audit, "team": team, "auditees": selectors.auditees_of(audit), "exceptions": exceptions,
        "standards": list(audit.standards.all()),
        "clauses": list(audit.clauses.select_related("edition__standard").order_by("edition__standard__code",
                                                                                   "sort_key")),
        "documents": list(audit.documents.all()),
        "can_edit": can_edit,
        "can_approve": has_perm(request.user, "audits", "approve", audit.site_id),
        "team_form": forms.TeamForm(prefix="team") if can_edit else None,
        "auditee_form": forms.AuditeeForm(prefix="auditee") if can_edit else None,
        "exception_form": forms.ExceptionForm(prefix="exception") if can_edit else None,
        "agenda": [line for line in audit.agenda.splitlines() if line.strip()],
    })


@login_required
@require_POST
def team_add(request, pk: int):
    audit = selectors.audit_get(request.user, pk)
    form = forms.TeamForm(request.POST, prefix="team")
    if form.is_valid():
        apply(request, lambda: services.team_add(actor=request.user, audit=audit, **form.cleaned_data),
              f"{form.cleaned_data['person'].display_name} is on the audit team.")
    else:
        messages.error(request, "Choose the person and their role.")
    return redirect(reverse("audits:audit-detail", args=[pk]) + "#team")


@login_required
@require_POST
def team_remove(request, pk: int, member_id: int):
    audit = selectors.audit_get(request.user, pk)
    member = selectors.member_get(request.user, audit, member_id)
    apply(request, lambda: services.team_remove(actor=request.user, member=member,
                                                reason=request.POST.get("reason", "")[:2000]),
          f"{member.person.display_name} removed from the team.")
    return redirect(reverse("audits:audit-detail", args=[pk]) + "#team")


@login_required
@require_POST
def auditee_add(request, pk: int):
    audit = selectors.audit_get(request.user, pk)
    form = forms.AuditeeForm(request.POST, prefix="auditee")
    if form.is_valid():
        apply(request, lambda: services.auditee_add(actor=request.user, audit=audit, **form.cleaned_data),
              f"{form.cleaned_data['person'].display_name} added to the auditees.")
    else:
        messages.error(request, "Choose the auditee.")
    return redirect(reverse("audits:audit-detail", args=[pk]) + "#auditees")


@login_required
@require_POST
def auditee_remove(request, pk: int, auditee_id: int):
    audit = selectors.audit_get(request.user, pk)
    auditee = selectors.auditee_get(request.user, audit, auditee_id)
    apply(request, lambda: services.auditee_remove(actor=request.user, auditee=auditee),
          f"{auditee.person.display_name} removed from the auditees.")
    return redirect(reverse("audits:audit-detail", args=[pk]) + "#auditees")


@login_required
@require_POST
def exception_request(request, pk: int):
    audit = selectors.audit_get(request.user, pk)
    form = forms.ExceptionForm(request.POST, prefix="exception")
    if form.is_valid():
        apply(request, lambda: services.exception_request(actor=request.user, audit=audit, **form.cleaned_data),
              "Impartiality exception requested: someone else with the approve right decides.")
    else:
        messages.error(request, "Choose the person and give the reason for the exception.")
    return redirect(reverse("audits:audit-detail", args=[pk]) + "#impartiality")


@login_required
@require_POST
def exception_approve(request, pk: int, exception_id: int):
    audit = selectors.audit_get(request.user, pk)
    exception = selectors.exception_get(request.user, audit, exception_id)
    apply(request, lambda: services.exception_approve(actor=request.user, exception=exception,
                                                      comment=request.POST.get("comment", "")[:2000]),
          f"Impartiality exception for {exception.person.display_name} approved.")
    return redirect(reverse("audits:audit-detail", args=[pk]) + "#impartiality")


@login_required
def plan_pdf(request, pk: int):
    from qualitas.audits.pdf import plan_pdf as render_plan

    audit = selectors.audit_get(request.user, pk)
    response = HttpResponse(render_plan(request.user, audit), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{audit.number}-plan.pdf"'
    return response


@login_required
@require_POST
def plan_send(request, pk: int):
    audit = selectors.audit_get(request.user, pk)
    apply(request, lambda: services.plan_send(actor=request.user, audit=audit),
          "Audit plan sent to the auditees.")
    return redirect("audits:audit-detail", pk)
