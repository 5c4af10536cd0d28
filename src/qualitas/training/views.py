"""Training pages for everyone: the training home (my assignments), the matrix, a person's training
record, assignments and training records."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from qualitas.accounts.models import Department, Process, Site
from qualitas.core.exports import csv_bytes, xlsx_bytes
from qualitas.core.forms import form_errors
from qualitas.core.permissions import authorize, has_perm
from qualitas.core.regulated import StaleVersion
from qualitas.training import forms, selectors, services
from qualitas.training import status as status_
from qualitas.training.models import READ_AND_UNDERSTOOD, Assignment

PAGE_SIZE = 50
REFUSALS = (ValidationError, PermissionDenied, StaleVersion)


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


@login_required
def home(request):
    authorize(request.user, "training-self", "view")
    context = selectors.my_training(request.user)
    context["may_view"] = has_perm(request.user, "training", "view")
    context["may_record"] = has_perm(request.user, "training", "edit")
    return render(request, "training/home.html", context)


# --- The matrix ----------------------------------------------------------------------------------------------


def _matrix_filters(request) -> dict:
    """The filters of the matrix from the query string (an unknown id is ignored)."""
    filters = {}
    site_id, department_id = _int(request.GET.get("site")), _int(request.GET.get("department"))
    position_id, process_id = _int(request.GET.get("position")), _int(request.GET.get("process"))
    if site_id:
        filters["site"] = Site.objects.filter(pk=site_id).first()
    if department_id:
        filters["department"] = Department.objects.filter(pk=department_id).first()
    if position_id:
        filters["position"] = selectors.position_list(request.user, active=None).filter(pk=position_id).first()
    if process_id:
        filters["process"] = Process.objects.filter(pk=process_id).first()
    return {name: value for name, value in filters.items() if value is not None}


EXPORT_HEADER = ["Person", "Positions", "Requirement", "Title", "Kind", "Status", "Due", "Completed", "Expires"]


def _export_rows(grid):
    for person in grid.population:
        positions = ", ".join(name for _, _, name in grid.positions_of(person.pk))
        for requirement in grid.requirements:
            cell = grid.cells[person.pk, requirement.pk]
            yield [person.display_name, positions, requirement.code, requirement.title, requirement.get_kind_display(),
                   status_.LABELS[cell.status], cell.due or "", cell.completed or "", cell.expires or ""]


@login_required
def matrix(request):
    filters = _matrix_filters(request)
    page_number = _int(request.GET.get("page")) or 1
    export = request.GET.get("export")
    limit = None if export else PAGE_SIZE
    offset = 0 if export else (page_number - 1) * PAGE_SIZE
    grid = selectors.training_matrix(request.user, offset=offset, limit=limit, **filters)
    if export == "pdf":
        from qualitas.training.pdf import matrix_pdf

        response = HttpResponse(matrix_pdf(request.user, grid), content_type="application/pdf")
        response["Content-Disposition"] = 'attachment; filename="training-matrix.pdf"'
        return response
    if export in ("csv", "xlsx"):
        rows = list(_export_rows(grid))
        if export == "csv":
            response = HttpResponse(csv_bytes(EXPORT_HEADER, rows), content_type="text/csv")
        else:
            response = HttpResponse(
                xlsx_bytes("Training matrix", EXPORT_HEADER, rows),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="training-matrix.{export}"'
        return response
    if grid.total_people and offset >= grid.total_people:
        page_number, offset = 1, 0
        grid = selectors.training_matrix(request.user, offset=0, limit=PAGE_SIZE, **filters)
    pages = max(1, -(-grid.total_people // PAGE_SIZE))
    by_requirement = grid.compliance_by_requirement()
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "training/matrix.html", {
        "grid": grid,
        "rows": list(grid.rows()),
        "columns": [(r, by_requirement[r.pk]) for r in grid.requirements],
        "overall": grid.compliance(),
        "departments": grid.compliance_by_department(),
        "legend": list(grid.counts().items()),
        "filters": filters,
        "sites": Site.objects.filter(active=True).order_by("code"),
        "department_choices": Department.objects.filter(active=True).select_related("site").order_by("site__code",
                                                                                                    "code"),
        "positions": selectors.position_list(request.user),
        "processes": Process.objects.filter(active=True).order_by("code"),
        "page": page_number, "pages": pages, "has_previous": page_number > 1, "has_next": page_number < pages,
        "first": offset + 1 if grid.total_people else 0, "last": min(offset + PAGE_SIZE, grid.total_people),
        "query": query.urlencode(),
    })


# --- People --------------------------------------------------------------------------------------------------


@login_required
def person(request, pk: int):
    subject = selectors.person_get(request.user, pk)
    context = selectors.person_training(request.user, subject)
    context.update({
        "person": subject, "labels": status_.LABELS, "today": timezone.localdate(),
        "may_record": has_perm(request.user, "training", "edit", subject.site_id),
    })
    return render(request, "training/person.html", context)


@login_required
def me(request):
    return redirect("training:person", request.user.pk)


# --- Assignments ---------------------------------------------------------------------------------------------


@login_required
def assignment_list(request):
    mine = not has_perm(request.user, "training", "view") or request.GET.get("mine") == "1"
    status = request.GET.get("status", "open")[:20]
    assignments = selectors.assignment_list(
        request.user, status="" if status == "all" else status, overdue=request.GET.get("overdue") == "1",
        mine=mine, requirement_id=_int(request.GET.get("requirement")), person_id=_int(request.GET.get("person")),
    )
    page = Paginator(assignments, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "training/assignments.html", {
        "assignments": page, "status": status, "mine": mine, "today": timezone.localdate(),
        "statuses": [("open", "Open"), *Assignment.STATUSES, ("all", "Any status")],
    })


@login_required
def assignment_detail(request, pk: int):
    assignment = selectors.assignment_get(request.user, pk)
    may_edit = assignment.is_open and has_perm(request.user, "training", "edit", assignment.site_id)
    due_form = forms.AssignmentDueForm(initial={"version": assignment.version, "due": assignment.due})
    end_form = forms.AssignmentEndForm(initial={"version": assignment.version})
    if request.method == "POST" and may_edit:
        action = request.POST.get("action")
        form = forms.AssignmentDueForm(request.POST) if action == "due" else forms.AssignmentEndForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if action == "due":
                    services.assignment_update(actor=request.user, assignment=assignment, due=data["due"],
                                               reason=data["reason"], version=data["version"])
                    messages.success(request, "Due date moved.")
                else:
                    services.assignment_end(actor=request.user, assignment=assignment, reason=data["reason"],
                                            version=data["version"])
                    messages.success(request, "Assignment ended.")
            except REFUSALS as exc:
                form_errors(form, exc)
            else:
                return redirect("training:assignment", pk)
        if action == "due":
            due_form = form
        else:
            end_form = form
    acknowledge_url = ""
    if (assignment.is_open and assignment.method == READ_AND_UNDERSTOOD and assignment.revision_id
            and assignment.person_id == request.user.pk):
        revision = assignment.revision
        acknowledge_url = reverse("documents:acknowledge", args=[revision.document_id, revision.pk])
    return render(request, "training/assignment.html", {
        "assignment": assignment, "records": assignment.records.select_related("recorded_by").order_by("-pk"),
        "today": timezone.localdate(), "may_edit": may_edit, "due_form": due_form, "end_form": end_form,
        "acknowledge_url": acknowledge_url,
        "may_record": (assignment.is_open and assignment.method != READ_AND_UNDERSTOOD
                       and has_perm(request.user, "training", "edit", assignment.site_id)),
    })


# --- Training records ----------------------------------------------------------------------------------------


@login_required
def record_list(request):
    records = selectors.record_list(request.user, person_id=_int(request.GET.get("person")),
                                    requirement_id=_int(request.GET.get("requirement")))
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "training/records.html", {
        "records": page, "may_record": has_perm(request.user, "training", "edit")})


@login_required
def record_detail(request, pk: int):
    entry = selectors.record_get(request.user, pk)
    return render(request, "training/record.html", {"record": entry})


@login_required
def record_new(request):
    authorize(request.user, "training", "edit")
    people = selectors.people_choices(request.user)
    requirements = selectors.requirement_list(request.user).exclude(method=READ_AND_UNDERSTOOD)
    initial = {"completed_on": timezone.localdate()}
    if (person_id := _int(request.GET.get("person"))) is not None:
        initial["person"] = person_id
    if (requirement_id := _int(request.GET.get("requirement"))) is not None:
        initial["requirement"] = requirement_id
    form = forms.RecordForm(request.POST or None, request.FILES or None, people=people, requirements=requirements,
                            initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.training_record(
                actor=request.user, person=data["person"], requirement=data["requirement"],
                completed_on=data["completed_on"], level=data["level"], expires_on=data["expires_on"],
                trainer=data["trainer"], evidence=data["evidence"], notes=data["notes"],
                evidence_file=data.get("evidence_file"),
            )
        except REFUSALS as exc:
            form_errors(form, exc)
        else:
            messages.success(request, f"Training recorded for {entry.person.display_name}.")
            return redirect("training:person", entry.person_id)
    return render(request, "training/form.html", {"form": form, "title": "Record training", "multipart": True,
                                                  "back": reverse("training:home")})
