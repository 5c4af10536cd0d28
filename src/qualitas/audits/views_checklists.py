"""Pages of checklists, question templates, finding grades and findings. Thin: parse input, call one
service or selector, render. The answering page saves each answer and note as it is given (htmx, one
request each, answered with out-of-band fragments so the form stays where the auditor's finger is)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from qualitas.audits import forms_checklists as forms
from qualitas.audits import selectors_checklists as selectors
from qualitas.audits import services_checklists as services
from qualitas.audits.selectors import audit_get
from qualitas.core.forms import apply, form_errors
from qualitas.core.permissions import authorize, has_perm
from qualitas.core.regulated import StaleVersion
from qualitas.core.workflow import engine
from qualitas.core.workflow.engine import state_choices

MODULE = "audits"


def _int(value):
    return int(value) if value and str(value).isdigit() and len(str(value)) < 18 else None


def _messages(exc: Exception) -> str:
    return " ".join(getattr(exc, "messages", None) or [str(exc)])


# --- The checklist (answering page) ------------------------------------------------------------------------


def _checklist_context(request, audit) -> dict:
    questions = selectors.checklist_of(request.user, audit)
    return {
        "audit": audit,
        "questions": questions,
        "progress": selectors.progress(questions),
        "may_answer": selectors.may_answer(request.user, audit),
        "may_edit": selectors.may_edit_checklist(request.user, audit),
        "may_generate": selectors.may_generate(request.user, audit),
        "may_record": selectors.may_answer(request.user, audit) and has_perm(request.user, MODULE, "edit"),
        "add_form": forms.QuestionAddForm(audit=audit),
    }


@login_required
def checklist(request, pk: int):
    audit = audit_get(request.user, pk)
    return render(request, "audits/checklist.html", _checklist_context(request, audit))


@login_required
@require_POST
def checklist_generate(request, pk: int):
    audit = audit_get(request.user, pk)
    try:
        result = services.checklist_generate(actor=request.user, audit=audit)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _messages(exc))
    else:
        messages.success(request, f"Checklist generated: {result['added']} added, {result['removed']} removed, "
                                  f"{result['kept']} kept.")
    return redirect("audits:checklist", audit.pk)


@login_required
@require_POST
def question_add(request, pk: int):
    audit = audit_get(request.user, pk)
    form = forms.QuestionAddForm(request.POST, audit=audit)
    if form.is_valid():
        apply(request, lambda: services.question_add(actor=request.user, audit=audit, **form.cleaned_data),
              "Question added at the end of the checklist.")
    else:
        messages.error(request, "Write the question to add.")
    return redirect(f"{reverse('audits:checklist', args=[audit.pk])}#add-question")


@login_required
@require_POST
def question_move(request, pk: int):
    question = selectors.question_get(request.user, pk)
    position = _int(request.POST.get("position"))
    if position is None:
        current = [q.pk for q in question.audit.questions.order_by("order", "pk")].index(question.pk)
        position = current - 1 if request.POST.get("direction") == "up" else current + 1
    apply(request, lambda: services.question_move(actor=request.user, question=question, position=position),
          "Question moved.")
    return redirect(f"{reverse('audits:checklist', args=[question.audit_id])}#q-{question.pk}")


@login_required
@require_POST
def question_remove(request, pk: int):
    question = selectors.question_get(request.user, pk)
    apply(request, lambda: services.question_remove(actor=request.user, question=question,
                                                    reason=request.POST.get("reason", "")[:2000]),
          "Question removed from the checklist.")
    return redirect("audits:checklist", question.audit_id)


@login_required
@require_POST
def question_answer(request, pk: int):
    """One answer or one note, as it is given. htmx gets the new version, the saved state and the
    progress as out-of-band fragments; without JavaScript the page is shown again."""
    question = selectors.question_get(request.user, pk)
    answer = request.POST.get("answer")
    notes = request.POST.get("notes")
    error = ""
    try:
        question = services.question_answer(
            actor=request.user, question=question, version=_int(request.POST.get("version")),
            answer=answer[:12] if answer else None, notes=notes[:20000] if notes is not None else None,
        )
    except StaleVersion as exc:
        error = str(exc)
    except (ValidationError, PermissionDenied) as exc:
        error = _messages(exc)
    if not request.headers.get("HX-Request"):
        if error:
            messages.error(request, error)
        return redirect(f"{reverse('audits:checklist', args=[question.audit_id])}#q-{question.pk}")
    question.refresh_from_db()
    return render(request, "audits/_question_saved.html", {
        "q": question, "error": error, "audit": question.audit,
        "progress": selectors.audit_progress(question.audit),
        "may_record": selectors.may_answer(request.user, question.audit),
    })


@login_required
def question_evidence(request, pk: int):
    """The evidence attached to one question (list, and the upload form for the team)."""
    question = selectors.question_get(request.user, pk)
    error = ""
    if request.method == "POST":
        uploaded = request.FILES.get("file")
        try:
            if not selectors.may_answer(request.user, question.audit):
                raise PermissionDenied("Evidence is attached by the audit team while the audit is in progress.")
            if uploaded is None:
                raise ValidationError("Choose a file or take a photo to attach.")
            from qualitas.core.files.services import attachment_add

            attachment_add(actor=request.user, instance=question, uploaded_file=uploaded,
                           description=request.POST.get("description", "")[:500])
        except (ValidationError, PermissionDenied) as exc:
            error = _messages(exc)
        if not request.headers.get("HX-Request"):
            if error:
                messages.error(request, error)
            return redirect(f"{reverse('audits:checklist', args=[question.audit_id])}#q-{question.pk}")
    partial = bool(request.headers.get("HX-Request"))
    template = "audits/_question_evidence.html" if partial else "audits/question_evidence.html"
    return render(request, template, {
        "q": question, "audit": question.audit, "attachments": selectors.evidence_of(request.user, question),
        "may_attach": selectors.may_answer(request.user, question.audit), "error": error,
    })


# --- Question templates ------------------------------------------------------------------------------------


@login_required
def question_template_list(request):
    from qualitas.standards.models import Edition

    edition_id = _int(request.GET.get("edition"))
    query = request.GET.get("q", "")[:100]
    templates = selectors.question_templates(request.user, edition_id=edition_id, query=query)
    return render(request, "audits/question_template_list.html", {
        "templates": Paginator(templates, 100).get_page(request.GET.get("page")),
        "editions": Edition.objects.filter(current=True).select_related("standard"),
        "filters": {"edition": edition_id, "q": query},
        "can_administer": has_perm(request.user, MODULE, "administer"),
    })


@login_required
def question_template_form(request, pk: int | None = None):
    authorize(request.user, MODULE, "administer")
    template = selectors.question_template_get(request.user, pk) if pk else None
    initial = {"order": 0, "active": True}
    if template is not None:
        initial = {"version": template.version, "clause": template.clause_id, "text": template.text,
                   "guidance": template.guidance, "order": template.order, "active": template.active}
    elif _int(request.GET.get("clause")):
        initial["clause"] = _int(request.GET.get("clause"))
    form = forms.QuestionTemplateForm(request.POST or None, initial=initial, editing=template is not None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version, reason = data.pop("version", None), data.pop("reason", "")
        try:
            if template is None:
                services.question_template_create(actor=request.user, **data)
            else:
                services.question_template_update(actor=request.user, template=template, version=version,
                                                  reason=reason, **data)
        except (ValidationError, PermissionDenied, StaleVersion) as exc:
            form_errors(form, exc)
        else:
            messages.success(request, "Question template saved.")
            return redirect("audits:question-template-list")
    return render(request, "audits/question_template_form.html", {"form": form, "template": template})


# --- Finding grades -------------------------------------------------------------------------------------------


GRADE_FORM_FIELDS = ("code", "label", "is_nonconformity", "raises_nonconformity", "severity", "needs_response",
                     "schedules_reaudit", "reaudit_days", "order", "colour", "active")


@login_required
def grade_list(request):
    """The finding grades (administrators of the module change them; every change is audited)."""
    grades = selectors.grades(request.user)
    can_administer = has_perm(request.user, MODULE, "administer")
    editing = selectors.grades(request.user).filter(code=request.GET.get("edit", "")[:30]).first() \
        if can_administer else None
    initial = {"reaudit_days": 90, "active": True, "colour": "secondary"}
    if editing is not None:
        initial = {name: getattr(editing, name) for name in GRADE_FORM_FIELDS} | {"version": editing.version}
    form = forms.GradeForm(request.POST or None, initial=initial, editing=editing is not None)
    if request.method == "POST" and can_administer and form.is_valid():
        data = dict(form.cleaned_data)
        version, reason, code = data.pop("version", None), data.pop("reason", ""), data.pop("code")
        try:
            if editing is not None:
                services.grade_update(actor=request.user, grade=editing, version=version, reason=reason, **data)
            else:
                services.grade_create(actor=request.user, code=code, **data)
        except (ValidationError, PermissionDenied, StaleVersion) as exc:
            form_errors(form, exc)
        else:
            messages.success(request, "Finding grade saved.")
            return redirect("audits:grade-list")
    return render(request, "audits/grade_list.html", {
        "grades": grades, "form": form if can_administer else None, "editing": editing,
    })


# --- Findings ---------------------------------------------------------------------------------------------------


@login_required
def finding_list(request):
    from qualitas.accounts.models import Process

    filters = {
        "grade": request.GET.get("grade", "")[:30],
        "status": request.GET.get("status", "")[:20],
        "clause_id": _int(request.GET.get("clause")),
        "process_id": _int(request.GET.get("process")),
        "audit_id": _int(request.GET.get("audit")),
        "overdue": request.GET.get("overdue") == "1",
        "open_only": request.GET.get("open") == "1",
        "query": request.GET.get("q", "")[:200],
    }
    findings = selectors.finding_list(request.user, **filters)
    return render(request, "audits/finding_list.html", {
        "findings": Paginator(findings, 50).get_page(request.GET.get("page")),
        "filters": filters,
        "grades": selectors.grades(request.user),
        "statuses": state_choices("audits.finding"),
        "processes": Process.objects.filter(active=True).order_by("code"),
        "clauses": forms._clauses(),
        "query": request.GET.urlencode(),
    })


@login_required
def finding_new(request):
    audit = audit_get(request.user, _int(request.GET.get("audit") or request.POST.get("audit")) or 0)
    question = None
    if _int(request.GET.get("question")):
        question = selectors.question_get(request.user, _int(request.GET["question"]))
        if question.audit_id != audit.pk:
            question = None
    initial = {"process": audit.process_id}
    if question is not None:
        initial.update(title=question.text[:120], clauses=[question.clause_id] if question.clause_id else [],
                       evidence=question.notes)
    form = forms.FindingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        try:
            finding = services.finding_create(actor=request.user, audit=audit, question=question, **data)
        except (ValidationError, PermissionDenied) as exc:
            form_errors(form, exc)
        else:
            messages.success(request, f"Finding {finding.number} recorded.")
            return redirect("audits:finding-detail", finding.pk)
    return render(request, "audits/finding_form.html", {
        "form": form, "audit": audit, "question": question, "title": f"Record a finding of {audit.number}",
    })


@login_required
def finding_edit(request, pk: int):
    finding = selectors.finding_get(request.user, pk)
    initial = {"version": finding.version, "grade": finding.grade_id, "title": finding.title,
               "statement": finding.statement, "evidence": finding.evidence,
               "clauses": list(finding.clauses.values_list("pk", flat=True)), "process": finding.process_id,
               "auditee": finding.auditee_id}
    form = forms.FindingForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version, reason, clauses = data.pop("version"), data.pop("reason", ""), data.pop("clauses")
        try:
            services.finding_update(actor=request.user, finding=finding, version=version, reason=reason,
                                    clauses=list(clauses), **data)
        except (ValidationError, PermissionDenied, StaleVersion) as exc:
            form_errors(form, exc)
        else:
            messages.success(request, "Finding saved.")
            return redirect("audits:finding-detail", finding.pk)
    return render(request, "audits/finding_form.html", {
        "form": form, "audit": finding.audit, "finding": finding, "title": f"Edit {finding.number}",
    })


def _text_step(actor, finding, name: str, field: str) -> dict | None:
    """A step recorded with its own text (respond, verify): offered when the finding is in its source
    state and the person has its permission; `reason` says what else stops it (the text aside)."""
    import copy

    workflow = engine.workflow_for(finding)
    transition = workflow.transition(name)
    if finding.status not in transition.source or not has_perm(actor, MODULE, transition.permission,
                                                                finding.audit.site_id):
        return None
    probe = copy.copy(finding)
    setattr(probe, field, "(given)")
    return {"reason": engine.check(actor, probe, transition, workflow) or ""}


@login_required
def finding_detail(request, pk: int):
    finding = selectors.finding_get(request.user, pk)
    steps = [option for option in engine.options(request.user, finding)
             if option.transition.name not in ("respond", "verify")]
    return render(request, "audits/finding_detail.html", {
        "finding": finding,
        "clauses": list(finding.clauses.select_related("edition__standard")),
        "nonconformities": selectors.nonconformities_of(request.user, finding),
        "verifications": selectors.verifications_of(finding),
        "steps": steps,
        "respond": _text_step(request.user, finding, "respond", "response"),
        "verify": _text_step(request.user, finding, "verify", "verification"),
        "response_form": forms.ResponseForm(initial={"version": finding.version}),
        "verification_form": forms.VerificationForm(initial={"version": finding.version}),
        "can_edit": finding.status == "open" and selectors.may_answer(request.user, finding.audit),
    })


def _finding_step(request, pk: int, write, form_class, success: str):
    finding = selectors.finding_get(request.user, pk)
    form = form_class(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        apply(request, lambda: write(finding, data), success)
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("audits:finding-detail", finding.pk)


@login_required
@require_POST
def finding_respond(request, pk: int):
    return _finding_step(
        request, pk,
        lambda finding, data: services.finding_respond(actor=request.user, finding=finding,
                                                       response=data["response"], version=data["version"]),
        forms.ResponseForm, "Response recorded.")


@login_required
@require_POST
def finding_verify(request, pk: int):
    return _finding_step(
        request, pk,
        lambda finding, data: services.finding_verify(actor=request.user, finding=finding,
                                                      verification=data["verification"], version=data["version"]),
        forms.VerificationForm, "Correction verified.")
